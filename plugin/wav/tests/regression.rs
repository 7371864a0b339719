//! Offline regression: the deterministic test signals processed with the
//! default parameters must keep matching the summaries stored in
//! `testdata/expected/*.json` (per-50 ms-block RMS and peak, overall true
//! peak and loudness, gain per stage, latency) within the tolerances stated
//! in each file. The bundled demo clip must regenerate bit for bit.
//!
//! After a deliberate DSP change, update the expectations (and the demo
//! clip, if its generator changed) with
//!
//! ```sh
//! HEADROOM_BLESS=1 cargo test -p headroom-wav --test regression
//! ```
//!
//! and review the diff of `testdata/` before committing it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use headroom_dsp::ParamValues;
use headroom_testdata::demo::{loud_demo, DEMO_CHANNELS, DEMO_RATE_HZ};
use headroom_testdata::meter::{db, true_peak};
use headroom_testdata::signals::{self, SIGNALS};
use headroom_wav::measure::measure;
use headroom_wav::process::process_samples;
use headroom_wav::wav_io::encode_pcm16;
use serde_json::{json, Value};

const BLESS_ENV: &str = "HEADROOM_BLESS";
const BLESS_COMMAND: &str = "HEADROOM_BLESS=1 cargo test -p headroom-wav --test regression";

const RATE: u32 = 48_000;
const CHANNELS: usize = 2;
/// Length of each torture signal, s.
const SIGNAL_SECONDS: f64 = 2.0;
/// Length of the speech-like clip: one phrase and its pause, s.
const SPEECH_SECONDS: f64 = 3.0;
const BLOCK_MS: f64 = 50.0;
/// Tolerances written into new expectation files; an existing file's own
/// tolerances are kept when blessing, so one can be loosened deliberately.
const DEFAULT_TOLERANCE: Tolerance = Tolerance {
    level_db: 0.05,
    loudness_lu: 0.05,
    gain_db: 0.05,
    floor_db: -100.0,
};
/// Largest size of the bundled demo clip, bytes.
const DEMO_MAX_BYTES: usize = 2 * 1024 * 1024;

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn blessing() -> bool {
    std::env::var_os(BLESS_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

#[derive(Debug, Clone, Copy)]
struct Tolerance {
    /// Block RMS/peak and overall true peak, dB.
    level_db: f64,
    /// Integrated loudness, LU.
    loudness_lu: f64,
    /// AGC gain and gain reductions, dB.
    gain_db: f64,
    /// Levels below this count as this (dB): near-silence is not compared
    /// digit by digit.
    floor_db: f64,
}

/// A signal to run, by name.
struct Case {
    name: &'static str,
    description: String,
    input: Vec<f32>,
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = SIGNALS
        .iter()
        .map(|s| Case {
            name: s.name,
            description: s.description.to_string(),
            input: (s.generate)(RATE, SIGNAL_SECONDS),
        })
        .collect();
    cases.push(Case {
        name: "speech_like",
        description:
            "speech-like talk at -40 dBFS RMS (seed 1): the AGC lifts it toward its target"
                .to_string(),
        input: signals::speech_like(RATE, SPEECH_SECONDS, -40.0, 1),
    });
    cases
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `{"a": 1, "b": 2}` on one line, keys in the order given.
fn inline(pairs: &[(&str, Value)]) -> String {
    let fields: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", fields.join(", "))
}

/// Processes a case with the default parameters (aligned, so block n of the
/// output is block n of the input) and summarises the result as the text of
/// an expectation file: JSON with its fields in a fixed order and one line
/// per block, so a diff of `testdata/expected/` reads well.
fn summarise(case: &Case, tol: Tolerance) -> String {
    let processed = process_samples(&case.input, CHANNELS, RATE, ParamValues::default(), true)
        .expect("48 kHz stereo is supported");
    let y = &processed.samples;
    let floor = |v: f64| {
        round3(if v.is_finite() {
            v.max(tol.floor_db)
        } else {
            tol.floor_db
        })
    };
    let block_frames = (f64::from(RATE) * BLOCK_MS / 1000.0) as usize;
    let blocks: Vec<String> = y
        .chunks(block_frames * CHANNELS)
        .enumerate()
        .map(|(i, block)| {
            let mean_square =
                block.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / block.len() as f64;
            let peak = block.iter().fold(0.0f64, |m, &v| m.max(f64::from(v.abs())));
            let row = inline(&[
                ("start_s", json!(round3(i as f64 * BLOCK_MS / 1000.0))),
                ("rms_db", json!(floor(10.0 * mean_square.log10()))),
                ("peak_db", json!(floor(db(peak)))),
            ]);
            format!("    {row}")
        })
        .collect();
    let levels = measure(y, CHANNELS, RATE).expect("ebur128 measures 48 kHz stereo");
    let m = &processed.meters;
    let fields: [(&str, String); 13] = [
        ("signal", json!(case.name).to_string()),
        ("description", json!(case.description).to_string()),
        ("sample_rate", json!(RATE).to_string()),
        ("channels", json!(CHANNELS).to_string()),
        (
            "seconds",
            json!(round3(
                case.input.len() as f64 / (CHANNELS as f64 * f64::from(RATE))
            ))
            .to_string(),
        ),
        ("params", json!("defaults").to_string()),
        ("aligned", json!(true).to_string()),
        ("block_ms", json!(BLOCK_MS).to_string()),
        (
            "tolerance",
            inline(&[
                ("level_db", json!(tol.level_db)),
                ("loudness_lu", json!(tol.loudness_lu)),
                ("gain_db", json!(tol.gain_db)),
                ("floor_db", json!(tol.floor_db)),
            ]),
        ),
        (
            "latency_samples",
            json!(processed.latency_samples).to_string(),
        ),
        (
            "true_peak_dbtp",
            json!(floor(db(true_peak(y, CHANNELS)))).to_string(),
        ),
        (
            "integrated_lufs",
            json!(levels.integrated_lufs.map(round3)).to_string(),
        ),
        (
            "gain",
            inline(&[
                ("agc_min_db", json!(round3(f64::from(m.agc_gain_min_db)))),
                ("agc_max_db", json!(round3(f64::from(m.agc_gain_max_db)))),
                (
                    "compressor_max_gr_db",
                    json!(round3(f64::from(m.comp_gr_max_db))),
                ),
                (
                    "limiter_max_gr_db",
                    json!(round3(f64::from(m.limiter_gr_max_db))),
                ),
                (
                    "safety_max_gr_db",
                    json!(round3(f64::from(m.safety_gr_max_db))),
                ),
            ]),
        ),
    ];
    let mut out = String::from("{\n");
    for (key, value) in fields {
        let _ = writeln!(out, "  \"{key}\": {value},");
    }
    let _ = write!(out, "  \"blocks\": [\n{}\n  ]\n}}\n", blocks.join(",\n"));
    out
}

fn parse(text: &str, origin: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{origin}: not valid JSON: {e}"))
}

fn tolerance_of(expected: &Value) -> Option<Tolerance> {
    let t = &expected["tolerance"];
    Some(Tolerance {
        level_db: t["level_db"].as_f64()?,
        loudness_lu: t["loudness_lu"].as_f64()?,
        gain_db: t["gain_db"].as_f64()?,
        floor_db: t["floor_db"].as_f64()?,
    })
}

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "none".to_string(), |v| format!("{v:.2}"))
}

/// One compared value: a readable line if it drifted beyond `tolerance`.
fn drift(
    name: &str,
    what: &str,
    a: Option<f64>,
    e: Option<f64>,
    tolerance: f64,
    unit: &str,
) -> Option<String> {
    let ok = match (a, e) {
        (Some(a), Some(e)) => (a - e).abs() <= tolerance + 1e-9,
        (None, None) => true,
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "signal {name}, {what} {} {unit}, expected {} {unit}, tolerance {tolerance} {unit}",
            show(a),
            show(e)
        )
    })
}

