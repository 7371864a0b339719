//! `headroom monitor` in a real terminal (tmux, 80×24) against a live
//! router: the bus meters and the playing app appear and move, the screen
//! says so in words when the router stops and recovers when it is back,
//! and `q` quits.

mod common;
#[path = "common/tmux.rs"]
mod tmux;

use common::*;
use headroom_testdata::pipewire::PwGraph;
use tmux::Tmux;

#[test]
fn the_monitor_screen_shows_meters_and_apps_and_survives_a_restart() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Video Call", "call-app");
    graph.wait_for_node("call-app", TIMEOUT).unwrap();

    let tmux = Tmux::new(&graph);
    tmux.start(&format!("{} monitor", env!("CARGO_BIN_EXE_headroom")));
    let wait_screen =
        |graph: &mut PwGraph, what: &str, wanted: &[&str]| tmux.wait_screen(graph, what, wanted);
    let first = wait_screen(
        &mut graph,
        "the live screen",
        &[
            "profile Default",
            "processed sink",
            "true peak",
            "Video Call",
            "processed",
            "q quit",
        ],
    );
    assert!(first.lines().all(|l| l.chars().count() <= 80), "{first}");
    // The meters move while the tone plays: the screen changes by itself.
    graph
        .wait_for("the meters to move", TIMEOUT, |_| {
            Ok((tmux.screen() != first).then_some(()))
        })
        .unwrap();

    // The router stops: the screen says so; it comes back: so does the view.
    graph.stop(router, 15).unwrap();
    wait_screen(&mut graph, "the absent router in words", &["not running"]);
    let _router = start_router(&mut graph, &["--profile", "night"]);
    wait_screen(
        &mut graph,
        "the view after the restart",
        &["profile Night", "Video Call"],
    );

    tmux.keys(&["q"]);
    graph
        .wait_for("q to quit the monitor", TIMEOUT, |_| {
            Ok((!tmux.alive()).then_some(()))
        })
        .unwrap();
}
