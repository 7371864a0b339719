//! Shared by the Layer A live-graph tests: profiles, signals, levels of
//! recordings, stream volumes as `pw-dump` shows them.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::time::Duration;

use headroom_testdata::pipewire::{ChildId, PwGraph, PwObject, Recording};

use super::common::{play_untargeted, read_wav, start_router, write_wav, RATE, TIMEOUT};

/// An app playing `content` while the speakers are recorded.
pub struct Playing {
    pub app: ChildId,
    /// The app's stream node, linked to the sink it must play into.
    pub node: PwObject,
    recording: Recording,
}

/// Starts recording the speakers, then an app (`app`, node `node_name`)
/// playing `content`; returns once its stream is linked to `sink`.
pub fn play_recorded(
    graph: &mut PwGraph,
    router: ChildId,
    content: &[f32],
    app: &str,
    node_name: &str,
    sink: u32,
) -> Playing {
    let wav = graph.path(&format!("{node_name}.wav"));
    write_wav(&wav, content);
    let recording = graph
        .start_recording("speakers", &graph.path(&format!("{node_name}-rec.wav")))
        .unwrap();
    let app = play_untargeted(graph, &wav, app, node_name);
    let node = graph.wait_for_node(node_name, TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, sink, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    Playing {
        app,
        node,
        recording,
    }
}

impl Playing {
    /// Waits (up to `timeout`) for the app to end; what the speakers got.
    pub fn finish(self, graph: &mut PwGraph, timeout: Duration) -> Vec<f32> {
        graph.wait_exit(self.app, timeout).unwrap();
        read_wav(&graph.stop_recording(self.recording).unwrap())
    }
}

/// Tick of the rider and a generous bound for anything to settle after a
/// change on a loaded 2-core machine.
pub const SETTLE: Duration = Duration::from_secs(3);

/// A profile bypassing every stream (no DSP in the path) with Layer A
/// `layer_a` (TOML inline-table body, e.g. `enabled = true, target = -20.0`).
pub fn bypass_profile(graph: &PwGraph, name: &str, layer_a: &str) -> PathBuf {
    let path = graph.path(name);
    write_profile(&path, layer_a);
    path
}

/// A graph with null "speakers" and the router running a bypass profile
/// (`ride.toml`, see [`bypass_profile`]) with Layer A `layer_a`.
pub fn ridden_graph(layer_a: &str) -> (PwGraph, PwObject, PathBuf, ChildId) {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = bypass_profile(&graph, "ride.toml", layer_a);
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    (graph, speakers, profile, router)
}

/// (Re)writes `path` as a bypass-everything profile with `[layer_a]` set.
pub fn write_profile(path: &Path, layer_a: &str) {
    let body = layer_a.replace(", ", "\n");
    let text = format!("default_route = \"bypass\"\n\n[layer_a]\n{body}\n");
    // Written beside and renamed over, as editors do: the router never
    // reads a half-written file.
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// White noise at `rms_dbfs` RMS in one `channel` (0 = left, 1 = right;
/// `None`: both), the other silent: `seconds` long.
pub fn noise(seconds: f64, rms_dbfs: f64, channel: Option<usize>, seed: u64) -> Vec<f32> {
    let mut rng = headroom_testdata::signals::Noise::new(seed);
    // Uniform noise in [−1, 1) has RMS 1/√3.
    let g = 10f64.powf(rms_dbfs / 20.0) * 3f64.sqrt();
    let frames = (RATE as f64 * seconds) as usize;
    (0..frames)
        .flat_map(|_| {
            let mut frame = [0.0f32; 2];
            for (c, s) in frame.iter_mut().enumerate() {
                if channel.is_none_or(|ch| ch == c) {
                    *s = (rng.sample() * g) as f32;
                }
            }
            frame
        })
        .collect()
}

/// Silence, stereo, `seconds` long.
pub fn silence(seconds: f64) -> Vec<f32> {
    vec![0.0; 2 * (RATE as f64 * seconds) as usize]
}

/// Level in dBFS as Layer A measures it: mean square over both channels.
pub fn level_db(interleaved: &[f32]) -> f64 {
    let sum: f64 = interleaved
        .iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum();
    10.0 * (sum / interleaved.len().max(1) as f64).log10()
}

/// Levels of consecutive `window_s` windows (dBFS, both channels).
pub fn window_levels(interleaved: &[f32], window_s: f64) -> Vec<f64> {
    let n = 2 * (RATE as f64 * window_s) as usize;
    interleaved.chunks_exact(n).map(level_db).collect()
}

/// `frames` frames of `interleaved` starting `from_s` seconds in.
pub fn span(interleaved: &[f32], from_s: f64, to_s: f64) -> &[f32] {
    let at = |s: f64| (2 * (RATE as f64 * s) as usize).min(interleaved.len());
    &interleaved[at(from_s)..at(to_s)]
}

/// Index of the first frame with sound in `channel` (0 or 1).
pub fn onset(interleaved: &[f32], channel: usize) -> Option<usize> {
    interleaved.chunks_exact(2).position(|f| f[channel] != 0.0)
}

/// One channel of an interleaved stereo signal, as its own stereo signal
/// with the other channel silent (so [`level_db`] measures it as Layer A
/// measured the app that played only that channel).
pub fn only_channel(interleaved: &[f32], channel: usize) -> Vec<f32> {
    interleaved
        .chunks_exact(2)
        .flat_map(|f| {
            let mut out = [0.0; 2];
            out[channel] = f[channel];
            out
        })
        .collect()
}

/// A stream node's `channelVolumes` and `softVolumes` as `pw-dump` shows
/// them now.
pub fn volumes(graph: &PwGraph, node: u32) -> (Option<Vec<f32>>, Option<Vec<f32>>) {
    let dump: serde_json::Value = serde_json::from_str(&graph.dump().unwrap()).unwrap();
    let Some(object) = dump
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"].as_u64() == Some(u64::from(node)))
    else {
        return (None, None);
    };
    let floats = |key: &str| {
        object["info"]["params"]["Props"]
            .as_array()?
            .iter()
            .find_map(|p| p[key].as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_f64())
                    .map(|v| v as f32)
                    .collect()
            })
    };
    (floats("channelVolumes"), floats("softVolumes"))
}

