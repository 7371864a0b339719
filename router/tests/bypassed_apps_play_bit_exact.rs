//! An app the profile bypasses reaches the speakers bit-exact: no DSP, no
//! gain (WirePlumber's volume stays 1.0), nothing added. The file starts
//! with two seconds of silence, ample time for the fail-safe default (the
//! processed sink) to hand the new stream over to the router, and ends
//! with some, as `pw-cat` may exit before its last buffer plays.

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn a_bypassed_app_reaches_the_speakers_unchanged() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("music.toml");
    std::fs::write(
        &profile,
        "[[rules]]\napp = \"Music Player\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);

    // Two seconds of silence (room for the move even on a loaded machine),
    // then 2 s of dense material that a limiter would certainly change
    // (peaks near full scale, 0.97).
    let lead_in = 2 * 2 * RATE as usize;
    let mut content: Vec<f32> = vec![0.0; lead_in];
    let music = headroom_testdata::signals::clipped_music(RATE, 2.0);
    let peak = music.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    content.extend(music.iter().map(|v| v / peak * 0.97));
    let music_end = content.len();
    // Trailing silence: pw-cat may end before its last buffers are played.
    content.extend(std::iter::repeat_n(0.0, RATE as usize));
    let wav = graph.path("music.wav");
    write_wav(&wav, &content);

    let recording = graph
        .start_recording("speakers", &graph.path("rec.wav"))
        .unwrap();
    let app = play_untargeted(&mut graph, &wav, "Music Player", "music-app");
    let node = graph.wait_for_node("music-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph.wait_exit(app, TIMEOUT).unwrap();
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    // Align on the first sound and compare sample for sample.
    let played = &content[lead_in..music_end];
    let first = recorded
        .iter()
        .position(|v| *v != 0.0)
        .expect("nothing reached the speakers");
    let start = first - first % 2;
    let got = &recorded[start..];
    assert!(
        got.len() >= played.len(),
        "recording too short: {} of {} samples",
        got.len(),
        played.len()
    );
    let differences = played
        .iter()
        .zip(got)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(
        differences,
        0,
        "{differences} of {} samples differ (first at {:?})",
        played.len(),
        played.iter().zip(got).position(|(a, b)| a != b)
    );
}
