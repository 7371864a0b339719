//! Replies never wait on file I/O they do not need: while a save is stuck
//! in the file system (or the file system is slow), `GetStatus` from
//! another client is still answered within 1 s; the call that saves is
//! answered only after its write has completed or failed (`SaveFailed`
//! naming the file), and reads and writes queued behind it follow in
//! order.
//!
//! A real stall without FUSE: a FIFO where the router writes its temp
//! file (`.routes.toml.tmp-<pid>`, see `headroom_files::write_atomically`)
//! makes the write's `open` block in the kernel until someone opens the
//! FIFO for reading (the thread waits in `wait_for_partner`, which the
//! test sees in `/proc`). A slow one: the debug-build testing aid
//! `HEADROOM_TEST_FILE_DELAY_MS` (`router/src/files.rs`), which makes
//! every file job and poll of the router take that long.
//!
//! The only timing asserted is the 1 s bound on `GetStatus`, the issue's
//! own; on this 2-core machine the calls measured take milliseconds.

mod common;
#[path = "common/control.rs"]
mod control;

use std::fs;
use std::io::Read;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use control::routes_file;
use headroom_testdata::pipewire::PwGraph;
use serde_json::{json, Value};

const STATUS: &str = r#"{"method": "io.headroom.Router.GetStatus"}"#;
const RELOAD: &str = r#"{"method": "io.headroom.Router.ReloadProfiles"}"#;
/// The issue's bound for an answer while files are slow.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

fn set_route(app: &str) -> String {
    json!({"method": "io.headroom.Router.SetRoute",
           "parameters": {"app": app, "route": "bypass"}})
    .to_string()
}

/// Sends `message` on a new connection from a thread; the reply arrives
/// on the returned channel (reads wait up to `patience`).
fn call_in_background(socket: &Path, message: String, patience: Duration) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    let stream = UnixStream::connect(socket).unwrap();
    stream.set_read_timeout(Some(patience)).unwrap();
    std::thread::spawn(move || {
        let mut stream = stream;
        let _ = tx.send(raw_call(&mut stream, &message));
    });
    rx
}

/// `GetStatus` from a new client, and how long it took.
fn timed_status(socket: &Path) -> (Value, Duration) {
    let asked = Instant::now();
    let status = raw_call(&mut raw_connect(socket), STATUS);
    (status, asked.elapsed())
}

fn assert_answered_quickly(socket: &Path, while_: &str) {
    let (status, took) = timed_status(socket);
    assert_eq!(status["parameters"]["profile"], "Default", "{status}");
    assert!(
        took < ANSWER_WITHIN,
        "GetStatus took {took:?} while {while_}"
    );
}

/// Whether a thread of process `pid` waits in the kernel for the other
/// end of a FIFO (an `open` that blocks until a reader comes).
fn waits_on_a_fifo(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        fs::read_to_string(task.path().join("wchan")).is_ok_and(|w| w.trim() == "wait_for_partner")
    })
}

#[test]
fn a_stuck_write_holds_up_only_the_calls_behind_it() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let socket = control_socket(&graph);
    let routes = routes_file(&graph);
    let dir = routes.parent().unwrap().to_path_buf();
    fs::create_dir_all(&dir).unwrap();
    let pid = graph.pid(router);
    let trap = dir.join(format!(".routes.toml.tmp-{pid}"));
    run_ok(&graph, "mkfifo", &[trap.to_str().unwrap()]);

    // The save gets stuck in the kernel, opening its temp file.
    let patience = Duration::from_secs(60);
    let stuck = call_in_background(&socket, set_route("Stuck"), patience);
    graph
        .wait_for("the routes file's write to block", TIMEOUT, |_| {
            Ok(waits_on_a_fifo(pid).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    // A reload queued behind it waits too, in order.
    let reload = call_in_background(&socket, RELOAD.to_string(), patience);

    // Everyone else is answered meanwhile, from new connections.
    for _ in 0..5 {
        assert_answered_quickly(&socket, "a write was stuck");
    }
    let listed = raw_call(
        &mut raw_connect(&socket),
        r#"{"method": "io.headroom.Router.ListRoutes"}"#,
    );
    assert_eq!(listed["parameters"]["routes"], json!([]), "{listed}");
    assert!(
        stuck.try_recv().is_err(),
        "SetRoute answered before its write"
    );
    assert!(reload.try_recv().is_err(), "a reload overtook the write");
    assert!(waits_on_a_fifo(pid));

    // Someone reads the FIFO: the write goes on and fails (a FIFO cannot
    // be synced), and only now is SetRoute answered, naming the file.
    let mut reader = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&trap)
        .unwrap();
    let failed = stuck
        .recv_timeout(patience)
        .expect("SetRoute never answered");
    assert_eq!(failed["error"], "io.headroom.Router.SaveFailed", "{failed}");
    assert_eq!(
        failed["parameters"]["file"],
        routes.display().to_string(),
        "{failed}"
    );
    let mut drained = Vec::new();
    let _ = reader.read_to_end(&mut drained);
    drop(reader);
    let reloaded = reload.recv_timeout(patience).expect("no reload reply");
    assert_eq!(reloaded["parameters"]["profile"], "Default", "{reloaded}");
    assert!(!trap.exists(), "the failed write left its temp file");
    assert!(!routes.exists(), "the failed write left a routes file");

    // Unstuck, the next save lands, and is in the file when answered.
    let saved = raw_call(&mut raw_connect(&socket), &set_route("Stuck"));
    assert_eq!(saved, json!({"parameters": {}}), "{saved}");
    let text = fs::read_to_string(&routes).unwrap();
    assert!(text.contains("app = \"Stuck\""), "{text}");
    let mode = fs::metadata(&routes).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}

#[test]
fn a_slow_file_system_delays_only_the_calls_that_need_it() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router_with_env(&mut graph, &[], &[("HEADROOM_TEST_FILE_DELAY_MS", "3000")]);
    let socket = control_socket(&graph);
    let routes = routes_file(&graph);

    // Each file job takes 3 s, and so does each poll between them: the
    // reload, then the save behind it, take several seconds to answer.
    let patience = Duration::from_secs(90);
    let reload = call_in_background(&socket, RELOAD.to_string(), patience);
    let save = call_in_background(&socket, set_route("Slow"), patience);
    let mut asked = 0;
    let saved = loop {
        if let Ok(saved) = save.try_recv() {
            break saved;
        }
        assert_answered_quickly(&socket, "a reload and a save were under way");
        asked += 1;
        std::thread::sleep(Duration::from_millis(200));
    };
    // The first GetStatus came well inside the 3 s the reload takes.
    assert!(asked >= 2, "only {asked} GetStatus calls while saving");
    // Answered after its write: the file holds the route already.
    assert_eq!(saved, json!({"parameters": {}}), "{saved}");
    let text = fs::read_to_string(&routes).unwrap();
    assert!(text.contains("app = \"Slow\""), "{text}");
    let reloaded = reload.recv_timeout(patience).expect("no reload reply");
    assert_eq!(reloaded["parameters"]["profile"], "Default", "{reloaded}");
    let listed = raw_call(
        &mut raw_connect(&socket),
        r#"{"method": "io.headroom.Router.ListRoutes"}"#,
    );
    assert_eq!(
        listed["parameters"]["routes"],
        json!([{"app": "Slow", "route": "bypass"}]),
        "{listed}"
    );
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
