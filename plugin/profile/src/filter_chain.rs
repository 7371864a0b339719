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
//! plugin, stereo in, stereo out. Its controls are the parameter table's
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
}

impl Default for FilterChainOptions {
    fn default() -> Self {
        FilterChainOptions {
            node_name: DEFAULT_NODE_NAME.to_string(),
            description: "headroom (processed)".to_string(),
            params: ParamValues::default(),
            meter_instance: 1,
            target: None,
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
{indent}            inputs = [ \"{n}:in_l\" \"{n}:in_r\" ]
{indent}            outputs = [ \"{n}:out_l\" \"{n}:out_r\" ]
{indent}            capture.volumes = [
{indent}                {{ control = \"{n}:volume_l\" min = 0.0 max = 1.0 scale = linear }}
{indent}                {{ control = \"{n}:volume_r\" min = 0.0 max = 1.0 scale = linear }}
{indent}            ]
{indent}        }}
{indent}        audio.channels = {channels}
{indent}        audio.position = [ FL FR ]
{indent}        capture.props = {{
{indent}            node.name = {name}
{indent}            media.class = Audio/Sink
{indent}        }}
{indent}        playback.props = {{
{indent}            node.name = {output}
{indent}            node.passive = true{target}
{indent}        }}
{indent}    }}
{indent}}}
",
        desc = quote(&opts.description),
        uri = quote(LV2_URI),
        channels = crate::rules::PROCESSED_SINK_CHANNELS,
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
        // Balanced braces and brackets: a cheap guard against a broken template.
        for (open, close) in [('{', '}'), ('[', ']')] {
            let depth = text.chars().fold(0i32, |d, c| {
                assert!(d >= 0);
                d + (c == open) as i32 - (c == close) as i32
            });
            assert_eq!(depth, 0, "unbalanced {open}{close}");
        }
    }
}
