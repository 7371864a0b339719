//! The built `headroom.vst3` loads and runs in a real VST3 host: a small
//! host written on the `vst3` crate (the same bindings nice-plug builds on,
//! see `src/vst3.rs`), chosen over Ardour's `ardour-vst3-scanner` because it
//! needs no system package and can also process audio. It `dlopen`s the
//! bundle's `.so`, calls `ModuleEntry` and `GetPluginFactory`, enumerates
//! the classes, creates the component, and drives `IAudioProcessor` and
//! `IEditController` as a DAW does.

use headroom_dsp::{Chain, PARAMS};
use headroom_host_tests_clap::audio::{assert_finite, left_channel, true_peak_dbtp};
use headroom_host_tests_clap::vst3::{Vst3Module, Vst3Plugin};
use headroom_host_tests_clap::{param_hash, vst3_binary};
use headroom_testdata::signals;

const RATE: u32 = 48_000;
const BLOCK: usize = 512;

fn instance() -> (Vst3Module, Vst3Plugin) {
    let module = Vst3Module::load(&vst3_binary());
    let class = module
        .classes()
        .into_iter()
        .find(|c| c.category == "Audio Module Class")
        .expect("no Audio Module Class");
    let plugin = module.create(class.cid);
    (module, plugin)
}

fn silence_then_hot_music() -> Vec<f32> {
    let mut x = signals::silence(RATE, 0.5);
    x.extend(signals::hot_float(RATE, 2.0));
    x
}

/// The factory offers one audio effect class named "headroom" by vendor
/// "headroom", categorised as an effect (`Fx`).
#[test]
fn factory_offers_one_audio_module_class_named_headroom() {
    let module = Vst3Module::load(&vst3_binary());
    assert_eq!(module.vendor(), "headroom");
    let classes = module.classes();
    let audio: Vec<_> = classes
        .iter()
        .filter(|c| c.category == "Audio Module Class")
        .collect();
    assert_eq!(audio.len(), 1, "classes: {classes:#?}");
    let class = audio[0];
    assert_eq!(class.name, "headroom");
    assert_eq!(class.vendor, "headroom");
    assert!(
        class.subcategories.split('|').any(|s| s == "Fx"),
        "subcategories {:?} lack Fx",
        class.subcategories
    );
}

/// Stereo in/out buses, and the parameter table as VST3 parameters: ids,
/// titles, toggles as one-step parameters, defaults displayed as the table
/// formats them.
#[test]
fn buses_are_stereo_and_parameters_are_the_table() {
    let (_module, plugin) = instance();
    for input in [true, false] {
        let buses = plugin.audio_buses(input);
        assert_eq!(buses.len(), 1, "input={input}: {buses:?}");
        assert_eq!(buses[0].1, 2, "input={input}: {buses:?}");
    }
    let params = plugin.params();
    assert_eq!(params.len(), PARAMS.len(), "{params:#?}");
    for (p, spec) in params.iter().zip(PARAMS.iter()) {
        assert_eq!(p.id, param_hash(spec.key), "{}: id", spec.key);
        assert_eq!(p.title, spec.name, "{}: title", spec.key);
        assert_eq!(
            p.step_count,
            i32::from(spec.is_toggle()),
            "{}: steps",
            spec.key
        );
        let text = plugin.param_text(p.id, p.default_normalized);
        assert_eq!(
            text,
            spec.format(spec.default),
            "{}: default text",
            spec.key
        );
        assert!((plugin.param_normalized(p.id) - p.default_normalized).abs() < 1e-6);
    }
}

/// 48 kHz, stereo, 512-frame blocks: reported latency is the chain's, and
/// music at +24 dBFS comes out finite and at most −1 dBTP by the
/// independent meter, near the ceiling rather than muted.
#[test]
fn loud_music_stays_under_the_default_ceiling() {
    let (_module, mut plugin) = instance();
    plugin.activate(RATE as f64, BLOCK, 2);
    let expected = Chain::new(RATE as f32, 2).unwrap().latency_samples() as u32;
    assert_eq!(plugin.latency(), expected, "reported latency");
    let output = plugin.process_interleaved(&silence_then_hot_music(), BLOCK, &[]);
    assert_finite(&output, "VST3 output");
    let tp = true_peak_dbtp(&output, 2);
    assert!(
        tp <= -1.0,
        "true peak {tp:.4} dBTP over the −1 dBTP ceiling"
    );
    assert!(tp > -7.0, "output implausibly quiet: {tp:.2} dBTP");
}

/// A ceiling change to −6 dBTP sent through `IParameterChanges` at frame
/// 0 holds over the whole output, and the controller reads it back.
#[test]
fn ceiling_automation_through_parameter_changes_holds() {
    let (_module, mut plugin) = instance();
    let id = param_hash("ceiling");
    let value = plugin.plain_to_normalized(id, -6.0);
    assert_eq!(plugin.param_text(id, value), "-6.0 dBTP");
    plugin.activate(RATE as f64, BLOCK, 2);
    let output = plugin.process_interleaved(&silence_then_hot_music(), BLOCK, &[(0, id, value)]);
    assert_finite(&output, "VST3 output");
    let tp = true_peak_dbtp(&output, 2);
    assert!(
        tp <= -6.0,
        "true peak {tp:.4} dBTP over the −6 dBTP ceiling"
    );
    assert!(tp > -9.0, "limiter not near the ceiling: {tp:.2} dBTP");
    assert!((plugin.param_normalized(id) - value).abs() < 1e-6);
}

/// The mono arrangement is accepted and limits too.
#[test]
fn mono_arrangement_processes_and_limits() {
    let (_module, mut plugin) = instance();
    plugin.activate(RATE as f64, BLOCK, 1);
    let output = plugin.process_interleaved(&left_channel(&silence_then_hot_music()), BLOCK, &[]);
    assert_finite(&output, "mono output");
    let tp = true_peak_dbtp(&output, 1);
    assert!(tp <= -1.0 && tp > -7.0, "mono true peak {tp:.3} dBTP");
}

/// `getState` → `setState` on a fresh instance carries the automated
/// ceiling over; corrupt streams are refused without a crash.
#[test]
fn state_round_trips_through_ibstream() {
    let (_module, mut original) = instance();
    let id = param_hash("ceiling");
    let value = original.plain_to_normalized(id, -6.0);
    original.activate(RATE as f64, BLOCK, 2);
    original.process_interleaved(&signals::silence(RATE, 0.05), BLOCK, &[(0, id, value)]);
    let blob = original.get_state();

    let (_module2, mut restored) = instance();
    assert!(
        restored.set_state(&blob),
        "the plugin refused its own state"
    );
    assert!((restored.param_normalized(id) - value).abs() < 1e-6);
    for corrupt in [&b""[..], b"{", b"not json at all", &blob[..blob.len() / 2]] {
        assert!(
            !restored.set_state(corrupt),
            "accepted corrupt state {corrupt:?}"
        );
    }
    assert!((restored.param_normalized(id) - value).abs() < 1e-6);
    restored.activate(RATE as f64, BLOCK, 2);
    let output = restored.process_interleaved(&silence_then_hot_music(), BLOCK, &[]);
    let tp = true_peak_dbtp(&output, 2);
    assert!(tp <= -6.0, "restored ceiling: {tp:.4} dBTP");
}
