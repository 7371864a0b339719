//! Tests (under `tests/`) that run the built LV2 bundle from
//! `bundled/headroom.lv2` in the target dir (or `$HEADROOM_BUNDLE_DIR`) in real hosts:
//! `lv2_validate`/`lv2info` (the description), `lv2file` (blocks of 256),
//! `lv2apply` (one sample per call) and PipeWire's filter-chain on a private
//! graph (`headroom_testdata::pipewire`).
//!
//! This library is their shared toolkit: where the bundle is, how a host is
//! started, WAV files, and the in-process [`Chain`] every host's output is
//! compared with. The bundle is built by `cargo xtask bundle --checked`
//! (a build whose `run` aborts the host on any allocation); a missing bundle
//! fails the tests, it never skips them.

pub mod in_process;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use headroom_dsp::{Chain, ParamId, ParamValues};
use headroom_testdata::pipewire::run_with_timeout;

/// The stereo plugin's URI.
pub const PLUGIN_URI: &str = "https://github.com/headroom-audio/headroom#stereo";
/// The surround plugin's URI: 8 linked channels, `in_1..in_8`/`out_1..out_8`.
pub const SURROUND_PLUGIN_URI: &str = "https://github.com/headroom-audio/headroom#surround";
/// The surround plugin's audio channels (inputs, and outputs).
pub const SURROUND_CHANNELS: usize = 8;
/// The bundle's directory name inside the bundle dir.
pub const BUNDLE_NAME: &str = "headroom.lv2";
/// Environment variable naming the directory that holds `headroom.lv2`.
pub const BUNDLE_DIR_ENV: &str = "HEADROOM_BUNDLE_DIR";
/// Same for the allocation-canary build.
pub const CANARY_BUNDLE_DIR_ENV: &str = "HEADROOM_CANARY_BUNDLE_DIR";
/// Longest a host run may take. Generous: a 2-core CI machine may be
/// compiling meanwhile. Not a speed check, only a hang guard.
pub const HOST_TIMEOUT: Duration = Duration::from_secs(600);
/// Largest difference allowed between a host's output and the in-process
/// chain: both run the same code on the same floats, so only the order of
/// operations could differ.
pub const SAME_OUTPUT_TOLERANCE: f64 = 1e-6;

/// Every parameter but the switches, each away from its default.
pub const ALL_CONTROLS_MOVED: &[(&str, f32)] = &[
    ("input_gain", 3.0),
    ("agc_target", -14.0),
    ("agc_max_boost", 12.0),
    ("agc_max_cut", 9.0),
    ("agc_speed", 10.0),
    ("agc_gate", -60.0),
    ("comp_threshold", -20.0),
    ("comp_ratio", 6.0),
    ("comp_knee", 2.0),
    ("comp_attack", 3.0),
    ("comp_release", 60.0),
    ("comp_makeup", 2.0),
    ("ceiling", -3.0),
    ("limiter_release", 30.0),
];

/// AGC and compressor off: the limiter alone, at a low ceiling.
pub const SWITCHES_OFF: &[(&str, f32)] = &[
    ("agc_enabled", 0.0),
    ("comp_enabled", 0.0),
    ("ceiling", -6.0),
];

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate sits at plugin/host-tests-lv2")
        .to_path_buf()
}

/// The directory that holds `headroom.lv2` (what `LV2_PATH` must name):
/// `$HEADROOM_BUNDLE_DIR`, else `bundled/` in cargo's target dir (where
/// `cargo xtask bundle --checked` puts it: `$CARGO_TARGET_DIR`, relative to
/// the workspace, or `<workspace>/target`).
///
/// # Panics
/// When the bundle is not there, with the command that builds it.
pub fn bundle_dir() -> PathBuf {
    locate(BUNDLE_DIR_ENV, "bundled", "cargo xtask bundle --checked")
}

/// Like [`bundle_dir`] for the allocation canary (`$HEADROOM_CANARY_BUNDLE_DIR`
/// or `bundled-canary/`): a checked build whose `run` allocates on purpose.
pub fn canary_bundle_dir() -> PathBuf {
    locate(
        CANARY_BUNDLE_DIR_ENV,
        "bundled-canary",
        "cargo xtask bundle --canary",
    )
}

