//! How fast the control plane answers a newcomer while the user's own
//! processes try to stall it: `GetStatus` latency (connect → reply) from a
//! new client, first with nobody else connected, then while 300 idle
//! connections and 10 that trickle a call one byte a second are held open
//! (each one the router closes is opened again at once, so the pressure
//! never lets up; the router keeps at most `MAX_CONNECTIONS` and closes
//! the longest-idle to make room, and cuts a trickler off after
//! `MESSAGE_TIMEOUT`).
//!
//! Run: `cargo bench -p headroom-router --bench control_plane` (needs the
//! checked bundle: `cargo xtask bundle --checked`). Prints a Markdown table
//! for BENCHMARKS.md. Goal (the issue's): every answer within 1 s.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headroom_testdata::pipewire::PwGraph;

#[path = "../tests/common/mod.rs"]
mod common;

const IDLE: usize = 300;
const TRICKLERS: usize = 10;
/// Calls measured with nobody else connected.
const QUIET_CALLS: usize = 100;
/// Calls measured under pressure, one every [`PAUSE`]: about 20 s,
/// several of the tricklers' cut-off cycles.
const LOADED_CALLS: usize = 300;
const PAUSE: Duration = Duration::from_millis(50);
const STATUS: &str = r#"{"method": "io.headroom.Router.GetStatus"}"#;

/// One `GetStatus` from a new connection: how long until the whole reply.
fn newcomer(socket: &Path) -> Duration {
    let started = Instant::now();
    let mut stream = UnixStream::connect(socket).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(STATUS.as_bytes()).unwrap();
    stream.write_all(&[0]).unwrap();
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("no reply");
        assert!(n > 0, "closed before the reply");
        reply.extend_from_slice(&chunk[..n]);
        if reply.last() == Some(&0) {
            break;
        }
    }
    let took = started.elapsed();
    assert!(
        String::from_utf8_lossy(&reply).contains("\"profile\""),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    took
}

/// Whether the router has closed `stream` (without waiting).
fn closed(stream: &mut UnixStream) -> bool {
    let mut byte = [0u8; 64];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

fn idle_connection(socket: &Path) -> UnixStream {
    let stream = UnixStream::connect(socket).expect("connect");
    stream.set_nonblocking(true).unwrap();
    stream
}

/// Holds [`IDLE`] silent connections open until `stop`, reopening each
/// one the router closes; counts the reopenings.
fn keep_idle(socket: PathBuf, stop: Arc<AtomicBool>, reopened: Arc<AtomicUsize>) {
    let mut idle: Vec<UnixStream> = (0..IDLE).map(|_| idle_connection(&socket)).collect();
    while !stop.load(Ordering::Relaxed) {
        for stream in &mut idle {
            if closed(stream) {
                *stream = idle_connection(&socket);
                reopened.fetch_add(1, Ordering::Relaxed);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends a call one byte a second until `stop`, reconnecting when cut off.
fn trickle(socket: PathBuf, stop: Arc<AtomicBool>) {
    let mut stream = UnixStream::connect(&socket).expect("connect");
    for byte in STATUS.as_bytes().iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if stream.write_all(&[*byte]).is_err() {
            stream = UnixStream::connect(&socket).expect("connect");
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// p50, p99 and max of `samples`, in ms.
fn row(label: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    format!(
        "| {label} | {} | {} | {} |",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*samples.last().unwrap())
    )
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to filter here.
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = common::start_router(&mut graph, &[]);
    let socket = common::control_socket(&graph);

    let quiet: Vec<Duration> = (0..QUIET_CALLS)
        .map(|_| {
            std::thread::sleep(PAUSE);
            newcomer(&socket)
        })
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let reopened = Arc::new(AtomicUsize::new(0));
    let keeper = {
        let (socket, stop, reopened) = (socket.clone(), stop.clone(), reopened.clone());
        std::thread::spawn(move || keep_idle(socket, stop, reopened))
    };
    let tricklers: Vec<_> = (0..TRICKLERS)
        .map(|_| {
            let (socket, stop) = (socket.clone(), stop.clone());
            std::thread::spawn(move || trickle(socket, stop))
        })
        .collect();
    // Every idle connection and trickler is open before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    let loaded: Vec<Duration> = (0..LOADED_CALLS)
        .map(|_| {
            std::thread::sleep(PAUSE);
            newcomer(&socket)
        })
        .collect();
    let lasted = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    keeper.join().unwrap();
    for t in tricklers {
        t.join().unwrap();
    }
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );

    let worst = *loaded.iter().max().unwrap();
    println!("| `GetStatus` from a new client (connect → reply) | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    println!(
        "{}",
        row(
            &format!("nobody else connected, {QUIET_CALLS} calls"),
            quiet
        )
    );
    println!(
        "{}",
        row(
            &format!(
                "{IDLE} idle + {TRICKLERS} one-byte-per-second connections held open, \
                 {LOADED_CALLS} calls over {:.0} s",
                lasted.as_secs_f64()
            ),
            loaded
        )
    );
    println!();
    println!(
        "- idle connections the router closed to make room (each reopened at once): {}",
        reopened.load(Ordering::Relaxed)
    );
    println!(
        "- goal: every answer within 1 s: {}",
        if worst < Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        }
    );
}
