//! `headroom monitor`'s CPU while nobody touches it, with 10 apps playing
//! through the processed sink (its meters and the apps' levels move, so
//! it redraws, at most 30 times a second): the bar is ≤ 1 % of one core.
//! The monitor runs in a real terminal (tmux, 80×24) against a live router
//! on a private PipeWire + WirePlumber graph, Layer A riding every app.
//!
//! Run: `cargo bench -p headroom-router --bench monitor_cpu` (needs the
//! checked bundle: `cargo xtask bundle --checked`, and tmux). Prints a
//! Markdown table: % of one core from /proc/<pid>/stat over [`WINDOW`]
//! (`LINGER=<s>` waits that long before measuring, to attach a profiler).

use std::time::Duration;

use headroom_testdata::pipewire::{ChildId, PwGraph};

const TIMEOUT: Duration = Duration::from_secs(60);
const WINDOW: Duration = Duration::from_secs(20);
const APPS: usize = 10;

#[path = "../tests/common/mod.rs"]
mod common;
mod cpu;
#[path = "../tests/common/tmux.rs"]
mod tmux;

fn main() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("riding.toml");
    std::fs::write(&profile, "[layer_a]\nenabled = true\n").unwrap();
    let router = common::start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let wav = common::tone_wav(&graph, "tone.wav", 120);
    let _apps: Vec<ChildId> = (0..APPS)
        .map(|i| {
            common::play_untargeted(&mut graph, &wav, &format!("app-{i}"), &format!("cpu-{i}"))
        })
        .collect();
    for i in 0..APPS {
        graph.wait_for_node(&format!("cpu-{i}"), TIMEOUT).unwrap();
    }
    let tmux = tmux::Tmux::new(&graph);
    tmux.start(&format!("{} monitor", env!("CARGO_BIN_EXE_headroom")));
    tmux.wait_screen(
        &mut graph,
        "the monitor with the apps",
        &["app-0", "output true peak"],
    );
    let pane = tmux.run(&["display-message", "-p", "-t", tmux::SESSION, "#{pane_pid}"]);
    let monitor: u32 = String::from_utf8_lossy(&pane.stdout)
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_secs(
        std::env::var("LINGER").map_or(3, |v| v.parse().unwrap()),
    ));
    let router_pid = graph.pid(router);
    let cpu = cpu::cpu_percent(&[monitor, router_pid], WINDOW);
    println!("| {APPS} apps playing, Layer A on | monitor CPU | router CPU |");
    println!("|---|---:|---:|");
    println!(
        "| monitor idle at 80×24 | {:.2} % | {:.2} % |",
        cpu[0], cpu[1]
    );
}
