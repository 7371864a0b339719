//! Two buses each hold their own ceiling, but their outputs add up at the
//! device: two loud apps on two buses at -1 dBTP each would reach the
//! speakers near +5 dBTP. The router runs a master
//! limiter, `headroom.processed.master`, that every processed sink's output
//! plays into and only it plays to the device; on a real private
//! PipeWire and WirePlumber graph, two loud apps playing at once on two buses reach
//! the speakers at or under the ceiling by the independent oversampling
//! meter, and at every look neither app nor any bus's output is linked to
//! the speakers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::{meter, signals};

const PROFILE: &str = r#"
name = "Two loud buses"

[[rules]]
app = "caller"
route = "voice"

# No levelling: both buses play their loud input at their ceiling.
[dsp]
ceiling = -1.0
agc_enabled = false
comp_enabled = false

[buses.voice]
[buses.voice.dsp]
ceiling = -1.0
"#;

const VOICE_SINK: &str = "headroom.processed.bus.voice";
const MASTER_SINK: &str = "headroom.processed.master";

/// The same loud, clipped material for both apps (correlated: their sum
/// peaks 6 dB over either), then 2 s of silence so each stream ends quiet.
fn loud_wav(graph: &PwGraph, name: &str) -> std::path::PathBuf {
    let mut music: Vec<f32> = signals::clipped_music(RATE, 8.0)
        .iter()
        .map(|s| s * 2.0)
        .collect();
    music.extend(std::iter::repeat_n(0.0, 2 * RATE as usize));
    let path = graph.path(name);
    write_wav(&path, &music);
    path
}

#[test]
fn two_loud_buses_at_once_reach_the_speakers_under_one_ceiling() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("two-loud-buses.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let master = graph
        .wait_for_node(MASTER_SINK, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let master_out = graph
        .wait_for_node(&format!("{MASTER_SINK}.output"), TIMEOUT)
        .unwrap();
    let processed_out = graph
        .wait_for_node("headroom.processed.output", TIMEOUT)
        .unwrap();
    graph
        .wait_for_links(processed_out.id, master.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph
        .wait_for_links(master_out.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    let recording_path = graph.path("speakers.wav");
    let recording = graph.start_recording("speakers", &recording_path).unwrap();
    let call = loud_wav(&graph, "call.wav");
    let film = loud_wav(&graph, "film.wav");
    let caller = play_untargeted(&mut graph, &call, "caller", "caller-app");
    let browser = play_untargeted(&mut graph, &film, "browser", "browser-app");
    let caller_node = graph.wait_for_node("caller-app", TIMEOUT).unwrap();
    let browser_node = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    let voice = graph
        .wait_for_node(VOICE_SINK, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let voice_out = graph
        .wait_for_node(&format!("{VOICE_SINK}.output"), TIMEOUT)
        .unwrap();
    wait_for_move(&mut graph, caller_node.id, voice.id, processed.id, router);
    graph
        .wait_for_links(voice_out.id, master.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // Both play at once; at every look nothing but the master's output is
    // linked to the speakers.
    let mut both_on_their_buses = 0;
    let start = Instant::now();
    while (graph.try_status(caller).unwrap().is_none()
        || graph.try_status(browser).unwrap().is_none())
        && start.elapsed() < TIMEOUT
    {
        for node in [
            caller_node.id,
            browser_node.id,
            processed_out.id,
            voice_out.id,
        ] {
            assert!(
                !links_of(&graph, node).contains(&speakers.id),
                "node {node} is linked straight to the speakers\nrouter log:\n{}",
                graph.log(router)
            );
        }
        if links_of(&graph, caller_node.id).contains(&voice.id)
            && links_of(&graph, browser_node.id).contains(&processed.id)
        {
            both_on_their_buses += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    graph.wait_exit(caller, TIMEOUT).unwrap();
    graph.wait_exit(browser, TIMEOUT).unwrap();
    assert!(
        both_on_their_buses > 0,
        "the two apps never played on their two buses at once"
    );
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());
    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // Two buses each near -1 dBTP: louder than one of them alone.
    assert!(
        peak > 0.3,
        "hardly anything reached the speakers (peak {peak})"
    );
    let true_peak = meter::db(meter::true_peak(&recorded, 2));
    assert!(
        true_peak <= -1.0,
        "two buses at once reached the speakers at {true_peak:+.3} dBTP, over -1 dBTP"
    );
}
