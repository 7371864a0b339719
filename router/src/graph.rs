//! What the router knows of the PipeWire graph, rebuilt from
//! [`GraphEvent`]s. Pure data: no PipeWire calls, so it is unit-tested
//! directly.

use std::collections::{BTreeMap, BTreeSet};

use headroom_profile::{BusName, Route};

use crate::pw::{GraphEvent, Props};

/// `media.class` of the things the router cares about.
const SINK_CLASS: &str = "Audio/Sink";
const STREAM_CLASS: &str = "Stream/Output/Audio";
/// What the processed sink's own output stream is called: `<sink name>`
/// followed by this.
pub const OUTPUT_SUFFIX: &str = ".output";

/// The router's holding sink's name: the processed sink's with this
/// suffix (see [`crate::pw::hold`]).
pub const HOLD_SUFFIX: &str = ".hold";

/// What a named bus's sink is called: `<processed sink name>` followed by
/// this and the bus's name (`headroom.processed.bus.voice`).
pub const BUS_INFIX: &str = ".bus.";

/// The master limiter's sink: `<processed sink name>` followed by this
/// (`headroom.processed.master`). Bus names have no dots, so it never
/// reads as a bus.
pub const MASTER_SUFFIX: &str = ".master";

/// One of the processes a profile with named buses runs besides the
/// default processed sink: a bus's sink, or the master limiter every
/// processed sink's output plays into (so buses playing at once still sum
/// under one ceiling at the device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Bus(BusName),
    Master,
}

impl Stage {
    /// The stage's sink's `node.name` when the default processed sink is
    /// `own_name`.
    pub fn sink_name(self, own_name: &str) -> String {
        match self {
            Stage::Bus(bus) => format!("{own_name}{BUS_INFIX}{bus}"),
            Stage::Master => format!("{own_name}{MASTER_SUFFIX}"),
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Bus(bus) => write!(f, "bus {bus}"),
            Stage::Master => f.write_str("the master limiter"),
        }
    }
}

/// The `node.name` of `route`'s sink when the default processed sink is
/// `own_name`; `None` for [`Route::Bypass`].
pub fn sink_name_of(own_name: &str, route: Route) -> Option<String> {
    match route {
        Route::Processed => Some(own_name.to_string()),
        Route::Bus(bus) => Some(format!("{own_name}{BUS_INFIX}{bus}")),
        Route::Bypass => None,
    }
}

/// An app's stream as the rules see it: node properties, completed from
/// its client where the node lacks them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamView {
    pub id: u32,
    pub app_name: Option<String>,
    pub binary: Option<String>,
    pub role: Option<String>,
    pub node_name: Option<String>,
    /// Channels of the stream's negotiated format (else its
    /// `audio.channels` property); 0 while unknown.
    pub channels: u32,
    /// The app pinned it where it plays (`node.dont-move = true`): the
    /// session manager will not move it, so neither may the router.
    pub pinned: bool,
}

#[derive(Debug)]
pub struct Graph {
    /// `node.name` of headroom's processed sink: it and its output stream
    /// (`<name>.output`) are headroom's own, never an app or a real sink.
    own_name: String,
    nodes: BTreeMap<u32, Props>,
    clients: BTreeMap<u32, Props>,
    devices: BTreeMap<u32, Props>,
    /// Channel counts from stream nodes' negotiated formats.
    channels: BTreeMap<u32, u32>,
    /// link id → (output node, input node)
    links: BTreeMap<u32, (u32, u32)>,
    /// `default` metadata, subject 0: key → value.
    defaults: BTreeMap<String, String>,
    /// `target.object` per subject on the `default` metadata.
    targets: BTreeMap<u32, String>,
    /// Whether the initial burst after connecting has been seen.
    synced: bool,
    /// The user's own output device (`node.name`), remembered while the
    /// default sink is headroom's processed sink. Survives reconnects.
    remembered: Option<String>,
}

/// The `name` inside a `{"name": "…"}` metadata value.
fn metadata_name(value: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(value).ok()?;
    v.get("name")?.as_str().map(str::to_string)
}

impl Default for Graph {
    /// A graph whose processed sink has the default name.
    fn default() -> Self {
        Graph::new(headroom_profile::filter_chain::DEFAULT_NODE_NAME)
    }
}

impl Graph {
    /// An empty graph, for a processed sink named `own_name`.
    pub fn new(own_name: &str) -> Graph {
        Graph {
            own_name: own_name.to_string(),
            nodes: BTreeMap::new(),
            clients: BTreeMap::new(),
            devices: BTreeMap::new(),
            channels: BTreeMap::new(),
            links: BTreeMap::new(),
            defaults: BTreeMap::new(),
            targets: BTreeMap::new(),
            synced: false,
            remembered: None,
        }
    }