/// Compares `actual` with `expected`; each difference is one readable line.
fn compare(name: &str, actual: &Value, expected: &Value, tol: Tolerance, diffs: &mut Vec<String>) {
    for (key, unit, tolerance) in [
        ("true_peak_dbtp", "dBTP", tol.level_db),
        ("integrated_lufs", "LUFS", tol.loudness_lu),
    ] {
        diffs.extend(drift(
            name,
            &format!("{key}:"),
            actual[key].as_f64(),
            expected[key].as_f64(),
            tolerance,
            unit,
        ));
    }
    for key in [
        "agc_min_db",
        "agc_max_db",
        "compressor_max_gr_db",
        "limiter_max_gr_db",
        "safety_max_gr_db",
    ] {
        diffs.extend(drift(
            name,
            &format!("gain.{key}:"),
            actual["gain"][key].as_f64(),
            expected["gain"][key].as_f64(),
            tol.gain_db,
            "dB",
        ));
    }
    if actual["latency_samples"] != expected["latency_samples"] {
        diffs.push(format!(
            "signal {name}, latency {} samples, expected {}",
            actual["latency_samples"], expected["latency_samples"]
        ));
    }
    let empty = Vec::new();
    let a_blocks = actual["blocks"].as_array().unwrap_or(&empty);
    let e_blocks = expected["blocks"].as_array().unwrap_or(&empty);
    if a_blocks.len() != e_blocks.len() {
        diffs.push(format!(
            "signal {name}, {} blocks, expected {}",
            a_blocks.len(),
            e_blocks.len()
        ));
    }
    for (i, (a, e)) in a_blocks.iter().zip(e_blocks).enumerate() {
        let start = i as f64 * BLOCK_MS / 1000.0;
        let span = format!("block {i} ({start:.2}–{:.2} s):", start + BLOCK_MS / 1000.0);
        for (key, label) in [("rms_db", "rms"), ("peak_db", "peak")] {
            diffs.extend(drift(
                name,
                &format!("{span} {label}"),
                a[key].as_f64(),
                e[key].as_f64(),
                tol.level_db,
                "dB",
            ));
        }
    }
}

