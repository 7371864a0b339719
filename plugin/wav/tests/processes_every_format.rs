//! `process` reads every supported encoding and channel count, writes
//! float or dithered 24-bit, keeps the true peak under the ceiling (checked
//! with the independent 16× reference meter) and reports in parseable JSON.

mod common;

use common::{interleave, read_wav, run, s, sine, write_wav, Enc, TempDir};
use headroom_testdata::meter::{db, true_peak};
use headroom_testdata::signals;

/// A hot stereo test signal: brickwall-clipped music, ~+3 dBTP.
fn hot_stereo() -> Vec<f32> {
    signals::clipped_music(48_000, 1.5)
}

#[test]
fn every_input_encoding_is_read_and_limited() {
    let dir = TempDir::new("encodings");
    let x = hot_stereo();
    for enc in [Enc::I16, Enc::I24, Enc::I32, Enc::F32] {
        let input = dir.path(&format!("{enc:?}.wav"));
        let out = dir.path(&format!("{enc:?}-out.wav"));
        write_wav(&input, &x, 2, 48_000, enc);
        let report = run(&["process", s(&input), s(&out), "--json"]).json();
        let (spec, y) = read_wav(&out);
        assert_eq!(spec.sample_format, hound::SampleFormat::Float, "{enc:?}");
        assert_eq!(spec.bits_per_sample, 32);
        assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
        // Unaligned: the input delayed by the latency, tail included.
        let latency = report["latency"]["samples"].as_u64().unwrap() as usize;
        assert_eq!(y.len(), x.len() + 2 * latency, "{enc:?}: output length");
        let tp = db(true_peak(&y, 2));
        assert!(
            tp <= -1.0 + 1e-3,
            "{enc:?}: output true peak {tp:.3} dBTP over -1 dBTP"
        );
        let expected_format = match enc {
            Enc::I16 => "int16",
            Enc::I24 => "int24",
            Enc::I32 => "int32",
            Enc::F32 => "float32",
            Enc::I8 => unreachable!(),
        };
        assert_eq!(report["input"]["format"]["sample_format"], expected_format);
        // The input really was hot, and the report says so.
        assert!(report["input"]["true_peak_dbtp"].as_f64().unwrap() > 1.0);
    }
}

#[test]
fn mono_and_six_channels() {
    let dir = TempDir::new("channels");
    for channels in [1usize, 6] {
        // Each channel its own loud sine, so a channel mix-up would show.
        let per_channel: Vec<Vec<f32>> = (0..channels)
            .map(|c| sine(48_000, 1.0, 200.0 + 150.0 * c as f64, 1.5))
            .collect();
        let x = interleave(&per_channel);
        let input = dir.path(&format!("{channels}ch.wav"));
        let out = dir.path(&format!("{channels}ch-out.wav"));
        write_wav(&input, &x, channels as u16, 48_000, Enc::F32);
        let report = run(&["process", s(&input), s(&out), "--json", "--align"]).json();
        assert_eq!(report["output"]["format"]["channels"], channels);
        let (spec, y) = read_wav(&out);
        assert_eq!(usize::from(spec.channels), channels);
        assert_eq!(y.len(), x.len());
        let tp = db(true_peak(&y, channels));
        assert!(tp <= -1.0 + 1e-3, "{channels} ch: {tp:.3} dBTP");
        // Linked gain: each channel keeps its own content (correlates with its input).
        for c in 0..channels {
            let dot: f64 = (0..y.len() / channels)
                .map(|i| f64::from(x[i * channels + c]) * f64::from(y[i * channels + c]))
                .sum();
            assert!(dot > 0.0, "{channels} ch: channel {c} lost its signal");
        }
    }
}

#[test]
fn other_sample_rates_are_processed() {
    let dir = TempDir::new("rates");
    for rate in [22_050u32, 44_100, 96_000, 192_000] {
        let x = signals::sine_fs4_45deg(rate, 0.5);
        let input = dir.path(&format!("{rate}.wav"));
        let out = dir.path(&format!("{rate}-out.wav"));
        write_wav(&input, &x, 2, rate, Enc::F32);
        let report = run(&["process", s(&input), s(&out), "--json"]).json();
        assert_eq!(report["output"]["format"]["sample_rate"], rate);
        let (_, y) = read_wav(&out);
        let tp = db(true_peak(&y, 2));
        assert!(tp <= -1.0 + 1e-3, "{rate} Hz: {tp:.3} dBTP");
        let latency = report["latency"]["samples"].as_u64().unwrap() as f64;
        let ms = report["latency"]["ms"].as_f64().unwrap();
        assert!((ms - latency * 1000.0 / f64::from(rate)).abs() < 1e-9);
    }
}