    /// Whether `name` is one of headroom's own nodes (the processed sink,
    /// a bus's sink, the master limiter, their output streams, the holding
    /// sink).
    pub fn is_own(&self, name: &str) -> bool {
        let Some(rest) = name.strip_prefix(self.own_name.as_str()) else {
            return false;
        };
        let sink = rest.strip_suffix(OUTPUT_SUFFIX).unwrap_or(rest);
        rest == HOLD_SUFFIX
            || sink.is_empty()
            || sink == MASTER_SUFFIX
            || sink
                .strip_prefix(BUS_INFIX)
                .is_some_and(|bus| BusName::new(bus).is_ok())
    }

    /// The processed route whose sink is named `name` (the default bus or
    /// a named one); `None` for any other node.
    pub fn route_of_sink_name(&self, name: &str) -> Option<Route> {
        let rest = name.strip_prefix(self.own_name.as_str())?;
        if rest.is_empty() {
            return Some(Route::Processed);
        }
        let bus = rest.strip_prefix(BUS_INFIX)?;
        BusName::new(bus).ok().map(Route::Bus)
    }

    /// The processed route whose sink node `id` is, if it is one of
    /// headroom's processing sinks (not the holding sink).
    pub fn route_of_sink(&self, id: u32) -> Option<Route> {
        self.node_name(id)
            .filter(|_| self.is_sink(id))
            .and_then(|name| self.route_of_sink_name(name))
    }

    /// What a move onto sink `id` by someone else means: its bus for one
    /// of headroom's processing sinks, the default processed bus for the
    /// master limiter and the holding sink (headroom's own, never a
    /// device: a stream there is meant to be processed); `None` for any
    /// other sink.
    pub fn route_meant_by(&self, id: u32) -> Option<Route> {
        self.route_of_sink(id).or_else(|| {
            (Some(id) == self.master_sink() || Some(id) == self.hold_sink())
                .then_some(Route::Processed)
        })
    }

