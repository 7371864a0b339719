//! Activated at 44.1, 48 and 96 kHz and fed blocks of 1 to 4096 frames
//! (fixed and changing from call to call), the CLAP plugin turns every
//! torture signal into finite audio whose true peak — measured by the
//! independent 16× reference meter — never exceeds the default −1 dBTP
//! ceiling; and its output is the DSP chain's output, sample for sample.

use headroom_dsp::ParamValues;
use headroom_host_tests_clap::audio::{
    assert_finite, assert_holds_the_ceiling, max_difference, reference_chain_output,
    torture_stream, true_peak_dbtp, BLOCK_SIZES, DEFAULT_CEILING_DBTP, SAMPLE_RATES,
};
use headroom_host_tests_clap::clap::ClapPlugin;
use headroom_host_tests_clap::clap_bundle;

/// Seconds of each torture signal per run.
const SECONDS_EACH: f64 = 0.3;

/// Every rate × every block size: finite, under the ceiling, and not
/// silenced (the limiter holds the level near the ceiling rather than
/// muting).
#[test]
fn torture_signals_stay_under_the_ceiling_at_every_rate_and_block_size() {
    for rate in SAMPLE_RATES {
        let input = torture_stream(rate, SECONDS_EACH);
        for block in BLOCK_SIZES {
            let mut plugin = ClapPlugin::load(&clap_bundle());
            plugin.activate(rate as f64, 4096, 2).unwrap();
            let output = plugin.process_interleaved(&input, &[block], &[]);
            let what = format!("{rate} Hz, block {block}");
            assert_finite(&output, &what);
            let tp = true_peak_dbtp(&output, 2);
            eprintln!("{what}: output true peak {tp:.3} dBTP");
            assert_holds_the_ceiling(tp, &what);
        }
    }
}

/// Hosts change the block size between calls (variable-size callbacks,
/// split blocks around automation): the ceiling still holds, and the
/// output equals the DSP chain's for the same block sequence.
#[test]
fn changing_block_sizes_between_calls_is_transparent() {
    let rate = 48_000;
    let sizes = [1, 4096, 7, 2, 511, 64, 3, 1000];
    let input = torture_stream(rate, SECONDS_EACH);
    let mut plugin = ClapPlugin::load(&clap_bundle());
    plugin.activate(rate as f64, 4096, 2).unwrap();
    let output = plugin.process_interleaved(&input, &sizes, &[]);
    assert_finite(&output, "variable blocks");
    let tp = true_peak_dbtp(&output, 2);
    assert!(tp <= DEFAULT_CEILING_DBTP, "variable blocks: {tp:.4} dBTP");
    let expected = reference_chain_output(rate, 2, ParamValues::default(), &input, &sizes);
    let (diff, at) = max_difference(&output, &expected);
    assert!(
        diff <= 1e-6,
        "plugin differs from the DSP chain by {diff} at sample {at} (frame {}, channel {})",
        at / 2,
        at % 2
    );
}

/// At every rate, the plugin's output is `headroom_dsp::Chain`'s output
/// for the same input: no channel swap, no extra delay or gain, defaults
/// really applied.
#[test]
fn output_is_the_dsp_chain_output_at_every_rate() {
    for rate in SAMPLE_RATES {
        let input = torture_stream(rate, 0.2);
        let mut plugin = ClapPlugin::load(&clap_bundle());
        plugin.activate(rate as f64, 512, 2).unwrap();
        let output = plugin.process_interleaved(&input, &[512], &[]);
        let expected = reference_chain_output(rate, 2, ParamValues::default(), &input, &[512]);
        let (diff, at) = max_difference(&output, &expected);
        assert!(
            diff <= 1e-6,
            "{rate} Hz: plugin differs from the DSP chain by {diff} at frame {}, channel {}",
            at / 2,
            at % 2
        );
    }
}

/// Digital silence in gives digital silence out (no noise, DC or denormals
/// added), and deactivate → activate at another rate works.
#[test]
fn silence_stays_silent_across_reactivation() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for rate in SAMPLE_RATES {
        plugin.activate(rate as f64, 256, 2).unwrap();
        let output = plugin.process_interleaved(&vec![0.0; 2 * rate as usize / 4], &[256], &[]);
        assert!(
            output.iter().all(|&v| v == 0.0),
            "{rate} Hz: silence came out non-zero"
        );
        plugin.deactivate();
    }
}

/// A rate outside 1–768 kHz is refused at activation (no crash), and
/// the instance still activates at a supported rate afterwards.
#[test]
fn unsupported_rates_are_refused_cleanly() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for rate in [500.0, 1_000_000.0] {
        assert!(
            plugin.activate(rate, 512, 2).is_err(),
            "{rate} Hz was accepted"
        );
    }
    plugin.activate(48_000.0, 512, 2).unwrap();
    let input = torture_stream(48_000, 0.1);
    let output = plugin.process_interleaved(&input, &[512], &[]);
    assert!(true_peak_dbtp(&output, 2) <= DEFAULT_CEILING_DBTP);
}
