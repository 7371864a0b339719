//! Memory does not grow with the file: a 5-minute 48 kHz stereo file
//! processes in at most 64 MB peak RSS (the whole-file design took 679 MB
//! for 10 minutes; the 2-hour figure is in BENCHMARKS.md).
//! Its own test binary, so the peak of the children measured is this
//! run's alone.

mod common;

use std::process::Command;

use common::{s, TempDir};

/// Peak RSS limit, bytes.
const LIMIT: i64 = 64 * 1024 * 1024;
const MINUTES: usize = 5;

/// Writes `MINUTES` of the bundled demo clip, looped, as 16-bit stereo,
/// a second at a time (the test itself stays small too).
fn long_file(path: &std::path::Path) {
    let demo = headroom_testdata::demo::loud_demo();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let total = MINUTES * 60 * 48_000 * 2;
    for i in 0..total {
        let v = demo[i % demo.len()];
        w.write_sample((f64::from(v) * 32767.0).round() as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

fn children_peak_rss() -> i64 {
    // SAFETY: getrusage writes into the struct we pass; no other preconditions.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss * 1024
}

#[test]
fn five_minutes_process_in_bounded_memory() {
    let dir = TempDir::new("memory");
    let input = dir.path("long.wav");
    long_file(&input);
    let out = dir.path("out.wav");
    let status = Command::new(env!("CARGO_BIN_EXE_headroom-wav"))
        .args([
            "process",
            s(&input),
            s(&out),
            "--bits",
            "16",
            "--csv",
            s(&dir.path("run.csv")),
        ])
        .args(["--plot", s(&dir.path("run.png"))])
        .status()
        .unwrap();
    assert!(status.success());
    let rss = children_peak_rss();
    println!(
        "peak RSS {:.1} MB for {MINUTES} minutes",
        rss as f64 / 1048576.0
    );
    assert!(
        rss <= LIMIT,
        "peak RSS {:.1} MB for {MINUTES} minutes, limit {} MB",
        rss as f64 / 1048576.0,
        LIMIT / 1048576
    );
    let frames = (std::fs::metadata(&out).unwrap().len() - 80) / 4;
    assert!(
        frames as usize >= MINUTES * 60 * 48_000,
        "{frames} frames written"
    );
}
