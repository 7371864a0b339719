//! The user's own processes cannot lock the control plane: more idle
//! connections than the router keeps (`MAX_CONNECTIONS`) make the
//! longest-idle ones close, so `headroom status` and a raw `GetStatus`
//! are still answered; a client that trickles its message one byte at a
//! time, or stops half-way, is answered `InvalidParameter "message"` and
//! closed once `MESSAGE_TIMEOUT` has passed since its first byte.
//! `UseProfile` naming a FIFO (nobody writes it), a directory, /dev/zero
//! or a 100 MB file is refused at once, naming what is wrong, and the
//! router keeps routing.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::*;
use headroom_testdata::pipewire::{run_with_timeout, PwGraph};
use serde_json::json;

/// One more than the router keeps, and then some.
const IDLE_CLIENTS: usize = 300;
/// Clients sending one byte a second.
const TRICKLERS: usize = 10;

/// Whether the server closed `stream`: EOF or reset (a read timeout is not).
fn closed(stream: &mut UnixStream) -> bool {
    let mut rest = [0u8; 16];
    match stream.read(&mut rest) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn idle_and_trickling_clients_lock_nobody_out() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let socket = control_socket(&graph);
    let status_call = r#"{"method": "io.headroom.Router.GetStatus", "parameters": {}}"#;

    // A client that used its connection once and then went quiet.
    let mut first = raw_connect(&socket);
    assert_eq!(
        raw_call(&mut first, status_call)["parameters"]["profile"],
        "Default"
    );

    // Hundreds of connections that never say anything, and ten that
    // trickle a call one byte a second.
    let mut idle: Vec<UnixStream> = (0..IDLE_CLIENTS).map(|_| raw_connect(&socket)).collect();
    let tricklers: Vec<_> = (0..TRICKLERS)
        .map(|_| {
            let mut writer = raw_connect(&socket);
            std::thread::spawn(move || {
                for byte in status_call.as_bytes().iter().cycle() {
                    if writer.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();

    // A new client is still answered, by raw socket and by the CLI.
    let mut newcomer = raw_connect(&socket);
    let status = raw_call(&mut newcomer, status_call);
    assert_eq!(status["parameters"]["profile"], "Default", "{status}");
    let mut cli = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cli.args(["status", "--json"]);
    let out = run_with_timeout(cli, TIMEOUT).unwrap();
    assert!(out.status.success(), "headroom status: {out:?}");

    // Room was made from the longest-idle end: the quiet first client is
    // gone, and so are the oldest of the silent ones; the newest stay.
    assert!(closed(&mut first), "the longest-idle connection was kept");
    assert!(
        closed(&mut idle[0]),
        "the oldest silent connection was kept"
    );
    let last = idle.last_mut().unwrap();
    last.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    assert!(!closed(last), "the newest silent connection was closed");
    drop(idle);

    // Half a message, never finished: answered and closed after the
    // message timeout (the read timeout is longer than that).
    let mut stalled = raw_connect(&socket);
    stalled.write_all(b"{\"method\": \"io.headroom").unwrap();
    let invalid_message = json!({
        "error": "org.varlink.service.InvalidParameter",
        "parameters": {"parameter": "message"}
    });
    assert_eq!(raw_read_reply(&mut stalled), invalid_message);
    assert!(closed(&mut stalled));

    // One byte at a time, forever: the same, however patient the client.
    let mut trickle = raw_connect(&socket);
    let mut writer = trickle.try_clone().unwrap();
    let trickling = std::thread::spawn(move || {
        let message = status_call.as_bytes();
        for byte in message.iter().cycle() {
            if writer.write_all(&[*byte]).is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    });
    assert_eq!(raw_read_reply(&mut trickle), invalid_message);
    assert!(closed(&mut trickle));
    drop(trickle);
    assert!(
        trickling.join().unwrap(),
        "the trickling writer was never cut off"
    );

    // A FIFO nobody writes, a directory, an endless device and a file far
    // bigger than any profile: each refused at once with what is wrong,
    // the active profile kept.
    let fifo = graph.path("profile-fifo.toml");
    run_ok(&graph, "mkfifo", &[fifo.to_str().unwrap()]);
    let dir = graph.path("a-directory.toml");
    std::fs::create_dir_all(&dir).unwrap();
    let huge = graph.path("huge.toml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let zero = std::path::PathBuf::from("/dev/zero");
    let mut control = raw_connect(&socket);
    for (file, says) in [
        (&fifo, "FIFO"),
        (&dir, "directory"),
        (&zero, "device"),
        (&huge, "bytes"),
    ] {
        let call = json!({"method": "io.headroom.Router.UseProfile",
                          "parameters": {"name": file}});
        let reply = raw_call(&mut control, &call.to_string());
        assert_eq!(
            reply["error"], "io.headroom.Router.InvalidProfile",
            "{reply}"
        );
        let message = reply["parameters"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{reply}");
    }
    let status = raw_call(&mut control, status_call);
    assert_eq!(status["parameters"]["profile"], "Default", "{status}");

    // The tricklers were each cut off after the message timeout.
    for t in tricklers {
        t.join().unwrap();
    }

    // And the router goes on answering.
    let status = raw_call(&mut raw_connect(&socket), status_call);
    assert_eq!(status["parameters"]["profile"], "Default", "{status}");
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
