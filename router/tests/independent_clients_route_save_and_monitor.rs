//! Clients that share no code with the router — the Python reference
//! varlink client and raw NUL-terminated JSON through `socat` — route an
//! app by name (it moves at once, and back), see the route survive a
//! restart, save a parameter into a profile (only that value changes, the
//! comments stay), and follow a `Monitor` feed: the replies carry only
//! `parameters` and `continues`, a new stream is announced, the streams
//! topic lists it with Layer A's view and follows its route, and the
//! meters move while audio plays through the processed sink.

mod common;
#[path = "common/control.rs"]
mod control;

use common::*;
use control::*;
use headroom_testdata::pipewire::PwGraph;
use serde_json::{json, Value};

/// A user profile with comments, for the in-place save.
const MINE: &str = "\
# My own profile.
name = \"Mine\"

[dsp]
# Keep it safe.
ceiling = -2.0 # dBTP
comp_ratio = 3.0
";

#[test]
fn the_python_client_routes_saves_and_monitors() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let socket = control_socket(&graph);

    let mut feed = cli_feed(
        &graph,
        &socket,
        "Monitor",
        r#"{"topics": ["events", "meters"]}"#,
    );
    let first = feed.wait_for("subscribed", TIMEOUT, |r| r.get("subscribed").is_some());
    assert_eq!(first["subscribed"], json!(["events", "meters"]));

    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Browser", "browser-app");
    let node = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    let added = feed.wait_for("stream_added for Browser", TIMEOUT, |r| {
        r["event"]["kind"] == "stream_added" && r["event"]["stream"]["app"] == "Browser"
    });
    assert_eq!(added["event"]["stream"]["route"], "processed", "{added}");
    // Announced once its format is known: the stereo tone says so.
    assert_eq!(added["event"]["stream"]["channels"], 2, "{added}");
    // The tone (-20 dBFS peaks) plays through the limiter: meters move.
    let loud = |r: &Value| {
        r["meters"]["input_peak"]
            .as_f64()
            .is_some_and(|p| p > -40.0)
    };
    let one = feed.wait_for("meters with the tone", TIMEOUT, loud);
    let two = feed.wait_for("meters moving on", TIMEOUT, |r| {
        loud(r) && r["meters"]["blocks"].as_u64() > one["meters"]["blocks"].as_u64()
    });
    assert_eq!(two["meters"]["ceiling"], -1.0, "{two}");
    assert!(two["meters"]["output_true_peak"].as_f64().unwrap() <= -1.0 + 0.05);

    // A route by name, ignoring case: the app moves at once, and back.
    let set = cli_call(
        &graph,
        &socket,
        "SetRoute",
        r#"{"app": "browser", "route": "bypass"}"#,
    );
    assert_eq!(set, json!({}), "{set}");
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    feed.wait_for("stream_rerouted to bypass", TIMEOUT, |r| {
        r["event"]["kind"] == "stream_rerouted" && r["event"]["stream"]["route"] == "bypass"
    });
    let routes = cli_call(&graph, &socket, "ListRoutes", "{}");
    assert_eq!(
        routes["routes"],
        json!([{"app": "browser", "route": "bypass"}])
    );
    let status = cli_call(&graph, &socket, "GetStatus", "{}");
    let stream = status["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["app"] == "Browser")
        .unwrap();
    assert!(
        stream["reason"]
            .as_str()
            .unwrap()
            .starts_with("user rule #1:"),
        "{stream}"
    );
    let unset = cli_call(&graph, &socket, "UnsetRoute", r#"{"app": "BROWSER"}"#);
    assert_eq!(unset, json!({"removed": true}));
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);

    // A profile switch moves the playing app at once; so does the next.
    let elsewhere = graph.path("elsewhere.toml");
    std::fs::write(
        &elsewhere,
        "name = \"Elsewhere\"\ndefault_route = \"bypass\"\n",
    )
    .unwrap();
    let switched = cli_call(
        &graph,
        &socket,
        "UseProfile",
        &json!({ "name": elsewhere }).to_string(),
    );
    assert_eq!(switched, json!({"profile": "Elsewhere"}));
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);

    // Saving into the user's own profile edits it in place: one value.
    let mine = graph.path("config/headroom/profiles/mine.toml");
    std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
    std::fs::write(&mine, MINE).unwrap();
    cli_call(&graph, &socket, "UseProfile", r#"{"name": "mine"}"#);
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    wait_for_ceiling(&mut graph, processed.id, -2.0, router);
    let saved = cli_call(
        &graph,
        &socket,
        "SetParameter",
        r#"{"id": "ceiling", "value": -3.5, "save": true}"#,
    );
    assert_eq!(saved["saved_to"], mine.display().to_string(), "{saved}");
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        MINE.replace("ceiling = -2.0 # dBTP", "ceiling = -3.5 # dBTP")
    );
    wait_for_ceiling(&mut graph, processed.id, -3.5, router);
    feed.wait_for("meters showing the new ceiling", TIMEOUT, |r| {
        r["meters"]["ceiling"] == -3.5
    });

    // A route set now holds after a restart: a new instance is moved.
    cli_call(
        &graph,
        &socket,
        "SetRoute",
        r#"{"app": "Browser", "route": "bypass"}"#,
    );
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    drop(feed);
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the processed sink to go", TIMEOUT, |g| {
            Ok(g.find_node("headroom.processed")?.is_none().then_some(()))
        })
        .unwrap();
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let _again = play_untargeted(&mut graph, &wav, "Browser", "browser-app-2");
    let second = graph.wait_for_node("browser-app-2", TIMEOUT).unwrap();
    wait_for_move(&mut graph, second.id, speakers.id, processed.id, router);
    let routes = cli_call(&graph, &socket, "ListRoutes", "{}");
    assert_eq!(
        routes["routes"],
        json!([{"app": "Browser", "route": "bypass"}])
    );
    // The saved ceiling came back with the profile ("mine" was active).
    wait_for_ceiling(&mut graph, processed.id, -3.5, router);

    // Unknown topics are refused, naming the parameter.
    let (_, out) = varlink_cli(
        &graph,
        &[
            "call",
            "-m",
            &method_address(&socket, "Monitor"),
            r#"{"topics": ["weather"]}"#,
        ],
    );
    assert!(
        out.contains("org.varlink.service.InvalidParameter") && out.contains("topics"),
        "{out}"
    );
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}

