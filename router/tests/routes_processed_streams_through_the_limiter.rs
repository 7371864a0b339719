//! On a real private PipeWire + WirePlumber graph, with the router running
//! its own processed sink (the checked LV2 bundle in a filter-chain):
//! - the processed sink becomes the default while the router runs, and the
//!   user's device is the default again after it stops;
//! - an app that just plays (no target) reaches the speakers only through
//!   `headroom.processed`: never a direct link, and what reaches the
//!   speakers holds the −1 dBTP ceiling by the independent meter.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::{meter, signals};

const TIMEOUT: Duration = Duration::from_secs(20);
const RATE: u32 = 48_000;

/// The directory with the checked bundles (`cargo xtask bundle --checked`).
fn bundle_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEADROOM_BUNDLE_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bundled")
}

/// A directory holding only `headroom.lv2`, for `LV2_PATH`.
fn lv2_path(graph: &PwGraph) -> PathBuf {
    let bundle = bundle_dir().join("headroom.lv2");
    assert!(
        bundle.join("headroom.so").is_file(),
        "{} is missing: run `cargo xtask bundle --checked` (cargo xtask test does)",
        bundle.display()
    );
    let dir = graph.path("lv2");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&bundle, dir.join("headroom.lv2")).unwrap();
    dir
}

fn write_wav(path: &Path, interleaved: &[f32]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in interleaved {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

fn configured_default(graph: &PwGraph) -> String {
    let mut cmd = graph.command("pw-metadata");
    cmd.args(["0", "default.configured.audio.sink"]);
    let out = graph.run(cmd, TIMEOUT).unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_playing_app_reaches_the_speakers_only_through_the_limiter() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let lv2 = lv2_path(&graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom-router"));
    cmd.arg("--lv2-path").arg(&lv2);
    let router = graph.spawn("headroom-router", cmd).unwrap();

    let processed = graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    graph
        .wait_for("the processed sink to become the default", TIMEOUT, |g| {
            Ok(configured_default(g)
                .contains("headroom.processed")
                .then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // Loud, dense, clipped material well over full scale.
    let music: Vec<f32> = signals::clipped_music(RATE, 3.0)
        .iter()
        .map(|s| s * 2.0)
        .collect();
    let input = graph.path("loud.wav");
    write_wav(&input, &music);
    let recording = graph
        .start_recording("speakers", &graph.path("speakers.wav"))
        .unwrap();

    // The app names no target: it goes wherever the session sends it.
    let mut app_cmd = graph.command("pw-cat");
    app_cmd
        .args([
            "-p",
            "-P",
            "{ application.name=browser node.name=loud-app }",
        ])
        .arg(&input);
    let app = graph.spawn("pw-cat", app_cmd).unwrap();
    let app_node = graph.wait_for_node("loud-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(app_node.id, processed.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    // While it plays: never a direct link to the speakers.
    let start = Instant::now();
    while graph.try_status(app).unwrap().is_none() && start.elapsed() < TIMEOUT {
        let direct = graph.links(app_node.id, speakers.id).unwrap();
        assert!(direct.is_empty(), "direct link to the speakers: {direct:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    graph.wait_exit(app, TIMEOUT).unwrap();
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.1, "nothing reached the speakers (peak {peak})");
    let true_peak = meter::db(meter::true_peak(&recorded, 2));
    assert!(
        true_peak <= -1.0,
        "what reached the speakers peaks at {true_peak:+.3} dBTP, over the -1 dBTP ceiling"
    );

    // Stopping the router gives the user's device back as the default.
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the user's device to be the default again", TIMEOUT, |g| {
            Ok(configured_default(g).contains("\"speakers\"").then_some(()))
        })
        .unwrap();
}
