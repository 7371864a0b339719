//! Every kind of bad input gets a message naming the file, parameter or
//! range, and its documented exit code; the output is never left behind
//! half-written.

mod common;

use common::{run, s, sine, write_wav, Enc, TempDir};
use headroom_wav::exit_code::{INPUT, OUTPUT, PROFILE, USAGE};

fn good_input(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path("in.wav");
    write_wav(&path, &sine(48_000, 0.2, 440.0, 0.25), 1, 48_000, Enc::I16);
    path
}

#[test]
fn missing_input_file() {
    let dir = TempDir::new("missing");
    let input = dir.path("nope.wav");
    let out = dir.path("out.wav");
    run(&["process", s(&input), s(&out)]).expect_error(INPUT, &[s(&input), "no such file"]);
    run(&["analyze", s(&input)]).expect_error(INPUT, &["nope.wav", "no such file"]);
    assert!(!out.exists());
}

#[test]
fn input_that_is_not_a_wav() {
    let dir = TempDir::new("notwav");
    let text = dir.path("notes.wav");
    std::fs::write(&text, "these are not samples\n").unwrap();
    run(&["analyze", s(&text)]).expect_error(INPUT, &["notes.wav", "not a WAV file"]);
    let empty = dir.path("empty.wav");
    std::fs::write(&empty, "").unwrap();
    run(&["process", s(&empty), s(&dir.path("o.wav"))]).expect_error(INPUT, &["empty.wav"]);
    run(&["analyze", s(&dir.0)]).expect_error(INPUT, &["is a directory"]);
    assert_eq!(dir.names(), vec!["empty.wav", "notes.wav"]);
}

#[test]
fn unsupported_sample_format() {
    let dir = TempDir::new("8bit");
    let input = dir.path("8bit.wav");
    write_wav(&input, &sine(48_000, 0.1, 440.0, 0.5), 1, 48_000, Enc::I8);
    run(&["process", s(&input), s(&dir.path("o.wav"))]).expect_error(
        INPUT,
        &[
            "8bit.wav",
            "unsupported sample format 8-bit integer",
            "16-, 24- and 32-bit",
        ],
    );
}

#[test]
fn unsupported_sample_rate_names_the_range() {
    let dir = TempDir::new("rate");
    let input = dir.path("slow.wav");
    write_wav(&input, &sine(500, 0.1, 100.0, 0.5), 1, 500, Enc::I16);
    let out = dir.path("o.wav");
    run(&["process", s(&input), s(&out)])
        .expect_error(INPUT, &["slow.wav", "500", "1000", "768000"]);
    assert!(!out.exists());
    // Measuring needs no DSP, so analyze still works at any rate.
    assert_eq!(run(&["analyze", s(&input)]).code, 0);
    // Telephony rates are processed (the DSP runs from 1 kHz up).
    let phone = dir.path("phone.wav");
    write_wav(&phone, &sine(8_000, 0.1, 440.0, 0.5), 1, 8_000, Enc::I16);
    assert_eq!(run(&["process", s(&phone), s(&out)]).code, 0);
    assert!(out.exists());
}

#[test]
fn too_many_channels() {
    let dir = TempDir::new("channels");
    let input = dir.path("ten.wav");
    write_wav(&input, &vec![0.1; 10 * 480], 10, 48_000, Enc::F32);
    run(&["process", s(&input), s(&dir.path("o.wav"))])
        .expect_error(INPUT, &["ten.wav", "10 channels", "1 to 8"]);
}

#[test]
fn unknown_set_id_suggests_the_nearest() {
    let dir = TempDir::new("setid");
    let input = good_input(&dir);
    let out = dir.path("o.wav");
    run(&["process", s(&input), s(&out), "--set", "celing=-2"])
        .expect_error(USAGE, &["celing", "did you mean `ceiling`?"]);
    run(&["process", s(&input), s(&out), "--set", "threshold=-20"])
        .expect_error(USAGE, &["did you mean `comp_threshold`?"]);
    assert!(!out.exists());
}

