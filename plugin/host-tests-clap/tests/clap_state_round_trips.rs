//! CLAP state (what a DAW stores in its project): every parameter survives
//! save → load into a fresh instance, the loaded values really drive the
//! DSP, and corrupt or hostile blobs never crash the plugin or lift the
//! ceiling.
//!
//! nice-plug's CLAP state is an 8-byte little-endian length followed by
//! JSON (`{"params":{"ceiling":{"f32":-1.0},…}}`); the hostile-value test
//! edits that JSON the way a broken or malicious project file could.

use headroom_dsp::{ParamValues, PARAMS};
use headroom_host_tests_clap::audio::{
    assert_finite, max_difference, reference_chain_output, true_peak_dbtp,
};
use headroom_host_tests_clap::clap::{ClapPlugin, ParamChange};
use headroom_host_tests_clap::{clap_bundle, non_default, param_hash};
use headroom_testdata::signals::{self, Noise};

const RATE: u32 = 48_000;

fn non_default_values() -> ParamValues {
    let mut v = ParamValues::default();
    for spec in &PARAMS {
        v.set(spec.id, non_default(spec));
    }
    v
}

fn silence_then_hot_music() -> Vec<f32> {
    let mut x = signals::silence(RATE, 0.5);
    x.extend(signals::hot_float(RATE, 1.5));
    x
}

/// Every parameter's current CLAP value, in table order.
fn snapshot(plugin: &mut ClapPlugin) -> Vec<f64> {
    PARAMS
        .iter()
        .map(|s| plugin.param_value(param_hash(s.key)).unwrap())
        .collect()
}

fn with_length_prefix(json: &[u8]) -> Vec<u8> {
    let mut blob = (json.len() as u64).to_le_bytes().to_vec();
    blob.extend_from_slice(json);
    blob
}

/// Non-default values set through `params.flush`, saved, loaded into a
/// fresh instance: every value reads back equal, displays as set, and the
/// fresh instance's audio is the DSP chain's with exactly those values.
#[test]
fn every_parameter_survives_save_and_load_into_a_fresh_instance() {
    let mut original = ClapPlugin::load(&clap_bundle());
    let changes: Vec<(u32, f64)> = PARAMS
        .iter()
        .map(|s| (param_hash(s.key), original.value_for(s, non_default(s))))
        .collect();
    original.flush_params(&changes);
    let set = snapshot(&mut original);
    for ((spec, &(_, sent)), now) in PARAMS.iter().zip(&changes).zip(&set) {
        assert!(
            (now - sent).abs() < 1e-6,
            "{}: flush sent {sent}, reads {now}",
            spec.key
        );
    }
    let blob = original.save_state().expect("state save failed");

    let mut restored = ClapPlugin::load(&clap_bundle());
    assert!(
        restored.load_state(&blob),
        "the plugin refused its own state"
    );
    let loaded = snapshot(&mut restored);
    for ((spec, a), b) in PARAMS.iter().zip(&set).zip(&loaded) {
        assert!((a - b).abs() < 1e-6, "{}: saved {a}, loaded {b}", spec.key);
        let text = restored.value_to_text(param_hash(spec.key), *b).unwrap();
        assert_eq!(text, spec.format(non_default(spec)), "{}", spec.key);
    }

    restored.activate(RATE as f64, 512, 2).unwrap();
    let input = silence_then_hot_music();
    let output = restored.process_interleaved(&input, &[512], &[]);
    assert_finite(&output, "restored output");
    let tp = true_peak_dbtp(&output, 2);
    assert!(
        tp <= -6.0,
        "restored −6 dBTP ceiling: output at {tp:.4} dBTP"
    );
    let expected = reference_chain_output(RATE, 2, non_default_values(), &input, &[512]);
    let (diff, at) = max_difference(&output, &expected);
    assert!(
        diff <= 1e-6,
        "restored instance differs from the chain by {diff} at {at}"
    );
}

/// Automation sent while processing, state saved while active and loaded
/// into another active instance: values match, and the new ceiling holds
/// in that instance's following audio.
#[test]
fn state_saved_and_loaded_while_active_round_trips() {
    let mut original = ClapPlugin::load(&clap_bundle());
    let changes: Vec<ParamChange> = PARAMS
        .iter()
        .enumerate()
        .map(|(i, s)| ParamChange {
            frame: 100 * i,
            id: param_hash(s.key),
            value: original.value_for(s, non_default(s)),
        })
        .collect();
    original.activate(RATE as f64, 256, 2).unwrap();
    original.process_interleaved(&signals::sine(RATE, 0.2, 440.0, 0.3), &[256], &changes);
    let blob = original.save_state().expect("state save failed");
    let set = snapshot(&mut original);

    let mut restored = ClapPlugin::load(&clap_bundle());
    restored.activate(RATE as f64, 256, 2).unwrap();
    restored.process_interleaved(&signals::sine(RATE, 0.1, 440.0, 0.3), &[256], &[]);
    assert!(restored.load_state(&blob), "state refused while active");
    let loaded = snapshot(&mut restored);
    for ((spec, a), b) in PARAMS.iter().zip(&set).zip(&loaded) {
        assert!((a - b).abs() < 1e-6, "{}: saved {a}, loaded {b}", spec.key);
    }
    let output = restored.process_interleaved(&silence_then_hot_music(), &[256], &[]);
    let tp = true_peak_dbtp(&output, 2);
    assert!(
        tp <= -6.0,
        "ceiling from the loaded state: output at {tp:.4} dBTP"
    );
}

