//! A profile switch that adds and removes buses, with five loud apps
//! playing, on a real private PipeWire + WirePlumber graph: from a
//! profile with only the default bus to one with three (default, voice,
//! media) and back. Every app ends on its bus each time; at every look no
//! app is linked straight to the speakers; what reaches the speakers never
//! exceeds the ceiling by the independent oversampling meter (the master
//! limiter holds the buses' sum).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::{meter, signals};

const ONE_BUS: &str = "name = \"One bus\"\n[dsp]\nceiling = -1.0\n";

const THREE_BUSES: &str = r#"
name = "Three buses"

[[rules]]
app = "caller"
route = "voice"

[[rules]]
app = "talker"
route = "voice"

[[rules]]
app = "film"
route = "media"

[[rules]]
app = "game"
route = "media"

[dsp]
ceiling = -1.0

[buses.voice]
[buses.voice.dsp]
agc_target = -20.0
agc_speed = 8.0

[buses.media]
description = "Films and games"
[buses.media.dsp]
agc_target = -16.0
"#;

/// The five apps and the sink each plays into under [`THREE_BUSES`].
const APPS: [(&str, &str); 5] = [
    ("caller", "headroom.processed.bus.voice"),
    ("talker", "headroom.processed.bus.voice"),
    ("film", "headroom.processed.bus.media"),
    ("game", "headroom.processed.bus.media"),
    ("browser", "headroom.processed"),
];

/// Saves `text` the way many editors do: a new file renamed over the old.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("toml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Waits until every app plays into the sink `wanted` names for it,
/// checking at every look (one node and one link dump) that no app is
/// linked to the speakers.
fn wait_watching(graph: &mut PwGraph, what: &str, wanted: impl Fn(&str) -> &'static str) {
    let start = Instant::now();
    loop {
        let nodes: BTreeMap<String, u32> = graph
            .objects("Node")
            .unwrap()
            .iter()
            .filter_map(|n| Some((n.prop("node.name")?.to_string(), n.id)))
            .collect();
        let links: Vec<(u32, u32)> = graph
            .objects("Link")
            .unwrap()
            .iter()
            .filter_map(|l| {
                Some((
                    l.prop_id("link.output.node")?,
                    l.prop_id("link.input.node")?,
                ))
            })
            .collect();
        let speakers = nodes["speakers"];
        let mut all_there = true;
        for (app, _) in APPS {
            let node = nodes[&format!("{app}-app")];
            let to: Vec<u32> = links.iter().filter(|l| l.0 == node).map(|l| l.1).collect();
            assert!(
                !to.contains(&speakers),
                "{app} is linked straight to the speakers while waiting for {what}"
            );
            let sink = nodes.get(wanted(app)).copied();
            all_there &= sink.is_some() && !to.is_empty() && to.iter().all(|&s| Some(s) == sink);
        }
        if all_there {
            return;
        }
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn one_bus_to_three_and_back_with_five_apps_playing() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("switching.toml");
    std::fs::write(&profile, ONE_BUS).unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);

    // Loud clipped music, then 2 s of silence so each stream ends quiet
    // (a stream cut mid-waveform reconstructs over its samples).
    let mut music: Vec<f32> = signals::clipped_music(RATE, 30.0)
        .iter()
        .map(|s| s * 2.0)
        .collect();
    music.extend(std::iter::repeat_n(0.0, 2 * RATE as usize));
    let wav = graph.path("loud.wav");
    write_wav(&wav, &music);
    let recording_path = graph.path("speakers.wav");
    let recording = graph.start_recording("speakers", &recording_path).unwrap();
    let apps: Vec<_> = APPS
        .iter()
        .map(|(app, _)| play_untargeted(&mut graph, &wav, app, &format!("{app}-app")))
        .collect();
    for (app, _) in APPS {
        graph
            .wait_for_node(&format!("{app}-app"), TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    }
    wait_watching(&mut graph, "every app on the processed sink", |_| {
        "headroom.processed"
    });

    save_by_rename(&profile, THREE_BUSES);
    wait_watching(&mut graph, "every app on its bus", |app| {
        APPS.iter().find(|(a, _)| *a == app).unwrap().1
    });
    let exe = env!("CARGO_BIN_EXE_headroom");
    let status = run_ok(&graph, exe, &["status"]);
    for line in ["bus voice:", "2 streams", "bus media:"] {
        assert!(status.contains(line), "status lacks {line:?}:\n{status}");
    }

    save_by_rename(&profile, ONE_BUS);
    wait_watching(&mut graph, "every app back on the processed sink", |_| {
        "headroom.processed"
    });

    let mut still_playing = 0;
    for &app in &apps {
        if graph.try_status(app).unwrap().is_none() {
            still_playing += 1;
        }
    }
    for app in apps {
        graph.wait_exit(app, Duration::from_secs(60)).unwrap();
    }
    assert_eq!(
        still_playing, 5,
        "the apps ended before the switches were done: nothing measured"
    );
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());
    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        peak > 0.3,
        "hardly anything reached the speakers (peak {peak})"
    );
    let true_peak = meter::db(meter::true_peak(&recorded, 2));
    eprintln!("true peak at the speakers: {true_peak:+.3} dBTP");
    assert!(
        true_peak <= -1.0,
        "the speakers got {true_peak:+.3} dBTP through two profile switches, over -1 dBTP\n\
         router log:\n{}",
        graph.log(router)
    );
}
