//! PipeWire filter-chain configuration for the processed sink, generated
//! from a profile's parameter values.
//!
//! Two shapes of the same graph:
//! - [`standalone_config`]: a whole config file for its own process,
//!   `pipewire -c <file>` (what the router supervises and tests run);
//! - [`dropin_fragment`]: a `context.modules` fragment for
//!   `~/.config/pipewire/pipewire.conf.d/`, loading the sink into the
//!   user's own PipeWire daemon.
//!
//! The graph is one LV2 node named [`GRAPH_NODE`] running the headroom
//! plugin: the stereo one for a two-channel sink, the surround one (one
//! port per channel, all gain-linked) for 1 or 3 to 8 channels
//! ([`FilterChainOptions::positions`]). Its controls are the parameter table's
//! LV2 symbols; at runtime they are set with
//! `pw-cli set-param <node> Props '{ params = [ "headroom:ceiling" -3.0 ] }'`.
//!
//! The sink's own volume (what the desktop's volume keys, `pactl`, `wpctl`
//! and pavucontrol's sink slider set) is not applied to the stream before
//! the DSP, where the AGC would undo it: `capture.volumes` hands it to the
//! plugin's `volume_l`/`volume_r` ports, which apply it after the limiter
//! (see `headroom_dsp::volume`).

use std::fmt::Write;

use headroom_dsp::{ParamSpec, ParamValues, PARAMS};

/// URI of headroom's stereo LV2 plugin (checked against the plugin's own
/// constant by the plugin crate's tests).
pub const LV2_URI: &str = "https://github.com/headroom-audio/headroom#stereo";
/// URI of headroom's surround LV2 plugin: up to 8 linked channels, ports
/// `in_1..in_8`/`out_1..out_8`/`volume_1..volume_8` in the order FL FR FC
/// LFE RL RR SL SR (checked like [`LV2_URI`]).
pub const LV2_URI_SURROUND: &str = "https://github.com/headroom-audio/headroom#surround";
/// Name of the plugin node inside the filter graph: runtime control names
/// are `"<GRAPH_NODE>:<symbol>"`.
pub const GRAPH_NODE: &str = "headroom";
/// Default `node.name` of the processed sink.
pub const DEFAULT_NODE_NAME: &str = "headroom.processed";

/// The runtime control name of `spec` on the processed sink's node
/// (`"headroom:ceiling"`): what `Props` `params` takes.
pub fn control_name(spec: &ParamSpec) -> String {
    format!("{GRAPH_NODE}:{}", spec.lv2_symbol)
}

