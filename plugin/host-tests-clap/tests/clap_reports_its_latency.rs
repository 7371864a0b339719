//! The CLAP latency extension reports exactly the DSP chain's latency
//! (lookahead + oversampling filters) at every sample rate, so hosts can
//! compensate it; and the audio really is delayed by that much.

use headroom_dsp::{Chain, ParamValues};
use headroom_host_tests_clap::audio::{reference_chain_output, SAMPLE_RATES};
use headroom_host_tests_clap::clap::ClapPlugin;
use headroom_host_tests_clap::clap_bundle;

/// `clap_plugin_latency.get` after activation equals
/// `Chain::new(rate, 2).latency_samples()` at 22.05–192 kHz.
#[test]
fn reported_latency_is_the_chain_latency_at_every_rate() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for rate in [22_050, 44_100, 48_000, 88_200, 96_000, 192_000] {
        plugin.activate(rate as f64, 512, 2).unwrap();
        let expected = Chain::new(rate as f32, 2).unwrap().latency_samples() as u32;
        let reported = plugin.latency().expect("no CLAP latency extension");
        assert_eq!(
            reported, expected,
            "{rate} Hz: plugin reports {reported} samples"
        );
        assert!(
            reported > 0,
            "{rate} Hz: a lookahead limiter cannot have zero latency"
        );
        plugin.deactivate();
    }
    assert!(
        plugin.latency_changed_calls() <= 6,
        "latency.changed called {} times for 6 activations",
        plugin.latency_changed_calls()
    );
}

/// A quiet click (far below every threshold) comes out of the plugin
/// exactly `latency` samples later — the reported figure is the real delay.
#[test]
fn a_quiet_click_comes_out_latency_samples_later() {
    for rate in SAMPLE_RATES {
        let mut plugin = ClapPlugin::load(&clap_bundle());
        plugin.activate(rate as f64, 256, 2).unwrap();
        let latency = plugin.latency().unwrap() as usize;
        let frames = rate as usize / 10;
        let click_at = 1000;
        let mut input = vec![0.0f32; 2 * frames];
        input[2 * click_at] = 0.01;
        input[2 * click_at + 1] = 0.01;
        let output = plugin.process_interleaved(&input, &[256], &[]);
        let loudest = (0..frames)
            .max_by(|&a, &b| output[2 * a].abs().total_cmp(&output[2 * b].abs()))
            .unwrap();
        assert_eq!(
            loudest,
            click_at + latency,
            "{rate} Hz: click at frame {click_at} came out at {loudest}, reported latency {latency}"
        );
        // Cross-check the DSP itself, so a mismatch points at the right side.
        let chain = reference_chain_output(rate, 2, ParamValues::default(), &input, &[256]);
        let chain_loudest = (0..frames)
            .max_by(|&a, &b| chain[2 * a].abs().total_cmp(&chain[2 * b].abs()))
            .unwrap();
        assert_eq!(
            chain_loudest, loudest,
            "{rate} Hz: plugin and chain disagree"
        );
    }
}
