//! systemd's own varlink client, `varlinkctl` (systemd 257, fetched by
//! `cargo xtask test` into `target/varlinkctl/`, see `xtask/src/varlinkctl.rs`),
//! against the interface file and a live router: it validates and
//! formats the IDL as strictly as systemd parses it, lists and calls every
//! read-only method, gets a typed error, and follows a Monitor feed with
//! `--more` while an app starts.

mod common;
#[path = "common/control.rs"]
mod control;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use control::json_feed;
use headroom_testdata::pipewire::PwGraph;
use serde_json::Value;

/// The varlinkctl wrapper: `$HEADROOM_VARLINKCTL`, else where `cargo
/// xtask test` puts it.
fn varlinkctl() -> PathBuf {
    let path = std::env::var_os("HEADROOM_VARLINKCTL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("varlinkctl/varlinkctl")
        });
    assert!(
        path.is_file(),
        "{} is missing: `cargo xtask test` fetches systemd 257's varlinkctl there \
         (or set HEADROOM_VARLINKCTL to a varlinkctl)",
        path.display()
    );
    path
}

fn interface_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../varlink/io.headroom.Router.varlink")
}

fn run(graph: &PwGraph, args: &[&str]) -> Output {
    let mut cmd = graph.command(varlinkctl().to_str().unwrap());
    cmd.arg("--no-pager").args(args);
    graph.run(cmd, TIMEOUT).expect("varlinkctl runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `varlinkctl call` of a method that must succeed: its JSON reply.
fn call(graph: &PwGraph, socket: &str, method: &str, parameters: &str) -> Value {
    let out = run(
        graph,
        &[
            "--json=short",
            "call",
            socket,
            &format!("io.headroom.Router.{method}"),
            parameters,
        ],
    );
    assert!(out.status.success(), "{method}: {}", text(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{method}: not JSON ({e}): {}", text(&out)))
}

/// `varlinkctl validate-idl FILE` (no graph needed).
fn validate(file: &Path) -> Output {
    std::process::Command::new(varlinkctl())
        .args(["--no-pager", "validate-idl"])
        .arg(file)
        .output()
        .expect("varlinkctl runs")
}

#[test]
fn varlinkctl_validates_the_interface_file() {
    let file = interface_file();
    let out = validate(&file);
    assert!(out.status.success(), "{}", text(&out));
    let formatted = String::from_utf8_lossy(&out.stdout);
    assert!(
        formatted.contains("interface io.headroom.Router"),
        "{formatted}"
    );
    // A broken copy is refused: the check can fail.
    let broken =
        std::env::temp_dir().join(format!("headroom-broken-{}.varlink", std::process::id()));
    let idl = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &broken,
        idl.replace("method GetStatus()", "method GetStatus("),
    )
    .unwrap();
    let out = validate(&broken);
    let _ = std::fs::remove_file(&broken);
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn varlinkctl_introspects_calls_and_follows_the_router() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let socket = control_socket(&graph);
    let socket = socket.to_str().unwrap();

    let info = run(&graph, &["info", socket]);
    assert!(info.status.success(), "{}", text(&info));
    assert!(
        text(&info).contains("io.headroom.Router"),
        "{}",
        text(&info)
    );

    // Introspection formats the interface without a parser warning.
    let idl = run(&graph, &["introspect", socket, "io.headroom.Router"]);
    let idl_text = text(&idl);
    assert!(idl.status.success(), "{idl_text}");
    assert!(idl_text.contains("method GetStatus()"), "{idl_text}");
    assert!(!idl_text.to_lowercase().contains("warning"), "{idl_text}");

    let methods = run(&graph, &["list-methods", socket, "io.headroom.Router"]);
    let listed = text(&methods);
    assert!(methods.status.success(), "{listed}");
    for method in headroom_client::METHODS {
        assert!(
            listed.contains(&format!("io.headroom.Router.{method}")),
            "{method} not in {listed}"
        );
    }

    // The feed first, so the app's arrival is heard.
    let mut feed_cmd = graph.command(varlinkctl().to_str().unwrap());
    feed_cmd.args([
        "--no-pager",
        "--json=short",
        "--more",
        "--timeout=infinity",
        "call",
        socket,
        "io.headroom.Router.Monitor",
        r#"{"topics": ["events"]}"#,
    ]);
    let mut feed = json_feed(feed_cmd);
    feed.wait_for("subscribed", TIMEOUT, |r| r.get("subscribed").is_some());

    let wav = tone_wav(&graph, "tone.wav", 60);
    let _app = play_untargeted(&mut graph, &wav, "Browser", "browser-app");
    let node = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    wait_for_move(&mut graph, node.id, processed.id, speakers.id, router);
    let added = feed.wait_for("stream_added for Browser", TIMEOUT, |r| {
        r["event"]["kind"] == "stream_added" && r["event"]["stream"]["app"] == "Browser"
    });
    assert_eq!(added["event"]["stream"]["route"], "processed", "{added}");

    // Every read-only method.
    let status = call(&graph, socket, "GetStatus", "{}");
    assert_eq!(status["profile"], "Default", "{status}");
    assert_eq!(status["processed_sink"]["node"], processed.id, "{status}");
    let browser = status["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["app"] == "Browser")
        .cloned()
        .unwrap_or_else(|| panic!("no Browser in {status}"));
    assert_eq!(browser["route"], "processed", "{browser}");
    assert_eq!(
        browser["playing_on"],
        serde_json::json!(["headroom.processed"])
    );
    let profiles = call(&graph, socket, "ListProfiles", "{}");
    assert!(
        profiles["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "default"),
        "{profiles}"
    );
    let streams = call(&graph, socket, "ListStreams", "{}");
    assert!(streams["streams"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == node.id));
    let parameters = call(&graph, socket, "GetParameters", "{}");
    assert!(
        parameters["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "ceiling" && p["value"] == -1.0),
        "{parameters}"
    );
    let routes = call(&graph, socket, "ListRoutes", "{}");
    assert_eq!(routes["routes"], serde_json::json!([]), "{routes}");

    // An interface error, typed.
    let refused = run(
        &graph,
        &[
            "call",
            socket,
            "io.headroom.Router.UseProfile",
            r#"{"name": "no-such-profile"}"#,
        ],
    );
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(
        text(&refused).contains("io.headroom.Router.ProfileNotFound"),
        "{}",
        text(&refused)
    );
}
