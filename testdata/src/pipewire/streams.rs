//! Apps and recorders on the graph: `pw-cat` playing a file into a node,
//! `pw-record` capturing what reaches a sink.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use super::{ChildId, PwGraph, PwObject, GRAPH_RATE_HZ, RECORDING_TAIL, SIGINT, STARTUP_TIMEOUT};

/// A `pw-record` capturing what reaches a sink, see [`PwGraph::start_recording`].
#[derive(Debug)]
pub struct Recording {
    child: ChildId,
    /// The WAV file being written (32-bit float, [`GRAPH_RATE_HZ`], the
    /// channels asked for: stereo unless [`PwGraph::start_recording_channels`]).
    pub path: PathBuf,
    channels: usize,
    /// The recorder's own stream node.
    pub node: PwObject,
}

impl PwGraph {
    /// Plays a WAV file into node `target` with `pw-cat -p`; `props` is the
    /// SPA-JSON object given to `-P` (e.g. `{ application.name=test }`).
    /// `pw-cat` exits by itself once the file has been played out: use
    /// [`PwGraph::wait_exit`].
    pub fn play(&mut self, wav: &Path, target: &str, props: &str) -> io::Result<ChildId> {
        let mut cmd = self.command("pw-cat");
        cmd.args(["-p", "--target", target, "-P", props]).arg(wav);
        self.spawn("pw-cat", cmd)
    }

    /// Starts recording what reaches `sink` (its monitor: the recorder is a
    /// `stream.capture.sink` stream with `node.dont-move = true`, so the
    /// session manager cannot move it) into `out` as 32-bit float stereo WAV
    /// at [`GRAPH_RATE_HZ`], and returns once the recorder is linked to the
    /// sink.
    pub fn start_recording(&mut self, sink: &str, out: &Path) -> io::Result<Recording> {
        self.start_recording_channels(sink, out, &["FL", "FR"])
    }

    /// [`PwGraph::start_recording`] of the channels at `positions`, in
    /// that order (`["FL", "FR", "FC", "LFE", "RL", "RR"]` for a 5.1
    /// sink's six); returns once every one is linked.
    pub fn start_recording_channels(
        &mut self,
        sink: &str,
        out: &Path,
        positions: &[&str],
    ) -> io::Result<Recording> {
        static RECORDERS: AtomicU32 = AtomicU32::new(0);
        let sink_node = self.wait_for_node(sink, STARTUP_TIMEOUT)?;
        let name = format!(
            "headroom-test-recorder-{}-{}",
            std::process::id(),
            RECORDERS.fetch_add(1, Ordering::Relaxed)
        );
        let mut cmd = self.command("pw-record");
        cmd.args([
            "-P",
            // Pinned: the session manager can never move the recorder.
            &format!("{{ stream.capture.sink=true node.dont-move=true node.name={name} }}"),
            "--target",
            sink,
            "--format",
            "f32",
            "--rate",
            &GRAPH_RATE_HZ.to_string(),
            "--channels",
            &positions.len().to_string(),
            "--channel-map",
            &positions.join(","),
        ])
        .arg(out);
        let child = self.spawn("pw-record", cmd)?;
        let node = self.wait_for_node(&name, STARTUP_TIMEOUT)?;
        self.wait_for_links(sink_node.id, node.id, positions.len(), STARTUP_TIMEOUT)?;
        Ok(Recording {
            child,
            path: out.to_path_buf(),
            node,
            channels: positions.len(),
        })
    }

    /// Stops a recording (SIGINT, so `pw-record` finishes the WAV header)
    /// once it has captured [`RECORDING_TAIL`] more: audio a player that
    /// just exited handed to the graph is still in flight for a cycle or
    /// two. Returns the file's path.
    pub fn stop_recording(&mut self, recording: Recording) -> io::Result<PathBuf> {
        let size = |path: &Path| fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let frame_bytes = 4.0 * recording.channels as f64;
        let tail_bytes = RECORDING_TAIL.as_secs_f64() * GRAPH_RATE_HZ as f64 * frame_bytes;
        let target = size(&recording.path) + tail_bytes as u64;
        let child = recording.child;
        self.wait_for("the recorder to capture the tail", STARTUP_TIMEOUT, |g| {
            if let Some(status) = g.try_status(child)? {
                return Err(io::Error::other(format!(
                    "pw-record exited early ({status}): {}",
                    g.log(child)
                )));
            }
            Ok((size(&recording.path) >= target).then_some(()))
        })?;
        self.stop(child, SIGINT)?;
        Ok(recording.path)
    }

    /// Records `seconds` of what reaches `sink` into `out`.
    pub fn record(&mut self, sink: &str, seconds: f64, out: &Path) -> io::Result<PathBuf> {
        let recording = self.start_recording(sink, out)?;
        thread::sleep(Duration::from_secs_f64(seconds));
        self.stop_recording(recording)
    }
}
