//! `headroom monitor`'s keys, typed into a real terminal (tmux, 80×24)
//! against a live router: each action reaches the router through its
//! varlink API and shows on the graph and in `GetStatus` (`r` moves the
//! app's links, `l` turns Layer A on for it, `b` flips the bypass switch,
//! `p` picks a profile from the list), `?` shows the keys, and an action
//! while the router is gone is reported in the events pane, not a crash.

mod common;
#[path = "common/tmux.rs"]
mod tmux;

use common::*;
use headroom_client::{Client, Route, Status};
use headroom_testdata::pipewire::PwGraph;
use tmux::Tmux;

fn status(graph: &PwGraph) -> Status {
    client_runtime().block_on(async {
        let mut client = Client::connect(control_socket(graph)).await.unwrap();
        client.get_status().await.unwrap()
    })
}

/// Waits until the router's status satisfies `done`.
fn wait_status(graph: &mut PwGraph, what: &str, done: impl Fn(&Status) -> bool) -> Status {
    graph
        .wait_for(what, TIMEOUT, |g| {
            let s = status(g);
            Ok(done(&s).then_some(s))
        })
        .unwrap_or_else(|e| panic!("{e}\nstatus: {:?}", status(graph)))
}

fn app_stream<'s>(s: &'s Status, app: &str) -> Option<&'s headroom_client::Stream> {
    s.streams.iter().find(|st| st.app.as_deref() == Some(app))
}

#[test]
fn each_key_changes_the_live_router_and_errors_land_in_the_events_pane() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Video Call", "call-app");
    let app = graph.wait_for_node("call-app", TIMEOUT).unwrap();
    let processed = graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    wait_for_move(&mut graph, app.id, processed.id, speakers.id, router);

    let tmux = Tmux::new(&graph);
    tmux.start(&format!("{} monitor", env!("CARGO_BIN_EXE_headroom")));
    tmux.wait_screen(&mut graph, "the app's row", &["› Video Call", "processed"]);

    // r: the selected app to bypass, saved as its user route; its links move.
    tmux.keys(&["r"]);
    wait_status(&mut graph, "Video Call on bypass", |s| {
        app_stream(s, "Video Call").is_some_and(|st| st.route == Route::Bypass)
    });
    wait_for_move(&mut graph, app.id, speakers.id, processed.id, router);
    tmux.wait_screen(
        &mut graph,
        "the result in the events pane",
        &["saved as your route"],
    );
    // r again: back through the limiter.
    tmux.keys(&["Enter"]);
    wait_for_move(&mut graph, app.id, processed.id, speakers.id, router);

    // l: Layer A rides the app (the default profile leaves it off).
    let before = status(&graph);
    let riding = |s: &Status| {
        app_stream(s, "Video Call")
            .and_then(|st| st.layer_a.as_ref())
            .is_some_and(|l| l.enabled)
    };
    assert!(!riding(&before), "{before:?}");
    tmux.keys(&["l"]);
    wait_status(&mut graph, "Layer A on for Video Call", riding);
    graph
        .wait_for("Layer A's level on the row", TIMEOUT, |_| {
            Ok((!tmux.screen().contains("Layer A is off")).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nscreen:\n{}", tmux.screen()));
    tmux.keys(&["l"]);
    wait_status(&mut graph, "Layer A off again", |s| !riding(s));

    // b: the bypass switch, and back.
    tmux.keys(&["b"]);
    wait_status(&mut graph, "bypass on", |s| s.bypass);
    tmux.wait_screen(&mut graph, "the switch in the title", &["BYPASS ON"]);
    tmux.keys(&["b"]);
    wait_status(&mut graph, "bypass off", |s| !s.bypass);

    // p: the picker lists the profiles; walk to `night` and use it.
    tmux.keys(&["p"]);
    let screen = tmux.wait_screen(&mut graph, "the profile picker", &["use which profile?"]);
    // The box sits inside the outer panes, its border in column 2.
    let names: Vec<String> = screen
        .lines()
        .skip_while(|l| !l.contains("use which profile?"))
        .skip(1)
        .take_while(|l| l.chars().nth(2) == Some('│'))
        .map(|l| {
            let inside: String = l.chars().skip(3).collect();
            inside
                .trim_matches(|c: char| "│─┐┘".contains(c) || c.is_whitespace())
                .to_string()
        })
        .collect();
    let current = names
        .iter()
        .position(|n| *n == "default")
        .unwrap_or_else(|| panic!("default not in {names:?}:\n{screen}"));
    let night = names
        .iter()
        .position(|n| *n == "night")
        .unwrap_or_else(|| panic!("night not in {names:?}:\n{screen}"));
    let (key, steps) = if night > current {
        ("Down", night - current)
    } else {
        ("Up", current - night)
    };
    for _ in 0..steps {
        tmux.keys(&[key]);
    }
    tmux.keys(&["Enter"]);
    wait_status(&mut graph, "profile Night", |s| s.profile == "Night");
    tmux.wait_screen(
        &mut graph,
        "the new profile in the title",
        &["profile Night"],
    );

    // ?: the keys, closed by any key.
    tmux.keys(&["?"]);
    tmux.wait_screen(
        &mut graph,
        "the key help",
        &["bypass switch: nothing processed"],
    );
    tmux.keys(&["x"]);
    graph
        .wait_for("the help to close", TIMEOUT, |_| {
            Ok((!tmux.screen().contains("bypass switch: nothing")).then_some(()))
        })
        .unwrap();

    // The router goes: an action fails in words, the monitor stays.
    graph.stop(router, 15).unwrap();
    tmux.wait_screen(&mut graph, "the absent router", &["not running"]);
    tmux.keys(&["b"]);
    tmux.wait_screen(&mut graph, "the failed action", &["failed: bypass on"]);
    assert!(tmux.alive());
    tmux.keys(&["q"]);
    graph
        .wait_for("q to quit the monitor", TIMEOUT, |_| {
            Ok((!tmux.alive()).then_some(()))
        })
        .unwrap();
}