#[test]
fn raw_json_through_socat_routes_monitors_and_persists() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let socket = control_socket(&graph);

    // A `more` feed: every reply is {parameters, continues: true} only.
    let mut feed = socat_feed(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.Monitor", "parameters": {"topics": ["events"]}, "more": true}"#,
    );
    let first = feed.next(TIMEOUT).expect("a first reply");
    assert_eq!(
        first,
        json!({"parameters": {"subscribed": ["events"]}, "continues": true})
    );
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Voice Chat", "chat-app");
    let node = graph.wait_for_node("chat-app", TIMEOUT).unwrap();
    let added = feed.wait_for("stream_added", TIMEOUT, |r| {
        r["parameters"]["event"]["kind"] == "stream_added"
    });
    let mut keys: Vec<&String> = added.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["continues", "parameters"], "{added}");
    assert_eq!(added["continues"], true);
    assert_eq!(added["parameters"]["event"]["stream"]["app"], "Voice Chat");
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    // The streams topic: the current list at once, Layer A's view included.
    let mut levels = socat_feed(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.Monitor", "parameters": {"topics": ["streams"]}, "more": true}"#,
    );
    let chat = |r: &Value| -> Option<Value> {
        r["parameters"]["streams"]
            .as_array()?
            .iter()
            .find(|s| s["app"] == "Voice Chat")
            .cloned()
    };
    let listed = levels.wait_for("the chat stream's levels", TIMEOUT, |r| chat(r).is_some());
    let entry = chat(&listed).unwrap();
    assert_eq!(entry["route"], "processed", "{entry}");
    assert_eq!(
        entry["layer_a"],
        json!({"enabled": false, "target": -20.0, "level": null, "gain": 0.0, "user_volume": 1.0}),
        "{entry}"
    );

    // The app binary (pw-cat) works as the name too.
    let set = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.SetRoute", "parameters": {"app": "PW-CAT", "route": "bypass"}}"#,
    );
    assert_eq!(set, json!({"parameters": {}}));
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    feed.wait_for("stream_rerouted", TIMEOUT, |r| {
        r["parameters"]["event"]["kind"] == "stream_rerouted"
    });
    levels.wait_for("the chat stream's new route", TIMEOUT, |r| {
        chat(r).is_some_and(|s| s["route"] == "bypass")
    });
    drop((feed, levels));
    let text = std::fs::read_to_string(routes_file(&graph)).unwrap();
    assert!(text.contains("app = \"PW-CAT\""), "{text}");

    // Bad values: the interface's service errors, naming the parameter.
    let bad_route = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.SetRoute", "parameters": {"app": "x", "route": "loud"}}"#,
    );
    assert_eq!(
        bad_route,
        json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": "route"}})
    );
    let no_more = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.Monitor", "parameters": {"topics": ["events"]}}"#,
    );
    assert_eq!(
        no_more,
        json!({"error": "org.varlink.service.ExpectedMore", "parameters": {}})
    );

    // After a restart the route still holds: a new instance is moved.
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the processed sink to go", TIMEOUT, |g| {
            Ok(g.find_node("headroom.processed")?.is_none().then_some(()))
        })
        .unwrap();
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let _again = play_untargeted(&mut graph, &wav, "Voice Chat", "chat-app-2");
    let second = graph.wait_for_node("chat-app-2", TIMEOUT).unwrap();
    wait_for_move(&mut graph, second.id, speakers.id, processed.id, router);
    let routes = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.ListRoutes"}"#,
    );
    assert_eq!(
        routes["parameters"]["routes"],
        json!([{"app": "PW-CAT", "route": "bypass"}])
    );
    let unset = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.UnsetRoute", "parameters": {"app": "pw-cat"}}"#,
    );
    assert_eq!(unset, json!({"parameters": {"removed": true}}));
    wait_for_move(&mut graph, second.id, processed.id, speakers.id, router);
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    let mut meters = socat_feed(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.Monitor", "parameters": {"topics": ["meters"]}, "more": true}"#,
    );
    // The tone arrives through the processed sink: wait (with a timeout)
    // for a reply that shows it, not for any second reply, which on a
    // loaded machine may still be from before the move.
    let blocks = |r: &Value| r["parameters"]["meters"]["blocks"].as_u64();
    let one = meters.wait_for("meters", TIMEOUT, |r| blocks(r).is_some());
    let two = meters.wait_for("meters with the tone in them", TIMEOUT, |r| {
        blocks(r) > blocks(&one)
            && r["parameters"]["meters"]["input_peak"]
                .as_f64()
                .is_some_and(|p| p > -40.0)
    });
    assert!(
        two["parameters"]["meters"]["input_peak"].as_f64().unwrap() > -40.0,
        "{two}"
    );
    drop(meters);

    // Save through raw JSON: the shipped profile is copied, then edited.
    let saved = socat_call(
        &graph,
        &socket,
        r#"{"method": "io.headroom.Router.SetParameter", "parameters": {"id": "comp_enabled", "value": 0, "save": true}}"#,
    );
    let copy = graph.path("config/headroom/profiles/default.toml");
    assert_eq!(
        saved,
        json!({"parameters": {"saved_to": copy.display().to_string()}})
    );
    let text = std::fs::read_to_string(&copy).unwrap();
    assert!(text.contains("comp_enabled = false"), "{text}");
    assert!(text.starts_with("# The everyday profile"), "{text}");
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
