//! The real-time check is real: a checked bundle that allocates inside LV2
//! `run` (the `alloc-canary` build) makes the host abort, while the plain
//! checked bundle runs the same file cleanly in the same host.
//!
//! Runs Debian's `lv2file` as the host, in a subprocess, on the bundles
//! `cargo xtask test` builds (`target/bundled/` and `target/bundled-canary/`;
//! `cargo xtask bundle --checked` and `--canary` make them by hand).

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const URI: &str = "https://github.com/headroom-audio/headroom#stereo";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// A directory holding only `<bundles>/headroom.lv2`, for `LV2_PATH`.
fn lv2_path(bundles: &str, scratch: &Path) -> PathBuf {
    let bundle = target_dir().join(bundles).join("headroom.lv2");
    assert!(
        bundle.join("headroom.so").is_file(),
        "{} is missing: run `cargo xtask bundle --checked` and `cargo xtask bundle --canary` \
         (cargo xtask test does both)",
        bundle.display()
    );
    let dir = scratch.join(bundles);
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("headroom.lv2");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    dir
}

/// Half a second of loud stereo float WAV.
fn write_input(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..24_000 {
        let v = (n as f32 * 0.3).sin() * 1.5;
        w.write_sample(v).unwrap();
        w.write_sample(-v).unwrap();
    }
    w.finalize().unwrap();
}

fn run_lv2file(lv2_path: &Path, input: &Path, output: &Path) -> std::process::Output {
    Command::new("lv2file")
        .env("LV2_PATH", lv2_path)
        .args(["--ignore-clipping", "-b", "256", "-i"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg(URI)
        .output()
        .expect("lv2file runs (cargo xtask deps --for test installs it)")
}

#[test]
fn allocating_in_run_aborts_the_host_and_the_real_build_does_not() {
    let scratch = std::env::temp_dir().join(format!("headroom-canary-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let input = scratch.join("in.wav");
    write_input(&input);

    let clean = run_lv2file(
        &lv2_path("bundled", &scratch),
        &input,
        &scratch.join("out.wav"),
    );
    assert!(
        clean.status.success(),
        "the checked bundle failed in lv2file: {:?}\n{}",
        clean.status,
        String::from_utf8_lossy(&clean.stderr)
    );

    let canary = run_lv2file(
        &lv2_path("bundled-canary", &scratch),
        &input,
        &scratch.join("canary.wav"),
    );
    let stderr = String::from_utf8_lossy(&canary.stderr);
    assert_eq!(
        canary.status.signal(),
        Some(libc_sigabrt()),
        "the allocating build should abort lv2file, got {:?}\n{stderr}",
        canary.status
    );
    // nice-assert-no-alloc's abort, not some other crash.
    assert!(stderr.contains("memory allocation of"), "{stderr}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// SIGABRT on Linux.
fn libc_sigabrt() -> i32 {
    6
}
