//! The router as systemd runs it: the shipped units pass `systemd-analyze
//! verify` without a warning, and the daemon reports `READY=1` through
//! `$NOTIFY_SOCKET` once it answers calls with the graph seen,
//! `STOPPING=1` on SIGTERM, a `STATUS=` line saying what it protects, and
//! `RELOADING=1` then `READY=1` around a reload on SIGHUP (ExecReload).
//! Its log has no terminal escape codes when stderr is not a terminal.

mod common;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use headroom_router::systemd_units;
use headroom_testdata::pipewire::{run_with_timeout, PwGraph, SIGTERM};

#[test]
fn the_shipped_units_verify_cleanly() {
    let graph = PwGraph::start().unwrap();
    let dir = graph.path("units");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_headroom")).parent().unwrap();
    let mut paths = Vec::new();
    for (name, text) in systemd_units::render(bin, &dir) {
        std::fs::write(dir.join(name), text).unwrap();
        paths.push(dir.join(name));
    }
    let mut verify = graph.command("systemd-analyze");
    verify.args(["--user", "verify"]).args(&paths);
    let out = run_with_timeout(verify, TIMEOUT).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    assert!(
        stderr.trim().is_empty(),
        "systemd-analyze warned:\n{stderr}"
    );
}

/// The next datagram on `socket`, as text, including `STATUS=` lines.
fn next_datagram(socket: &UnixDatagram, timeout: Duration) -> String {
    socket.set_read_timeout(Some(timeout)).unwrap();
    let mut buffer = [0u8; 1024];
    let n = socket
        .recv(&mut buffer)
        .expect("no sd_notify message in time");
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

/// The next state change on `socket` (`READY=1`, `STOPPING=1`, …): status
/// lines in between are skipped.
fn next_notice(socket: &UnixDatagram, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let notice = next_datagram(socket, left.max(Duration::from_millis(1)));
        if !notice.starts_with("STATUS=") {
            return notice;
        }
    }
}

#[test]
fn readiness_is_reported_once_the_router_answers() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let notify_path = graph.path("notify");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    let lv2 = lv2_path(&graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .env("NOTIFY_SOCKET", &notify_path);
    let started = Instant::now();
    let router = graph.spawn("headroom daemon", cmd).unwrap();

    let ready = next_notice(&notify, TIMEOUT);
    assert_eq!(ready, "READY=1", "router log:\n{}", graph.log(router));
    // Ready means: calls answer, and the graph has been seen.
    let status = client_runtime()
        .block_on(async {
            let mut client = headroom_client::Client::connect(control_socket(&graph)).await?;
            client.get_status().await
        })
        .unwrap();
    assert!(status.connected, "{status:?}");
    assert!(started.elapsed() < TIMEOUT);

    graph.stop(router, SIGTERM).unwrap();
    assert_eq!(next_notice(&notify, TIMEOUT), "STOPPING=1");
}

#[test]
fn sigterm_stops_the_daemon_also_while_pipewire_is_down() {
    let mut graph = PwGraph::start().unwrap();
    // A session without PipeWire: the router keeps trying to connect.
    let empty = graph.path("no-pipewire");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::set_permissions(&empty, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let lv2 = lv2_path(&graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .env("XDG_RUNTIME_DIR", &empty)
        .env("PIPEWIRE_RUNTIME_DIR", &empty);
    let router = graph.spawn("headroom daemon", cmd).unwrap();
    let socket = empty.join("headroom").join(headroom_client::SOCKET_NAME);
    graph
        .wait_for("the control socket", TIMEOUT, |_| {
            Ok(socket.exists().then_some(()))
        })
        .unwrap();
    // Let it fail to connect a few times (back-off) before it is stopped.
    std::thread::sleep(Duration::from_millis(500));
    let status = graph
        .stop(router, SIGTERM)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(status.success(), "{status:?}\n{}", graph.log(router));
    assert!(!socket.exists(), "the socket file stayed behind");
}

#[test]
fn status_lines_say_what_is_protected_and_sighup_reloads() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let notify_path = graph.path("notify");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    let lv2 = lv2_path(&graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(["daemon", "--profile", "default", "--lv2-path"])
        .arg(&lv2)
        .env("NOTIFY_SOCKET", &notify_path)
        .env("JOURNAL_STREAM", "8:12345");
    let router = graph.spawn("headroom daemon", cmd).unwrap();
    let wav = tone_wav(&graph, "tone.wav", 60);
    let _app = play_untargeted(&mut graph, &wav, "Browser", "browser-app");

    // A status line counting the app once it is processed.
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no status line with the app: {seen:#?}\n{}",
            graph.log(router)
        );
        let notice = next_datagram(&notify, left);
        if notice == "STATUS=protecting 1 app (0 bypassed), profile Default" {
            break;
        }
        seen.push(notice);
    }

    // SIGHUP: the profile is read again between RELOADING=1 and READY=1.
    // SAFETY: kill(2) on a process this test started.
    unsafe {
        libc::kill(graph.pid(router) as i32, libc::SIGHUP);
    }
    let reloading = next_notice(&notify, TIMEOUT);
    assert!(
        reloading.starts_with("RELOADING=1\nMONOTONIC_USEC="),
        "{reloading}"
    );
    assert_eq!(next_notice(&notify, TIMEOUT), "READY=1");
    graph
        .wait_for("the reload in the log", TIMEOUT, |g| {
            Ok(g.log(router)
                .contains("reloaded profile Default")
                .then_some(()))
        })
        .unwrap();

    // Under the journal: plain text, no escape codes.
    let log = graph.log(router);
    assert!(!log.contains('\u{1b}'), "escape codes in the log:\n{log}");
    graph.stop(router, SIGTERM).unwrap();
}
