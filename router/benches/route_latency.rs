//! Router figures on a private PipeWire + WirePlumber graph:
//! - route latency: from a stream's node appearing to it being linked to
//!   the sink its rule names, for streams that must be moved (bypass: they
//!   first land on the fail-safe default) and streams that stay (processed);
//! - profile reload latency: from saving an edited profile to a playing
//!   stream being linked where the new rule says;
//! - the daemon's RSS with 50 streams, and its CPU use while idle.
//!
//! Run: `cargo bench -p headroom-router --bench route_latency` (needs the
//! checked bundle: `cargo xtask bundle --checked`). Prints a Markdown table
//! for BENCHMARKS.md. The observer is a separate PipeWire client (the
//! router's own graph watcher, in this process), timestamps on arrival.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use headroom_router::pw::{GraphEvent, PwThread};
use headroom_testdata::pipewire::{ChildId, PwGraph};

const RATE: u32 = 48_000;
const ROUNDS: usize = 100;
const TIMEOUT: Duration = Duration::from_secs(20);

/// The router tests' helpers: the checked bundle's `LV2_PATH` directory.
#[path = "../tests/common/mod.rs"]
mod common;

/// A quiet stereo sine, `seconds` long.
fn write_wav(path: &Path, seconds: f64) {
    let samples: Vec<f32> = (0..(RATE as f64 * seconds) as usize)
        .flat_map(|n| {
            let v = 0.01 * (n as f32 * 0.03).sin();
            [v, v]
        })
        .collect();
    common::write_wav(path, &samples);
}

/// Watches the graph from its own connection.
struct Observer {
    runtime: tokio::runtime::Runtime,
    events: tokio::sync::mpsc::UnboundedReceiver<GraphEvent>,
    _pw: PwThread,
    names: HashMap<u32, String>,
    ids: HashMap<String, u32>,
}

impl Observer {
    fn new() -> Observer {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (pw, events) = PwThread::start(None);
        Observer {
            runtime,
            events,
            _pw: pw,
            names: HashMap::new(),
            ids: HashMap::new(),
        }
    }

    /// Waits for the next event; `None` on timeout.
    fn next(&mut self, until: Instant) -> Option<(Instant, GraphEvent)> {
        let left = until.saturating_duration_since(Instant::now());
        let event = self
            .runtime
            .block_on(async { tokio::time::timeout(left, self.events.recv()).await })
            .ok()??;
        let at = Instant::now();
        if let GraphEvent::Node { id, props } = &event {
            if let Some(name) = props.get("node.name") {
                self.names.insert(*id, name.clone());
                self.ids.insert(name.clone(), *id);
            }
        }
        Some((at, event))
    }

    /// Waits until node `name` exists; its id.
    fn node(&mut self, name: &str) -> u32 {
        let until = Instant::now() + TIMEOUT;
        while !self.ids.contains_key(name) {
            self.next(until).expect("node never appeared");
        }
        self.ids[name]
    }