    /// Nodes whose name is a named bus's sink's (sinks or not: see
    /// [`Graph::route_of_sink`]).
    pub fn nodes_named_like_buses(&self) -> impl Iterator<Item = u32> + '_ {
        let prefix = format!("{}{BUS_INFIX}", self.own_name);
        self.nodes
            .iter()
            .filter(move |(_, p)| {
                p.get("node.name")
                    .is_some_and(|n| n.starts_with(&prefix) && !n.ends_with(OUTPUT_SUFFIX))
            })
            .map(|(&id, _)| id)
    }

    /// Output streams of headroom's processing sinks (default bus and
    /// named ones): each plays into the master limiter while it runs,
    /// else into the real output. Not the master's own output.
    pub fn own_outputs(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter(|(_, p)| {
                p.get("node.name")
                    .and_then(|n| n.strip_suffix(OUTPUT_SUFFIX))
                    .is_some_and(|sink| self.route_of_sink_name(sink).is_some())
            })
            .map(|(&id, _)| id)
            .collect()
    }

    /// The master limiter's sink, if it is in the graph.
    pub fn master_sink(&self) -> Option<u32> {
        self.node_by_name(&Stage::Master.sink_name(&self.own_name))
            .filter(|&id| self.is_sink(id))
    }

    /// The master limiter's output stream, if it is in the graph.
    pub fn master_output(&self) -> Option<u32> {
        self.node_by_name(&format!(
            "{}{OUTPUT_SUFFIX}",
            Stage::Master.sink_name(&self.own_name)
        ))
    }

    /// The router's holding sink, if it is in the graph: where processed
    /// streams wait, silent, while the processed sink is down.
    pub fn hold_sink(&self) -> Option<u32> {
        self.node_by_name(&format!("{}{HOLD_SUFFIX}", self.own_name))
            .filter(|&id| self.is_sink(id))
    }

    /// Folds one event in. `Connected` and `Disconnected` start afresh.
    pub fn apply(&mut self, event: &GraphEvent) {
        match event {
            GraphEvent::Connected | GraphEvent::Disconnected { .. } => {
                let mut fresh = Graph::new(&self.own_name);
                fresh.remembered = self.remembered.take();
                *self = fresh;
            }
            GraphEvent::Synced => self.synced = true,
            // Stream volumes are Layer A's business (`layer_a::LayerA`).
            GraphEvent::Volumes { .. } | GraphEvent::SinkControls { .. } => {}
            GraphEvent::Node { id, props } => {
                self.nodes.insert(*id, props.clone());
            }
            GraphEvent::Channels { id, channels } => {
                self.channels.insert(*id, *channels);
            }
            GraphEvent::Client { id, props } => {
                self.clients.insert(*id, props.clone());
            }
            GraphEvent::Device { id, props } => {
                self.devices.insert(*id, props.clone());
            }
            GraphEvent::Link {
                id,
                output_node,
                input_node,
            } => {
                self.links.insert(*id, (*output_node, *input_node));
            }
            GraphEvent::Removed { id } => {
                self.nodes.remove(id);
                self.clients.remove(id);
                self.devices.remove(id);
                self.links.remove(id);
                self.targets.remove(id);
                self.channels.remove(id);
            }
            GraphEvent::Metadata {
                subject,
                key,
                value,
            } => {
                if *subject == 0 {
                    match value {
                        Some(v) => self.defaults.insert(key.clone(), v.clone()),
                        None => self.defaults.remove(key),
                    };
                } else if key == "target.object" {
                    match value {
                        Some(v) => self.targets.insert(*subject, v.clone()),
                        None => self.targets.remove(subject),
                    };
                }
            }
        }
    }

    pub fn is_synced(&self) -> bool {
        self.synced
    }

    fn prop(&self, id: u32, key: &str) -> Option<&str> {
        self.nodes.get(&id)?.get(key).map(String::as_str)
    }

    /// A property of node `id` as a device rule sees it
    /// (`headroom_profile::devices`): the node's own, else its device's
    /// (by the node's `device.id`), where `device.form-factor` and
    /// `device.bus` of a sound card live.
    pub fn device_property(&self, id: u32, key: &str) -> Option<&str> {
        self.prop(id, key).or_else(|| {
            let device: u32 = self.prop(id, "device.id")?.parse().ok()?;
            self.devices.get(&device)?.get(key).map(String::as_str)
        })
    }

    pub fn node_name(&self, id: u32) -> Option<&str> {
        self.prop(id, "node.name")
    }

    /// `object.serial` of a node: what `target.object` refers to.
    pub fn serial(&self, id: u32) -> Option<u64> {
        self.prop(id, "object.serial")?.parse().ok()
    }

    pub fn is_sink(&self, id: u32) -> bool {
        self.prop(id, "media.class") == Some(SINK_CLASS)
    }

    /// The node called `name`, if any.
    pub fn node_by_name(&self, name: &str) -> Option<u32> {
        self.nodes
            .iter()
            .find(|(_, p)| p.get("node.name").map(String::as_str) == Some(name))
            .map(|(id, _)| *id)
    }

    /// The node whose `object.serial` is `serial`, if any.
    pub fn node_by_serial(&self, serial: u64) -> Option<u32> {
        let serial = serial.to_string();
        self.nodes
            .iter()
            .find(|(_, p)| p.get("object.serial") == Some(&serial))
            .map(|(id, _)| *id)
    }

    /// Sinks that are real outputs (not headroom's own).
    pub fn real_sinks(&self) -> impl Iterator<Item = u32> + '_ {
        self.nodes.keys().copied().filter(move |&id| {
            self.is_sink(id) && !self.node_name(id).is_some_and(|n| self.is_own(n))
        })
    }

    /// The real sink the user configured as default, if the configured
    /// default is a real sink (not headroom's own).
    pub fn configured_real_sink(&self) -> Option<String> {
        let name = self
            .defaults
            .get("default.configured.audio.sink")
            .and_then(|v| metadata_name(v))?;
        let id = self.node_by_name(&name)?;
        self.real_sinks().any(|s| s == id).then_some(name)
    }

    /// The current default sink's name if it is a real sink.
    pub fn default_real_sink(&self) -> Option<String> {
        let name = self
            .defaults
            .get("default.audio.sink")
            .and_then(|v| metadata_name(v))?;
        let id = self.node_by_name(&name)?;
        self.real_sinks().any(|s| s == id).then_some(name)
    }

    /// When nobody chose a device and WirePlumber made one of headroom's
    /// own sinks the default (it may, when it appears before or beside
    /// the devices), the device WirePlumber would pick among the real
    /// ones: the highest `priority.session`, then the lowest id.
    pub fn likely_real_sink(&self) -> Option<String> {
        let default = self
            .defaults
            .get("default.audio.sink")
            .and_then(|v| metadata_name(v))?;
        if !self.is_own(&default) {
            return None;
        }
        let priority = |id: u32| -> i64 {
            self.nodes
                .get(&id)
                .and_then(|p| p.get("priority.session"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        self.real_sinks()
            .max_by_key(|&id| (priority(id), std::cmp::Reverse(id)))
            .and_then(|id| self.node_name(id).map(str::to_string))
    }

    /// The configured default sink's name, whatever it is.
    pub fn configured_sink_name(&self) -> Option<String> {
        self.defaults
            .get("default.configured.audio.sink")
            .and_then(|v| metadata_name(v))
    }

    /// Remembers the user's own device (see [`Graph::real_sink`]).
    pub fn remember_sink(&mut self, name: Option<String>) {
        self.remembered = name;
    }

    pub fn remembered_sink(&self) -> Option<&str> {
        self.remembered.as_deref()
    }

    /// The user's real output, never headroom's own: the configured default
    /// if it is a real sink, else the remembered device if it exists, else
    /// the current default, else any real sink.
    pub fn real_sink(&self) -> Option<u32> {
        let real = |name: &str| {
            self.node_by_name(name)
                .filter(|id| self.real_sinks().any(|s| s == *id))
        };
        if let Some(id) = self.configured_real_sink().and_then(|n| real(&n)) {
            return Some(id);
        }
        if let Some(id) = self.remembered.as_deref().and_then(real) {
            return Some(id);
        }
        if let Some(id) = self
            .defaults
            .get("default.audio.sink")
            .and_then(|v| metadata_name(v))
            .and_then(|n| real(&n))
        {
            return Some(id);
        }
        self.real_sinks().next()
    }

    /// Every app stream (headroom's own nodes excluded).
    pub fn streams(&self) -> impl Iterator<Item = StreamView> + '_ {
        self.nodes
            .iter()
            .filter(|(_, p)| p.get("media.class").map(String::as_str) == Some(STREAM_CLASS))
            .filter(|(_, p)| !p.get("node.name").is_some_and(|n| self.is_own(n)))
            .map(|(&id, p)| self.view(id, p))
    }

    fn view(&self, id: u32, props: &Props) -> StreamView {
        let client = props
            .get("client.id")
            .and_then(|c| c.parse::<u32>().ok())
            .and_then(|c| self.clients.get(&c));
        let either = |key: &str| {
            props
                .get(key)
                .or_else(|| client.and_then(|c| c.get(key)))
                .cloned()
        };
        StreamView {
            id,
            app_name: either("application.name"),
            binary: either("application.process.binary"),
            role: props.get("media.role").cloned(),
            node_name: props.get("node.name").cloned(),
            pinned: props
                .get("node.dont-move")
                .is_some_and(|v| v == "true" || v == "1"),
            channels: self.channels.get(&id).copied().unwrap_or_else(|| {
                props
                    .get("audio.channels")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0)
            }),
        }
    }

    /// The channel positions of sink `id` (`audio.position`, written
    /// `FL,FR` or `[ FL FR ]`), in order; when it has none, the usual
    /// ones for its `audio.channels` (mono, stereo, 5.1, 7.1 and the
    /// first of 7.1's for other counts up to 8); empty when neither says.
    pub fn sink_positions(&self, id: u32) -> Vec<String> {
        if let Some(text) = self.prop(id, "audio.position") {
            let positions: Vec<String> = text
                .split(|c: char| c == ',' || c == '[' || c == ']' || c.is_whitespace())
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            if !positions.is_empty() {
                return positions;
            }
        }
        let channels: usize = self
            .prop(id, "audio.channels")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let usual: &[&str] = match channels {
            1 => &["MONO"],
            2 => &["FL", "FR"],
            6 => &["FL", "FR", "FC", "LFE", "SL", "SR"],
            3..=8 => &headroom_profile::SURROUND_POSITIONS[..channels],
            _ => &[],
        };
        usual.iter().map(|p| p.to_string()).collect()
    }

    /// The channel count of headroom's own node `id` as its config gave
    /// it (`audio.channels`, which headroom writes on both sides of every
    /// stage), else its negotiated format's; 0 while unknown.
    pub fn own_channels(&self, id: u32) -> u32 {
        self.prop(id, "audio.channels")
            .and_then(|c| c.parse().ok())
            .or_else(|| self.channels.get(&id).copied())
            .unwrap_or(0)
    }

    /// Sinks `node` is linked to, with the link ids.
    pub fn sink_links_of(&self, node: u32) -> Vec<(u32, u32)> {
        self.links
            .iter()
            .filter(|(_, (out, input))| *out == node && self.is_sink(*input))
            .map(|(&link, &(_, input))| (link, input))
            .collect()
    }

    /// Distinct sinks `node` is linked to.
    pub fn linked_sinks(&self, node: u32) -> BTreeSet<u32> {
        self.sink_links_of(node)
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    /// The `target.object` currently set for `node`.
    pub fn target_of(&self, node: u32) -> Option<&str> {
        self.targets.get(&node).map(String::as_str)
    }
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
pub(crate) use tests as tests_support;
