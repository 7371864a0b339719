//! Parameter-value events sent in `process` (how a CLAP host automates)
//! change what the DSP does: a −6 dBTP ceiling holds by the independent
//! meter, toggles switch stages off, and an input-gain change mid-stream,
//! at an offset inside a block, changes the level by exactly that gain.

use headroom_dsp::ParamId;
use headroom_host_tests_clap::audio::{assert_finite, rms_dbfs, true_peak_dbtp};
use headroom_host_tests_clap::clap::{ClapPlugin, ParamChange};
use headroom_host_tests_clap::{clap_bundle, param_hash};
use headroom_testdata::signals;

const RATE: u32 = 48_000;

/// Half a second of silence (the ceiling glides to its new value, 20 ms
/// time constant) then 2 s of music at +24 dBFS.
fn silence_then_hot_music() -> Vec<f32> {
    let mut x = signals::silence(RATE, 0.5);
    x.extend(signals::hot_float(RATE, 2.0));
    x
}

fn run(changes: &[ParamChange], block: usize) -> (ClapPlugin, Vec<f32>) {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    plugin.activate(RATE as f64, 4096, 2).unwrap();
    let output = plugin.process_interleaved(&silence_then_hot_music(), &[block], changes);
    assert_finite(&output, "output");
    (plugin, output)
}

/// A ceiling event of −6 dBTP at frame 0 holds over the whole output
/// (measured by the independent meter), the limiter still drives close to
/// it, and the host reads the new value back.
#[test]
fn ceiling_event_lowers_the_true_peak_to_minus_6_dbtp() {
    let ceiling = ParamId::LimiterCeiling.spec();
    let mut probe = ClapPlugin::load(&clap_bundle());
    let value = probe.value_for(ceiling, -6.0);
    let change = ParamChange {
        frame: 0,
        id: param_hash(ceiling.key),
        value,
    };
    for block in [64, 512] {
        let (mut plugin, output) = run(&[change], block);
        let tp = true_peak_dbtp(&output, 2);
        assert!(
            tp <= -6.0,
            "block {block}: true peak {tp:.4} dBTP over the −6 dBTP ceiling"
        );
        assert!(
            tp > -9.0,
            "block {block}: {tp:.2} dBTP — limiter not near the ceiling"
        );
        let now = plugin.param_value(change.id).unwrap();
        assert!((now - value).abs() < 1e-6, "host reads {now}, sent {value}");
        assert_eq!(plugin.value_to_text(change.id, now).unwrap(), "-6.0 dBTP");
    }
    // Control: without the event the same input peaks above −6 dBTP, so
    // the assertion above is the event's doing.
    let (_, output) = run(&[], 512);
    let tp = true_peak_dbtp(&output, 2);
    assert!(tp > -6.0 && tp <= -1.0, "default ceiling run: {tp:.3} dBTP");
}

/// A ceiling event above the table's maximum is clamped: the output
/// still never exceeds −0.1 dBTP.
#[test]
fn ceiling_events_beyond_the_range_are_clamped() {
    let id = param_hash("ceiling");
    for value in [1.0, 2.0, 1e9] {
        let change = ParamChange {
            frame: 0,
            id,
            value,
        };
        let (_, output) = run(&[change], 256);
        let tp = true_peak_dbtp(&output, 2);
        assert!(tp <= -0.1, "ceiling value {value}: true peak {tp:.4} dBTP");
    }
}

/// AGC and compressor switched off by toggle events at frame 0; input
/// gain set to −12 dB by an event at frame 48 037 (inside a 512-frame
/// block). A −20 dBFS sine keeps its level before the change and drops by
/// 12 dB after it — nothing else touches it.
#[test]
fn toggle_and_input_gain_events_take_effect_where_sent() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    let agc = ParamId::AgcEnabled.spec();
    let comp = ParamId::CompEnabled.spec();
    let gain = ParamId::InputGain.spec();
    let changes = [
        ParamChange {
            frame: 0,
            id: param_hash(agc.key),
            value: plugin.value_for(agc, 0.0),
        },
        ParamChange {
            frame: 0,
            id: param_hash(comp.key),
            value: plugin.value_for(comp, 0.0),
        },
        ParamChange {
            frame: 48_037,
            id: param_hash(gain.key),
            value: plugin.value_for(gain, -12.0),
        },
    ];
    plugin.activate(RATE as f64, 512, 2).unwrap();
    let input = signals::sine(RATE, 2.0, 997.0, 0.1);
    let output = plugin.process_interleaved(&input, &[512], &changes);
    assert_finite(&output, "output");
    let window = |from_s: f64, to_s: f64| {
        let (a, b) = (
            (from_s * RATE as f64) as usize,
            (to_s * RATE as f64) as usize,
        );
        (2 * a, 2 * b)
    };
    let (a, b) = window(0.5, 0.95);
    let before = rms_dbfs(&output[a..b]) - rms_dbfs(&input[a..b]);
    let (a, b) = window(1.5, 2.0);
    let after = rms_dbfs(&output[a..b]) - rms_dbfs(&input[a..b]);
    assert!(
        before.abs() < 0.05,
        "gain before the change: {before:.3} dB (want 0)"
    );
    assert!(
        (after + 12.0).abs() < 0.05,
        "gain after the change: {after:.3} dB (want −12)"
    );
    for spec in [agc, comp] {
        let v = plugin.param_value(param_hash(spec.key)).unwrap();
        assert_eq!(
            plugin.value_to_text(param_hash(spec.key), v).unwrap(),
            "off"
        );
    }
}
