//! A stream the user moves themselves (`pactl move-sink-input`, what
//! pavucontrol and the desktop's sound settings do through pipewire-pulse)
//! stays where they put it: the move becomes the app's user route, saved
//! in routes.toml and announced on the Monitor feed with the command that
//! undoes it; moving it back onto the processed sink, or onto the master
//! limiter (headroom's own, listed by pavucontrol too), restores processing.
//! Both outlive a restart of the router, the router's own moves are never
//! taken for the user's, and nothing of them lands in WirePlumber's state.

mod common;
#[path = "common/control.rs"]
mod control;

use common::*;
use control::*;
use headroom_client::{Client, Route};
use headroom_testdata::pipewire::{ChildId, PwGraph, PwObject, SIGTERM};
use serde_json::Value;

/// The PulseAudio sink-input index of `app`'s stream (what pavucontrol
/// and `pactl move-sink-input` name it by).
fn sink_input(graph: &PwGraph, app: &str) -> String {
    let listed = run_ok(graph, "pactl", &["-f", "json", "list", "sink-inputs"]);
    let inputs: Value = serde_json::from_str(&listed).unwrap();
    inputs
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["properties"]["application.name"] == app)
        .unwrap_or_else(|| panic!("{app} is not a sink input: {listed}"))["index"]
        .to_string()
}