    /// Time from node `name` first being seen (its info, or its first
    /// link, whichever this client hears of first) to a link from it into
    /// `sink`; and to the router's `target.object` for it, if it wrote one
    /// by then (the router's own share of the time).
    fn route_time(&mut self, name: &str, sink: u32) -> (Duration, Option<Duration>) {
        let until = Instant::now() + TIMEOUT;
        let mut targeted: Option<Duration> = None;
        // Links heard of before the node's name was known, per output node.
        let mut early: HashMap<u32, Vec<(Instant, u32)>> = HashMap::new();
        let mut first_seen: Option<(Instant, u32)> = None;
        loop {
            let (at, event) = self.next(until).expect("stream never routed");
            match event {
                GraphEvent::Node { id, .. }
                    if first_seen.is_none()
                        && self.names.get(&id).map(String::as_str) == Some(name) =>
                {
                    let links = early.remove(&id).unwrap_or_default();
                    let t0 = links.iter().map(|(t, _)| *t).min().unwrap_or(at).min(at);
                    if let Some((t1, _)) = links.iter().find(|(_, s)| *s == sink) {
                        return (*t1 - t0, targeted);
                    }
                    first_seen = Some((t0, id));
                }
                GraphEvent::Link {
                    output_node,
                    input_node,
                    ..
                } => match first_seen {
                    Some((t0, id)) if output_node == id && input_node == sink => {
                        return (at - t0, targeted);
                    }
                    None => early.entry(output_node).or_default().push((at, input_node)),
                    _ => {}
                },
                GraphEvent::Metadata { subject, key, .. } if key == "target.object" => {
                    if let Some((t0, id)) = first_seen {
                        if subject == id && targeted.is_none() {
                            targeted = Some(at - t0);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn play(graph: &mut PwGraph, wav: &Path, app: &str, node: &str) -> ChildId {
    let mut cmd = graph.command("pw-cat");
    cmd.args([
        "-p",
        "-P",
        &format!("{{ application.name=\"{app}\" node.name={node} }}"),
    ])
    .arg(wav);
    graph.spawn("pw-cat", cmd).unwrap()
}

fn proc_stat(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    (ticks, rss)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to filter here.
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap().id;
    let lv2 = common::lv2_path(&graph);
    let profile = graph.path("bench.toml");
    std::fs::write(
        &profile,
        "[[rules]]\napp = \"music-*\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .arg("--profile")
        .arg(&profile);
    let router = graph.spawn("headroom-router", cmd).unwrap();
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    // Let the router make its sink the default before apps start.
    std::thread::sleep(Duration::from_secs(1));

    // The observer connects in this process (its env: the private graph).
    std::env::set_var("XDG_RUNTIME_DIR", graph.runtime_dir());
    std::env::set_var("PIPEWIRE_RUNTIME_DIR", graph.runtime_dir());
    let mut observer = Observer::new();
    let processed = observer.node("headroom.processed");

    let short = graph.path("short.wav");
    write_wav(&short, 0.3);
    let mut bypass = Vec::new();
    let mut stay = Vec::new();
    let mut reactions = Vec::new();
    for i in 0..ROUNDS {
        let (app, sink, into) = if i % 2 == 0 {
            ("music-player", speakers, &mut bypass)
        } else {
            ("browser", processed, &mut stay)
        };
        let node = format!("bench-{i}");
        let child = play(&mut graph, &short, app, &node);
        let (routed, reacted) = observer.route_time(&node, sink);
        into.push(routed);
        reactions.extend(reacted);
        graph.wait_exit(child, TIMEOUT).unwrap();
    }

    // Profile reload: a playing stream moves when a rule for it is saved.
    let long = graph.path("long.wav");
    write_wav(&long, 30.0);
    let mover = play(&mut graph, &long, "video", "bench-mover");
    let mover_id = observer.node("bench-mover");
    let until = Instant::now() + TIMEOUT;
    while observer.next(until).is_some() {
        if graph.links(mover_id, processed).unwrap().len() >= 2 {
            break;
        }
    }
    let tmp = profile.with_extension("new");
    std::fs::write(
        &tmp,
        "[[rules]]\napp = \"music-*\"\nroute = \"bypass\"\n[[rules]]\napp = \"video\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let saved = Instant::now();
    std::fs::rename(&tmp, &profile).unwrap();
    let reload = loop {
        let (at, event) = observer.next(saved + TIMEOUT).expect("never moved");
        if let GraphEvent::Link {
            output_node,
            input_node,
            ..
        } = event
        {
            if output_node == mover_id && input_node == speakers {
                break at - saved;
            }
        }
    };
    // Profile switch (UseProfile): the mover goes back to the processed
    // sink, timed from the call to its link there.
    let other = graph.path("other.toml");
    std::fs::write(&other, "name = \"Other\"\n").unwrap();
    let socket = graph
        .runtime_dir()
        .join("headroom")
        .join(headroom_client::SOCKET_NAME);
    let switched = Instant::now();
    observer
        .runtime
        .block_on(async {
            let mut client = headroom_client::Client::connect(&socket).await?;
            client.use_profile(other.to_str().unwrap()).await
        })
        .unwrap();
    let switch = loop {
        let (at, event) = observer.next(switched + TIMEOUT).expect("never moved back");
        if let GraphEvent::Link {
            output_node,
            input_node,
            ..
        } = event
        {
            if output_node == mover_id && input_node == processed {
                break at - switched;
            }
        }
    };
    let _ = graph.stop(mover, 15);

    // RSS with 50 streams playing, then idle CPU.
    let pid = graph.pid(router);
    let many: Vec<ChildId> = (0..50)
        .map(|i| play(&mut graph, &long, &format!("app-{i}"), &format!("many-{i}")))
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let (_, rss_50) = proc_stat(pid);
    for child in many {
        let _ = graph.stop(child, 15);
    }
    std::thread::sleep(Duration::from_secs(2));
    let (t0, _) = proc_stat(pid);
    std::thread::sleep(Duration::from_secs(10));
    let (t1, rss_idle) = proc_stat(pid);
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let idle_cpu = (t1 - t0) as f64 / ticks_per_s / 10.0 * 100.0;

    bypass.sort();
    stay.sort();
    reactions.sort();
    println!("| Measure | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    for (label, v) in [
        (
            "route latency, bypass (moved off the fail-safe default)",
            &bypass,
        ),
        ("route latency, processed (linked where it lands)", &stay),
    ] {
        println!(
            "| {label}, {} streams | {} | {} | {} |",
            v.len(),
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.99)),
            ms(*v.last().unwrap())
        );
    }
    if !reactions.is_empty() {
        println!(
            "| router reacting: stream seen → its `target.object` seen by another client, {} streams | {} | {} | {} |",
            reactions.len(),
            ms(percentile(&reactions, 0.5)),
            ms(percentile(&reactions, 0.99)),
            ms(*reactions.last().unwrap())
        );
    }
    println!(
        "| profile edit saved → playing stream moved | {} | — | — |",
        ms(reload)
    );
    println!(
        "| profile switch (UseProfile call) → playing stream moved | {} | — | — |",
        ms(switch)
    );
    println!();
    println!(
        "- router RSS with 50 streams: {:.1} MiB; idle afterwards: {:.1} MiB",
        rss_50 as f64 / 1024.0,
        rss_idle as f64 / 1024.0
    );
    println!("- router CPU while idle (10 s, no streams): {idle_cpu:.2} % of one core");
}
