//! On a real private PipeWire + WirePlumber graph, with the router running
//! its own processed sink (the checked LV2 bundle in a filter-chain):
//! - the processed sink becomes the default while the router runs, and the
//!   user's device is the default again after it stops;
//! - an app that just plays (no target) reaches the speakers only through
//!   `headroom.processed`: never a direct link, and what reaches the
//!   speakers holds the −1 dBTP ceiling by the independent meter.

mod common;

use std::time::{Duration, Instant};

use common::*;
use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::{meter, signals};

#[test]
fn a_playing_app_reaches_the_speakers_only_through_the_limiter() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    // Loud, dense, clipped material well over full scale.
    let music: Vec<f32> = signals::clipped_music(RATE, 3.0)
        .iter()
        .map(|s| s * 2.0)
        .collect();
    let input = graph.path("loud.wav");
    write_wav(&input, &music);
    let recording = graph
        .start_recording("speakers", &graph.path("speakers.wav"))
        .unwrap();

    // The app names no target: it goes wherever the session sends it.
    let mut app_cmd = graph.command("pw-cat");
    app_cmd
        .args([
            "-p",
            "-P",
            "{ application.name=browser node.name=loud-app }",
        ])
        .arg(&input);
    let app = graph.spawn("pw-cat", app_cmd).unwrap();
    let app_node = graph.wait_for_node("loud-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(app_node.id, processed.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    // While it plays: never a direct link to the speakers.
    let start = Instant::now();
    while graph.try_status(app).unwrap().is_none() && start.elapsed() < TIMEOUT {
        let direct = graph.links(app_node.id, speakers.id).unwrap();
        assert!(direct.is_empty(), "direct link to the speakers: {direct:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    graph.wait_exit(app, TIMEOUT).unwrap();
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.1, "nothing reached the speakers (peak {peak})");
    let true_peak = meter::db(meter::true_peak(&recorded, 2));
    assert!(
        true_peak <= -1.0,
        "what reached the speakers peaks at {true_peak:+.3} dBTP, over the -1 dBTP ceiling"
    );

    // Stopping the router gives the user's device back as the default.
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the user's device to be the default again", TIMEOUT, |g| {
            Ok(configured_default(g).contains("\"speakers\"").then_some(()))
        })
        .unwrap_or_else(|e| {
            panic!(
                "{e}\ndefault now: {}\nrouter log:\n{}",
                configured_default(&graph),
                graph.log(router)
            )
        });
}