fn locate(env: &str, default_name: &str, build: &str) -> PathBuf {
    let dir = std::env::var_os(env)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|d| !d.is_empty())
                .map(|d| workspace_root().join(d))
                .unwrap_or_else(|| workspace_root().join("target"));
            target.join(default_name)
        });
    let bundle = dir.join(BUNDLE_NAME);
    for file in ["manifest.ttl", "headroom.ttl", "headroom.so"] {
        assert!(
            bundle.join(file).is_file(),
            "{} is missing: build it first with `{build}` (or point ${env} at the directory \
             that holds {BUNDLE_NAME})",
            bundle.join(file).display()
        );
    }
    dir
}

/// The bundle itself (`<bundle dir>/headroom.lv2`).
pub fn bundle() -> PathBuf {
    bundle_dir().join(BUNDLE_NAME)
}

/// `program` with `LV2_PATH` set to the bundle dir only, so the host finds
/// this build of headroom and nothing else.
pub fn lv2_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("LV2_PATH", bundle_dir());
    cmd
}

/// Runs a host to completion and checks it succeeded (a checked build that
/// allocated in `run` aborts the host: that fails here, with its output).
pub fn run_host(cmd: Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = run_with_timeout(cmd, HOST_TIMEOUT).unwrap_or_else(|e| {
        panic!("{shown}: {e}; is it installed (`cargo xtask deps --for test`)?")
    });
    assert!(
        out.status.success(),
        "{shown} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A temporary directory for one test's files, removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "headroom-lv2-{label}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes interleaved stereo as 32-bit float WAV (values beyond ±1 kept).
pub fn write_wav(path: &Path, rate: u32, interleaved: &[f32]) {
    write_wav_channels(path, rate, 2, interleaved);
}

/// Writes interleaved `channels`-channel audio as 32-bit float WAV.
pub fn write_wav_channels(path: &Path, rate: u32, channels: u16, interleaved: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in interleaved {
        w.write_sample(s).expect("write wav");
    }
    w.finalize().expect("finalize wav");
}

/// A WAV file's contents as f32 (integer formats scaled to ±1).
#[derive(Debug, Clone)]
pub struct Wav {
    pub rate: u32,
    pub channels: u16,
    pub samples: Vec<f32>,
}

impl Wav {
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels as usize
    }
}

pub fn read_wav(path: &Path) -> Wav {
    let mut r = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{}: not a readable WAV: {e}", path.display()));
    let spec = r.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 * scale)
                .collect()
        }
    };
    Wav {
        rate: spec.sample_rate,
        channels: spec.channels,
        samples,
    }
}

/// Defaults with the given `(parameter key, value)` pairs set.
///
/// # Panics
/// On a key that is not in the parameter table.
pub fn params(settings: &[(&str, f32)]) -> ParamValues {
    let mut p = ParamValues::default();
    for &(key, value) in settings {
        let id = ParamId::from_key(key).unwrap_or_else(|| panic!("no parameter `{key}`"));
        p.set(id, value);
    }
    p
}

/// What the plugin should output: a fresh in-process chain started at
/// `params`, over the whole interleaved stereo input, same length (hosts
/// neither pad nor trim for latency, and neither does this).
pub fn chain_output(rate: u32, params: ParamValues, input: &[f32]) -> Vec<f32> {
    let mut chain = Chain::with_params(rate as f32, 2, params).expect("chain");
    let mut out = input.to_vec();
    chain.process_interleaved(&mut out);
    out
}

/// The chain's latency at `rate`, samples.
pub fn chain_latency(rate: u32) -> usize {
    Chain::new(rate as f32, 2).expect("chain").latency_samples()
}

/// `signal` followed by enough silence for the plugin to play out its
/// latency. Hosts cut the output at the input's length: without the tail a
/// loud signal's output would end mid-waveform, and that cut alone rings
/// above the ceiling in any true-peak meter.
pub fn with_tail(rate: u32, mut signal: Vec<f32>) -> Vec<f32> {
    let frames = chain_latency(rate) + 64;
    signal.extend(std::iter::repeat_n(0.0, 2 * frames));
    signal
}

