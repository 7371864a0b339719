//! Real files: streaming output equals the in-process chain sample for
//! sample; FLAC, Ogg Vorbis, Opus and MP3 made by the reference encoders
//! (`flac`, `oggenc`, `opusenc`, `lame`) decode and process; FLAC output
//! decodes with `flac -d`; a truncated or corrupt file of every format is
//! refused with its name, the problem and exit code 3, leaving no output;
//! batches, pipes, `--plot`/`--csv` and `selftest` work.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{read_wav, run, s, write_wav, Enc, TempDir};
use headroom_dsp::{ParamId, ParamValues};
use headroom_testdata::meter::{db, true_peak};
use headroom_testdata::signals;
use headroom_wav::exit_code::INPUT;
use headroom_wav::process::{process_flushed, process_samples};

/// Runs an encoder/decoder the tests need; a missing one fails the test
/// (they are installed by `cargo xtask test`).
fn tool(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by this test ({e}); install it with cargo xtask test's dependencies"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A hot stereo clip (+5.7 dBTP) with an odd length, so blocks never line up.
fn hot(rate: u32) -> Vec<f32> {
    let mut x = signals::clipped_music(rate, 2.0);
    x.truncate(x.len() - 2 * 37);
    x
}

#[test]
fn streamed_output_is_the_in_process_chain_sample_for_sample() {
    let dir = TempDir::new("exact");
    for rate in [44_100u32, 48_000] {
        let x = hot(rate);
        let input = dir.path(&format!("in-{rate}.wav"));
        write_wav(&input, &x, 2, rate, Enc::F32);
        // Default: the whole response, tail included.
        let out = dir.path(&format!("out-{rate}.wav"));
        let report = run(&["process", s(&input), s(&out), "--json"]).json();
        let (_, y) = read_wav(&out);
        let expected = process_flushed(&x, 2, rate, ParamValues::default()).unwrap();
        assert_eq!(y.len(), expected.samples.len(), "{rate} Hz: length");
        let first_diff = y.iter().zip(&expected.samples).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{rate} Hz: differs from the chain");
        assert_eq!(
            report["output"]["frames"],
            x.len() / 2 + expected.latency_samples
        );
        // --align: the same with the latency removed, the input's length.
        let aligned = dir.path(&format!("aligned-{rate}.wav"));
        run(&["process", s(&input), s(&aligned), "--align", "--json"]).json();
        let (_, z) = read_wav(&aligned);
        let expected = process_samples(&x, 2, rate, ParamValues::default(), true).unwrap();
        assert_eq!(z.len(), x.len());
        let first_diff = z.iter().zip(&expected.samples).position(|(a, b)| a != b);
        assert_eq!(
            first_diff, None,
            "{rate} Hz aligned: differs from the chain"
        );
        // Every input sample arrives: the end of the default output is the
        // aligned output's end.
        let n = z.len();
        assert_eq!(&y[y.len() - 200..], &z[n - 200..]);
    }
}

#[test]
fn the_cut_at_the_end_is_gone() {
    // Limiter only, a hot clip: the unaligned output used to stop
    // mid-waveform `latency` frames before the input did.
    let dir = TempDir::new("tail");
    let x = hot(48_000);
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::F32);
    let out = dir.path("out.wav");
    let r = run(&[
        "process",
        s(&input),
        s(&out),
        "--set",
        "agc_enabled=off",
        "--set",
        "comp_enabled=off",
        "--json",
    ])
    .json();
    let latency = r["latency"]["samples"].as_u64().unwrap() as usize;
    let (_, y) = read_wav(&out);
    assert_eq!(y.len(), x.len() + 2 * latency);
    let tp = db(true_peak(&y, 2));
    assert!(tp <= -1.0 + 1e-3, "{tp:.3} dBTP");
}

struct Encoded {
    path: PathBuf,
    /// Frames the decoder must produce (exact for all but MP3).
    frames: usize,
    exact_length: bool,
}