/// Waits until `node`'s `softVolumes` satisfy `ok`; returns them.
pub fn wait_for_soft_volumes(
    graph: &mut PwGraph,
    node: u32,
    what: &str,
    timeout: Duration,
    ok: impl Fn(&[f32]) -> bool,
) -> std::io::Result<Vec<f32>> {
    graph.wait_for(what, timeout, |g| Ok(volumes(g, node).1.filter(|v| ok(v))))
}

/// Waits until `node`'s `softVolumes` have stayed the same for `hold`
/// (wall time, polled): the rider has settled. Returns them.
pub fn wait_for_steady_soft_volumes(
    graph: &mut PwGraph,
    node: u32,
    what: &str,
    hold: Duration,
    timeout: Duration,
) -> std::io::Result<Vec<f32>> {
    let mut seen: Option<(Vec<f32>, std::time::Instant)> = None;
    graph.wait_for(what, timeout, |g| {
        let Some(now) = volumes(g, node).1 else {
            return Ok(None);
        };
        match &seen {
            Some((last, since)) if *last == now => Ok((since.elapsed() >= hold).then_some(now)),
            _ => {
                seen = Some((now, std::time::Instant::now()));
                Ok(None)
            }
        }
    })
}

/// Whether every link from `node` goes to `speakers` or to `node`'s tap,
/// and the tap feeds nothing: Layer A added nothing to the audible path.
pub fn only_links_are_to_the_sink_and_the_tap(
    graph: &PwGraph,
    node: u32,
    speakers: u32,
) -> Result<(), String> {
    let tap = graph
        .find_node(&format!("headroom.tap.{node}"))
        .unwrap()
        .ok_or(format!("no tap on node {node}"))?;
    let links = graph.objects("Link").unwrap();
    let mut to_sink = 0;
    let mut to_tap = 0;
    for l in &links {
        let (out, input) = (l.prop_id("link.output.node"), l.prop_id("link.input.node"));
        if out == Some(node) {
            match input {
                Some(i) if i == speakers => to_sink += 1,
                Some(i) if i == tap.id => to_tap += 1,
                other => return Err(format!("node {node} also links to {other:?}")),
            }
        }
        if out == Some(tap.id) {
            return Err(format!("the tap feeds node {input:?}"));
        }
    }
    if to_sink != 2 || to_tap == 0 {
        return Err(format!("{to_sink} links to the sink, {to_tap} to the tap"));
    }
    Ok(())
}

