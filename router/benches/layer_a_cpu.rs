//! The router daemon's CPU with Layer A riding N streams on a private
//! PipeWire + WirePlumber graph, against the same N streams with Layer A
//! off (no taps): what the taps' real-time callbacks, the 50 ms ticks and
//! the volume writes cost. The PipeWire server's CPU is shown beside it
//! (a tap is one more node for it to schedule).
//!
//! Run: `cargo bench -p headroom-router --bench layer_a_cpu` (needs the
//! checked bundle: `cargo xtask bundle --checked`). Prints a Markdown table.
//! Figures are % of one core, from /proc/<pid>/stat over a 10 s window.

use std::path::Path;
use std::time::{Duration, Instant};

use headroom_testdata::pipewire::{ChildId, PwGraph};

const RATE: u32 = 48_000;
const TIMEOUT: Duration = Duration::from_secs(60);
const WINDOW: Duration = Duration::from_secs(10);
const STREAMS: [usize; 2] = [1, 50];

/// The router tests' helpers: the checked bundle's `LV2_PATH` directory.
#[path = "../tests/common/mod.rs"]
mod common;
mod cpu;

fn write_noise(path: &Path, seconds: f64) {
    let mut noise = headroom_testdata::signals::Noise::new(11);
    let samples: Vec<f32> = (0..(RATE as f64 * seconds) as usize * 2)
        .map(|_| (noise.sample() * 0.7) as f32)
        .collect();
    common::write_wav(path, &samples);
}

fn save_profile(path: &Path, layer_a: bool) {
    let tmp = path.with_extension("new");
    std::fs::write(
        &tmp,
        format!("default_route = \"bypass\"\n[layer_a]\nenabled = {layer_a}\n"),
    )
    .unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn count_taps(graph: &PwGraph) -> usize {
    graph
        .objects("Node")
        .unwrap()
        .iter()
        .filter(|n| {
            n.prop("node.name")
                .is_some_and(|n| n.starts_with("headroom.tap."))
        })
        .count()
}

fn main() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let lv2 = common::lv2_path(&graph);
    let profile = graph.path("bench.toml");
    save_profile(&profile, false);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    // Layer A logs each volume write at trace level: counted below.
    cmd.env("RUST_LOG", "info,headroom_router::layer_a=trace");
    cmd.arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .arg("--profile")
        .arg(&profile);
    let router = graph.spawn("headroom-router", cmd).unwrap();
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let pipewire_pid = graph.pids()[0];
    let router_pid = graph.pid(router);

    let wav = graph.path("noise.wav");
    write_noise(&wav, 120.0);
    let writes = |graph: &PwGraph| graph.log(router).matches("ridden softVolumes").count();
    println!("| streams | Layer A | router CPU | PipeWire server CPU | volume writes per stream |");
    println!("|---:|---|---:|---:|---:|");
    for n in STREAMS {
        let apps: Vec<ChildId> = (0..n)
            .map(|i| {
                let mut cmd = graph.command("pw-cat");
                cmd.args([
                    "-p",
                    "-P",
                    &format!("{{ application.name=\"app-{i}\" node.name=cpu-{i} }}"),
                ])
                .arg(&wav);
                graph.spawn("pw-cat", cmd).unwrap()
            })
            .collect();
        std::thread::sleep(Duration::from_secs(5));
        for layer_a in [false, true] {
            let (writes_before, enabled_at) = (writes(&graph), Instant::now());
            save_profile(&profile, layer_a);
            let want = if layer_a { n } else { 0 };
            graph
                .wait_for(&format!("{want} taps"), TIMEOUT, |g| {
                    Ok((count_taps(g) == want).then_some(()))
                })
                .unwrap();
            std::thread::sleep(Duration::from_secs(3));
            let cpu = cpu::cpu_percent(&[router_pid, pipewire_pid], WINDOW);
            // From switching Layer A on (the apps start far from the target,
            // so this includes settling) to the end of the window.
            let rate = (writes(&graph) - writes_before) as f64
                / enabled_at.elapsed().as_secs_f64()
                / n as f64;
            println!(
                "| {n} | {} | {:.2} % | {:.2} % | {} |",
                if layer_a { "on" } else { "off" },
                cpu[0],
                cpu[1],
                if layer_a {
                    format!("{rate:.1} /s")
                } else {
                    "—".into()
                }
            );
        }
        save_profile(&profile, false);
        for app in apps {
            let _ = graph.stop(app, 15);
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}