/// Every parameter of the table as runtime controls with its value in
/// `values`, in table order.
pub fn controls(values: &ParamValues) -> Vec<(String, f32)> {
    PARAMS
        .iter()
        .map(|spec| (control_name(spec), values.get(spec.id)))
        .collect()
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterChainOptions {
    /// `node.name` of the sink apps play into; its output stream is
    /// `<node_name>.output`.
    pub node_name: String,
    /// `node.description`: what desktop volume controls show.
    pub description: String,
    /// Initial control values (already clamped by the table).
    pub params: ParamValues,
    /// `meter_instance` control: 0 = no shared-memory meters.
    pub meter_instance: u32,
    /// `node.name` of the real sink the output goes to; `None` lets the
    /// session manager pick the default.
    pub target: Option<String>,
    /// The sink's channel positions, in order (`audio.position`), sink and
    /// output alike: two run the stereo plugin, 1 or 3 to 8 the surround
    /// plugin on its first ports; anything else is cut to the first 8.
    pub positions: Vec<String>,
}

/// [`FilterChainOptions::positions`] of a stereo sink.
pub fn stereo_positions() -> Vec<String> {
    vec!["FL".to_string(), "FR".to_string()]
}

impl Default for FilterChainOptions {
    fn default() -> Self {
        FilterChainOptions {
            node_name: DEFAULT_NODE_NAME.to_string(),
            description: "headroom (processed)".to_string(),
            params: ParamValues::default(),
            meter_instance: 1,
            target: None,
            positions: stereo_positions(),
        }
    }
}

/// A string as an SPA-JSON quoted string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The plugin's ports for `channels` channels: `(uri, inputs, outputs,
/// volumes)`, port symbols without the node prefix.
fn ports(channels: usize) -> (&'static str, Vec<String>, Vec<String>, Vec<String>) {
    if channels == 2 {
        let two = |p: &str| vec![format!("{p}_l"), format!("{p}_r")];
        return (LV2_URI, two("in"), two("out"), two("volume"));
    }
    let n = |p: &str| (1..=channels).map(|c| format!("{p}_{c}")).collect();
    (LV2_URI_SURROUND, n("in"), n("out"), n("volume"))
}

/// The `libpipewire-module-filter-chain` module entry, indented by `indent`.
fn module(opts: &FilterChainOptions, indent: &str) -> String {
    let mut controls = String::new();
    for spec in PARAMS.iter() {
        let _ = write!(
            controls,
            "\n{indent}                        {} = {}",
            quote(spec.lv2_symbol),
            opts.params.get(spec.id)
        );
    }
    let _ = write!(
        controls,
        "\n{indent}                        \"meter_instance\" = {}",
        opts.meter_instance
    );
    let target = opts
        .target
        .as_ref()
        .map(|t| format!("\n{indent}            target.object = {}", quote(t)))
        .unwrap_or_default();
    let n = GRAPH_NODE;
    let mut positions: Vec<&str> = opts.positions.iter().map(String::as_str).take(8).collect();
    if positions.is_empty() {
        positions = vec!["FL", "FR"];
    }
    let (uri, inputs, outputs, volumes) = ports(positions.len());
    let list = |ports: &[String]| -> String {
        ports
            .iter()
            .map(|p| format!("\"{n}:{p}\""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let volumes: String = volumes
        .iter()
        .map(|v| {
            format!(
                "\n{indent}                {{ control = \"{n}:{v}\" min = 0.0 max = 1.0 scale = linear }}"
            )
        })
        .collect();
    let channels = positions.len();
    let positions = positions.join(" ");
    format!(
        "{indent}{{ name = libpipewire-module-filter-chain
{indent}    args = {{
{indent}        node.description = {desc}
{indent}        media.name = {desc}
{indent}        filter.graph = {{
{indent}            nodes = [
{indent}                {{
{indent}                    type = lv2
{indent}                    name = {n}
{indent}                    plugin = {uri}
{indent}                    control = {{{controls}
{indent}                    }}
{indent}                }}
{indent}            ]
{indent}            inputs = [ {inputs} ]
{indent}            outputs = [ {outputs} ]
{indent}            capture.volumes = [{volumes}
{indent}            ]
{indent}        }}
{indent}        audio.channels = {channels}
{indent}        audio.position = [ {positions} ]
{indent}        capture.props = {{
{indent}            node.name = {name}
{indent}            media.class = Audio/Sink
{indent}            audio.channels = {channels}
{indent}        }}
{indent}        playback.props = {{
{indent}            node.name = {output}
{indent}            node.passive = true
{indent}            audio.channels = {channels}{target}
{indent}        }}
{indent}    }}
{indent}}}
",
        desc = quote(&opts.description),
        uri = quote(uri),
        inputs = list(&inputs),
        outputs = list(&outputs),
        name = quote(&opts.node_name),
        output = quote(&format!("{}.output", opts.node_name)),
    )
}

/// A complete config for `pipewire -c <file>`: the processed sink in its
/// own process (the plugin must be on `LV2_PATH`, e.g. `~/.lv2`).
pub fn standalone_config(opts: &FilterChainOptions) -> String {
    format!(
        "# headroom processed sink: generated; edits are overwritten.
# Run: pipewire -c <this file>   (the headroom LV2 bundle must be on LV2_PATH)
context.properties = {{
    # Warnings and errors only: a plugin that cannot load says so.
    log.level = 2
}}
context.spa-libs = {{
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}}
context.modules = [
    {{ name = libpipewire-module-rt
        args = {{ }}
        flags = [ ifexists nofail ]
    }}
    {{ name = libpipewire-module-protocol-native }}
    {{ name = libpipewire-module-client-node }}
    {{ name = libpipewire-module-adapter }}
{}]
",
        module(opts, "    ")
    )
}

/// A fragment for `~/.config/pipewire/pipewire.conf.d/headroom.conf`: the
/// same sink loaded into the user's main PipeWire daemon.
pub fn dropin_fragment(opts: &FilterChainOptions) -> String {
    format!(
        "# headroom processed sink: generated; edits are overwritten.
# Loaded by the user's PipeWire daemon at its next start.
context.modules = [
{}]
",
        module(opts, "    ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_dsp::ParamId;

    #[test]
    fn every_control_is_set_from_the_params() {
        let mut params = ParamValues::default();
        params.set(ParamId::LimiterCeiling, -3.5);
        let text = standalone_config(&FilterChainOptions {
            params,
            target: Some("alsa_output.\"odd\"".into()),
            ..Default::default()
        });
        for spec in PARAMS.iter() {
            assert!(
                text.contains(&format!("\"{}\" = ", spec.lv2_symbol)),
                "{}",
                spec.key
            );
        }
        assert!(text.contains("\"ceiling\" = -3.5"));
        assert!(text.contains("\"meter_instance\" = 1"));
        // The sink's volume goes to the plugin, one port per channel, as
        // the linear gain it is (min 0, max 1: no rescaling).
        assert!(
            text.contains("{ control = \"headroom:volume_l\" min = 0.0 max = 1.0 scale = linear }")
        );
        assert!(text.contains("\"headroom:volume_r\""));
        assert!(text.contains("node.name = \"headroom.processed\""));
        assert!(text.contains("node.name = \"headroom.processed.output\""));
        assert!(text.contains("target.object = \"alsa_output.\\\"odd\\\"\""));
        assert!(text.contains(&format!("plugin = \"{LV2_URI}\"")));
        assert!(text.contains("inputs = [ \"headroom:in_l\" \"headroom:in_r\" ]"));
        assert!(text.contains("audio.position = [ FL FR ]"));
        balanced(&text);
    }

    /// Balanced braces and brackets: a cheap guard against a broken template.
    fn balanced(text: &str) {
        for (open, close) in [('{', '}'), ('[', ']')] {
            let depth = text.chars().fold(0i32, |d, c| {
                assert!(d >= 0);
                d + (c == open) as i32 - (c == close) as i32
            });
            assert_eq!(depth, 0, "unbalanced {open}{close}");
        }
    }

    #[test]
    fn other_than_two_channels_run_the_surround_plugin_one_port_each() {
        let positions = |p: &str| p.split(' ').map(str::to_string).collect::<Vec<_>>();
        let six = standalone_config(&FilterChainOptions {
            positions: positions("FL FR FC LFE SL SR"),
            ..Default::default()
        });
        assert!(six.contains(&format!("plugin = \"{LV2_URI_SURROUND}\"")));
        assert!(six.contains(
            "inputs = [ \"headroom:in_1\" \"headroom:in_2\" \"headroom:in_3\" \
             \"headroom:in_4\" \"headroom:in_5\" \"headroom:in_6\" ]"
        ));
        assert!(six.contains("\"headroom:out_6\" ]"));
        assert!(six.contains("control = \"headroom:volume_6\""));
        assert!(!six.contains("volume_7"));
        assert!(six.contains("audio.channels = 6\n"));
        assert!(six.contains("audio.position = [ FL FR FC LFE SL SR ]"));
        balanced(&six);
        let mono = standalone_config(&FilterChainOptions {
            positions: positions("MONO"),
            ..Default::default()
        });
        assert!(mono.contains("inputs = [ \"headroom:in_1\" ]"));
        assert!(mono.contains("audio.position = [ MONO ]"));
        // More than the plugin's 8 are cut to the first 8; none is stereo.
        let many = standalone_config(&FilterChainOptions {
            positions: (0..12).map(|i| format!("AUX{i}")).collect(),
            ..Default::default()
        });
        assert!(many.contains("audio.channels = 8\n") && many.contains("AUX7 ]"));
        let none = standalone_config(&FilterChainOptions {
            positions: Vec::new(),
            ..Default::default()
        });
        assert!(none.contains("audio.position = [ FL FR ]"));
    }
}
