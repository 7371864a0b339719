//! With the `headroom-client` crate, against a real daemon on a private
//! graph: a Monitor feed tells of a new stream; a parameter saved into a
//! shipped profile lands in a user copy (comments kept, shipped file
//! untouched) and live reload keeps it; a user route moves a playing app
//! at once, shows as `user rule #1`, and survives a restart and a profile
//! switch; unsetting it moves the app back; a hand edit of the routes
//! file takes effect by itself and keeps its comments; a broken one is
//! reported with its location, left as it is, and does not stop the
//! router from starting. The feed also tells of the user's device
//! changing and of PipeWire going away and coming back.

mod common;
#[path = "common/control.rs"]
mod control;

use std::time::Duration;

use common::*;
use control::routes_file;
use headroom_client::{
    Client, Error, Event, EventKind, MonitorEvent, MonitorStream, Route, RouterError, ServiceError,
    UserRoute,
};
use headroom_testdata::pipewire::PwGraph;

/// The next event `want` accepts, within [`TIMEOUT`].
fn wait_event(
    rt: &tokio::runtime::Runtime,
    feed: &mut MonitorStream,
    what: &str,
    want: impl Fn(&Event) -> bool,
) -> Event {
    let mut seen = Vec::new();
    let wanted = async {
        loop {
            match feed.next().await {
                Ok(Some(MonitorEvent::Event(e))) if want(&e) => return *e,
                Ok(Some(other)) => seen.push(format!("{other:?}")),
                other => panic!("the feed ended ({other:?}) before {what}; seen {seen:#?}"),
            }
        }
    };
    let found = rt.block_on(async { tokio::time::timeout(TIMEOUT, wanted).await });
    found.unwrap_or_else(|_| panic!("no event {what} within {TIMEOUT:?}; seen {seen:#?}"))
}

fn stop_router(graph: &mut PwGraph, router: headroom_testdata::pipewire::ChildId) {
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the processed sink to go", TIMEOUT, |g| {
            Ok(g.find_node("headroom.processed")?.is_none().then_some(()))
        })
        .unwrap();
}