/// The quantum (frames) the driver `driver` (a node name) runs at now, as
/// `pw-top -b` reports it (the last of a few samples).
pub fn driver_quantum(graph: &PwGraph, driver: &str) -> Option<u32> {
    let mut cmd = graph.command("pw-top");
    cmd.args(["-b", "-n", "3"]);
    let out = graph.run(cmd, super::common::TIMEOUT).ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.split_whitespace().next_back() == Some(driver))
        .filter_map(|l| l.split_whitespace().nth(2)?.parse().ok())
        .rfind(|&q: &u32| q > 0)
}

/// Ids of the links from `node` to `sink`, sorted.
pub fn link_ids(graph: &PwGraph, node: u32, sink: u32) -> Vec<u32> {
    let mut ids: Vec<u32> = graph
        .links(node, sink)
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    ids.sort();
    ids
}

/// Where in `played` the recording's first sound comes from: the offset
/// `o` (interleaved samples) with `recorded[i] = played[i - o] × g` for one
/// constant gain `g` over the first 32 sounding samples. Robust to a stream
/// that reached the speakers mid-file (moved there while playing).
pub fn align(recorded: &[f32], played: &[f32]) -> Option<usize> {
    align_from(recorded, played, 0)
}

/// [`align`] for the recording's first sound at or after frame `from`:
/// after a dropout on a loaded machine the recording and the file drift
/// apart, so a late part of a recording is aligned on its own.
pub fn align_from(recorded: &[f32], played: &[f32], from: usize) -> Option<usize> {
    let first = from * 2 + onset(recorded.get(from * 2..)?, 0)? * 2;
    let probe = &recorded[first..(first + 64).min(recorded.len())];
    (0..played.len().saturating_sub(probe.len()).min(first + 1))
        .step_by(2)
        .find(|&j| {
            let r0 = f64::from(probe[0]) / f64::from(played[j]);
            r0.is_finite()
                && r0 > 0.0
                && probe.iter().zip(&played[j..]).all(|(&r, &p)| {
                    let ratio = f64::from(r) / f64::from(p);
                    (ratio - r0).abs() <= 1e-5 * r0
                })
        })
        .map(|j| first - j)
}

/// The exact gain a recording applied to what was played, as runs of
/// constant ratio: (first interleaved index, ratio) per run, from `from`
/// to `to` in the recording, `offset` as [`align`] found it.
pub fn gain_runs(
    recorded: &[f32],
    played: &[f32],
    offset: usize,
    from: usize,
    to: usize,
) -> Vec<(usize, f64)> {
    let mut runs: Vec<(usize, f64)> = Vec::new();
    for i in from.max(offset)..to.min(recorded.len()) {
        let p = f64::from(played[i - offset]);
        if p.abs() < 1e-3 {
            continue;
        }
        let ratio = f64::from(recorded[i]) / p;
        match runs.last() {
            Some(&(_, r)) if (ratio - r).abs() <= 1e-5 * r.abs() => {}
            _ => runs.push((i, ratio)),
        }
    }
    runs
}
