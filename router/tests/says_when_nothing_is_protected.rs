//! With a processed sink that cannot start (the LV2 plugin is not where
//! the filter-chain looks), the router tells the truth: `GetStatus` and
//! `headroom status` say the processed sink is down and why (where the
//! plugin was looked for, how to fix it), and an app the rules send to
//! processing fails closed: it is held silent on the holding sink (never
//! played unprotected on the real device) and reported as held, with the
//! way out (`headroom bypass on`).

mod common;

use common::*;
use headroom_client::{Client, Route};
use headroom_testdata::pipewire::PwGraph;

#[test]
fn an_unloadable_plugin_is_reported_and_no_stream_is_shown_as_processed() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    // An LV2_PATH without headroom.lv2 in it.
    let empty = graph.path("no-plugins-here");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(["daemon", "--profile", "default", "--lv2-path"])
        .arg(&empty);
    let router = graph.spawn("headroom-router", cmd).unwrap();

    let wav = tone_wav(&graph, "tone.wav", 60);
    let _app = play_untargeted(&mut graph, &wav, "Browser", "browser-app");
    let app = graph.wait_for_node("browser-app", TIMEOUT).unwrap();

    let rt = client_runtime();
    let socket = control_socket(&graph);
    let status = graph.wait_for("status showing the Browser held silent", TIMEOUT, |_| {
        let Ok(mut client) = rt.block_on(Client::connect(socket.clone())) else {
            return Ok(None);
        };
        let Ok(status) = rt.block_on(client.get_status()) else {
            return Ok(None);
        };
        let down = status
            .processed_sink
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("cannot be loaded"));
        let held = status.streams.iter().any(|s| {
            s.id == app.id && s.playing_on == ["headroom.processed.hold"] && s.problem.is_some()
        });
        Ok((down && held).then_some(status))
    });
    let status = match status {
        Ok(s) => s,
        Err(e) => panic!("{e}\nrouter log:\n{}", graph.log(router)),
    };
    assert_eq!(status.processed_sink.node, None, "{status:?}");
    let problem = status.processed_sink.problem.clone().unwrap();
    assert!(
        problem.contains(empty.to_str().unwrap()) && problem.contains("cargo xtask install"),
        "the reason names where it looked and the fix: {problem}"
    );
    let stream = status.streams.iter().find(|s| s.id == app.id).unwrap();
    assert_eq!(stream.route, Route::Held, "{stream:?}");
    assert_eq!(stream.wanted, Route::Processed, "{stream:?}");
    let problem = stream.problem.as_deref().unwrap();
    assert!(
        problem.contains("held silent") && problem.contains("headroom bypass on"),
        "{stream:?}"
    );
    assert!(stream.reason.contains("held silent"), "{stream:?}");
    assert!(!linked(&graph, app.id, speakers.id), "played unprotected");
    assert!(
        status.streams.iter().all(|s| s.route != Route::Processed),
        "a stream shown as processed while nothing is: {status:?}"
    );

    // The command line says so too.
    let out = graph
        .run(
            {
                let mut c = graph.command(env!("CARGO_BIN_EXE_headroom"));
                c.arg("status");
                c
            },
            TIMEOUT,
        )
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT PROTECTED"), "{text}");
    assert!(
        text.contains("held silent until the processed sink is back"),
        "{text}"
    );

    // The log names the paths searched and the fix, once.
    let log = graph.log(router);
    assert!(
        log.contains("headroom.lv2 was looked for in LV2_PATH="),
        "{log}"
    );
    // Once per process: the processed sink's and the master limiter's
    // (each names itself).
    for what in ["the processed sink is down", "the master limiter is down"] {
        let told = log
            .lines()
            .filter(|l| l.contains(what) && l.contains("headroom.lv2 was looked for in"))
            .count();
        assert!(told <= 1, "repeated failures are not logged again: {log}");
    }
    let told = |what: &str| log.lines().any(|l| l.contains(what));
    assert!(told("the processed sink is down"), "{log}");
}
