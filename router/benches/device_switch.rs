//! How long a change of output device takes to reach the DSP as the new
//! device's profile: from the `default.configured.audio.sink` metadata
//! write (what a volume control does when the user picks another output)
//! to the processed sink's `Props` showing the new profile's ceiling
//! (`devices.toml`: headphones → night, -3 dBTP; fallback default, -1).
//!
//! Timed from just before `pw-metadata` is run to the first `pw-cli
//! enum-params` poll that shows the new value, so each figure includes
//! one `pw-metadata` start and up to one poll's duration (the poll's own
//! duration is printed as the resolution).
//!
//! Run: `cargo bench -p headroom-router --bench device_switch` (needs the
//! checked bundle: `cargo xtask bundle --checked`). Prints a Markdown row
//! for BENCHMARKS.md. Goal (the issue's): within 200 ms.

use std::time::{Duration, Instant};

use headroom_testdata::pipewire::PwGraph;

#[path = "../tests/common/mod.rs"]
mod common;

const SWITCHES: usize = 40;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let mut graph = PwGraph::start().unwrap();
    graph
        .create_null_sink_with("speakers", &[("device.form-factor", "internal")])
        .unwrap();
    graph
        .create_null_sink_with("phones", &[("device.form-factor", "headphone")])
        .unwrap();
    common::choose_default(&graph, "speakers");
    let dir = graph.path("config").join("headroom");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("devices.toml"),
        "fallback = \"default\"\n[[device]]\nform_factor = \"headphone\"\nprofile = \"night\"\n",
    )
    .unwrap();
    let router = common::start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    common::wait_for_ceiling(&mut graph, processed.id, -1.0, router);

    let mut took = Vec::new();
    let mut poll = Vec::new();
    for n in 0..SWITCHES {
        let (device, ceiling) = if n % 2 == 0 {
            ("phones", -3.0)
        } else {
            ("speakers", -1.0)
        };
        let started = Instant::now();
        common::choose_default(&graph, device);
        loop {
            let polled = Instant::now();
            let now = common::dsp_ceiling(&graph, processed.id);
            poll.push(polled.elapsed());
            if now == Some(ceiling) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no switch to {device}:\n{}",
                graph.log(router)
            );
        }
        took.push(started.elapsed());
        // Let the graph settle before the next switch.
        std::thread::sleep(Duration::from_millis(300));
    }
    took.sort();
    poll.sort();
    println!("| output device switched {SWITCHES} times (headphones ↔ speakers) | p50 | p90 | max | poll resolution (p50) |");
    println!("|---|---|---|---|---|");
    println!(
        "| metadata write → new profile's ceiling in the DSP | {} | {} | {} | {} |",
        ms(percentile(&took, 0.5)),
        ms(percentile(&took, 0.9)),
        ms(*took.last().unwrap()),
        ms(percentile(&poll, 0.5))
    );
}
