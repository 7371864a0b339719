//! Independent varlink clients for the control-plane tests: the Python
//! reference client (`python3 -m varlink.cli`) and raw NUL-terminated JSON
//! through `socat`, one-shot or as a `more` feed read while it runs.
//! Include with `#[path = "common/control.rs"] mod control;` next to
//! `mod common;`.
#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use headroom_testdata::pipewire::PwGraph;
use serde_json::Value;

use crate::common::TIMEOUT;

/// `python3 -m varlink.cli` with the graph's environment, run from `/`
/// (this repository's own `varlink/` directory would shadow the package).
fn python_cli(graph: &PwGraph) -> Command {
    let mut cmd = graph.command("python3");
    cmd.args(["-m", "varlink.cli"])
        .current_dir("/")
        .env("PYTHONUNBUFFERED", "1");
    cmd
}

/// `unix:<socket>/io.headroom.Router.<method>`, as the Python CLI takes it.
pub fn method_address(socket: &Path, method: &str) -> String {
    format!("unix:{}/io.headroom.Router.{method}", socket.display())
}

/// Runs the Python CLI once: whether it exited 0, and all it printed.
pub fn varlink_cli(graph: &PwGraph, args: &[&str]) -> (bool, String) {
    let mut cmd = python_cli(graph);
    cmd.args(args);
    let out = graph.run(cmd, TIMEOUT).expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Calls `method` with the Python CLI and returns its JSON reply (`{}`
/// when it printed nothing, as it does for an empty reply); panics with
/// what it printed if that is not JSON.
pub fn cli_call(graph: &PwGraph, socket: &Path, method: &str, arguments: &str) -> Value {
    let (ok, out) = varlink_cli(graph, &["call", &method_address(socket, method), arguments]);
    // The CLI prints nothing for an empty reply.
    if ok && out.trim().is_empty() {
        return Value::Object(Default::default());
    }
    let start = out
        .find('{')
        .unwrap_or_else(|| panic!("no JSON reply from {method}: {out}"));
    serde_json::Deserializer::from_str(&out[start..])
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("no JSON reply from {method}: {out}"))
}

/// A running feed: replies arrive on a channel from a reader thread; the
/// process is killed when this is dropped.
pub struct Feed {
    child: Child,
    /// Kept open while the feed lives: EOF would end it.
    _stdin: Option<ChildStdin>,
    replies: mpsc::Receiver<Value>,
    /// What was seen, for failure messages.
    seen: Vec<Value>,
}

impl Feed {
    /// The next reply within `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Option<Value> {
        let reply = self.replies.recv_timeout(timeout).ok()?;
        self.seen.push(reply.clone());
        Some(reply)
    }

    /// Reads replies until `want` accepts one (within `timeout`); panics
    /// with everything seen otherwise.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        want: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(reply) if want(&reply) => return reply,
                Some(_) => {}
                None => break,
            }
        }
        let mut tail = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = self.child.kill();
            let _ = err.read_to_string(&mut tail);
        }
        panic!(
            "no reply with {what} within {timeout:?}; seen {:#?}\n{tail}",
            self.seen
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3 -m varlink.cli call -m <method> <arguments>`: each reply the
/// CLI prints (pretty JSON, one after another) arrives on the feed.
pub fn cli_feed(graph: &PwGraph, socket: &Path, method: &str, arguments: &str) -> Feed {
    let mut cmd = python_cli(graph);
    cmd.args(["call", "-m", &method_address(socket, method), arguments]);
    json_feed(cmd)
}

/// A reader that drops ASCII record separators (0x1E): JSON text
/// sequences (RFC 7464, what `varlinkctl --more` prints to a pipe) read as
/// plain concatenated JSON.
struct WithoutRecordSeparators<R>(R);

impl<R: Read> Read for WithoutRecordSeparators<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != 0x1e {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            // Only separators read: read again rather than report EOF.
            if kept > 0 || n == 0 {
                return Ok(kept);
            }
        }
    }
}

/// Runs `cmd`: each JSON value it prints on stdout (one after another,
/// pretty or not, or as a JSON text sequence) arrives on the feed.
pub fn json_feed(mut cmd: Command) -> Feed {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the client runs");
    let stdout = WithoutRecordSeparators(child.stdout.take().unwrap());
    let (tx, replies) = mpsc::channel();
    std::thread::spawn(move || {
        for value in serde_json::Deserializer::from_reader(stdout).into_iter::<Value>() {
            let Ok(value) = value else { return };
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    Feed {
        child,
        _stdin: None,
        replies,
        seen: Vec::new(),
    }
}

/// `socat` connected to `socket`, with `message` (NUL added) sent and
/// stdin kept open: each NUL-terminated reply arrives on the feed whole
/// (`parameters`/`error`/`continues` and all).
pub fn socat_feed(graph: &PwGraph, socket: &Path, message: &str) -> Feed {
    let mut cmd = graph.command("socat");
    cmd.arg("-t10")
        .arg("-")
        .arg(format!("UNIX-CONNECT:{}", socket.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("socat runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(message.as_bytes()).unwrap();
    stdin.write_all(&[0]).unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, replies) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut reply = Vec::new();
            match reader.read_until(0, &mut reply) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if reply.last() == Some(&0) {
                reply.pop();
            }
            let Ok(value) = serde_json::from_slice(&reply) else {
                return;
            };
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    Feed {
        child,
        _stdin: Some(stdin),
        replies,
        seen: Vec::new(),
    }
}

/// One call through `socat`: the whole reply.
pub fn socat_call(graph: &PwGraph, socket: &Path, message: &str) -> Value {
    let mut feed = socat_feed(graph, socket, message);
    feed.next(TIMEOUT)
        .unwrap_or_else(|| panic!("no reply through socat to {message}"))
}

/// `$XDG_CONFIG_HOME/headroom/routes.toml` of the graph's session.
pub fn routes_file(graph: &PwGraph) -> PathBuf {
    graph.path("config/headroom/routes.toml")
}