/// The clip as a 16-bit WAV, then through each reference encoder.
fn encode_all(dir: &TempDir, rate: u32) -> (Vec<f32>, Vec<(&'static str, Encoded)>) {
    let x: Vec<f32> = hot(rate).iter().map(|v| v * 0.9).collect();
    let wav = dir.path("src.wav");
    write_wav(&wav, &x, 2, rate, Enc::I16);
    let frames = x.len() / 2;
    let p = |name: &str| dir.path(name);
    tool("flac", &["-s", "-f", "-o", s(&p("a.flac")), s(&wav)]);
    tool("oggenc", &["-Q", "-q", "6", "-o", s(&p("a.ogg")), s(&wav)]);
    tool(
        "opusenc",
        &["--quiet", "--bitrate", "160", s(&wav), s(&p("a.opus"))],
    );
    tool("lame", &["--quiet", "-b", "256", s(&wav), s(&p("a.mp3"))]);
    let e = |name: &str, exact| Encoded {
        path: p(name),
        frames,
        exact_length: exact,
    };
    (
        x,
        vec![
            ("flac", e("a.flac", true)),
            ("vorbis", e("a.ogg", true)),
            ("opus", e("a.opus", true)),
            ("mp3", e("a.mp3", false)),
        ],
    )
}

#[test]
fn flac_vorbis_opus_and_mp3_decode_and_process() {
    let dir = TempDir::new("codecs");
    let (x, files) = encode_all(&dir, 48_000);
    for (codec, f) in &files {
        let out = dir.path(&format!("{codec}-out.wav"));
        let r = run(&["process", s(&f.path), s(&out), "--align", "--json"]).json();
        assert_eq!(r["input"]["format"]["codec"], *codec);
        assert_eq!(r["input"]["format"]["channels"], 2);
        assert_eq!(r["input"]["format"]["sample_rate"], 48_000);
        let frames = r["input"]["frames"].as_u64().unwrap() as usize;
        if f.exact_length {
            assert_eq!(frames, f.frames, "{codec}: decoded length");
        } else {
            // MP3: the encoder's frames of 1152; LAME's gapless header
            // usually trims them, at most a frame either way.
            assert!(
                frames.abs_diff(f.frames) <= 1152,
                "{codec}: {frames} frames"
            );
        }
        let (_, y) = read_wav(&out);
        assert_eq!(y.len(), frames * 2);
        let tp = db(true_peak(&y, 2));
        assert!(tp <= -1.0 + 1e-3, "{codec}: output {tp:.3} dBTP");
        // The music survived: the decoded input is loud and hot.
        assert!(
            r["input"]["true_peak_dbtp"].as_f64().unwrap() > 0.0,
            "{codec}"
        );
        assert!(
            r["input"]["integrated_lufs"].as_f64().unwrap() > -15.0,
            "{codec}"
        );
        let _ = &x;
    }
}

#[test]
fn flac_output_decodes_with_the_reference_decoder_bit_for_bit() {
    let dir = TempDir::new("flacout");
    let x = hot(48_000);
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::F32);
    let flac = dir.path("out.flac");
    let wav24 = dir.path("out24.wav");
    let r = run(&["process", s(&input), s(&flac), "--json"]).json();
    assert_eq!(r["output"]["format"]["codec"], "flac");
    assert_eq!(r["output"]["format"]["sample_format"], "int24");
    assert_eq!(r["dither"], true);
    run(&["process", s(&input), s(&wav24), "--bits", "24", "--json"]).json();
    let decoded = dir.path("decoded.wav");
    // `flac -d` checks the MD5 in STREAMINFO against the audio.
    tool("flac", &["-s", "-d", "-f", "-o", s(&decoded), s(&flac)]);
    let (spec, a) = read_wav(&decoded);
    assert_eq!((spec.bits_per_sample, spec.channels), (24, 2));
    let (_, b) = read_wav(&wav24);
    assert_eq!(a.len(), b.len());
    assert!(a == b, "FLAC and 24-bit WAV output differ");
    // 16-bit, undithered FLAC is exactly the rounded float output.
    let f16 = dir.path("out16.flac");
    run(&[
        "process",
        s(&input),
        s(&f16),
        "--bits",
        "16",
        "--no-dither",
        "--json",
    ])
    .json();
    tool("flac", &["-s", "-t", s(&f16)]);
    assert!(
        run(&[
            "process",
            s(&input),
            s(&dir.path("x.flac")),
            "--bits",
            "32f"
        ])
        .code
            == 2,
        "float FLAC must be refused"
    );
}