/// Waits until `node` plays on `sink` only.
fn wait_on(
    graph: &mut PwGraph,
    node: &PwObject,
    sink: &PwObject,
    others: &[&PwObject],
    router: ChildId,
) {
    let what = format!(
        "{} to play on {} only",
        node.prop("application.name").unwrap_or("?"),
        sink.prop("node.name").unwrap_or("?")
    );
    graph
        .wait_for(&what, TIMEOUT, |g| {
            let elsewhere = others.iter().any(|o| linked(g, node.id, o.id));
            Ok((linked(g, node.id, sink.id) && !elsewhere).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

/// What the user does in pavucontrol: `pactl move-sink-input` of `app`'s
/// stream `node` onto `sink`, until PipeWire links it there. (A one-shot
/// `pactl` is sometimes acknowledged by pipewire-pulse 1.4 without the
/// move being made, before its connection has the `default` metadata
/// bound; pavucontrol, connected for good, does not see that. Asked
/// again, the move happens.)
fn user_moves(graph: &mut PwGraph, app: &str, node: &PwObject, sink: &PwObject) {
    let input = sink_input(graph, app);
    let to = sink.prop("node.name").unwrap().to_string();
    for _ in 0..5 {
        run_ok(graph, "pactl", &["move-sink-input", &input, &to]);
        let moved = graph.wait_for(&format!("{app} to be linked to {to}"), MOVE_TIMEOUT, |g| {
            Ok(linked(g, node.id, sink.id).then_some(()))
        });
        if moved.is_ok() {
            return;
        }
    }
    panic!("pipewire-pulse never moved {app} onto {to}");
}

/// How long one `pactl move-sink-input` gets to take effect.
const MOVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The user routes the router reports, as `(app, route)`.
fn routes(graph: &PwGraph) -> Vec<(String, Route)> {
    let rt = client_runtime();
    let mut client = rt.block_on(Client::connect(control_socket(graph))).unwrap();
    let listed = rt.block_on(client.list_routes()).unwrap();
    listed
        .routes
        .into_iter()
        .map(|r| (r.app, r.route))
        .collect()
}

/// Waits until `app`'s user route is `route`.
fn wait_for_route(graph: &mut PwGraph, app: &str, route: Route, router: ChildId) {
    graph
        .wait_for(&format!("{app}'s user route to be {route}"), TIMEOUT, |g| {
            Ok(routes(g).contains(&(app.to_string(), route)).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

#[test]
fn a_pactl_move_becomes_a_user_route_that_outlives_a_restart() {
    let mut graph = desktop_graph();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let mut router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let socket = control_socket(&graph);
    let mut feed = cli_feed(&graph, &socket, "Monitor", r#"{"topics": ["events"]}"#);
    feed.wait_for("subscribed", TIMEOUT, |r| r.get("subscribed").is_some());

    // Two apps the default profile processes.
    let wav = tone_wav(&graph, "tone.wav", 120);
    let (_browser_app, browser) = paplay(&mut graph, &wav, "Browser");
    let (_chat_app, chat) = paplay(&mut graph, &wav, "Chat");
    wait_on(&mut graph, &browser, &processed, &[&speakers], router);
    wait_on(&mut graph, &chat, &processed, &[&speakers], router);
    assert!(
        routes(&graph).is_empty(),
        "the router's own moves are no user routes"
    );

    // The user moves the browser to the speakers.
    user_moves(&mut graph, "Browser", &browser, &speakers);
    wait_for_route(&mut graph, "Browser", Route::Bypass, router);
    let moved = feed.wait_for("user_moved for Browser", TIMEOUT, |r| {
        r["event"]["kind"] == "user_moved" && r["event"]["app"] == "Browser"
    });
    assert_eq!(moved["event"]["route"], "bypass", "{moved}");
    assert_eq!(
        moved["event"]["undo"], "headroom route unset Browser",
        "{moved}"
    );
    wait_on(&mut graph, &browser, &speakers, &[&processed], router);
    assert_eq!(routes(&graph), [("Browser".to_string(), Route::Bypass)]);

    // And the chat app to the speakers and back onto the processed sink
    // (the default sink: pipewire-pulse writes "-1", follow the default).
    user_moves(&mut graph, "Chat", &chat, &speakers);
    wait_on(&mut graph, &chat, &speakers, &[&processed], router);
    wait_for_route(&mut graph, "Chat", Route::Bypass, router);
    user_moves(&mut graph, "Chat", &chat, &processed);
    wait_for_route(&mut graph, "Chat", Route::Processed, router);
    feed.wait_for("user_moved for Chat back to processed", TIMEOUT, |r| {
        r["event"]["kind"] == "user_moved"
            && r["event"]["app"] == "Chat"
            && r["event"]["route"] == "processed"
    });
    wait_on(&mut graph, &chat, &processed, &[&speakers], router);
    let mut saved = routes(&graph);
    saved.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        saved,
        [
            ("Browser".to_string(), Route::Bypass),
            ("Chat".to_string(), Route::Processed)
        ]
    );
    assert!(
        std::fs::read_to_string(routes_file(&graph))
            .unwrap()
            .contains("Browser"),
        "the routes are saved in routes.toml"
    );
    // A mixer that writes the target itself (`pw-metadata`, as native
    // PipeWire mixers do) is the user too.
    let (_video_app, video) = paplay(&mut graph, &wav, "Video");
    wait_on(&mut graph, &video, &processed, &[&speakers], router);
    let serial = speakers.prop("object.serial").unwrap().to_string();
    run_ok(
        &graph,
        "pw-metadata",
        &[&video.id.to_string(), "target.object", &serial, "Spa:Id"],
    );
    wait_for_route(&mut graph, "Video", Route::Bypass, router);
    wait_on(&mut graph, &video, &speakers, &[&processed], router);

    // Onto the master limiter, which pavucontrol lists too: meant as
    // processed (it is headroom's, not a device), so the video plays
    // through the processed sink again rather than past its AGC.
    let master = graph
        .find_node("headroom.processed.master")
        .unwrap()
        .unwrap();
    let input = sink_input(&graph, "Video");
    let meant = (0..5).any(|_| {
        run_ok(
            &graph,
            "pactl",
            &["move-sink-input", &input, "headroom.processed.master"],
        );
        graph
            .wait_for("Video's route to be processed", MOVE_TIMEOUT, |g| {
                Ok(routes(g)
                    .contains(&("Video".to_string(), Route::Processed))
                    .then_some(()))
            })
            .is_ok()
    });
    assert!(
        meant,
        "a move onto the master was not read as processed\nrouter log:\n{}",
        graph.log(router)
    );
    wait_on(
        &mut graph,
        &video,
        &processed,
        &[&speakers, &master],
        router,
    );

    let log = graph.log(router);
    assert!(
        log.contains("moved to speakers by the user")
            && log.contains("headroom route unset Browser"),
        "the log says what happened and how to undo it:\n{log}"
    );

    // A restart of the router: both stay as the user left them, and a new
    // browser stream starts where the user wants browsers.
    graph.stop(router, SIGTERM).unwrap();
    router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    wait_on(&mut graph, &browser, &speakers, &[&processed], router);
    wait_on(&mut graph, &chat, &processed, &[&speakers], router);
    let (_second, second) = paplay(&mut graph, &wav, "Browser");
    let second = graph
        .wait_for("the second browser stream", TIMEOUT, |g| {
            Ok(g.objects("Node")?
                .into_iter()
                .find(|n| n.prop("application.name") == Some("Browser") && n.id != browser.id))
        })
        .unwrap_or(second);
    wait_on(&mut graph, &second, &speakers, &[&processed], router);

    // WirePlumber saved no target for any stream: neither the router's
    // moves nor the user's (headroom keeps those, as user routes).
    let state = graph.path("state/wireplumber/stream-properties");
    let saved = std::fs::read_to_string(&state).unwrap_or_default();
    assert!(
        !saved.contains("\"target\""),
        "WirePlumber saved stream targets:\n{saved}"
    );
}
