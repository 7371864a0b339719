//! The bundle's Turtle files, generated from the port layouts and the
//! parameter table (never written by hand, so they cannot drift). One
//! description file holds both plugins, stereo and surround.

use std::fmt::Write;

use headroom_dsp::{ParamSpec, Unit, MAX_VOLUME};

use super::ports::{Layout, Port, METERS, METER_INSTANCE_MAX, STEREO, SURROUND};
use crate::identity;

/// Name of the plugin description file in the bundle.
pub const PLUGIN_TTL: &str = "headroom.ttl";

const PREFIXES: &str = "\
@prefix doap:  <http://usefulinc.com/ns/doap#> .
@prefix foaf:  <http://xmlns.com/foaf/0.1/> .
@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .
@prefix pg:    <http://lv2plug.in/ns/ext/port-groups#> .
@prefix pprops: <http://lv2plug.in/ns/ext/port-props#> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
@prefix units: <http://lv2plug.in/ns/extensions/units#> .
";

/// The bundle's plugins: URI, `doap:name` and port layout, in
/// `lv2_descriptor` index order.
pub const PLUGINS: [(&str, &str, Layout); 2] = [
    (identity::LV2_URI, identity::NAME, STEREO),
    (identity::LV2_URI_SURROUND, "headroom surround", SURROUND),
];

/// `manifest.ttl`: where the binary and the description are.
pub fn manifest() -> String {
    let mut out = String::from(
        "@prefix lv2:  <http://lv2plug.in/ns/lv2core#> .\n\
         @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n",
    );
    for (uri, ..) in PLUGINS {
        let _ = write!(
            out,
            "\n<{uri}>\n    a lv2:Plugin ;\n    lv2:binary <{bin}> ;\n    rdfs:seeAlso <{ttl}> .\n",
            bin = identity::LV2_BINARY,
            ttl = PLUGIN_TTL,
        );
    }
    out
}