#[test]
fn out_of_range_set_value_names_the_range() {
    let dir = TempDir::new("range");
    let input = good_input(&dir);
    let out = dir.path("o.wav");
    run(&["process", s(&input), s(&out), "--set", "ceiling=0.5"]).expect_error(
        USAGE,
        &["ceiling = 0.5 is out of range", "-12.0 to -0.1 dBTP"],
    );
    run(&["process", s(&input), s(&out), "--set", "comp_ratio=0.5"])
        .expect_error(USAGE, &["1.0:1 to 20.0:1"]);
    run(&["process", s(&input), s(&out), "--set", "agc_enabled=maybe"])
        .expect_error(USAGE, &["agc_enabled", "true/false"]);
    assert!(!out.exists());
}

#[test]
fn malformed_set() {
    let dir = TempDir::new("malformed");
    let input = good_input(&dir);
    let out = dir.path("o.wav");
    run(&["process", s(&input), s(&out), "--set", "ceiling"])
        .expect_error(USAGE, &["`ceiling` is not id=value"]);
    run(&["process", s(&input), s(&out), "--set", "ceiling=loud"]).expect_error(
        USAGE,
        &["ceiling expects a number", "-12.0 to -0.1 dBTP", "loud"],
    );
    run(&["process", s(&input), s(&out), "--bits", "12"]).expect_error(USAGE, &["--bits"]);
    run(&["process", s(&input)]).expect_error(USAGE, &["OUTPUT"]);
    run(&["frobnicate"]).expect_error(USAGE, &["frobnicate"]);
    assert!(!out.exists());
}

#[test]
fn profile_problems() {
    let dir = TempDir::new("profile");
    let input = good_input(&dir);
    let out = dir.path("o.wav");
    run(&["process", s(&input), s(&out), "--profile", "nigth"]).expect_error(
        PROFILE,
        &["no profile named `nigth`", "did you mean `night`?"],
    );
    let bad = dir.path("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\n[dsp]\nceiling = 3\n").unwrap();
    run(&["process", s(&input), s(&out), "--profile", s(&bad)]).expect_error(
        PROFILE,
        &[
            &format!("{}:3:11", bad.display()),
            "ceiling = 3 is out of range",
            "dBTP",
        ],
    );
    run(&[
        "process",
        s(&input),
        s(&out),
        "--profile",
        s(&dir.path("none.toml")),
    ])
    .expect_error(PROFILE, &["none.toml"]);
    assert!(!out.exists());
}

#[test]
fn unwritable_output_leaves_nothing_behind() {
    let dir = TempDir::new("output");
    let input = good_input(&dir);
    // Directory does not exist.
    let out = dir.path("no/such/dir/o.wav");
    run(&["process", s(&input), s(&out)]).expect_error(OUTPUT, &["o.wav", "cannot write output"]);
    // Target is a directory: refused, and it and its contents stay intact.
    let target = dir.path("target.wav");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "x").unwrap();
    run(&["process", s(&input), s(&target)])
        .expect_error(OUTPUT, &["target.wav", "is a directory"]);
    assert!(target.join("keep").exists());
    assert_eq!(
        dir.names(),
        vec!["in.wav", "target.wav"],
        "a temporary file was left behind"
    );
}

#[test]
fn a_failed_run_leaves_an_existing_output_untouched() {
    let dir = TempDir::new("untouched");
    let input = good_input(&dir);
    let out = dir.path("o.wav");
    std::fs::write(&out, "previous result").unwrap();
    run(&["process", s(&dir.path("missing.wav")), s(&out)]).expect_error(INPUT, &[]);
    run(&["process", s(&input), s(&out), "--set", "ceiling=9"]).expect_error(USAGE, &[]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous result");
    // And a successful run replaces it whole, leaving no temporary file.
    assert_eq!(run(&["process", s(&input), s(&out)]).code, 0);
    assert!(hound::WavReader::open(&out).is_ok());
    assert_eq!(dir.names(), vec!["in.wav", "o.wav"]);
}