#[test]
fn default_chain_matches_expected_summaries() {
    let dir = repo_path("testdata/expected");
    let bless = blessing();
    let cases = cases();
    let mut diffs = Vec::new();
    for case in &cases {
        let path = dir.join(format!("{}.json", case.name));
        let expected: Option<Value> = std::fs::read_to_string(&path)
            .ok()
            .map(|t| parse(&t, &path.display().to_string()));
        let tol = expected
            .as_ref()
            .and_then(tolerance_of)
            .unwrap_or(DEFAULT_TOLERANCE);
        let actual = summarise(case, tol);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match expected {
            Some(expected) => compare(
                case.name,
                &parse(&actual, case.name),
                &expected,
                tol,
                &mut diffs,
            ),
            None => diffs.push(format!(
                "signal {}: no expected results at {}",
                case.name,
                path.display()
            )),
        }
    }
    // Expectations for signals that are no longer run would silently rot.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "json") && !cases.iter().any(|c| c.name == stem) {
            if bless {
                std::fs::remove_file(&path).unwrap();
            } else {
                diffs.push(format!("{}: no such signal any more", path.display()));
            }
        }
    }
    if !diffs.is_empty() {
        let mut message = format!(
            "{} regression difference(s) against testdata/expected/:\n",
            diffs.len()
        );
        for d in diffs.iter().take(40) {
            let _ = writeln!(message, "  {d}");
        }
        if diffs.len() > 40 {
            let _ = writeln!(message, "  … and {} more", diffs.len() - 40);
        }
        let _ = write!(
            message,
            "If the DSP change is deliberate, update the expectations with\n  {BLESS_COMMAND}\nand review the diff of testdata/expected/."
        );
        panic!("{message}");
    }
}

#[test]
fn the_comparison_reports_drift_readably() {
    // The check itself must be able to fail: shift one block and one meter.
    let case = Case {
        name: "probe",
        description: String::new(),
        input: signals::sine(RATE, 0.3, 1000.0, 0.5),
    };
    let expected = parse(&summarise(&case, DEFAULT_TOLERANCE), "probe");
    let mut drifted = expected.clone();
    let rms = drifted["blocks"][2]["rms_db"].as_f64().unwrap();
    drifted["blocks"][2]["rms_db"] = json!(rms + 0.11);
    drifted["gain"]["limiter_max_gr_db"] = json!(1.0);
    let mut diffs = Vec::new();
    compare("probe", &drifted, &expected, DEFAULT_TOLERANCE, &mut diffs);
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
    assert!(
        diffs.iter().any(|d| d.starts_with(&format!(
            "signal probe, block 2 (0.10–0.15 s): rms {:.2} dB, expected {rms:.2} dB, tolerance 0.05 dB",
            rms + 0.11
        ))),
        "{diffs:#?}"
    );
    // Within tolerance is not a difference.
    let mut close = expected.clone();
    close["blocks"][0]["peak_db"] =
        json!(expected["blocks"][0]["peak_db"].as_f64().unwrap() + 0.04);
    let mut none = Vec::new();
    compare("probe", &close, &expected, DEFAULT_TOLERANCE, &mut none);
    assert!(none.is_empty(), "{none:#?}");
}

#[test]
fn demo_clip_regenerates_identically() {
    let path = repo_path("testdata/demo/loud-demo.wav");
    let bytes = encode_pcm16(&loud_demo(), DEMO_CHANNELS as u16, DEMO_RATE_HZ);
    assert!(
        bytes.len() < DEMO_MAX_BYTES,
        "demo clip is {} bytes",
        bytes.len()
    );
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        return;
    }
    let stored = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with\n  {BLESS_COMMAND}", path.display()));
    assert!(
        stored == bytes,
        "{} no longer matches its generator (headroom_testdata::demo::loud_demo); \
         if the change is deliberate, regenerate it with\n  {BLESS_COMMAND}",
        path.display()
    );
}

#[test]
fn demo_clip_is_loud_and_comes_out_under_the_ceiling() {
    let x = loud_demo();
    assert!(
        db(true_peak(&x, DEMO_CHANNELS)) > 1.0,
        "the demo should have inter-sample overs"
    );
    let out = process_samples(
        &x,
        DEMO_CHANNELS,
        DEMO_RATE_HZ,
        ParamValues::default(),
        true,
    )
    .unwrap();
    let tp = db(true_peak(&out.samples, DEMO_CHANNELS));
    assert!(tp <= -1.0 + 1e-3, "demo output true peak {tp:.3} dBTP");
}