/// A number as Turtle reads it (always with a decimal point, so it is a
/// decimal, not an integer literal).
fn num(v: f32) -> String {
    let s = format!("{v}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A unit as the LV2 units extension knows it, or a custom one.
fn unit(label: &str) -> String {
    match label {
        "dB" => "units:unit units:db".into(),
        "ms" => "units:unit units:ms".into(),
        "" => String::new(),
        other => format!(
            "units:unit [ a units:Unit ; rdfs:label \"{other}\" ; units:symbol \"{other}\" ; \
             units:render \"%f {other}\" ]"
        ),
    }
}

fn param_port(out: &mut String, spec: &ParamSpec) {
    let _ = write!(
        out,
        "        a lv2:InputPort, lv2:ControlPort ;\n\
         \x20       lv2:symbol \"{}\" ;\n\
         \x20       lv2:name \"{}\" ;\n\
         \x20       rdfs:comment \"{}\" ;\n\
         \x20       lv2:default {} ;\n\
         \x20       lv2:minimum {} ;\n\
         \x20       lv2:maximum {}",
        spec.lv2_symbol,
        escape(spec.name),
        escape(spec.doc),
        num(spec.default),
        num(spec.min),
        num(spec.max),
    );
    match spec.unit {
        Unit::Toggle => out.push_str(" ;\n        lv2:portProperty lv2:toggled"),
        Unit::Ratio => {}
        u => {
            let _ = write!(out, " ;\n        {}", unit(u.label()));
        }
    }
}

/// `headroom.ttl`: every plugin of [`PLUGINS`] and all its ports.
pub fn plugin() -> String {
    let mut out = String::from(PREFIXES);
    for (uri, name, layout) in PLUGINS {
        describe(&mut out, uri, name, &layout);
    }
    out
}

/// One plugin: its metadata, then every port of `layout` in index order.
fn describe(out: &mut String, uri: &str, name: &str, layout: &Layout) {
    let _ = write!(
        out,
        "\n<{uri}>\n    a lv2:Plugin, lv2:LimiterPlugin, doap:Project ;\n\
         \x20   doap:name \"{name}\" ;\n\
         \x20   rdfs:comment \"{desc}\" ;\n\
         \x20   doap:license <https://spdx.org/licenses/MPL-2.0> ;\n\
         \x20   doap:maintainer [ foaf:name \"{vendor}\" ; foaf:homepage <{url}> ] ;\n\
         \x20   lv2:minorVersion {minor} ;\n\
         \x20   lv2:microVersion {micro} ;\n\
         \x20   lv2:optionalFeature lv2:hardRTCapable ;\n\
         \x20   lv2:port ",
        name = escape(name),
        desc = escape(identity::DESCRIPTION),
        vendor = identity::VENDOR,
        url = identity::URL,
        // LV2 versions: even minor = stable release; 0.x.y maps to (2x, y).
        minor = 2 * env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap_or(0),
        micro = env!("CARGO_PKG_VERSION_PATCH"),
    );
    for index in 0..layout.port_count() {
        let port = Port::at(layout, index).expect("ports have no gaps");
        out.push_str(if index == 0 { "[\n" } else { " , [\n" });
        let _ = writeln!(out, "        lv2:index {index} ;");
        match port {
            Port::AudioIn(channel) | Port::AudioOut(channel) => {
                let dir = if matches!(port, Port::AudioIn(..)) {
                    "lv2:InputPort"
                } else {
                    "lv2:OutputPort"
                };
                let (symbol, name) = port.symbol_and_name(layout);
                let _ = write!(
                    out,
                    "        a {dir}, lv2:AudioPort ;\n\
                     \x20       lv2:symbol \"{symbol}\" ;\n\
                     \x20       lv2:name \"{name}\""
                );
                if let Some(designation) = layout.channels[channel].designation {
                    let _ = write!(out, " ;\n        lv2:designation {designation}");
                }
            }
            Port::Param(id) => param_port(out, id.spec()),
            Port::MeterInstance => {
                let _ = write!(
                    out,
                    "        a lv2:InputPort, lv2:ControlPort ;\n\
                     \x20       lv2:symbol \"meter_instance\" ;\n\
                     \x20       lv2:name \"Meter instance\" ;\n\
                     \x20       rdfs:comment \"Publish meters to $XDG_RUNTIME_DIR/headroom/meters-N (0: do not publish).\" ;\n\
                     \x20       lv2:default 0 ;\n\
                     \x20       lv2:minimum 0 ;\n\
                     \x20       lv2:maximum {METER_INSTANCE_MAX} ;\n\
                     \x20       lv2:portProperty lv2:integer, pprops:notAutomatic"
                );
            }
            Port::Latency => {
                out.push_str(
                    "        a lv2:OutputPort, lv2:ControlPort ;\n\
                     \x20       lv2:symbol \"latency\" ;\n\
                     \x20       lv2:name \"Latency\" ;\n\
                     \x20       lv2:minimum 0 ;\n\
                     \x20       lv2:maximum 4096 ;\n\
                     \x20       lv2:portProperty lv2:reportsLatency, lv2:integer ;\n\
                     \x20       units:unit units:frame",
                );
            }
            Port::Meter(level) => {
                let (_, symbol, name, label) = METERS[level as usize];
                let (min, max) = Port::meter_range(level);
                let _ = write!(
                    out,
                    "        a lv2:OutputPort, lv2:ControlPort ;\n\
                     \x20       lv2:symbol \"{symbol}\" ;\n\
                     \x20       lv2:name \"{name}\" ;\n\
                     \x20       lv2:minimum {} ;\n\
                     \x20       lv2:maximum {} ;\n\
                     \x20       {}",
                    num(min),
                    num(max),
                    unit(label),
                );
            }
            Port::Volume(_) => {
                let (symbol, name) = port.symbol_and_name(layout);
                let _ = write!(
                    out,
                    "        a lv2:InputPort, lv2:ControlPort ;\n\
                     \x20       lv2:symbol \"{symbol}\" ;\n\
                     \x20       lv2:name \"{name}\" ;\n\
                     \x20       rdfs:comment \"The listener's volume, linear: below 1 it acts after the limiter, above 1 it drives the limiter; the ceiling holds either way.\" ;\n\
                     \x20       lv2:default 1.0 ;\n\
                     \x20       lv2:minimum 0.0 ;\n\
                     \x20       lv2:maximum {} ;\n\
                     \x20       units:unit units:coef",
                    num(MAX_VOLUME),
                );
            }
        }
        out.push_str("\n    ]");
    }
    out.push_str(" .\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_dsp::PARAMS;

    #[test]
    fn every_parameter_appears_with_the_table_values() {
        let ttl = plugin();
        for spec in PARAMS.iter() {
            let at = ttl
                .find(&format!("lv2:symbol \"{}\"", spec.lv2_symbol))
                .unwrap_or_else(|| panic!("{} missing", spec.lv2_symbol));
            let block = &ttl[at..at + ttl[at..].find(']').unwrap()];
            assert!(
                block.contains(&format!("lv2:default {} ;", num(spec.default))),
                "{block}"
            );
            assert!(
                block.contains(&format!("lv2:minimum {} ;", num(spec.min))),
                "{block}"
            );
            assert!(
                block.contains(&format!("lv2:maximum {}", num(spec.max))),
                "{block}"
            );
        }
        assert!(ttl.contains("lv2:reportsLatency"));
        assert_eq!(
            ttl.matches("lv2:index").count(),
            (STEREO.port_count() + SURROUND.port_count()) as usize
        );
    }

    #[test]
    fn both_plugins_are_in_the_manifest_and_the_description() {
        let (manifest, ttl) = (manifest(), plugin());
        for (uri, ..) in PLUGINS {
            assert_eq!(
                manifest.matches(&format!("<{uri}>")).count(),
                1,
                "{manifest}"
            );
            assert_eq!(ttl.matches(&format!("\n<{uri}>\n")).count(), 1);
        }
        let surround = &ttl[ttl.find(identity::LV2_URI_SURROUND).unwrap()..];
        for symbol in ["in_1", "out_8", "volume_8"] {
            assert!(surround.contains(&format!("lv2:symbol \"{symbol}\"")));
        }
        // Inputs and outputs, both designated.
        assert_eq!(
            surround
                .matches("lv2:designation pg:lowFrequencyEffects")
                .count(),
            2
        );
        let stereo = &ttl[..ttl.find(identity::LV2_URI_SURROUND).unwrap()];
        assert!(!stereo.contains("in_1") && !stereo.contains("lv2:designation"));
    }

    #[test]
    fn numbers_are_turtle_decimals() {
        assert_eq!(num(-1.0), "-1.0");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(24.0), "24.0");
    }
}
