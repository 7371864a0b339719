//! Socket activation: `systemd-socket-activate` (what a systemd socket
//! unit does) holds the listening socket and starts `headroom daemon`
//! only when the first client connects, passing the socket as fd 3 with
//! `LISTEN_FDS=1` and `LISTEN_PID`. That first client's call is answered,
//! later clients are too, and the daemon uses the passed socket rather
//! than making its own. Skipped where `systemd-socket-activate` is missing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use common::*;
use headroom_testdata::pipewire::PwGraph;
use serde_json::Value;

fn call(socket: &Path, message: &str) -> Value {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(message.as_bytes()).unwrap();
    stream.write_all(&[0]).unwrap();
    let mut reply = Vec::new();
    BufReader::new(stream).read_until(0, &mut reply).unwrap();
    assert_eq!(reply.pop(), Some(0), "no complete reply");
    serde_json::from_slice(&reply).unwrap()
}

#[test]
fn the_daemon_answers_on_the_socket_systemd_passes() {
    if std::process::Command::new("systemd-socket-activate")
        .arg("--help")
        .output()
        .is_err()
    {
        eprintln!("skipped: systemd-socket-activate is not installed (package systemd)");
        return;
    }
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let socket = control_socket(&graph);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(socket.parent().unwrap())
        .unwrap();
    let lv2 = lv2_path(&graph);
    let mut cmd = graph.command("systemd-socket-activate");
    cmd.arg("-l").arg(&socket);
    for var in [
        "XDG_RUNTIME_DIR",
        "PIPEWIRE_RUNTIME_DIR",
        "XDG_STATE_HOME",
        "XDG_CONFIG_HOME",
        "DBUS_SESSION_BUS_ADDRESS",
        "PIPEWIRE_LOG_SYSTEMD",
    ] {
        cmd.arg("-E").arg(var);
    }
    cmd.arg(env!("CARGO_BIN_EXE_headroom"))
        .arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2);
    let activator = graph.spawn("systemd-socket-activate", cmd).unwrap();
    graph
        .wait_for("the socket to listen", TIMEOUT, |_| {
            Ok(UnixStream::connect(&socket).ok().map(drop))
        })
        .unwrap();
    // That probe connection started the daemon; no processed sink before.
    let status = call(&socket, r#"{"method": "io.headroom.Router.GetStatus"}"#);
    assert_eq!(status["parameters"]["profile"], "Default", "{status}");
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    graph
        .wait_for("the router to see the graph", TIMEOUT, |_| {
            let status = call(&socket, r#"{"method": "io.headroom.Router.GetStatus"}"#);
            Ok((status["parameters"]["connected"] == true).then_some(()))
        })
        .unwrap();
    let info = call(&socket, r#"{"method": "org.varlink.service.GetInfo"}"#);
    assert_eq!(info["parameters"]["product"], "headroom-router", "{info}");
    let log = graph.log(activator);
    assert!(
        log.contains("the one systemd passed") && log.contains("Execing"),
        "{log}"
    );
    assert!(
        graph.try_status(activator).unwrap().is_none(),
        "the router died"
    );
}
