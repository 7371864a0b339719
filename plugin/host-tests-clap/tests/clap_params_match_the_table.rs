//! What a CLAP host sees of the parameters is exactly the table in
//! `headroom_dsp::PARAMS`: same count and order, ids derived from the
//! stable string keys, the table's names, and — through the plugin's own
//! value/text conversion — the table's range, default and unit.
//!
//! nice-plug publishes CLAP values normalised to 0..1 (toggles: 0 or 1,
//! stepped), so the plain range is checked through `value_to_text` at the
//! reported min, max and default.

use headroom_dsp::PARAMS;
use headroom_host_tests_clap::clap::ClapPlugin;
use headroom_host_tests_clap::{clap_bundle, param_hash};

/// Count, order, ids, names, flags and the normalised domain.
#[test]
fn every_table_row_is_a_clap_parameter_in_order() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    let params = plugin.params();
    let keys: Vec<_> = PARAMS.iter().map(|p| p.key).collect();
    assert_eq!(
        params.len(),
        PARAMS.len(),
        "table keys: {keys:?}, host sees {params:#?}"
    );
    for (info, spec) in params.iter().zip(PARAMS.iter()) {
        assert_eq!(info.id, param_hash(spec.key), "{}: id", spec.key);
        assert_eq!(info.name, spec.name, "{}: name", spec.key);
        assert_eq!(info.stepped, spec.is_toggle(), "{}: stepped flag", spec.key);
        assert!(info.automatable, "{}: not automatable", spec.key);
        assert!(
            info.min < info.max && (info.min..=info.max).contains(&info.default),
            "{}: bad domain {info:?}",
            spec.key
        );
    }
}

/// The reported min, max and default display as the table's min, max and
/// default with the table's unit (e.g. `-1.0 dBTP`), and a fresh instance
/// holds the default.
#[test]
fn range_default_and_unit_match_the_table() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for info in plugin.params() {
        let spec = PARAMS
            .iter()
            .find(|s| param_hash(s.key) == info.id)
            .unwrap_or_else(|| panic!("parameter {info:?} is not in the table"));
        for (what, clap_value, plain) in [
            ("min", info.min, spec.min),
            ("max", info.max, spec.max),
            ("default", info.default, spec.default),
        ] {
            let text = plugin
                .value_to_text(info.id, clap_value)
                .unwrap_or_else(|| panic!("{}: value_to_text failed", spec.key));
            assert_eq!(text, spec.format(plain), "{}: {what}", spec.key);
            let label = spec.unit.label();
            assert!(
                text.ends_with(label),
                "{}: {text:?} lacks unit {label:?}",
                spec.key
            );
        }
        let current = plugin.param_value(info.id).unwrap();
        assert!(
            (current - info.default).abs() < 1e-6,
            "{}: fresh instance holds {current}, default is {}",
            spec.key,
            info.default
        );
    }
    let ceiling_id = param_hash("ceiling");
    let ceiling = plugin.param_value(ceiling_id).unwrap();
    assert_eq!(
        plugin.value_to_text(ceiling_id, ceiling).as_deref(),
        Some("-1.0 dBTP")
    );
}

/// Typing a value (with or without its unit) gives a value that displays
/// as what was typed: `text_to_value` and `value_to_text` agree across the
/// range.
#[test]
fn typed_values_round_trip_through_text() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for spec in &PARAMS {
        let id = param_hash(spec.key);
        let steps: &[f32] = if spec.is_toggle() {
            &[0.0, 1.0]
        } else {
            &[0.0, 0.25, 0.5, 1.0]
        };
        for &t in steps {
            let plain = ((spec.min + t * (spec.max - spec.min)) * 10.0).round() / 10.0;
            let text = spec.format(plain);
            let value = plugin
                .text_to_value(id, &text)
                .unwrap_or_else(|| panic!("{}: text_to_value({text:?}) failed", spec.key));
            let back = plugin.value_to_text(id, value).unwrap();
            assert_eq!(back, text, "{}: {text:?} → {value} → {back:?}", spec.key);
        }
        if !spec.is_toggle() {
            let bare = format!("{:.1}", spec.default);
            let value = plugin.text_to_value(id, &bare).unwrap();
            assert_eq!(
                plugin.value_to_text(id, value).unwrap(),
                spec.format(spec.default)
            );
        }
    }
}

/// Unknown ids and unparsable text are refused, not crashed on.
#[test]
fn unknown_ids_and_garbage_text_are_refused() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    let unknown = param_hash("no_such_parameter");
    assert_eq!(plugin.param_value(unknown), None);
    assert_eq!(plugin.value_to_text(unknown, 0.5), None);
    assert_eq!(plugin.text_to_value(param_hash("ceiling"), "loud"), None);
}