#[test]
fn twenty_four_bit_output_is_dithered_and_close_to_float() {
    let dir = TempDir::new("bits24");
    let x = hot_stereo();
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::I16);
    let out_f = dir.path("out-f.wav");
    let out_24 = dir.path("out-24.wav");
    assert_eq!(run(&["process", s(&input), s(&out_f)]).code, 0);
    let report = run(&["process", s(&input), s(&out_24), "--bits", "24", "--json"]).json();
    assert_eq!(report["output"]["format"]["sample_format"], "int24");
    let (spec, y24) = read_wav(&out_24);
    assert_eq!(
        (spec.bits_per_sample, spec.sample_format),
        (24, hound::SampleFormat::Int)
    );
    let (_, yf) = read_wav(&out_f);
    let lsb = 1.0 / 8_388_608.0;
    let mut differs = 0;
    for (a, b) in y24.iter().zip(&yf) {
        let err = (f64::from(*a) - f64::from(*b)).abs();
        assert!(err <= 1.5 * lsb, "24-bit sample off by {err}");
        if err > 0.0 {
            differs += 1;
        }
    }
    assert!(differs > 0, "no quantisation at all?");
    assert!(db(true_peak(&y24, 2)) <= -1.0 + 1e-3);
    // Same input, same file: the dither is deterministic.
    let again = dir.path("again.wav");
    assert_eq!(
        run(&["process", s(&input), s(&again), "--bits", "24"]).code,
        0
    );
    assert_eq!(
        std::fs::read(&out_24).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn json_report_has_every_field() {
    let dir = TempDir::new("json");
    let input = dir.path("in.wav");
    write_wav(&input, &hot_stereo(), 2, 48_000, Enc::I16);
    let out = dir.path("out.wav");
    let r = run(&[
        "process",
        s(&input),
        s(&out),
        "--profile",
        "night",
        "--set",
        "ceiling=-2.5",
        "--json",
    ])
    .json();
    for side in ["input", "output"] {
        let f = &r[side];
        for key in [
            "sample_peak_dbfs",
            "true_peak_dbtp",
            "integrated_lufs",
            "duration_s",
        ] {
            assert!(f[key].is_f64(), "{side}.{key} missing: {f}");
        }
        let tail = if side == "output" {
            r["latency"]["samples"].as_u64().unwrap()
        } else {
            0
        };
        assert_eq!(f["frames"], 72_000 + tail, "{side}: the tail is flushed");
        assert_eq!(f["format"]["sample_rate"], 48_000);
    }
    assert_eq!(r["output"]["path"], s(&out));
    assert_eq!(r["profile"]["name"], "Night");
    assert!(r["profile"]["source"]
        .as_str()
        .unwrap()
        .ends_with("night.toml"));
    assert_eq!(r["overrides"][0]["key"], "ceiling");
    assert_eq!(r["overrides"][0]["value"], -2.5);
    assert_eq!(r["params"]["ceiling"], -2.5);
    assert_eq!(
        r["params"]["comp_ratio"], 5.0,
        "night's ratio, from the profile"
    );
    for key in [
        "agc_min_db",
        "agc_max_db",
        "compressor_max_gr_db",
        "limiter_max_gr_db",
        "safety_max_gr_db",
    ] {
        assert!(r["gain"][key].is_f64(), "gain.{key} missing");
    }
    assert!(r["gain"]["limiter_max_gr_db"].as_f64().unwrap() > 0.5);
    assert!(r["latency"]["samples"].as_u64().unwrap() > 0);
    assert_eq!(r["latency"]["removed"], false);
    // The ceiling from --set holds, measured by ebur128 and by the reference meter.
    assert!(r["output"]["true_peak_dbtp"].as_f64().unwrap() <= -2.5 + 0.05);
    let (_, y) = read_wav(&out);
    assert!(db(true_peak(&y, 2)) <= -2.5 + 1e-3);
}

#[test]
fn human_report_shows_before_and_after() {
    let dir = TempDir::new("human");
    let input = dir.path("in.wav");
    write_wav(&input, &hot_stereo(), 2, 48_000, Enc::I16);
    let out = dir.path("out.wav");
    let r = run(&["process", s(&input), s(&out), "--set", "comp_enabled=off"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in [
        "true peak",
        "sample peak",
        "loudness",
        "LUFS",
        "dBTP",
        "AGC gain",
        "compressor",
        "limiter",
        "safety tier",
        "latency",
        "comp_enabled = off",
    ] {
        assert!(
            r.stdout.contains(needle),
            "report lacks {needle:?}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn analyze_reports_true_peak_and_loudness() {
    let dir = TempDir::new("analyze");
    let input = dir.path("fs4.wav");
    // fs/4 at 45°: sample peak 0 dBFS, true peak +3 dBTP.
    write_wav(
        &input,
        &signals::sine_fs4_45deg(48_000, 1.0),
        2,
        48_000,
        Enc::F32,
    );
    let r = run(&["analyze", s(&input), "--json"]).json();
    assert!(r["sample_peak_dbfs"].as_f64().unwrap().abs() < 0.01);
    assert!((r["true_peak_dbtp"].as_f64().unwrap() - 3.01).abs() < 0.2);
    assert!(r["integrated_lufs"].is_f64());
    assert_eq!(r["frames"], 48_000);
    assert!((r["duration_s"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(r["format"]["sample_format"], "float32");
    let human = run(&["analyze", s(&input)]);
    assert!(
        human.stdout.contains("true peak    +3."),
        "{}",
        human.stdout
    );

    // Silence: no peak, no loudness — null, not a made-up number.
    let quiet = dir.path("silence.wav");
    write_wav(&quiet, &vec![0.0; 96_000], 2, 48_000, Enc::I16);
    let r = run(&["analyze", s(&quiet), "--json"]).json();
    assert!(r["true_peak_dbtp"].is_null() && r["integrated_lufs"].is_null());
}
