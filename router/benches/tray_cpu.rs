//! `headroom tray`'s CPU while idle: a live router on a private PipeWire
//! and WirePlumber graph with [`APPS`] apps playing, the tray on a private
//! D-Bus session bus, nobody touching it. The goal is ≤ 1 % of one core.
//! The router's CPU is shown beside it for scale.
//!
//! Run: `cargo bench -p headroom-router --bench tray_cpu` (needs the
//! checked bundle: `cargo xtask bundle --checked`, and `dbus-daemon`,
//! `busctl`). Prints a Markdown table; figures are % of one core, from
//! utime + stime in /proc/<pid>/stat over [`WINDOW`], after the tray has
//! shown every app in its menu.

use std::time::Duration;

use headroom_testdata::pipewire::{wait_until, PwGraph};

/// The router tests' helpers: the checked bundle, the router, the apps.
#[path = "../tests/common/mod.rs"]
mod common;
mod cpu;
/// The tray tests' private session bus and `busctl` view of the item.
#[path = "../tests/tray_common/mod.rs"]
mod tray_common;

const APPS: usize = 10;
const WINDOW: Duration = Duration::from_secs(20);
const ROUNDS: usize = 3;

fn main() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = common::start_router(&mut graph, &["--profile", "default"]);
    let wav = common::tone_wav(&graph, "tone.wav", 300);
    for i in 0..APPS {
        common::play_untargeted(&mut graph, &wav, &format!("app-{i}"), &format!("cpu-{i}"));
    }
    let bus = tray_common::Bus::start(&mut graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    bus.env(&mut cmd);
    cmd.arg("tray");
    let tray = graph.spawn("headroom-tray", cmd).unwrap();
    let item = bus.wait_for_item(graph.pid(tray));
    let label = format!("Apps playing ({APPS})");
    wait_until("every app in the tray's menu", common::TIMEOUT, || {
        Ok(item.menu().find(&label).is_some().then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", graph.log(tray)));
    std::thread::sleep(Duration::from_secs(2));

    println!("| apps playing | round | tray CPU (idle) | router CPU |");
    println!("|---:|---:|---:|---:|");
    for round in 1..=ROUNDS {
        let cpu = cpu::cpu_percent(&[graph.pid(tray), graph.pid(router)], WINDOW);
        println!("| {APPS} | {round} | {:.2} % | {:.2} % |", cpu[0], cpu[1]);
    }
    // SAFETY: sysconf has no preconditions.
    let tick_s = 1.0 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    println!(
        "\nResolution: one clock tick over {} s is {:.2} % of a core.",
        WINDOW.as_secs(),
        tick_s / WINDOW.as_secs_f64() * 100.0
    );
}
