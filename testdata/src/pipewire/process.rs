//! Processes: signals to whole process groups, commands run to completion
//! with a timeout, and polling until something holds.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::POLL_INTERVAL;

/// Signals for [`super::PwGraph::stop`] (Linux numbers).
pub const SIGINT: i32 = 2;
pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Sends `signal` to the process group led by `child` (every child is
/// spawned as the leader of its own group, so helpers it forks go too).
/// Call it only while `child` has not been reaped: a reaped leader's id
/// may belong to someone else's process by now.
pub(super) fn signal_group(child: &Child, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions; a stale group id
    // only makes it fail with ESRCH.
    unsafe {
        kill(-(child.id() as i32), signal);
    }
}

/// Polls `probe` every few milliseconds until it yields a value or
/// `timeout` passes; the error names `what` was awaited.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = probe()? {
            return Ok(value);
        }
        if start.elapsed() > timeout {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("timed out after {timeout:?} waiting for {what}"),
            ));
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Runs `cmd` to completion and returns its output; stdout and stderr are
/// drained while it runs (so a chatty child never blocks on a full pipe).
/// After `timeout` its process group is killed and an error returned.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> io::Result<Output> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > timeout {
            signal_group(&child, SIGKILL);
            child.wait()?;
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{cmd:?} did not finish within {timeout:?}"),
            ));
        }
        thread::sleep(Duration::from_millis(5));
    };
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_until_times_out_with_what_it_waited_for() {
        let err = wait_until("nothing", Duration::from_millis(30), || Ok(None::<()>)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("nothing"));
        let mut calls = 0;
        let v = wait_until("third call", Duration::from_secs(5), || {
            calls += 1;
            Ok((calls == 3).then_some(calls))
        })
        .unwrap();
        assert_eq!(v, 3);
    }
}
