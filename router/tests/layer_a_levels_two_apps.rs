//! Two apps playing the same material 24 dB apart (−6 and −30 dBFS) with
//! Layer A on (target −20 dBFS) both reach the speakers at the target,
//! within ±2 dB of it and of each other; Layer A adds nothing to their
//! audible path (each app's only sink link is its own, the taps feed
//! nothing) and leaves the graph's quantum as it was.
//!
//! Bypassed, no DSP levels them: only Layer A can. Processed (AGC and
//! compressor off, so the sink cannot level them either; the limiter's
//! ceiling is far above), Layer A rides them the same. Each app plays one
//! channel (left, right), so one recording tells them apart.

mod common;
mod layer_a_common;

use common::*;
use headroom_testdata::pipewire::PwGraph;
use layer_a_common::*;

const LAYER_A: &str =
    "[layer_a]\nenabled = true\ntarget = -20.0\nmax_cut = 18.0\nmax_boost = 12.0\n";

#[test]
fn a_loud_and_a_quiet_bypassed_app_both_reach_the_target() {
    two_apps_reach_the_target(
        &format!("default_route = \"bypass\"\n{LAYER_A}"),
        "speakers",
    );
}

#[test]
fn a_loud_and_a_quiet_processed_app_both_reach_the_target() {
    two_apps_reach_the_target(
        &format!(
            "default_route = \"processed\"\n{LAYER_A}[dsp]\nagc_enabled = false\ncomp_enabled = false\n"
        ),
        "headroom.processed",
    );
}

/// Plays both apps under `profile_text`; `sink` is where they must play.
fn two_apps_reach_the_target(profile_text: &str, sink: &str) {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("level.toml");
    std::fs::write(&profile, profile_text).unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);

    // Level as Layer A measures it (mean square over both channels): the
    // sounding channel is 3 dB hotter than the stream's level.
    let seconds = 24.0;
    let loud = noise(seconds, -6.0 + 3.01, Some(0), 1);
    let quiet = noise(seconds, -30.0 + 3.01, Some(1), 2);
    let (loud_wav, quiet_wav) = (graph.path("loud.wav"), graph.path("quiet.wav"));
    write_wav(&loud_wav, &loud);
    write_wav(&quiet_wav, &quiet);

    let recording = graph
        .start_recording("speakers", &graph.path("rec.wav"))
        .unwrap();
    let loud_app = play_untargeted(&mut graph, &loud_wav, "Loud App", "loud-app");
    let quiet_app = play_untargeted(&mut graph, &quiet_wav, "Quiet App", "quiet-app");
    let loud_node = graph.wait_for_node("loud-app", TIMEOUT).unwrap();
    let quiet_node = graph.wait_for_node("quiet-app", TIMEOUT).unwrap();
    let sink = graph.find_node(sink).unwrap().expect("no such sink").id;
    for node in [loud_node.id, quiet_node.id] {
        graph
            .wait_for_node(&format!("headroom.tap.{node}"), TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
        graph
            .wait_for_links(node, sink, 2, TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    }
    // Riding: the path is unchanged.
    std::thread::sleep(SETTLE);
    for node in [loud_node.id, quiet_node.id] {
        only_links_are_to_the_sink_and_the_tap(&graph, node, sink)
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    }
    // Status and the streams feed show the apps' own levels and the gains
    // Layer A rides them with (down for the loud one, up for the quiet).
    let rt = client_runtime();
    let status = rt
        .block_on(async {
            let mut client = headroom_client::Client::connect(control_socket(&graph)).await?;
            client.get_status().await
        })
        .unwrap();
    for (node, own_level, direction) in [(loud_node.id, -6.0, -1.0), (quiet_node.id, -30.0, 1.0)] {
        let stream = status.streams.iter().find(|s| s.id == node).unwrap();
        let layer_a = stream.layer_a.as_ref().unwrap();
        assert!(layer_a.enabled, "{stream:?}");
        let level = layer_a.level.expect("measured by now");
        assert!((level - own_level).abs() <= 2.0, "{stream:?}");
        assert!(layer_a.gain * direction >= 3.0, "{stream:?}");
    }
    let levels_fed = rt
        .block_on(async {
            let client = headroom_client::Client::connect(control_socket(&graph)).await?;
            let mut feed = client.monitor(&["streams"]).await?;
            loop {
                if let Some(headroom_client::MonitorEvent::Streams(s)) = feed.next().await? {
                    return Ok::<_, headroom_client::Error>(s);
                }
            }
        })
        .unwrap();
    assert!(
        levels_fed
            .iter()
            .filter(|s| s
                .layer_a
                .as_ref()
                .is_some_and(|l| l.enabled && l.level.is_some()))
            .count()
            >= 2,
        "{levels_fed:?}"
    );
    graph.wait_exit(loud_app, TIMEOUT * 2).unwrap();
    graph.wait_exit(quiet_app, TIMEOUT).unwrap();
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    // From 12 s after each app's first sound (ample time to settle: 14 dB
    // at 6 dB/s, 10 dB at 2 dB/s) to 2 s before its end.
    let mut levels = Vec::new();
    for (channel, name) in [(0, "loud"), (1, "quiet")] {
        let heard = only_channel(&recorded, channel);
        let start =
            onset(&heard, channel).expect("nothing reached the speakers") as f64 / f64::from(RATE);
        let steady = span(&heard, start + 12.0, start + seconds - 2.0);
        let level = level_db(steady);
        let windows = window_levels(steady, 0.5);
        let spread = windows.iter().cloned().fold(f64::MIN, f64::max)
            - windows.iter().cloned().fold(f64::MAX, f64::min);
        eprintln!("{name}: {level:.2} dBFS steady, windows spread {spread:.2} dB");
        assert!(
            (level + 20.0).abs() <= 2.0,
            "{name} app at {level:.2} dBFS, target -20\nrouter log:\n{}",
            graph.log(router)
        );
        levels.push(level);
    }
    assert!(
        (levels[0] - levels[1]).abs() <= 2.0,
        "apps {:.2} dB apart",
        levels[0] - levels[1]
    );
}
