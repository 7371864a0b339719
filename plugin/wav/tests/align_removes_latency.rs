//! `--align` removes the chain's latency: with AGC and compressor off and a
//! quiet signal the output equals the input sample for sample (a null test),
//! with the same length. Without it, the output is the input delayed, and
//! `latency` frames longer: the tail is flushed, so no input sample is lost.

mod common;

use common::{read_wav, run, s, write_wav, Enc, TempDir};
use headroom_testdata::signals;

const LIMITER_ONLY: [&str; 4] = ["--set", "agc_enabled=off", "--set", "comp_enabled=off"];

fn quiet_input(dir: &TempDir) -> (std::path::PathBuf, Vec<f32>) {
    // Speech-like at -30 dBFS RMS: peaks stay far below the -1 dBTP ceiling.
    let x = signals::speech_like(48_000, 2.0, -30.0, 5);
    let path = dir.path("quiet.wav");
    write_wav(&path, &x, 2, 48_000, Enc::F32);
    (path, x)
}

#[test]
fn aligned_output_nulls_against_the_input() {
    let dir = TempDir::new("align");
    let (input, x) = quiet_input(&dir);
    let out = dir.path("aligned.wav");
    let mut args = vec!["process", s(&input), s(&out), "--align", "--json"];
    args.extend(LIMITER_ONLY);
    let report = run(&args).json();
    assert_eq!(report["latency"]["removed"], true);
    let (_, y) = read_wav(&out);
    assert_eq!(
        y.len(),
        x.len(),
        "aligned output must be as long as the input"
    );
    let worst = x
        .iter()
        .zip(&y)
        .enumerate()
        .map(|(i, (a, b))| (i, (a - b).abs()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(
        worst.1 <= 1e-6,
        "sample {} (frame {}) differs by {:e}",
        worst.0,
        worst.0 / 2,
        worst.1
    );
}

#[test]
fn unaligned_output_is_the_input_delayed_by_the_reported_latency() {
    let dir = TempDir::new("delay");
    let (input, x) = quiet_input(&dir);
    let out = dir.path("delayed.wav");
    let mut args = vec!["process", s(&input), s(&out), "--json"];
    args.extend(LIMITER_ONLY);
    let report = run(&args).json();
    let latency = report["latency"]["samples"].as_u64().unwrap() as usize;
    assert_eq!(report["latency"]["removed"], false);
    assert!(latency > 0);
    let (_, y) = read_wav(&out);
    assert_eq!(
        y.len(),
        x.len() + 2 * latency,
        "every input frame must reach the output"
    );
    assert_eq!(report["output"]["frames"], x.len() / 2 + latency);
    // The first `latency` frames are the chain filling up; after that, input
    // frame n appears at output frame n + latency.
    assert!(y[..2 * latency].iter().all(|v| v.abs() <= 1e-6));
    for (i, (a, b)) in x.iter().zip(&y[2 * latency..]).enumerate() {
        assert!((a - b).abs() <= 1e-6, "sample {i}: {a} vs {b}");
    }
}
