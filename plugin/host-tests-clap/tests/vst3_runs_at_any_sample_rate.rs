//! The VST3 build at every rate from 1 kHz to 768 kHz and a fractional
//! one, in random block sizes: it activates, reports the latency a click
//! really comes out with (≤ 1.5 ms from 44.1 kHz up), and turns the torture
//! signals and loud random audio into clean output under the ceiling, by
//! the independent 16× meter.

use headroom_host_tests_clap::audio::{
    assert_clean, assert_click_delayed, assert_holds_the_ceiling, check_reported_latency, click,
    random_blocks, torture_and_noise, true_peak_dbtp, Prng, EVERY_RATE_HZ, MAX_RANDOM_BLOCK,
};
use headroom_host_tests_clap::vst3::{Vst3Module, Vst3Plugin};
use headroom_host_tests_clap::vst3_binary;

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

#[test]
fn every_rate_activates_reports_its_real_latency_and_holds_the_ceiling() {
    let mut prng = Prng::new(3);
    for rate in EVERY_RATE_HZ {
        let what = format!("VST3 at {rate} Hz");
        let blocks = random_blocks(&mut prng, 64, MAX_RANDOM_BLOCK);

        let (_module, mut plugin) = instance();
        plugin.activate(rate, MAX_RANDOM_BLOCK, 2);
        let latency = check_reported_latency(rate, plugin.latency(), &what);
        let at = 1000;
        let probe =
            plugin.process_interleaved_blocks(&click(at, at + latency + 1000), &blocks, &[]);
        assert_click_delayed(&probe, at, latency, &what);
        drop(plugin);

        let (_module, mut plugin) = instance();
        plugin.activate(rate, MAX_RANDOM_BLOCK, 2);
        let output =
            plugin.process_interleaved_blocks(&torture_and_noise(rate, &mut prng), &blocks, &[]);
        assert_clean(&output, &what);
        let tp = true_peak_dbtp(&output, 2);
        eprintln!("{what}: latency {latency} samples, output true peak {tp:.3} dBTP");
        assert_holds_the_ceiling(tp, &what);
    }
}
