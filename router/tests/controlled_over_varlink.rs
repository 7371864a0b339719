//! The router is controlled over varlink (`io.headroom.Router`) with the
//! `headroom-client` crate, against a real daemon on a private graph:
//! the service describes itself with the interface file verbatim and
//! serves every method the file declares, status
//! shows a playing stream's route and reason, parameters reach the running
//! DSP (and out-of-range ones never do), the bypass switch moves a playing
//! stream to the speakers and back, and switching profiles re-routes it.

mod common;

use common::*;
use headroom_client::{Client, Error, Route, RouterError, ServiceError, INTERFACE};
use headroom_testdata::pipewire::PwGraph;

#[test]
fn status_parameters_bypass_and_profile_switch_over_varlink() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let first = graph.path("first.toml");
    std::fs::write(
        &first,
        "name = \"First\"\ndefault_route = \"processed\"\n[dsp]\nceiling = -2.0\n",
    )
    .unwrap();
    let second = graph.path("second.toml");
    std::fs::write(&second, "name = \"Second\"\ndefault_route = \"bypass\"\n").unwrap();
    let router = start_router(&mut graph, &["--profile", first.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let wav = tone_wav(&graph, "tone.wav", 60);
    let app = play_untargeted(&mut graph, &wav, "Some Game", "game-app");
    let node = graph.wait_for_node("game-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, processed.id, 2, TIMEOUT)
        .unwrap();
    wait_for_ceiling(&mut graph, processed.id, -2.0, router);

    let rt = client_runtime();
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();

    // The service describes itself; the interface file is the contract.
    let info = rt.block_on(client.get_info()).unwrap();
    assert_eq!(info.product, "headroom-router");
    assert_eq!(info.vendor, "Headroom");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert!(info.url.starts_with("https://"), "{info:?}");
    assert!(info.interfaces.iter().any(|i| i == INTERFACE), "{info:?}");
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../varlink/io.headroom.Router.varlink"
    ))
    .unwrap();
    assert_eq!(
        rt.block_on(client.get_interface_description(INTERFACE))
            .unwrap(),
        file
    );
    // Every method the file declares is served: without parameters each
    // answers, or names what is missing, never MethodNotFound.
    let declared: Vec<&str> = file
        .lines()
        .filter_map(|l| l.strip_prefix("method "))
        .filter_map(|l| l.split('(').next())
        .collect();
    assert!(declared.len() >= 12, "{declared:?}");
    for method in declared {
        let reply =
            rt.block_on(client.call_raw(&format!("{INTERFACE}.{method}"), serde_json::json!({})));
        assert!(
            matches!(
                reply,
                Ok(_)
                    | Err(Error::Service(
                        ServiceError::InvalidParameter { .. } | ServiceError::ExpectedMore {}
                    ))
            ),
            "{method}: {reply:?}"
        );
    }

    // Status: the profile, both sinks, the stream with its route and reason.
    let status = rt.block_on(client.get_status()).unwrap();
    assert_eq!(status.profile, "First");
    assert!(!status.bypass && status.connected, "{status:?}");
    assert_eq!(status.processed_sink.node, Some(processed.id));
    assert_eq!(status.real_sink.node, Some(speakers.id));
    assert_eq!(status.real_sink.name.as_deref(), Some("speakers"));
    assert_eq!(status.profile_error, None);
    let stream = status
        .streams
        .iter()
        .find(|s| s.id == node.id)
        .unwrap_or_else(|| panic!("the playing stream is not in {status:?}"));
    assert_eq!(stream.app.as_deref(), Some("Some Game"));
    assert_eq!(stream.route, Route::Processed);
    assert!(stream.reason.contains("default_route"), "{stream:?}");
    assert_eq!(rt.block_on(client.list_streams()).unwrap(), status.streams);

    // Parameters: checked against the table, then live in the DSP.
    rt.block_on(client.set_parameter("ceiling", -4.5)).unwrap();
    wait_for_ceiling(&mut graph, processed.id, -4.5, router);
    match rt.block_on(client.set_parameter("ceiling", 3.0)) {
        Err(Error::Router(RouterError::ParameterOutOfRange { id, min, max })) => {
            assert_eq!((id.as_str(), min, max), ("ceiling", -12.0, -0.1));
        }
        other => panic!("expected ParameterOutOfRange, got {other:?}"),
    }
    match rt.block_on(client.set_parameter("celing", -3.0)) {
        Err(Error::Router(RouterError::UnknownParameter { id })) => assert_eq!(id, "celing"),
        other => panic!("expected UnknownParameter, got {other:?}"),
    }
    let parameters = rt.block_on(client.get_parameters()).unwrap();
    let ceiling = parameters.iter().find(|p| p.id == "ceiling").unwrap();
    assert_eq!((ceiling.value, ceiling.overridden), (-4.5, true));
    assert_eq!(
        (ceiling.min, ceiling.max, ceiling.unit.as_str()),
        (-12.0, -0.1, "dBTP")
    );
    assert_eq!(parameters.len(), headroom_dsp::PARAMS.len());
    assert_eq!(dsp_ceiling(&graph, processed.id), Some(-4.5));

    // The kill switch: straight to the speakers, and back.
    rt.block_on(client.set_bypass(true)).unwrap();
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    let status = rt.block_on(client.get_status()).unwrap();
    assert!(status.bypass);
    let stream = status.streams.iter().find(|s| s.id == node.id).unwrap();
    assert_eq!(stream.route, Route::Bypass);
    assert!(stream.reason.contains("bypass switch"), "{stream:?}");
    rt.block_on(client.set_bypass(false)).unwrap();
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);

    // Profiles: unknown and broken ones are refused with what is wrong.
    match rt.block_on(client.use_profile("no-such-profile")) {
        Err(Error::Router(RouterError::ProfileNotFound { name, available })) => {
            assert_eq!(name, "no-such-profile");
            assert!(available.iter().any(|p| p == "default"), "{available:?}");
        }
        other => panic!("expected ProfileNotFound, got {other:?}"),
    }
    let broken = graph.path("broken.toml");
    std::fs::write(&broken, "name = \"Broken\"\n[dsp]\nceiling = 3.0\n").unwrap();
    match rt.block_on(client.use_profile(broken.to_str().unwrap())) {
        Err(Error::Router(RouterError::InvalidProfile(problem))) => {
            assert_eq!(problem.file, broken.display().to_string());
            assert_eq!((problem.line, problem.column), (Some(3), Some(11)));
            assert!(problem.message.contains("ceiling"), "{problem:?}");
        }
        other => panic!("expected InvalidProfile, got {other:?}"),
    }
    let profiles = rt.block_on(client.list_profiles()).unwrap();
    assert_eq!(profiles.active, first.to_str().unwrap());
    assert!(
        profiles.profiles.iter().any(|p| p.name == "night"),
        "{profiles:?}"
    );

    // A switch re-routes the playing stream at once, drops the override
    // (the second profile keeps the table's -1.0 ceiling) and is remembered.
    let name = rt
        .block_on(client.use_profile(second.to_str().unwrap()))
        .unwrap();
    assert_eq!(name, "Second");
    wait_for_move(&mut graph, node.id, speakers.id, processed.id, router);
    wait_for_ceiling(&mut graph, processed.id, -1.0, router);
    let status = rt.block_on(client.get_status()).unwrap();
    assert_eq!(status.profile, "Second");
    assert_eq!(
        std::fs::read_to_string(graph.path("state/headroom/active-profile"))
            .unwrap()
            .trim(),
        second.to_str().unwrap()
    );
    assert!(graph.try_status(app).unwrap().is_none(), "the app stopped");
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