/// Empty, truncated, mis-sized, garbled and random blobs: `load` fails and
/// leaves every value as it was, or succeeds with every value in range;
/// either way the plugin keeps working and keeps the ceiling.
#[test]
fn corrupt_state_blobs_never_crash_or_lift_the_ceiling() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    let ceiling = PARAMS.iter().find(|s| s.key == "ceiling").unwrap();
    let minus_6 = plugin.value_for(ceiling, -6.0);
    plugin.flush_params(&[(param_hash("ceiling"), minus_6)]);
    let valid = plugin.save_state().unwrap();
    let json = &valid[8..];
    let mut noise = Noise::new(3);
    let random: Vec<u8> = (0..4096)
        .map(|_| (noise.sample() * 127.0 + 128.0) as u8)
        .collect();
    let garbled: Vec<u8> = json
        .iter()
        .map(|&b| if b == b'{' { b'[' } else { b })
        .collect();
    let blobs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("three bytes", vec![1, 2, 3]),
        ("zero length", 0u64.to_le_bytes().to_vec()),
        ("huge length", u64::MAX.to_le_bytes().to_vec()),
        (
            "length past the end",
            [100u64.to_le_bytes().to_vec(), vec![b'{'; 10]].concat(),
        ),
        ("truncated", valid[..valid.len() / 2].to_vec()),
        (
            "json cut short",
            with_length_prefix(&json[..json.len() / 2]),
        ),
        ("garbled json", with_length_prefix(&garbled)),
        ("json null", with_length_prefix(b"null")),
        ("empty object", with_length_prefix(b"{}")),
        ("random bytes", random),
    ];
    for (what, blob) in &blobs {
        let before = snapshot(&mut plugin);
        let accepted = plugin.load_state(blob);
        let after = snapshot(&mut plugin);
        if accepted {
            for (spec, v) in PARAMS.iter().zip(&after) {
                assert!(
                    v.is_finite() && (0.0..=1.0).contains(v),
                    "{what}: {} = {v}",
                    spec.key
                );
            }
        } else {
            assert_eq!(before, after, "{what}: refused, yet values changed");
        }
        eprintln!("{what}: {}", if accepted { "accepted" } else { "refused" });
    }
    assert!(
        !plugin.load_state(&[]),
        "an empty blob cannot be a valid state"
    );
    assert!(
        plugin.save_state().is_some(),
        "state save broken after corrupt loads"
    );
    plugin.activate(RATE as f64, 512, 2).unwrap();
    let output = plugin.process_interleaved(&silence_then_hot_music(), &[512], &[]);
    assert_finite(&output, "output after corrupt loads");
    let tp = true_peak_dbtp(&output, 2);
    assert!(
        tp <= -1.0,
        "after corrupt loads: {tp:.4} dBTP over the default ceiling"
    );
}

/// A project file asking for a +30 dBTP ceiling (out of range) or giving
/// the ceiling the wrong type: no crash, and the output never exceeds
/// −0.1 dBTP.
#[test]
fn hostile_values_in_a_state_are_clamped() {
    let mut probe = ClapPlugin::load(&clap_bundle());
    let valid = probe.save_state().unwrap();
    let json = String::from_utf8(valid[8..].to_vec()).unwrap();
    let field = "\"ceiling\":{\"f32\":-1.0}";
    assert!(json.contains(field), "state layout changed: {json}");
    for replacement in ["\"ceiling\":{\"f32\":30.0}", "\"ceiling\":{\"bool\":true}"] {
        let blob = with_length_prefix(json.replace(field, replacement).as_bytes());
        let mut plugin = ClapPlugin::load(&clap_bundle());
        let accepted = plugin.load_state(&blob);
        let shown = plugin.param_value(param_hash("ceiling")).unwrap();
        assert!(
            (0.0..=1.0).contains(&shown),
            "{replacement}: host now sees ceiling value {shown}, outside the CLAP range 0..1"
        );
        plugin.activate(RATE as f64, 512, 2).unwrap();
        let output = plugin.process_interleaved(&silence_then_hot_music(), &[512], &[]);
        assert_finite(&output, replacement);
        let tp = true_peak_dbtp(&output, 2);
        eprintln!("{replacement}: accepted={accepted}, output {tp:.3} dBTP");
        assert!(tp <= -0.1, "{replacement}: output at {tp:.4} dBTP");
    }
}
