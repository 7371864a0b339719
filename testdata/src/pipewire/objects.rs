//! What `pw-cli` shows of the graph (objects with their global
//! properties: nodes, links, metadata, clients) and the graph changes made
//! through it (null sinks).

use std::io;
use std::time::Duration;

use super::{PwGraph, STARTUP_TIMEOUT};

/// One object as `pw-cli ls` lists it: id, interface and global properties.
#[derive(Debug, Clone, PartialEq)]
pub struct PwObject {
    pub id: u32,
    /// Interface type, e.g. `PipeWire:Interface:Node/3`.
    pub kind: String,
    pub props: Vec<(String, String)>,
}

impl PwObject {
    /// The value of the global property `key`, if set.
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` parsed as an object id (`link.input.node`, …).
    pub fn prop_id(&self, key: &str) -> Option<u32> {
        self.prop(key)?.parse().ok()
    }
}

/// Parses the text `pw-cli ls [TYPE]` prints:
/// `\tid 41, type PipeWire:Interface:Node/3` then ` \t\tkey = "value"` lines.
pub fn parse_pw_cli_ls(text: &str) -> Vec<PwObject> {
    let mut objects: Vec<PwObject> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("id ") {
            let Some((id, kind)) = rest.split_once(", type ") else {
                continue;
            };
            if let Ok(id) = id.trim().parse() {
                objects.push(PwObject {
                    id,
                    kind: kind.trim().to_string(),
                    props: Vec::new(),
                });
            }
        } else if let (Some((key, value)), Some(object)) =
            (line.split_once(" = "), objects.last_mut())
        {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            object
                .props
                .push((key.trim().to_string(), value.to_string()));
        }
    }
    objects
}

impl PwGraph {
    /// Runs `pw-cli ARGS…` against this graph; its stdout on success.
    pub fn pw_cli(&self, args: &[&str]) -> io::Result<String> {
        let mut cmd = self.command("pw-cli");
        cmd.args(args);
        let out = self.run(cmd, STARTUP_TIMEOUT)?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "pw-cli {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(stdout)
    }

    /// The whole graph as `pw-dump` prints it (a JSON array).
    pub fn dump(&self) -> io::Result<String> {
        let out = self.run(self.command("pw-dump"), STARTUP_TIMEOUT)?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "pw-dump failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Objects of one interface (`Node`, `Link`, `Port`, `Client`, `Metadata`…).
    pub fn objects(&self, kind: &str) -> io::Result<Vec<PwObject>> {
        Ok(parse_pw_cli_ls(&self.pw_cli(&["ls", kind])?))
    }

    /// The node whose `node.name` is `name`, if it exists now.
    pub fn find_node(&self, name: &str) -> io::Result<Option<PwObject>> {
        Ok(self
            .objects("Node")?
            .into_iter()
            .find(|n| n.prop("node.name") == Some(name)))
    }

    /// Waits until a node named `name` exists.
    pub fn wait_for_node(&mut self, name: &str, timeout: Duration) -> io::Result<PwObject> {
        self.wait_for(&format!("node `{name}`"), timeout, |g| g.find_node(name))
    }

    /// Links from node `from` to node `to` (all ports), as they are now.
    pub fn links(&self, from: u32, to: u32) -> io::Result<Vec<PwObject>> {
        Ok(self
            .objects("Link")?
            .into_iter()
            .filter(|l| {
                l.prop_id("link.output.node") == Some(from)
                    && l.prop_id("link.input.node") == Some(to)
            })
            .collect())
    }

    /// Waits until at least `ports` links go from node `from` to node `to`.
    pub fn wait_for_links(
        &mut self,
        from: u32,
        to: u32,
        ports: usize,
        timeout: Duration,
    ) -> io::Result<Vec<PwObject>> {
        self.wait_for(
            &format!("{ports} links from node {from} to node {to}"),
            timeout,
            |g| {
                let links = g.links(from, to)?;
                Ok((links.len() >= ports).then_some(links))
            },
        )
    }

    /// Creates a stereo (FL FR) null sink named `name` that stays after
    /// `pw-cli` exits, and waits until it exists.
    pub fn create_null_sink(&mut self, name: &str) -> io::Result<PwObject> {
        self.create_null_sink_with(name, &[])
    }

    /// [`PwGraph::create_null_sink`] with more node properties (`key`,
    /// `value`; values without spaces), e.g. `device.form-factor` and
    /// `device.bus` to stand in for real headphones or a USB device.
    pub fn create_null_sink_with(
        &mut self,
        name: &str,
        extra: &[(&str, &str)],
    ) -> io::Result<PwObject> {
        self.create_null_sink_at(name, &["FL", "FR"], extra)
    }

    /// [`PwGraph::create_null_sink_with`] with the channels at
    /// `positions` (`["FL", "FR", "FC", "LFE", "RL", "RR"]`: a 5.1 device).
    pub fn create_null_sink_at(
        &mut self,
        name: &str,
        positions: &[&str],
        extra: &[(&str, &str)],
    ) -> io::Result<PwObject> {
        let extra: String = extra.iter().map(|(k, v)| format!(" {k}={v}")).collect();
        let props = format!(
            "{{ factory.name=support.null-audio-sink node.name={name} \
             node.description={name} media.class=Audio/Sink object.linger=true \
             audio.channels={} audio.position=[{}]{extra} }}",
            positions.len(),
            positions.join(" ")
        );
        self.pw_cli(&["create-node", "adapter", &props])?;
        self.wait_for_node(name, STARTUP_TIMEOUT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pw_cli_ls_output() {
        let text = "\tid 41, type PipeWire:Interface:Node/3\n \t\tobject.serial = \"46\"\n \
                    \t\tnode.name = \"speakers\"\n\tid 54, type PipeWire:Interface:Link/3\n \
                    \t\tlink.output.node = \"50\"\n \t\tlink.input.node = \"41\"\n";
        let objects = parse_pw_cli_ls(text);
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].id, 41);
        assert_eq!(objects[0].prop("node.name"), Some("speakers"));
        assert_eq!(objects[0].prop("object.serial"), Some("46"));
        assert_eq!(objects[1].kind, "PipeWire:Interface:Link/3");
        assert_eq!(objects[1].prop_id("link.input.node"), Some(41));
        assert_eq!(objects[1].prop("node.name"), None);
    }
}