#[test]
fn sixteen_and_32_bit_wav_output() {
    let dir = TempDir::new("bits");
    let x = hot(48_000);
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::F32);
    let f = dir.path("f.wav");
    assert_eq!(run(&["process", s(&input), s(&f), "--align"]).code, 0);
    let (_, yf) = read_wav(&f);
    for (bits, lsb) in [("16", 1.0 / 32_768.0), ("32", 1.0 / 2_147_483_648.0)] {
        for dither in [true, false] {
            let out = dir.path(&format!("{bits}-{dither}.wav"));
            let mut args = vec![
                "process",
                s(&input),
                s(&out),
                "--align",
                "--bits",
                bits,
                "--json",
            ];
            if !dither {
                args.push("--no-dither");
            }
            let r = run(&args).json();
            assert_eq!(r["dither"], dither);
            let (spec, y) = read_wav(&out);
            assert_eq!(spec.bits_per_sample.to_string(), bits);
            let worst = y
                .iter()
                .zip(&yf)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
                .fold(0.0, f64::max);
            let limit = if dither { 1.5 } else { 0.5 + 1e-3 } * lsb + 1e-7;
            assert!(
                worst <= limit,
                "{bits} bit dither {dither}: off by {worst:e}"
            );
        }
    }
}

/// Damaged copies of `path`: the first 60 %, and one with a stretch of
/// its middle overwritten.
fn damage(path: &Path, dir: &TempDir, codec: &str) -> [(String, PathBuf); 2] {
    let bytes = std::fs::read(path).unwrap();
    let cut = dir.path(&format!("cut-{codec}"));
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let mut broken = bytes.clone();
    let mid = broken.len() / 2;
    for b in &mut broken[mid..mid + 4000] {
        *b = 0;
    }
    let bad = dir.path(&format!("bad-{codec}"));
    std::fs::write(&bad, &broken).unwrap();
    [("truncated".to_string(), cut), ("corrupt".to_string(), bad)]
}

#[test]
fn truncated_and_corrupt_files_of_every_format_are_refused() {
    let dir = TempDir::new("damage");
    let (_, files) = encode_all(&dir, 48_000);
    let out_dir = TempDir::new("damage-out");
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for (codec, f) in &files {
        cases.extend(damage(&f.path, &dir, codec));
    }
    // WAV: samples carry no checksum, so damage shows in the structure.
    let wav = dir.path("src.wav");
    let bytes = std::fs::read(&wav).unwrap();
    let cut = dir.path("cut-wav");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    cases.push(("truncated".into(), cut));
    let mut bad = bytes.clone();
    bad[32] = 3; // block align: 3 bytes for 2 × 16 bits
    let badp = dir.path("bad-wav");
    std::fs::write(&badp, &bad).unwrap();
    cases.push(("bytes per frame".into(), badp));
    for (problem, path) in &cases {
        let out = out_dir.path("out.wav");
        let r = run(&["process", s(path), s(&out)]);
        let name = path.file_name().unwrap().to_str().unwrap();
        r.expect_error(INPUT, &[name]);
        assert!(
            r.stderr.contains(problem.as_str())
                || r.stderr.contains("corrupt")
                || r.stderr.contains("truncated"),
            "{name}: {}",
            r.stderr
        );
        assert!(
            out_dir.names().is_empty(),
            "{name}: left {:?}",
            out_dir.names()
        );
    }
}

