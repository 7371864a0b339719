//! `cargo xtask run`: the whole stack, built and started.
//!
//! On a desktop with PipeWire running (`$XDG_RUNTIME_DIR/pipewire-0`), it
//! starts `headroom daemon` on that session (in the foreground; Ctrl-C
//! stops it and gives your device back as the default). Anywhere else (a
//! server, CI, a fresh VM) it starts a private headless PipeWire +
//! WirePlumber graph with a null "speakers" sink, runs the router there,
//! plays the bundled loud demo clip through a processed and a bypassed
//! "app", and prints where each went and the peaks that reached the
//! speakers (measured with `headroom-level`, the meter `headroom-wav`
//! reports with, so both tools print the same figure for the same audio).

use std::path::{Path, PathBuf};
use std::time::Duration;

use headroom_level::{lin_to_db, true_peak};
use headroom_testdata::pipewire::PwGraph;

use crate::bundle::{self, Build};
use crate::cmd::{self, Result};
use crate::deps;

const DEMO_CLIP: &str = "testdata/demo/loud-demo.wav";
const TIMEOUT: Duration = Duration::from_secs(30);

/// The demo profile: the shipped defaults, plus a rule that bypasses the
/// "Music Player" app.
const DEMO_PROFILE: &str = "name = \"Demo\"\n\
    [[rules]]\napp = \"Music Player\"\nroute = \"bypass\"\n";

pub fn run() -> Result {
    deps::ensure("test", deps::TEST)?;
    let bundled = bundle::bundle(Build::Release, Some(&bundle::release_dir()))?;
    cmd::run(cmd::cargo().args(["build", "--release", "-p", "headroom-router"]))?;
    let router = cmd::target_dir().join("release/headroom");
    let session = std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| PathBuf::from(d).join("pipewire-0"))
        .filter(|socket| socket.exists());
    match session {
        Some(_) => on_your_session(&router, &bundled),
        None => headless_demo(&router, &bundled),
    }
}

/// A directory holding only `headroom.lv2`, for `LV2_PATH`.
fn lv2_path(dir: &Path, bundled: &Path) -> Result<PathBuf> {
    let lv2 = dir.join("lv2");
    let _ = std::fs::remove_dir_all(&lv2);
    std::fs::create_dir_all(&lv2).map_err(|e| format!("cannot create {}: {e}", lv2.display()))?;
    std::os::unix::fs::symlink(bundled.join("headroom.lv2"), lv2.join("headroom.lv2"))
        .map_err(|e| format!("cannot link the LV2 bundle: {e}"))?;
    Ok(lv2)
}

fn on_your_session(router: &Path, bundled: &Path) -> Result {
    let lv2 = lv2_path(&cmd::target_dir().join("run"), bundled)?;
    println!(
        "PipeWire is running: starting `headroom daemon` on your session.\n\
         Apps now play through `headroom (processed)`; Ctrl-C stops it."
    );
    cmd::run(
        cmd::command(router)
            .arg("daemon")
            .arg("--lv2-path")
            .arg(&lv2),
    )
}

fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn headless_demo(router: &Path, bundled: &Path) -> Result {
    println!("No PipeWire session here: running the stack on a private headless graph.");
    let clip = cmd::workspace_root().join(DEMO_CLIP);
    let mut graph = PwGraph::start().map_err(io("cannot start a private PipeWire graph"))?;
    graph
        .create_null_sink("speakers")
        .map_err(io("cannot create the speakers"))?;
    let lv2 = lv2_path(&graph.path("run"), bundled)?;
    let profile = graph.path("demo.toml");
    std::fs::write(&profile, DEMO_PROFILE).map_err(io("cannot write the demo profile"))?;
    let mut start = graph.command(&router.display().to_string());
    start
        .arg("daemon")
        .arg("--lv2-path")
        .arg(&lv2)
        .arg("--profile")
        .arg(&profile);
    let daemon = graph
        .spawn("headroom-router", start)
        .map_err(io("cannot start headroom daemon"))?;
    let processed = graph
        .wait_for_node("headroom.processed", TIMEOUT)
        .map_err(|e| format!("{e}\nrouter log:\n{}", graph.log(daemon)))?;
    let speakers = graph
        .find_node("speakers")
        .map_err(io("pw-cli"))?
        .ok_or("the speakers are gone")?;
    let (input, channels) = read(&clip)?;
    let input_tp = dbtp(true_peak(&input, channels));
    println!("\ninput {DEMO_CLIP}: true peak {input_tp:+.2} dBTP\n");

    for (app, node_name) in [("Browser", "demo-browser"), ("Music Player", "demo-music")] {
        let out = graph.path(&format!("{node_name}.wav"));
        let recording = graph
            .start_recording("speakers", &out)
            .map_err(io("cannot record the speakers"))?;
        let mut play = graph.command("pw-cat");
        play.args([
            "-p",
            "-P",
            &format!("{{ application.name=\"{app}\" node.name={node_name} }}"),
        ])
        .arg(&clip);
        let player = graph
            .spawn("pw-cat", play)
            .map_err(io("cannot start pw-cat"))?;
        let node = graph
            .wait_for_node(node_name, TIMEOUT)
            .map_err(io("the app never appeared"))?;
        // Where it plays once the router has placed it.
        std::thread::sleep(Duration::from_millis(500));
        let via = if !graph
            .links(node.id, processed.id)
            .map_err(io("pw-cli"))?
            .is_empty()
        {
            "headroom.processed → master → speakers"
        } else if !graph
            .links(node.id, speakers.id)
            .map_err(io("pw-cli"))?
            .is_empty()
        {
            "speakers directly (bypass)"
        } else {
            "nowhere yet"
        };
        graph
            .wait_exit(player, TIMEOUT)
            .map_err(io("the app did not finish"))?;
        let recorded = graph
            .stop_recording(recording)
            .map_err(io("cannot finish the recording"))?;
        let (audio, ch) = read(&recorded)?;
        let tp = dbtp(true_peak(&audio, ch));
        println!("{app:<13} → {via:<38} true peak at the speakers {tp:+.2} dBTP");
    }
    println!(
        "\nThe processed app is held under the -1 dBTP ceiling; the bypassed one arrives untouched.\n\
         On a desktop with PipeWire running, `cargo xtask run` starts the router on your session."
    );
    Ok(())
}

/// Linear true peak → dBTP; silence reads as −∞.
fn dbtp(lin: f64) -> f64 {
    lin_to_db(lin).unwrap_or(f64::NEG_INFINITY)
}

/// Reads a WAV file as interleaved f32 in ±1.0.
fn read(path: &Path) -> Result<(Vec<f32>, usize)> {
    crate::bench::measure::read_wav(path)
}
