//! What buses cost: the router daemon and its sink processes on a private
//! PipeWire + WirePlumber graph with 20 apps playing, under a profile
//! with only the default bus and under one with three (default, voice,
//! media; 7 apps each on voice and media, 6 on the default). Also the
//! three-bus profile with nothing playing: which sinks run then.
//!
//! Run: `cargo bench -p headroom-router --bench buses_cpu` (needs the
//! checked bundle: `cargo xtask bundle --checked`). Prints a Markdown
//! table. CPU is % of one core from /proc/<pid>/stat over a 10 s window;
//! RSS is VmRSS from /proc/<pid>/status at the window's end.

use std::path::Path;
use std::time::Duration;

use headroom_testdata::pipewire::{ChildId, PwGraph};

const RATE: u32 = 48_000;
const TIMEOUT: Duration = Duration::from_secs(60);
const WINDOW: Duration = Duration::from_secs(10);
const APPS: usize = 20;

/// The router tests' helpers: the checked bundle's `LV2_PATH` directory.
#[path = "../tests/common/mod.rs"]
mod common;
mod cpu;

const ONE_BUS: &str = "name = \"One bus\"\n";

/// app-0..6 on voice, app-7..13 on media, the rest on the default bus.
fn three_buses() -> String {
    let mut text = String::from("name = \"Three buses\"\n");
    for i in 0..APPS {
        let bus = match i {
            0..=6 => "voice",
            7..=13 => "media",
            _ => continue,
        };
        text.push_str(&format!(
            "[[rules]]\napp = \"app-{i}\"\nroute = \"{bus}\"\n"
        ));
    }
    text.push_str("[buses.voice]\n[buses.voice.dsp]\nagc_target = -20.0\n");
    text.push_str("[buses.media]\n[buses.media.dsp]\nagc_target = -16.0\n");
    text
}

fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024.0
}

/// Names of headroom's processing sinks in the graph now (not the
/// holding sink).
fn own_sinks(graph: &PwGraph) -> Vec<String> {
    let mut names: Vec<String> = graph
        .objects("Node")
        .unwrap()
        .iter()
        .filter(|n| n.prop("media.class") == Some("Audio/Sink"))
        .filter_map(|n| n.prop("node.name"))
        .filter(|n| n.starts_with("headroom.processed") && !n.ends_with(".hold"))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// Measures the router and its sink processes now; prints one row.
fn row(graph: &PwGraph, router: ChildId, runtime: &Path, what: &str) {
    let router_pid = graph.pid(router);
    let sinks = common::stage_processes(runtime);
    let mut pids = vec![router_pid, graph.pids()[0]];
    pids.extend(&sinks);
    let cpu = cpu::cpu_percent(&pids, WINDOW);
    let sink_rss: f64 = sinks.iter().map(|&p| rss_mib(p)).sum();
    println!(
        "| {what} | {} | {:.2} % | {:.1} MiB | {:.2} % | {:.1} MiB | {:.2} % |",
        own_sinks(graph).len(),
        cpu[0],
        rss_mib(router_pid),
        cpu[2..].iter().sum::<f64>(),
        sink_rss,
        cpu[1],
    );
}

fn main() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let lv2 = common::lv2_path(&graph);
    let runtime = graph.runtime_dir().join("headroom");
    let profile = graph.path("bench.toml");
    save(&profile, ONE_BUS);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .arg("--profile")
        .arg(&profile);
    let router = graph.spawn("headroom-router", cmd).unwrap();
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();

    println!(
        "| {APPS} apps | headroom sinks | router CPU | router RSS | sink processes CPU | \
         sink processes RSS | PipeWire server CPU |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    save(&profile, &three_buses());
    // The master limiter runs whatever the profile.
    graph
        .wait_for("the master limiter", TIMEOUT, |g| {
            Ok((own_sinks(g).len() == 2).then_some(()))
        })
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    row(&graph, router, &runtime, "none playing, 3 buses declared");
    save(&profile, ONE_BUS);
    graph
        .wait_for("the default sink and the master", TIMEOUT, |g| {
            Ok((own_sinks(g).len() == 2).then_some(()))
        })
        .unwrap();

    let wav = graph.path("music.wav");
    let music: Vec<f32> = headroom_testdata::signals::clipped_music(RATE, 120.0);
    common::write_wav(&wav, &music);
    let apps: Vec<ChildId> = (0..APPS)
        .map(|i| {
            let mut cmd = graph.command("pw-cat");
            cmd.args([
                "-p",
                "-P",
                &format!("{{ application.name=\"app-{i}\" node.name=bus-app-{i} }}"),
            ])
            .arg(&wav);
            graph.spawn("pw-cat", cmd).unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_secs(5));
    row(&graph, router, &runtime, "playing, 1 bus");
    save(&profile, &three_buses());
    graph
        .wait_for("3 buses and the master", TIMEOUT, |g| {
            Ok((own_sinks(g).len() == 4).then_some(()))
        })
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    row(&graph, router, &runtime, "playing, 3 buses");
    for app in apps {
        let _ = graph.stop(app, 15);
    }
}
