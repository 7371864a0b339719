//! The `headroom` command line against a real daemon on a private graph:
//! the status table and its JSON, profile list/use, parameter get/set with
//! the range error, the bypass switch, and the exit codes scripts rely on
//! (0 done, 1 refused, 2 usage, 3 not running).

mod common;

use std::process::Output;

use common::*;
use headroom_testdata::pipewire::{run_with_timeout, PwGraph};

/// Runs `headroom <args>` against `graph`'s router.
fn headroom(graph: &PwGraph, args: &[&str]) -> Output {
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(args);
    run_with_timeout(cmd, TIMEOUT).unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_router_is_one_clear_sentence_and_exit_code_3() {
    let graph = PwGraph::start().unwrap();
    let out = headroom(&graph, &["status"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let message = stderr(&out);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("not running"), "{message}");
    assert!(message.contains("headroom daemon"), "{message}");
}

#[test]
fn bad_usage_is_exit_code_2_with_help() {
    let graph = PwGraph::start().unwrap();
    let out = headroom(&graph, &["bypass", "maybe"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        stderr(&out).contains("possible values: on, off"),
        "{}",
        stderr(&out)
    );
    let help = headroom(&graph, &["--help"]);
    assert!(help.status.success());
    for taught in ["Examples:", "headroom profile use night", "Exit codes"] {
        assert!(
            stdout(&help).contains(taught),
            "{taught}: {}",
            stdout(&help)
        );
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    let graph = PwGraph::start().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = headroom(&graph, &["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        assert!(stdout(&out).contains("bypass"), "{shell}");
    }
}

#[test]
fn status_profiles_parameters_and_bypass_from_the_command_line() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let wav = tone_wav(&graph, "tone.wav", 60);
    let _app = play_untargeted(&mut graph, &wav, "Some Browser", "browser-app");
    let node = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, processed.id, 2, TIMEOUT)
        .unwrap();

    // The table: profile, sinks, the app with its route and why.
    let out = headroom(&graph, &["status"]);
    assert!(out.status.success(), "{out:?}\n{}", graph.log(router));
    let table = stdout(&out);
    for shown in [
        "profile:   Default",
        "headroom.processed (node",
        "speakers (node",
        "Some Browser",
        "processed",
        "default_route",
    ] {
        assert!(table.contains(shown), "{shown:?} missing:\n{table}");
    }
    // --json is GetStatus's reply.
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&headroom(&graph, &["status", "--json"]))).unwrap();
    assert_eq!(json["profile"], "Default");
    assert!(json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["app"] == "Some Browser" && s["route"] == "processed"));

    // Profiles: the list marks the active one; use switches.
    let list = stdout(&headroom(&graph, &["profile", "list"]));
    assert!(
        list.lines()
            .any(|l| l.starts_with('*') && l.contains("default")),
        "{list}"
    );
    assert!(list.contains("night"), "{list}");
    let used = headroom(&graph, &["profile", "use", "night"]);
    assert!(used.status.success(), "{used:?}");
    assert!(stdout(&headroom(&graph, &["status"])).contains("profile:   Night"));
    let missing = headroom(&graph, &["profile", "use", "no-such-profile"]);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(stderr(&missing).contains("no profile named `no-such-profile`"));

    // Parameters: set reaches the DSP; out of range is refused with the range.
    let set = headroom(&graph, &["set", "ceiling", "-2.5"]);
    assert!(set.status.success(), "{set:?}");
    wait_for_ceiling(&mut graph, processed.id, -2.5, router);
    let got = stdout(&headroom(&graph, &["get", "ceiling"]));
    assert!(got.contains("-2.5 dBTP *"), "{got}");
    let refused = headroom(&graph, &["set", "ceiling", "3"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        stderr(&refused).contains("-12.0 to -0.1 dBTP"),
        "the range with its unit: {}",
        stderr(&refused)
    );
    // Not a value, or not a parameter: usage errors, with a suggestion.
    let not_a_value = headroom(&graph, &["set", "ceiling", "abc"]);
    assert_eq!(not_a_value.status.code(), Some(2), "{not_a_value:?}");
    let mistyped = headroom(&graph, &["get", "celing"]);
    assert_eq!(mistyped.status.code(), Some(2), "{mistyped:?}");
    assert!(
        stderr(&mistyped).contains("did you mean `ceiling`?"),
        "{}",
        stderr(&mistyped)
    );
    let switch = headroom(&graph, &["set", "agc_enabled", "off"]);
    assert!(switch.status.success(), "{switch:?}");

    // The kill switch moves the playing app to the speakers and back;
    // `toggle` flips it, a bare `bypass` says how it is.
    let speakers = graph.find_node("speakers").unwrap().unwrap();
    assert!(headroom(&graph, &["bypass", "on"]).status.success());
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    assert!(stdout(&headroom(&graph, &["status"])).contains("bypass:    ON"));
    assert!(stdout(&headroom(&graph, &["bypass"])).starts_with("bypass is on"));
    assert!(headroom(&graph, &["bypass", "toggle"]).status.success());
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    assert!(stdout(&headroom(&graph, &["bypass"])).starts_with("bypass is off"));
    assert!(headroom(&graph, &["bypass", "toggle"]).status.success());
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    assert!(headroom(&graph, &["bypass", "off"]).status.success());
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
}

#[test]
fn routes_and_the_json_monitor_from_the_command_line() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    // The JSON monitor runs while an app starts: its lines parse, and the
    // app shows up as an event and in the meters' moving block count.
    // (The graph keeps each child's stdout in its log.)
    let mut monitor = graph.command(env!("CARGO_BIN_EXE_headroom"));
    monitor.args(["monitor", "--json", "events", "meters"]);
    let monitor = graph.spawn("headroom monitor --json", monitor).unwrap();
    let wav = tone_wav(&graph, "tone.wav", 60);
    let _app = play_untargeted(&mut graph, &wav, "Chat App", "chat-app");
    let node = graph.wait_for_node("chat-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, processed.id, 2, TIMEOUT)
        .unwrap();
    let lines = graph
        .wait_for("the app and moving meters in the JSON feed", TIMEOUT, |g| {
            let text = g.log(monitor);
            let lines: Vec<serde_json::Value> = text
                .lines()
                .filter(|l| l.starts_with('{'))
                .map(|l| serde_json::from_str(l).expect("every line is JSON"))
                .collect();
            let added = lines.iter().any(|l| {
                l["event"]["kind"] == "stream_added" && l["event"]["stream"]["app"] == "Chat App"
            });
            let blocks: Vec<u64> = lines
                .iter()
                .filter_map(|l| l["meters"]["blocks"].as_u64())
                .collect();
            let moving = blocks.windows(2).any(|w| w[1] > w[0]);
            Ok((added && moving).then_some(lines))
        })
        .unwrap_or_else(|e| {
            panic!(
                "{e}\nmonitor log:\n{}\nrouter log:\n{}",
                graph.log(monitor),
                graph.log(router)
            )
        });
    assert!(lines
        .iter()
        .all(|l| l.as_object().is_some_and(|o| o.len() == 1)));

    // A route of the user's own moves the playing app, is listed, and goes.
    let set = headroom(&graph, &["route", "set", "chat app", "bypass"]);
    assert!(set.status.success(), "{set:?}");
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    let list = stdout(&headroom(&graph, &["route", "list"]));
    assert!(
        list.contains("chat app") && list.contains("bypass"),
        "{list}"
    );
    assert!(stdout(&headroom(&graph, &["status"])).contains("user rule #1"));
    // Not a route nor a bus name: a usage error. A bus name the profile
    // lacks: refused by the router, naming the buses it has.
    let refused = headroom(&graph, &["route", "set", "chat app", "Side Ways"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let refused = headroom(&graph, &["route", "set", "chat app", "sideways"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("has no bus sideways"),
        "{refused:?}"
    );
    let unset = headroom(&graph, &["route", "unset", "chat app"]);
    assert!(
        stdout(&unset).contains("the profile decides again"),
        "{unset:?}"
    );
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    let again = headroom(&graph, &["route", "unset", "chat app"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("nothing changed"), "{again:?}");

    // Layer A for one app, from the command line: on, listed, forgotten.
    let riding = |graph: &PwGraph| {
        let status = stdout(&headroom(graph, &["status", "--json"]));
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        status["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["app"] == "Chat App" && s["layer_a"]["enabled"] == true)
    };
    assert!(!riding(&graph));
    let on = headroom(&graph, &["route", "layer-a", "chat app", "on"]);
    assert!(
        stdout(&on).contains("Layer A on for chat app (saved)"),
        "{on:?}"
    );
    graph
        .wait_for("Layer A on for Chat App", TIMEOUT, |g| {
            Ok(riding(g).then_some(()))
        })
        .unwrap();
    let list = stdout(&headroom(&graph, &["route", "list"]));
    assert!(
        list.contains("LAYER A") && list.contains("chat app"),
        "{list}"
    );
    let bad = headroom(&graph, &["route", "layer-a", "chat app", "maybe"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let forget = headroom(&graph, &["route", "layer-a", "chat app", "profile"]);
    assert!(
        stdout(&forget).contains("as the profile says"),
        "{forget:?}"
    );
    graph
        .wait_for("Layer A off again", TIMEOUT, |g| {
            Ok((!riding(g)).then_some(()))
        })
        .unwrap();

    // Stopping the router ends the JSON monitor with "not running".
    graph.stop(router, 15).unwrap();
    let status = graph.wait_exit(monitor, TIMEOUT).unwrap();
    assert_eq!(status.code(), Some(3), "{}", graph.log(monitor));
}

#[test]
fn socket_chooses_where_the_daemon_listens_and_the_commands_connect() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let socket = graph.path("elsewhere/router.sock");
    let socket_arg = socket.to_str().unwrap();
    let _router = start_router(&mut graph, &["--socket", socket_arg]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!control_socket(&graph).exists());
    let out = headroom(&graph, &["--socket", socket_arg, "status"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("profile:"));
    assert_eq!(headroom(&graph, &["status"]).status.code(), Some(3));
}

#[test]
fn a_second_daemon_refuses_to_start_and_says_why() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let first = start_router(&mut graph, &[]);
    let second = headroom(&graph, &["daemon", "--attach"]);
    assert_eq!(second.status.code(), Some(1), "{second:?}");
    assert!(
        stderr(&second).contains("another headroom router is already answering at"),
        "{}",
        stderr(&second)
    );
    // The first one is untouched.
    assert!(graph.try_status(first).unwrap().is_none());
    assert!(headroom(&graph, &["status"]).status.success());
}