#[test]
fn a_batch_writes_every_good_file_and_reports_the_bad_one() {
    let dir = TempDir::new("batch");
    let out = TempDir::new("batch-out");
    let x = hot(48_000);
    let a = dir.path("a.wav");
    write_wav(&a, &x, 2, 48_000, Enc::I16);
    tool("flac", &["-s", "-f", "-o", s(&dir.path("b.flac")), s(&a)]);
    let bad = dir.path("c.wav");
    std::fs::write(&bad, "not audio").unwrap();
    let d = dir.path("d.wav");
    write_wav(&d, &x[..48_000], 1, 48_000, Enc::F32);
    let r = run(&[
        "process",
        "--out-dir",
        s(&out.0),
        "--jobs",
        "2",
        s(&a),
        s(&dir.path("b.flac")),
        s(&bad),
        s(&d),
        "--json",
    ]);
    assert_eq!(r.code, INPUT, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["failed"], 1);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(files[2]["ok"], false);
    assert!(files[2]["error"].as_str().unwrap().contains("c.wav"));
    assert_eq!(files[2]["exit_code"], INPUT);
    assert_eq!(
        out.names(),
        vec!["a.wav", "b.wav", "d.wav"],
        "no temporary files"
    );
    for name in ["a.wav", "b.wav", "d.wav"] {
        let (_, y) = read_wav(&out.path(name));
        assert!(db(true_peak(&y, 2)) <= -1.0 + 1e-3, "{name}");
    }
    // The table names every file.
    let human = run(&["process", "--out-dir", s(&out.0), s(&a), s(&bad)]);
    assert_eq!(human.code, INPUT);
    assert!(
        human.stdout.contains("ok ") && human.stdout.contains("FAILED  "),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("1 of 2 files processed, 1 failed"),
        "{}",
        human.stdout
    );
    // Two inputs with one name would overwrite each other: refused up front.
    let r = run(&[
        "process",
        "--out-dir",
        s(&out.0),
        s(&a),
        s(&dir.path("b.flac")),
        s(&a),
    ]);
    assert_eq!(r.code, headroom_wav::exit_code::OUTPUT, "{}", r.stderr);
}

#[test]
fn stdin_to_stdout() {
    let dir = TempDir::new("pipe");
    let x = hot(48_000);
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::I24);
    for source in [input.clone(), {
        let f = dir.path("in.flac");
        tool("flac", &["-s", "-f", "-o", s(&f), s(&input)]);
        f
    }] {
        let out = Command::new(env!("CARGO_BIN_EXE_headroom-wav"))
            .args(["process", "-", "-", "--align", "--json"])
            .stdin(Stdio::from(std::fs::File::open(&source).unwrap()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The report went to stderr, the audio to stdout.
        let report: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(report["output"]["path"], "-");
        let piped = dir.path("piped.wav");
        std::fs::write(&piped, &out.stdout).unwrap();
        let y = headroom_wav::wav_io::read_all(&piped).unwrap();
        assert_eq!(y.samples.len(), x.len());
        assert!(db(true_peak(&y.samples, 2)) <= -1.0 + 1e-3);
    }
}

#[test]
fn plot_and_csv_show_the_run() {
    let dir = TempDir::new("plot");
    let x = signals::clipped_music(48_000, 3.0);
    let input = dir.path("in.wav");
    write_wav(&input, &x, 2, 48_000, Enc::F32);
    let (png, csv) = (dir.path("run.png"), dir.path("run.csv"));
    let r = run(&[
        "process",
        s(&input),
        s(&dir.path("out.wav")),
        "--plot",
        s(&png),
        "--csv",
        s(&csv),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.is_empty(),
        "no progress bar when piped: {:?}",
        r.stderr
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1400);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "time_s");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 31, "3 s in 100 ms windows, and the tail");
    let num = |r: &Vec<&str>, c: &str| r[col(c)].parse::<f64>().ok();
    assert!(rows
        .iter()
        .all(|r| num(r, "output_true_peak_dbtp").is_none_or(|v| v <= -1.0 + 1e-3)));
    assert!(rows
        .iter()
        .any(|r| num(r, "input_true_peak_dbtp").unwrap_or(-99.0) > 3.0));
    assert!(rows.iter().any(|r| num(r, "limiter_gr_db").unwrap() > 1.0));
    assert!(rows.iter().all(|r| num(r, "ceiling_dbtp") == Some(-1.0)));
}

#[test]
fn selftest_passes_and_prints_a_table() {
    let r = run(&["selftest"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for needle in [
        "Tech 3341 true peak",
        "Tech 3342 loudness range",
        "ceiling",
        "0 failed",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    let _ = (ParamId::LimiterCeiling, Path::new("."));
}
