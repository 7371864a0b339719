//! What clap-validator's processing and parameter tests do to a plugin,
//! done by this test host: activation at every rate from 1 kHz to 768 kHz
//! and a fractional one, random audio in random block sizes, random
//! parameter values arriving as events mid-block. At every rate the output
//! is finite and free of subnormals, the torture signals stay under the
//! ceiling by the independent 16× meter, and the latency the plugin
//! reports is the delay a click really comes out with (≤ 1.5 ms from
//! 44.1 kHz up).

use headroom_dsp::{ParamId, PARAMS};
use headroom_host_tests_clap::audio::{
    assert_clean, assert_click_delayed, assert_holds_the_ceiling, check_reported_latency, click,
    random_audio, random_blocks, torture_and_noise, true_peak_dbtp, Prng, EVERY_RATE_HZ,
    MAX_RANDOM_BLOCK,
};
use headroom_host_tests_clap::clap::{ClapPlugin, ParamChange};
use headroom_host_tests_clap::clap_bundle;

#[test]
fn every_rate_activates_reports_its_real_latency_and_holds_the_ceiling() {
    let mut prng = Prng::new(17);
    for rate in EVERY_RATE_HZ {
        let what = format!("CLAP at {rate} Hz");
        let mut plugin = ClapPlugin::load(&clap_bundle());
        plugin
            .activate(rate, MAX_RANDOM_BLOCK, 2)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let latency = check_reported_latency(rate, plugin.latency().expect("no latency"), &what);
        let blocks = random_blocks(&mut prng, 64, MAX_RANDOM_BLOCK);

        let at = 1000;
        let probe = plugin.process_interleaved(&click(at, at + latency + 1000), &blocks, &[]);
        assert_click_delayed(&probe, at, latency, &what);

        // A fresh activation, as a host does before a new render.
        plugin.deactivate();
        plugin.activate(rate, MAX_RANDOM_BLOCK, 2).unwrap();
        let input = torture_and_noise(rate, &mut prng);
        let output = plugin.process_interleaved(&input, &blocks, &[]);
        assert_clean(&output, &what);
        let tp = true_peak_dbtp(&output, 2);
        eprintln!("{what}: latency {latency} samples, output true peak {tp:.3} dBTP");
        assert_holds_the_ceiling(tp, &what);
    }
}

/// clap-validator's parameter fuzzing, at every rate: every parameter set
/// to random values within its range, as events at random frames of
/// random-sized blocks, over loud random audio. Whatever the settings,
/// the output is clean and never above the highest ceiling the table
/// allows.
#[test]
fn random_parameter_values_at_every_rate_never_break_the_output() {
    let mut prng = Prng::new(10);
    let highest_ceiling = ParamId::LimiterCeiling.spec().max as f64;
    for rate in EVERY_RATE_HZ {
        let what = format!("CLAP at {rate} Hz, fuzzed parameters");
        let mut plugin = ClapPlugin::load(&clap_bundle());
        plugin.activate(rate, MAX_RANDOM_BLOCK, 2).unwrap();
        let ranges: Vec<(u32, f64, f64)> = plugin
            .params()
            .iter()
            .map(|p| (p.id, p.min, p.max))
            .collect();
        assert_eq!(ranges.len(), PARAMS.len());
        let frames = (rate * 0.2).max(8000.0) as usize;
        let input = random_audio(&mut prng, frames);
        let mut changes = Vec::new();
        let mut frame = 0;
        while frame < frames {
            for &(id, min, max) in &ranges {
                changes.push(ParamChange {
                    frame,
                    id,
                    value: min + (max - min) * prng.unit(),
                });
            }
            frame += prng.range(1, frames / 8);
        }
        let blocks = random_blocks(&mut prng, 32, MAX_RANDOM_BLOCK);
        let output = plugin.process_interleaved(&input, &blocks, &changes);
        assert_clean(&output, &what);
        let tp = true_peak_dbtp(&output, 2);
        assert!(
            tp <= highest_ceiling,
            "{what}: true peak {tp:.4} dBTP above the highest ceiling {highest_ceiling} dBTP"
        );
    }
}
