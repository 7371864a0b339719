//! The LV2 build, instantiated by an in-process host at every rate from
//! 1 kHz to 768 kHz and a fractional one (which no WAV-based host can ask
//! for), run in random block sizes: its `latency` output port is the delay
//! a click really comes out with (≤ 1.5 ms from 44.1 kHz up), and the
//! torture signals and loud random audio come out clean and under the
//! ceiling, by the independent 16× meter.

use headroom_host_tests_clap::audio::{
    assert_clean, assert_click_delayed, assert_holds_the_ceiling, check_reported_latency, click,
    random_blocks, torture_and_noise, true_peak_dbtp, Prng, EVERY_RATE_HZ, MAX_RANDOM_BLOCK,
};
use headroom_host_tests_lv2::in_process::Lv2Instance;
use headroom_host_tests_lv2::{bundle, PLUGIN_URI};

fn instance(rate: f64) -> Lv2Instance {
    Lv2Instance::new(&bundle(), PLUGIN_URI, rate, MAX_RANDOM_BLOCK, &[])
        .unwrap_or_else(|| panic!("LV2 instantiate refused {rate} Hz"))
}

#[test]
fn every_rate_instantiates_reports_its_real_latency_and_holds_the_ceiling() {
    let mut prng = Prng::new(5);
    for rate in EVERY_RATE_HZ {
        let what = format!("LV2 at {rate} Hz");
        let blocks = random_blocks(&mut prng, 64, MAX_RANDOM_BLOCK);

        let mut plugin = instance(rate);
        // The latency port is written by `run`: read it after a first
        // one-frame block, then run the rest.
        let at = 1000;
        let input = click(at, at + 2000 + (rate * 0.005) as usize);
        let mut probe = plugin.process(&input[..2], &[1]);
        let latency = check_reported_latency(rate, plugin.control("latency") as u32, &what);
        probe.extend(plugin.process(&input[2..], &blocks));
        assert_click_delayed(&probe, at, latency, &what);

        let mut plugin = instance(rate);
        let output = plugin.process(&torture_and_noise(rate, &mut prng), &blocks);
        assert_clean(&output, &what);
        let tp = true_peak_dbtp(&output, 2);
        eprintln!("{what}: latency {latency} samples, output true peak {tp:.3} dBTP");
        assert_holds_the_ceiling(tp, &what);
    }
}

/// Rates outside 1 kHz–768 kHz are refused with a null handle, not a crash.
#[test]
fn rates_outside_the_range_are_refused() {
    for rate in [500.0, 1_000_000.0, f64::NAN] {
        assert!(
            Lv2Instance::new(&bundle(), PLUGIN_URI, rate, 64, &[]).is_none(),
            "{rate} Hz was accepted"
        );
    }
}