#[test]
fn routes_and_saved_parameters_apply_at_once_and_after_a_restart() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let rt = client_runtime();
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();

    // The feed is live once monitor() returns: the new stream is heard of.
    let mut feed = rt.block_on(client.monitor(&["events"])).unwrap();
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Some Game", "game-app");
    let node = graph.wait_for_node("game-app", TIMEOUT).unwrap();
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    let added = wait_event(&rt, &mut feed, "stream_added for the game", |e| {
        e.kind == EventKind::StreamAdded && e.stream.as_ref().is_some_and(|s| s.id == node.id)
    });
    let stream = added.stream.unwrap();
    assert_eq!(
        (stream.app.as_deref(), stream.route),
        (Some("Some Game"), Route::Processed)
    );
    let layer_a = stream.layer_a.expect("layer_a is reported");
    assert_eq!(
        (layer_a.level, layer_a.gain, layer_a.user_volume),
        (None, 0.0, 1.0)
    );

    // Saving into the shipped `default` profile: a user copy takes the
    // value, keeps the comments, and becomes the active profile's file.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/default.toml");
    let shipped_before = std::fs::read_to_string(shipped).unwrap();
    let saved = rt.block_on(client.save_parameter("ceiling", -4.5)).unwrap();
    let copy = graph.path("config/headroom/profiles/default.toml");
    assert_eq!(saved, copy);
    assert_eq!(std::fs::read_to_string(shipped).unwrap(), shipped_before);
    let copied = std::fs::read_to_string(&copy).unwrap();
    assert!(copied.contains("ceiling = -4.5"), "{copied}");
    let comments = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(comments(&copied), comments(&shipped_before));
    assert!(!comments(&copied).is_empty());
    wait_for_ceiling(&mut graph, processed.id, -4.5, router);
    let changed = wait_event(&rt, &mut feed, "parameter_changed", |e| {
        e.kind == EventKind::ParameterChanged
    });
    assert_eq!(
        (changed.parameter.as_deref(), changed.value),
        (Some("ceiling"), Some(-4.5))
    );
    // Live reload has had time to look at the new file: nothing dropped.
    std::thread::sleep(Duration::from_millis(800));
    let status = rt.block_on(client.get_status()).unwrap();
    assert_eq!(status.profile_path, Some(copy.display().to_string()));
    let parameters = rt.block_on(client.get_parameters()).unwrap();
    let ceiling = parameters.iter().find(|p| p.id == "ceiling").unwrap();
    assert_eq!((ceiling.value, ceiling.overridden), (-4.5, false));
    assert_eq!(dsp_ceiling(&graph, processed.id), Some(-4.5));

    // A user route, by application.name and ignoring case: the playing
    // app moves at once, and status says why.
    rt.block_on(client.set_route("some game", Route::Bypass))
        .unwrap();
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    let routes = wait_event(&rt, &mut feed, "routes_changed", |e| {
        e.kind == EventKind::RoutesChanged
    });
    assert_eq!(
        routes.routes,
        Some(vec![UserRoute {
            app: "some game".into(),
            route: Route::Bypass,
            bus: None
        }])
    );
    let rerouted = wait_event(&rt, &mut feed, "stream_rerouted", |e| {
        e.kind == EventKind::StreamRerouted
    });
    assert_eq!(rerouted.stream.unwrap().route, Route::Bypass);
    let status = rt.block_on(client.get_status()).unwrap();
    let stream = status.streams.iter().find(|s| s.id == node.id).unwrap();
    assert_eq!(stream.route, Route::Bypass);
    assert!(
        stream
            .reason
            .starts_with("user rule #1: app = \"some game\""),
        "{stream:?}"
    );
    let routes = rt.block_on(client.list_routes()).unwrap();
    assert_eq!(
        routes.routes,
        [UserRoute {
            app: "some game".into(),
            route: Route::Bypass,
            bus: None
        }]
    );
    assert_eq!(routes.file, routes_file(&graph).display().to_string());
    // Bad values are refused, naming the parameter; nothing changes.
    match rt.block_on(client.set_route(" ", Route::Bypass)) {
        Err(Error::Service(ServiceError::InvalidParameter { parameter })) => {
            assert_eq!(parameter, "app")
        }
        other => panic!("expected InvalidParameter app, got {other:?}"),
    }
    let sideways = rt.block_on(client.call_raw(
        "io.headroom.Router.SetRoute",
        serde_json::json!({"app": "x", "route": "sideways"}),
    ));
    match sideways {
        Err(Error::Service(ServiceError::InvalidParameter { parameter })) => {
            assert_eq!(parameter, "route")
        }
        other => panic!("expected InvalidParameter route, got {other:?}"),
    }
    assert_eq!(rt.block_on(client.list_routes()).unwrap().routes.len(), 1);
    drop(feed);

    // A restart: the route and the saved ceiling are still there.
    stop_router(&mut graph, router);
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    wait_for_ceiling(&mut graph, processed.id, -4.5, router);
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();
    let stream = rt
        .block_on(client.list_streams())
        .unwrap()
        .into_iter()
        .find(|s| s.id == node.id)
        .unwrap();
    assert!(stream.reason.starts_with("user rule #1"), "{stream:?}");
    // A new instance starts on the default (processed) sink and is moved.
    let _again = play_untargeted(&mut graph, &wav, "SOME GAME", "game-app-2");
    let second = graph.wait_for_node("game-app-2", TIMEOUT).unwrap();
    wait_for_move(&mut graph, second.id, speakers.id, processed.id, router);

    // A profile switch keeps it (night processes everything by itself).
    rt.block_on(client.use_profile("night")).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(linked(&graph, node.id, speakers.id));
    assert!(!linked(&graph, node.id, processed.id));

    // Unset: back to what the profile says, at once.
    assert!(rt.block_on(client.unset_route("SOME GAME")).unwrap());
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    assert!(!rt.block_on(client.unset_route("some game")).unwrap());
    assert!(rt.block_on(client.list_routes()).unwrap().routes.is_empty());

    // A hand edit of the file takes effect by itself, comments and all.
    std::fs::write(
        routes_file(&graph),
        "# mine\n[[route]]\napp = \"pw-cat\" # by binary\nroute = \"bypass\"\n",
    )
    .unwrap();
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    rt.block_on(client.set_route("Other", Route::Processed))
        .unwrap();
    let text = std::fs::read_to_string(routes_file(&graph)).unwrap();
    assert!(
        text.starts_with("# mine\n") && text.contains("app = \"pw-cat\" # by binary"),
        "{text}"
    );
    assert_eq!(rt.block_on(client.list_routes()).unwrap().routes.len(), 2);

    // A broken routes file is located and never overwritten...
    let broken = "[[route]]\napp = \"Some Game\"\nroute = \"bypas\"\n";
    std::fs::write(routes_file(&graph), broken).unwrap();
    match rt.block_on(client.set_route("other", Route::Bypass)) {
        Err(Error::Router(RouterError::InvalidRoutes(problem))) => {
            assert_eq!(problem.file, routes_file(&graph).display().to_string());
            assert_eq!((problem.line, problem.column), (Some(3), Some(9)));
            assert!(problem.message.contains("route"), "{problem:?}");
        }
        other => panic!("expected InvalidRoutes, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(routes_file(&graph)).unwrap(),
        broken
    );
    // ...and a router starting with it runs, saying what is wrong.
    stop_router(&mut graph, router);
    let router = start_router(&mut graph, &[]);
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();
    let status = rt.block_on(client.get_status()).unwrap();
    let problem = status.routes_error.expect("the broken file is reported");
    assert_eq!((problem.line, problem.column), (Some(3), Some(9)));
    let log = graph.log(router);
    assert!(log.contains("routes.toml:3:9"), "{log}");

    // The feed tells of the user's device changing, and of PipeWire going
    // away and coming back (the feed itself lives on).
    let mut feed = rt.block_on(client.monitor(&["events"])).unwrap();
    graph.create_null_sink("headphones").unwrap();
    choose_default(&graph, "headphones");
    let sinks = wait_event(&rt, &mut feed, "sink_changed to headphones", |e| {
        e.kind == EventKind::SinkChanged
            && e.real_sink.as_ref().and_then(|s| s.name.as_deref()) == Some("headphones")
    });
    assert!(sinks.processed_sink.unwrap().node.is_some());
    graph.restart_daemons().unwrap();
    let lost = wait_event(&rt, &mut feed, "disconnected", |e| {
        e.kind == EventKind::Disconnected
    });
    assert!(lost.reason.is_some_and(|r| !r.is_empty()));
    wait_event(&rt, &mut feed, "connected", |e| {
        e.kind == EventKind::Connected
    });
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