/// True peak over both channels by the independent 16× reference meter, dBTP.
pub fn true_peak_db(interleaved: &[f32]) -> f64 {
    headroom_testdata::meter::db(headroom_testdata::meter::true_peak(interleaved, 2))
}

/// Largest absolute difference and the frame where it is; lengths must match.
pub fn max_difference(a: &[f32], b: &[f32]) -> (f64, usize) {
    assert_eq!(a.len(), b.len(), "outputs differ in length");
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| ((*x as f64 - *y as f64).abs(), i / 2))
        .fold((0.0, 0), |m, d| if d.0 > m.0 { d } else { m })
}

/// Runs `lv2file` on `input` with blocks of `block` frames and the control
/// values `controls`, and returns the output. Fails the test if lv2file
/// complains about a port, clips, or the output has another length.
pub fn lv2file(
    dir: &Scratch,
    rate: u32,
    input: &[f32],
    controls: &[(&str, f32)],
    block: usize,
) -> Vec<f32> {
    let run = Lv2fileRun {
        uri: PLUGIN_URI,
        channels: 2,
        output_channels: 2,
        connections: &[],
    };
    run.run(dir, rate, input, controls, block)
}

/// Runs `lv2file` on the surround plugin with `channels` interleaved
/// channels of `input`, file channel `c` connected to `in_<c+1>` (the
/// plugin's other inputs get lv2file's silence), and returns all
/// [`SURROUND_CHANNELS`] outputs interleaved. Checks like [`lv2file`].
pub fn lv2file_surround(
    dir: &Scratch,
    rate: u32,
    channels: u16,
    input: &[f32],
    controls: &[(&str, f32)],
    block: usize,
) -> Vec<f32> {
    let connections: Vec<String> = (1..=channels).map(|c| format!("{c}:in_{c}")).collect();
    let run = Lv2fileRun {
        uri: SURROUND_PLUGIN_URI,
        channels,
        output_channels: SURROUND_CHANNELS as u16,
        connections: &connections,
    };
    run.run(dir, rate, input, controls, block)
}

/// One `lv2file` invocation: which plugin, the input file's channel count,
/// the plugin's output count (lv2file writes one file channel per output)
/// and `-c FILE_CHANNEL:PORT` connections (none: lv2file maps by order).
struct Lv2fileRun<'a> {
    uri: &'a str,
    channels: u16,
    output_channels: u16,
    connections: &'a [String],
}

impl Lv2fileRun<'_> {
    fn run(
        &self,
        dir: &Scratch,
        rate: u32,
        input: &[f32],
        controls: &[(&str, f32)],
        block: usize,
    ) -> Vec<f32> {
        let (in_path, out_path) = (dir.path("lv2file-in.wav"), dir.path("lv2file-out.wav"));
        write_wav_channels(&in_path, rate, self.channels, input);
        let _ = std::fs::remove_file(&out_path);
        let mut cmd = lv2_command("lv2file");
        cmd.args(["-b", &block.to_string(), "-i"])
            .arg(&in_path)
            .arg("-o")
            .arg(&out_path);
        for connection in self.connections {
            cmd.args(["-c", connection]);
        }
        for (symbol, value) in controls {
            cmd.args(["-p", &format!("{symbol}:{value}")]);
        }
        cmd.arg(self.uri);
        let out = run_host(cmd);
        // lv2file exits 0 on most errors and only warns about unknown ports or
        // clipped output: read what it says. (lilv's own complaints about the
        // CLAP/VST3 bundles next to headroom.lv2 in the bundle dir are noise.)
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for complaint in [
            "does not exist",
            "Clipping",
            "Error reading input file",
            "Error reading output file",
            "Error parsing",
            "Error!",
            "Not enough input channels",
            "No such plugin",
        ] {
            assert!(!said.contains(complaint), "lv2file said:\n{said}");
        }
        let frames = input.len() / self.channels as usize;
        let samples = frames * self.output_channels as usize;
        read_output(&out_path, rate, self.output_channels, samples, &said)
    }
}

