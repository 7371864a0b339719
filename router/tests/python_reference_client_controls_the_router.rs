//! An independent client — the Python reference implementation of varlink
//! (`python3 -m varlink.cli`, installed by `cargo xtask test`) — reads the
//! router's interface and status, sets a parameter that reaches the DSP,
//! gets a typed error for an out-of-range value, and flips the bypass
//! switch, which moves a playing app.

mod common;

use std::process::Command;

use common::*;
use headroom_testdata::pipewire::PwGraph;

/// Runs `python3 -m varlink.cli <args>` from `/` (this repository's own
/// `varlink/` directory would shadow the package).
fn varlink_cli(args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .args(["-m", "varlink.cli"])
        .args(args)
        .current_dir("/")
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_python_client_reads_status_and_changes_settings() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let wav = tone_wav(&graph, "tone.wav", 30);
    let _app = play_untargeted(&mut graph, &wav, "Browser", "browser-app");
    let app = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    wait_for_move(&mut graph, app.id, processed.id, speakers.id, router);

    let socket = control_socket(&graph);
    let address = format!("unix:{}", socket.display());
    let method = |name: &str| format!("{address}/io.headroom.Router.{name}");

    let (ok, info) = varlink_cli(&["info", &address]);
    assert!(ok, "{info}");
    assert!(info.contains("io.headroom.Router"), "{info}");

    let (ok, status) = varlink_cli(&["call", &method("GetStatus"), "{}"]);
    assert!(ok, "{status}");
    let json_start = status.find('{').expect("a JSON reply");
    let status: serde_json::Value = serde_json::from_str(&status[json_start..]).unwrap();
    assert_eq!(status["profile"], "Default", "{status}");
    let streams = status["streams"].as_array().unwrap();
    let browser = streams
        .iter()
        .find(|s| s["app"] == "Browser")
        .unwrap_or_else(|| panic!("no Browser stream in {status}"));
    assert_eq!(browser["route"], "processed", "{status}");

    let (ok, out) = varlink_cli(&[
        "call",
        &method("SetParameter"),
        r#"{"id": "ceiling", "value": -5.0}"#,
    ]);
    assert!(ok, "{out}");
    wait_for_ceiling(&mut graph, processed.id, -5.0, router);

    // The CLI prints an error reply (its exit status does not tell).
    let (_, out) = varlink_cli(&[
        "call",
        &method("SetParameter"),
        r#"{"id": "ceiling", "value": 3.0}"#,
    ]);
    assert!(
        out.contains("io.headroom.Router.ParameterOutOfRange")
            && out.contains("-12")
            && out.contains("-0.1"),
        "an out-of-range ceiling was not refused with its range: {out}"
    );
    assert_eq!(dsp_ceiling(&graph, processed.id), Some(-5.0));

    let (ok, out) = varlink_cli(&["call", &method("SetBypass"), r#"{"enabled": true}"#]);
    assert!(ok, "{out}");
    wait_for_move(&mut graph, app.id, speakers.id, processed.id, router);
    let (ok, out) = varlink_cli(&["call", &method("SetBypass"), r#"{"enabled": false}"#]);
    assert!(ok, "{out}");
    wait_for_move(&mut graph, app.id, processed.id, speakers.id, router);

    // SetLayerA: Layer A rides the app (the default profile leaves it off),
    // the choice is listed, and a null `enabled` forgets it.
    let riding = || {
        let (ok, status) = varlink_cli(&["call", &method("GetStatus"), "{}"]);
        assert!(ok, "{status}");
        let status: serde_json::Value =
            serde_json::from_str(&status[status.find('{').unwrap()..]).unwrap();
        status["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["app"] == "Browser" && s["layer_a"]["enabled"] == true)
    };
    assert!(!riding());
    let (ok, out) = varlink_cli(&[
        "call",
        &method("SetLayerA"),
        r#"{"app": "browser", "enabled": true}"#,
    ]);
    assert!(ok && out.contains("\"changed\": true"), "{out}");
    graph
        .wait_for("Layer A on for Browser", TIMEOUT, |_| {
            Ok(riding().then_some(()))
        })
        .unwrap();
    let (ok, out) = varlink_cli(&["call", &method("ListRoutes"), "{}"]);
    assert!(ok && out.contains("\"enabled\": true"), "{out}");
    let (ok, out) = varlink_cli(&["call", &method("SetLayerA"), r#"{"app": "browser"}"#]);
    assert!(ok && out.contains("\"changed\": true"), "{out}");
    graph
        .wait_for("Layer A off again", TIMEOUT, |_| {
            Ok((!riding()).then_some(()))
        })
        .unwrap();
}
