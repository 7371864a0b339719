//! Shared helpers for the integration tests: temporary directories, WAV
//! fixtures in every supported encoding, and running the real binary.

#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "headroom-wav-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// File names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// WAV encodings fixtures can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    I8,
    I16,
    I24,
    I32,
    F32,
}

/// Writes interleaved samples (1.0 = full scale) as a WAV in `enc`.
pub fn write_wav(path: &Path, samples: &[f32], channels: u16, rate: u32, enc: Enc) {
    let (bits, format) = match enc {
        Enc::I8 => (8, hound::SampleFormat::Int),
        Enc::I16 => (16, hound::SampleFormat::Int),
        Enc::I24 => (24, hound::SampleFormat::Int),
        Enc::I32 => (32, hound::SampleFormat::Int),
        Enc::F32 => (32, hound::SampleFormat::Float),
    };
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: format,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        let s = f64::from(s);
        match enc {
            Enc::F32 => w.write_sample(s as f32).unwrap(),
            Enc::I8 => w.write_sample((s * 127.0).round() as i8).unwrap(),
            Enc::I16 => w.write_sample((s * 32767.0).round() as i16).unwrap(),
            Enc::I24 => w.write_sample((s * 8_388_607.0).round() as i32).unwrap(),
            Enc::I32 => w
                .write_sample(
                    (s * 2_147_483_647.0)
                        .round()
                        .clamp(-2_147_483_648.0, 2_147_483_647.0) as i32,
                )
                .unwrap(),
        }
    }
    w.finalize().unwrap();
}

/// Reads a WAV back: (spec, interleaved samples with 1.0 = full scale).
pub fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / f64::from(1u32 << (spec.bits_per_sample - 1));
            r.samples::<i32>()
                .map(|s| (f64::from(s.unwrap()) * scale) as f32)
                .collect()
        }
    };
    (spec, samples)
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("report is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts a failure with `code` whose message contains every one of `needles`.
    pub fn expect_error(&self, code: i32, needles: &[&str]) {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}: {}",
                self.stderr
            );
        }
    }
}

/// Runs the built `headroom-wav` with `args`, with a user profile dir that
/// cannot contain anything (so only shipped profiles are found).
pub fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_headroom-wav"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-headroom-test-config")
        .output()
        .expect("run headroom-wav");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `Path` → `&str` for argument lists.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Mono sine, `amp` linear.
pub fn sine(rate: u32, seconds: f64, freq: f64, amp: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32
        })
        .collect()
}

/// Interleaves per-channel signals of equal length.
pub fn interleave(channels: &[Vec<f32>]) -> Vec<f32> {
    let n = channels[0].len();
    (0..n)
        .flat_map(|i| channels.iter().map(move |c| c[i]))
        .collect()
}