/// Runs `lv2apply` (one frame per `run` call) on `input` with the control
/// values `controls`, and returns the output.
pub fn lv2apply(dir: &Scratch, rate: u32, input: &[f32], controls: &[(&str, f32)]) -> Vec<f32> {
    let (in_path, out_path) = (dir.path("lv2apply-in.wav"), dir.path("lv2apply-out.wav"));
    write_wav(&in_path, rate, input);
    let _ = std::fs::remove_file(&out_path);
    let mut cmd = lv2_command("lv2apply");
    cmd.arg("-i").arg(&in_path).arg("-o").arg(&out_path);
    for (symbol, value) in controls {
        cmd.args(["-c", symbol, &value.to_string()]);
    }
    cmd.arg(PLUGIN_URI);
    let out = run_host(cmd);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    read_output(&out_path, rate, 2, input.len(), &said)
}

fn read_output(path: &Path, rate: u32, channels: u16, samples: usize, said: &str) -> Vec<f32> {
    assert!(path.is_file(), "the host wrote no output; it said:\n{said}");
    let wav = read_wav(path);
    assert_eq!((wav.rate, wav.channels), (rate, channels), "output format");
    assert_eq!(wav.samples.len(), samples, "output length");
    wav.samples
}

/// Every torture signal (`seconds` long, with the latency tail) at `rate`
/// through `host` (input → output), each checked with [`check_output`]
/// against the chain with `controls`; all failures, labelled `host`.
pub fn torture_failures(
    host: &str,
    rate: u32,
    seconds: f64,
    controls: &[(&str, f32)],
    mut run: impl FnMut(&[f32]) -> Vec<f32>,
) -> Vec<String> {
    let settings = params(controls);
    headroom_testdata::SIGNALS
        .iter()
        .filter_map(|s| {
            let input = with_tail(rate, (s.generate)(rate, seconds));
            let output = run(&input);
            check_output(
                &format!("{host} {} at {rate} Hz {controls:?}", s.name),
                rate,
                settings,
                &input,
                &output,
            )
        })
        .collect()
}

/// Checks that `controls` reached their parameters: `output` matches the
/// chain with them ([`check_output`]) and differs clearly (> 1e-2) from the
/// defaults' output, so an ignored control or a wrong port shows.
pub fn controls_failures(
    label: &str,
    rate: u32,
    controls: &[(&str, f32)],
    input: &[f32],
    output: &[f32],
) -> Vec<String> {
    let mut failures: Vec<String> = check_output(label, rate, params(controls), input, output)
        .into_iter()
        .collect();
    let (moved, _) = max_difference(output, &chain_output(rate, ParamValues::default(), input));
    if moved < 1e-2 {
        failures.push(format!(
            "{label}: output within {moved:.1e} of the defaults' output: the controls did not arrive"
        ));
    }
    failures
}

/// Checks a host's output against the in-process chain and the ceiling;
/// returns a failure description, or `None` when both hold.
pub fn check_output(
    label: &str,
    rate: u32,
    settings: ParamValues,
    input: &[f32],
    output: &[f32],
) -> Option<String> {
    let expected = chain_output(rate, settings, input);
    let (diff, frame) = max_difference(output, &expected);
    let ceiling = settings.get(ParamId::LimiterCeiling) as f64;
    let tp = true_peak_db(output);
    eprintln!(
        "{label}: true peak {tp:+.3} dBTP (ceiling {ceiling:+.1}), max |host − chain| {diff:.2e}"
    );
    let mut problems = Vec::new();
    if !output.iter().all(|v| v.is_finite()) {
        problems.push("non-finite output".to_string());
    }
    if tp > ceiling {
        problems.push(format!(
            "true peak {tp:+.4} dBTP above the ceiling {ceiling:+.1}"
        ));
    }
    if diff.is_nan() || diff > SAME_OUTPUT_TOLERANCE {
        problems.push(format!(
            "differs from the in-process chain by {diff:.3e} at frame {frame} \
             (host {:?}, chain {:?})",
            &output[2 * frame..2 * frame + 2],
            &expected[2 * frame..2 * frame + 2]
        ));
    }
    (!problems.is_empty()).then(|| format!("{label}: {}", problems.join("; ")))
}
