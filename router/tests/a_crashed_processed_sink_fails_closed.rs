//! `kill -9` of the processed sink's process, three times in a row, while
//! a loud app plays through it: each time the app is held silent on the router's holding sink until
//! the sink is back (WirePlumber picks the holding sink as the fallback
//! default, never the real device), then plays through the new processed
//! sink. No sample over the ceiling reaches the speakers at any moment,
//! and the independent true-peak meter finds none over it either, but for
//! the instant each kill cuts the waveform dead (the step rings in any
//! reconstruction filter; it is reported, not hidden).

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::{meter, signals};

/// How often the processed sink is killed in a row.
const KILLS: usize = 3;

/// The silent stretches longer than 20 ms of a stereo recording of
/// continuous music (the holds), as (first frame, length in frames);
/// leading silence, before the recorder heard anything, is not one.
fn silent_gaps(recorded: &[f32]) -> Vec<(usize, usize)> {
    let loud: Vec<bool> = recorded
        .chunks(2)
        .map(|f| f[0].abs().max(f[1].abs()) > 1e-4)
        .collect();
    let Some(first) = loud.iter().position(|&l| l) else {
        return Vec::new();
    };
    let mut gaps = Vec::new();
    let mut run_start = None;
    for (i, &l) in loud.iter().enumerate().skip(first) {
        match (l, run_start) {
            (false, None) => run_start = Some(i),
            (true, Some(s)) => {
                if (i - s) as f64 > 0.02 * f64::from(RATE) {
                    gaps.push((s, i - s));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    gaps
}

#[test]
fn a_killed_processed_sink_lets_nothing_through_unlimited() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let hold = graph
        .wait_for_node("headroom.processed.hold", TIMEOUT)
        .unwrap();

    // +24 dBFS float: straight on the speakers it would be far over.
    let input = graph.path("hot.wav");
    write_wav(&input, &signals::hot_float(RATE, 40.0));
    let _app = play_untargeted(&mut graph, &input, "Browser", "hot-app");
    let app = graph.wait_for_node("hot-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(app.id, processed.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let recording = graph
        .start_recording("speakers", &graph.path("speakers.wav"))
        .unwrap();
    let out = graph.path("speakers.wav");
    let size = || std::fs::metadata(&out).map_or(0, |m| m.len());
    // A second of it through the limiter first.
    let one_second = (RATE as u64) * 8;
    let start = size();
    graph
        .wait_for("a second through the limiter", TIMEOUT, |_| {
            Ok((size() >= start + one_second).then_some(()))
        })
        .unwrap();

    let runtime = graph.runtime_dir().join("headroom");
    let mut sink = processed;
    for kill in 1..=KILLS {
        let sinks = sink_processes(&runtime);
        assert_eq!(sinks.len(), 1, "processed sink processes: {sinks:?}");
        // SAFETY: kill(2) on the processed sink's pid.
        unsafe {
            libc::kill(sinks[0] as i32, libc::SIGKILL);
        }
        // Back: a new processed sink, and the app plays through it again.
        let old = sink.id;
        let back = graph.wait_for(
            &format!("the app on a new processed sink (kill {kill})"),
            TIMEOUT,
            |g| {
                let Some(new) = g.find_node("headroom.processed")? else {
                    return Ok(None);
                };
                let through = new.id != old
                    && g.links(app.id, new.id)?.len() == 2
                    && g.links(app.id, hold.id)?.is_empty();
                Ok(through.then_some(new))
            },
        );
        sink = back.unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
        let resumed = size();
        graph
            .wait_for("a second through the new processed sink", TIMEOUT, |_| {
                Ok((size() >= resumed + one_second).then_some(()))
            })
            .unwrap();
        assert!(graph.links(app.id, speakers.id).unwrap().is_empty());
    }
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    // Nothing unlimited: every sample under the ceiling (audio that went
    // around the limiter would be ~+22 dBFS) ...
    let sample_peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        meter::db(f64::from(sample_peak)) <= -1.0,
        "a sample at {:+.2} dBFS reached the speakers (ceiling -1 dBTP)\n\
         router log:\n{}",
        meter::db(f64::from(sample_peak)),
        graph.log(router)
    );
    // ... and the true peak within the ceiling everywhere but where a kill
    // cut the waveform: a process killed mid-waveform stops its output
    // dead, and that step (not made by the DSP, which is gone) rings in
    // any reconstruction filter, the meter's and a DAC's alike.
    let gaps = silent_gaps(&recorded);
    let cut_at: Vec<usize> = gaps.iter().map(|&(start, _)| start).collect();
    let cut_guard = 64; // the meter's kernel reach, frames
    let near_cut = |frame: usize| {
        cut_at
            .iter()
            .any(|&c| frame + cut_guard >= c && frame <= c + cut_guard)
    };
    let mut true_peak = 0.0f64;
    let mut at_cuts = 0.0f64;
    for channel in 0..2 {
        for (frame, peak) in meter::window_true_peaks(&recorded, 2, channel, 1)
            .into_iter()
            .enumerate()
        {
            if near_cut(frame) {
                at_cuts = at_cuts.max(peak);
            } else {
                true_peak = true_peak.max(peak);
            }
        }
    }
    eprintln!(
        "true peak {:+.2} dBTP; at the {} cuts {:+.2} dBTP",
        meter::db(true_peak),
        cut_at.len(),
        meter::db(at_cuts)
    );
    let true_peak = meter::db(true_peak);
    assert!(
        true_peak <= -1.0,
        "the speakers peaked at {true_peak:+.2} dBTP around the crash (ceiling -1 dBTP)\n\
         router log:\n{}",
        graph.log(router)
    );
    // The app was heard again after each restart, not left silent: one
    // gap per kill. How long each lasted is what BENCHMARKS.md reports.
    let gaps: Vec<f64> = gaps
        .iter()
        .map(|&(_, frames)| frames as f64 / f64::from(RATE))
        .collect();
    eprintln!(
        "audio resumed through the new processed sink after: {}",
        gaps.iter()
            .map(|g| format!("{:.0} ms", g * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(gaps.len(), KILLS, "silent gaps (s): {gaps:?}");
    let tail = &recorded[recorded.len().saturating_sub(RATE as usize)..];
    let tail_peak = tail.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        tail_peak > 0.1,
        "silent after the processed sink {} came back (peak {tail_peak})",
        sink.id
    );
    assert!(
        graph.log(router).contains("the processed sink is down"),
        "{}",
        graph.log(router)
    );
}
