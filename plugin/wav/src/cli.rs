//! The command line: argument definitions, help text, and the commands.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use headroom_dsp::{ParamId, ParamValues, PARAMS};
use headroom_profile::{param, ParamError, SearchPath};

use crate::error::{exit_code, WavError};
use crate::format::{AudioFormat, Codec, SampleFormat};
use crate::pipeline::{self, RunError};
use crate::progress::{self, Bars};
use crate::report::{
    params_map, AnalyzeReport, BatchEntry, BatchReport, FileReport, GainReport, LatencyReport,
    Override, ProcessReport, ProfileReport,
};
use crate::series::{self, PlotSeries};
use crate::sink::{self, OutputSpec};
use crate::source::{self, STDIO};

/// The `--json` report of `process`, for `process --help`.
const JSON_FIELDS: &str = "\
The --json report (dB values are null for silence or ungated loudness):
  input, output    path, format {codec, sample_rate, channels, sample_format},
                   frames, duration_s, sample_peak_dbfs, true_peak_dbtp,
                   integrated_lufs, max_momentary_lufs, max_short_term_lufs,
                   loudness_range_lu
  profile          {name, source} or null
  overrides        [{key, value}] from --set, in order
  params           every parameter as used, key -> value
  gain             agc_min_db, agc_max_db, compressor_max_gr_db,
                   limiter_max_gr_db (both tiers), safety_max_gr_db
  latency          samples, ms, removed (true with --align)
  dither           true when integer output was dithered
With --out-dir: {files: [{input, output, ok, exit_code, error, report}], failed}";

const EXAMPLES: &str = "\
Examples:
  Process the bundled loud demo clip and see what headroom did to it:
    headroom-wav process testdata/demo/loud-demo.wav /tmp/demo-out.wav

  A podcast episode from FLAC to 16-bit WAV for upload, night profile, -2 dBTP:
    headroom-wav process episode.flac episode.wav --profile night --set ceiling=-2 --bits 16

  Every recording of a session, two at a time, into one folder as FLAC:
    headroom-wav process --out-dir processed/ --format flac --jobs 2 *.wav *.mp3

  Limiter only, output lined up sample for sample with the input:
    headroom-wav process in.wav out.wav --set agc_enabled=off --set comp_enabled=off --align

  In a pipe (WAV or FLAC on stdin, WAV on stdout; the report goes to stderr):
    sox in.aiff -t wav - | headroom-wav process - - | aplay

  See what each stage did over time:
    headroom-wav process talk.opus talk.wav --plot talk.png --csv talk.csv

  A report for scripts:
    headroom-wav process in.wav out.wav --json

  Measure a file (true peak, loudness, loudness range):
    headroom-wav analyze out.wav

  Check the meter and the ceiling against EBU Tech 3341/3342 signals:
    headroom-wav selftest

Inputs: WAV (PCM 16/24/32-bit, float 32/64-bit, WAVE_FORMAT_EXTENSIBLE, RF64 over
4 GiB), FLAC, Ogg Vorbis, Ogg Opus (mono/stereo) and MP3, recognised by content.
Outputs: WAV (16/24/32-bit int, 32-bit float; RF64 past 4 GiB) and FLAC (16/24-bit).
Integer output is TPDF-dithered unless --no-dither. Outputs are written to a
temporary file beside the target and renamed into place when complete.

Exit codes:
  0  success
  1  internal error (a bug; please report it)
  2  usage: unknown option, malformed --set, unknown parameter, value out of range
  3  input file: missing, unreadable, not a supported format, corrupt or truncated,
     unsupported rate or channels
  4  output file: cannot be written (no partial file is left behind)
  5  profile: not found or invalid
  6  selftest: a check failed
With several inputs, every file is attempted; the exit code is that of the
first file (in the order given) that failed.";

/// Process and measure audio files with headroom's DSP.
#[derive(Debug, Parser)]
#[command(
    name = "headroom-wav",
    version,
    about = "Process and measure audio files with headroom's DSP (AGC -> compressor -> true-peak limiter)",
    long_about = "Process and measure audio files with headroom's DSP: the same AGC, compressor \
                  and two-tier true-peak limiter that runs live, applied offline to a file.\n\n\
                  `process` streams the file through the DSP (memory does not grow with its \
                  length) and reports levels before and after (sample peak, true peak, \
                  loudness), what each stage did and the latency. `analyze` measures a file. \
                  `selftest` checks the meter and the ceiling on generated EBU test signals. \
                  Levels come from headroom's level meter (32x windowed-sinc true peak, \
                  EBU R128 loudness), not from the DSP's own detectors.",
    after_help = "Run `headroom-wav --help` for examples and exit codes, \
                  `headroom-wav process --help` for every parameter.",
    after_long_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run audio files through the DSP and report levels before and after
    Process(ProcessArgs),
    /// Measure a file: sample peak, true peak, loudness, loudness range, duration, format
    Analyze(AnalyzeArgs),
    /// Check the meter (EBU Tech 3341/3342) and the ceiling at 44.1/48/96 kHz
    Selftest(SelftestArgs),
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// IN OUT: one input and its output (`-` for stdin/stdout); with --out-dir, any
    /// number of inputs. Inputs: WAV, FLAC, Ogg Vorbis, Opus, MP3, 1-8 channels, 22.05-384 kHz
    #[arg(value_name = "IN [OUT]", required = true)]
    pub files: Vec<PathBuf>,
    /// Process every input into DIR (named after the input, with the output format's
    /// extension), several at once
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Files processed at once with --out-dir (default: the number of cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Start from a profile: a name (default, night, voice-chat, bypass-all, or your own
    /// in ~/.config/headroom/profiles/) or a path to a .toml file
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Set one parameter, after the profile (repeatable); see the list below
    #[arg(long = "set", value_name = "ID=VALUE", value_parser = parse_set)]
    pub sets: Vec<(ParamId, f32)>,
    /// Remove the latency: OUT lines up with IN sample for sample, same length.
    /// Without it OUT is IN delayed by the latency and that much longer (nothing is cut)
    #[arg(long)]
    pub align: bool,
    /// Output container (default: from OUT's extension, .flac is FLAC, anything else WAV)
    #[arg(long, value_enum)]
    pub format: Option<OutFormat>,
    /// Output samples (default: 32f for WAV, 24 for FLAC)
    #[arg(long, value_enum)]
    pub bits: Option<Bits>,
    /// Round integer output instead of adding TPDF dither
    #[arg(long)]
    pub no_dither: bool,
    /// Draw levels, true peak against the ceiling and each stage's gain over time (PNG)
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Write the same series as the plot, one row per 100 ms (CSV)
    #[arg(long, value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// No progress bar (there is none anyway unless stderr is a terminal)
    #[arg(long)]
    pub no_progress: bool,
    /// Print the report as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// File to measure (`-` for stdin)
    pub file: PathBuf,
    /// No progress bar
    #[arg(long)]
    pub no_progress: bool,
    /// Print the report as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SelftestArgs {
    /// Print the results as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Wav,
    Flac,
}

/// `--bits` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Bits {
    /// 16-bit integer (TPDF dither unless --no-dither)
    #[value(name = "16")]
    I16,
    /// 24-bit integer (TPDF dither unless --no-dither)
    #[value(name = "24")]
    I24,
    /// 32-bit integer (WAV only)
    #[value(name = "32")]
    I32,
    /// 32-bit IEEE float (exact; WAV only)
    #[value(name = "32f")]
    F32,
}

impl From<Bits> for SampleFormat {
    fn from(b: Bits) -> Self {
        match b {
            Bits::I16 => SampleFormat::Int16,
            Bits::I24 => SampleFormat::Int24,
            Bits::I32 => SampleFormat::Int32,
            Bits::F32 => SampleFormat::Float32,
        }
    }
}

fn parse_set(text: &str) -> Result<(ParamId, f32), ParamError> {
    param::parse_assignment(text)
}

/// The parameter list for `process --help`, generated from the table.
fn parameter_help() -> String {
    let mut s =
        String::from("Parameters for --set ID=VALUE (switches take on/off, true/false or 1/0):\n");
    for p in &PARAMS {
        let range = if p.is_toggle() {
            "on/off".to_string()
        } else {
            param::range_bounds(p)
        };
        let _ = writeln!(
            s,
            "  {:<16} {range} (default {})\n  {:<16} {}",
            p.key,
            crate::report::show_value(p.key, p.default),
            "",
            p.doc
        );
    }
    s.push('\n');
    s.push_str(JSON_FIELDS);
    s.push_str("\n\n");
    s.push_str(EXAMPLES);
    s
}

/// The full command definition, including generated help.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("process", |c| c.after_long_help(parameter_help()))
}

/// Parses arguments (the first is the program name), including the checks
/// clap cannot express (how many paths `process` takes).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    if let Command::Process(p) = &cli.command {
        // Reported like clap's own usage errors (exit code 2).
        let usage = |kind, msg: String| {
            let mut cmd = command();
            let process = cmd.find_subcommand_mut("process").expect("process exists");
            process
                .clone()
                .bin_name("headroom-wav process")
                .error(kind, msg)
        };
        use clap::error::ErrorKind;
        match (&p.out_dir, p.files.len()) {
            (None, 1) => {
                return Err(usage(
                    ErrorKind::MissingRequiredArgument,
                    "the following required argument was not provided: OUTPUT \
                     (process IN OUT, or --out-dir DIR IN...)"
                        .to_string(),
                ))
            }
            (None, n) if n > 2 => {
                return Err(usage(
                    ErrorKind::TooManyValues,
                    format!("{n} paths given: process takes IN OUT, or --out-dir DIR IN... for several inputs"),
                ))
            }
            (Some(_), _) if p.files.iter().any(|f| f.as_os_str() == STDIO) => {
                return Err(usage(
                    ErrorKind::InvalidValue,
                    "`-` (stdin) cannot be used with --out-dir".to_string(),
                ))
            }
            _ => {}
        }
        if (p.plot.is_some() || p.csv.is_some()) && p.out_dir.is_some() && p.files.len() > 1 {
            return Err(usage(
                ErrorKind::ArgumentConflict,
                "--plot and --csv describe one file: use them with a single input".to_string(),
            ));
        }
        let codec = output_codec(p, p.files.last().expect("required"));
        if codec == Codec::Flac && matches!(p.bits, Some(Bits::I32 | Bits::F32)) {
            return Err(usage(
                ErrorKind::InvalidValue,
                "--bits 32 and 32f are WAV only: FLAC holds 16- or 24-bit (use --bits 16 or 24)"
                    .to_string(),
            ));
        }
    }
    Ok(cli)
}

/// What `run` produced: the report, where it goes, and the exit code.
#[derive(Debug)]
pub struct Finished {
    pub text: String,
    /// The report goes to stderr when stdout carries audio.
    pub to_stderr: bool,
    pub exit_code: i32,
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<Finished, WavError> {
    match cli.command {
        Command::Process(args) if args.out_dir.is_some() => process_batch(&args),
        Command::Process(args) => {
            let report = process_one(&args, &args.files[0], &args.files[1], true)?;
            Ok(Finished {
                text: if args.json {
                    to_json(&report)?
                } else {
                    report.to_string()
                },
                to_stderr: args.files[1].as_os_str() == STDIO,
                exit_code: exit_code::OK,
            })
        }
        Command::Analyze(args) => {
            let report = analyze_file(&args.file, progress::wanted(args.json, args.no_progress))?;
            Ok(Finished {
                text: if args.json {
                    to_json(&report)?
                } else {
                    report.to_string()
                },
                to_stderr: false,
                exit_code: exit_code::OK,
            })
        }
        Command::Selftest(args) => {
            let results = crate::selftest::run_all(&crate::selftest::Checks::default());
            let failed = results.iter().filter(|r| !r.pass).count();
            Ok(Finished {
                text: if args.json {
                    to_json(&results)?
                } else {
                    crate::selftest::table(&results)
                },
                to_stderr: false,
                exit_code: if failed == 0 {
                    exit_code::OK
                } else {
                    exit_code::SELFTEST
                },
            })
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, WavError> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| WavError::Internal(format!("report as JSON: {e}")))
}

fn file_report(
    path: &Path,
    format: AudioFormat,
    frames: u64,
    levels: crate::measure::Levels,
) -> FileReport {
    FileReport {
        path: path.display().to_string(),
        format,
        frames: frames as usize,
        duration_s: frames as f64 / f64::from(format.sample_rate),
        levels,
    }
}

fn run_error(input: &Path, output: &Path, e: RunError) -> WavError {
    match e {
        RunError::Input(p) => WavError::input(input, p),
        RunError::Output(p) => WavError::output(output, p),
        RunError::Internal(p) => WavError::Internal(p),
    }
}

/// `analyze FILE`, streaming.
pub fn analyze_file(path: &Path, show_progress: bool) -> Result<AnalyzeReport, WavError> {
    let mut src = source::open(path)?;
    let format = src.format();
    let bars = Bars::new(show_progress);
    let mut bar = bars.file(&label(path), src.total_frames(), format.sample_rate);
    let (frames, levels) = pipeline::analyze(src.as_mut(), &mut |n| bar.set(n))
        .map_err(|e| run_error(path, path, e))?;
    bar.done();
    Ok(file_report(path, format, frames, levels))
}

fn label(path: &Path) -> String {
    if path.as_os_str() == STDIO {
        "stdin".to_string()
    } else {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// The output codec: `--format`, else OUT's extension.
fn output_codec(args: &ProcessArgs, output: &Path) -> Codec {
    match args.format {
        Some(OutFormat::Flac) => Codec::Flac,
        Some(OutFormat::Wav) => Codec::Wav,
        None if args.out_dir.is_none()
            && output
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("flac")) =>
        {
            Codec::Flac
        }
        None => Codec::Wav,
    }
}

fn output_spec(args: &ProcessArgs, output: &Path) -> OutputSpec {
    let codec = output_codec(args, output);
    let sample_format = match (args.bits, codec) {
        (Some(b), _) => SampleFormat::from(b),
        (None, Codec::Flac) => SampleFormat::Int24,
        (None, _) => SampleFormat::Float32,
    };
    OutputSpec {
        codec,
        sample_format,
        dither: !args.no_dither && !sample_format.is_float(),
    }
}

/// Settings from `--profile` and `--set`.
fn settings(args: &ProcessArgs) -> Result<(ParamValues, Option<ProfileReport>), WavError> {
    let mut params = ParamValues::default();
    let profile = match &args.profile {
        Some(arg) => {
            let p = SearchPath::from_env().load(arg)?;
            p.dsp.apply_to(&mut params);
            Some(ProfileReport {
                name: p.name,
                source: p.source.map(|s| s.display().to_string()),
            })
        }
        None => None,
    };
    for &(id, value) in &args.sets {
        params.set(id, value);
    }
    Ok((params, profile))
}

/// One input to one output, streaming.
pub fn process_one(
    args: &ProcessArgs,
    input: &Path,
    output: &Path,
    show_progress_if_wanted: bool,
) -> Result<ProcessReport, WavError> {
    let bars = Bars::new(show_progress_if_wanted && progress::wanted(args.json, args.no_progress));
    process_with_bars(args, input, output, &bars)
}

fn process_with_bars(
    args: &ProcessArgs,
    input: &Path,
    output: &Path,
    bars: &Bars,
) -> Result<ProcessReport, WavError> {
    let (params, profile) = settings(args)?;
    if input != Path::new(STDIO) && input == output {
        return Err(WavError::output(
            output,
            "is the input file; choose another name",
        ));
    }
    let mut src = source::open(input)?;
    let format = src.format();
    // Refuse what the DSP cannot run before creating any output.
    headroom_dsp::Chain::with_params(format.sample_rate as f32, format.channels, params)
        .map_err(|e| WavError::input(input, e))?;
    let spec = output_spec(args, output);
    let sink = sink::create(output, spec, format.channels, format.sample_rate)
        .map_err(|e| WavError::output(output, e))?;
    let ceiling = f64::from(params.get(ParamId::LimiterCeiling));
    let mut csv = match &args.csv {
        Some(path) => {
            let mut f =
                sink::atomic::AtomicFile::create(path).map_err(|e| WavError::output(path, e))?;
            use std::io::Write;
            writeln!(f, "{}", series::CSV_HEADER).map_err(|e| WavError::output(path, e))?;
            Some((path, f))
        }
        None => None,
    };
    let mut plot = args.plot.as_ref().map(|_| PlotSeries::new());
    let want_rows = csv.is_some() || plot.is_some();
    let mut on_row = |row: &series::Row| -> Result<(), String> {
        if let Some((path, f)) = csv.as_mut() {
            series::write_csv_row(f, row, ceiling)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if let Some(p) = plot.as_mut() {
            p.push(*row);
        }
        Ok(())
    };
    let mut bar = bars.file(&label(input), src.total_frames(), format.sample_rate);
    let outcome = pipeline::run(
        src.as_mut(),
        sink,
        spec,
        params,
        args.align,
        &mut |n| bar.set(n),
        if want_rows { Some(&mut on_row) } else { None },
    )
    .map_err(|e| run_error(input, output, e))?;
    bar.done();
    if let Some((path, f)) = csv {
        f.commit().map_err(|e| WavError::output(path, e))?;
    }
    if let (Some(path), Some(series)) = (&args.plot, plot) {
        crate::plot::draw(path, &series.rows(), ceiling, &label(input))
            .map_err(|e| WavError::output(path, e))?;
    }
    let out_format = AudioFormat {
        codec: spec.codec,
        sample_format: spec.sample_format,
        ..format
    };
    Ok(ProcessReport {
        input: file_report(input, format, outcome.input_frames, outcome.input_levels),
        output: file_report(
            output,
            out_format,
            outcome.output_frames,
            outcome.output_levels,
        ),
        profile,
        overrides: args
            .sets
            .iter()
            .map(|&(id, value)| Override {
                key: id.spec().key,
                value,
            })
            .collect(),
        params: params_map(&params),
        gain: GainReport::from(&outcome.gain),
        latency: LatencyReport {
            samples: outcome.latency_samples,
            ms: outcome.latency_samples as f64 * 1000.0 / f64::from(format.sample_rate),
            removed: outcome.aligned,
        },
        dither: spec.dither,
    })
}

/// Where `--out-dir` puts `input`'s output.
fn batch_output(args: &ProcessArgs, dir: &Path, input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "out".into(), |s| s.to_os_string());
    let ext = match output_codec(args, Path::new("")) {
        Codec::Flac => "flac",
        _ => "wav",
    };
    dir.join(stem).with_extension(ext)
}

/// `process --out-dir DIR IN...`: every input on its own, several at once.
fn process_batch(args: &ProcessArgs) -> Result<Finished, WavError> {
    let dir = args.out_dir.as_ref().expect("batch has --out-dir");
    if !dir.is_dir() {
        return Err(WavError::output(
            dir,
            "--out-dir is not an existing directory",
        ));
    }
    // Profiles and settings are checked once, before any file.
    settings(args)?;
    let outputs: Vec<PathBuf> = args
        .files
        .iter()
        .map(|f| batch_output(args, dir, f))
        .collect();
    for (i, o) in outputs.iter().enumerate() {
        if let Some(j) = outputs[..i].iter().position(|p| p == o) {
            return Err(WavError::output(
                o,
                format!(
                    "both {} and {} would be written here; rename one",
                    args.files[j].display(),
                    args.files[i].display()
                ),
            ));
        }
    }
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(args.files.len())
        .max(1);
    let bars = Bars::new(progress::wanted(args.json, args.no_progress));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<ProcessReport, WavError>>>> = args
        .files
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= args.files.len() {
                    break;
                }
                let r = process_with_bars(args, &args.files[i], &outputs[i], &bars);
                *results[i].lock().expect("not poisoned") = Some(r);
            });
        }
    });
    let mut entries = Vec::new();
    let mut exit = exit_code::OK;
    for ((input, output), slot) in args.files.iter().zip(&outputs).zip(results) {
        let r = slot
            .into_inner()
            .expect("not poisoned")
            .expect("every file ran");
        let (report, error, code) = match r {
            Ok(rep) => (Some(rep), None, exit_code::OK),
            Err(e) => {
                let code = e.exit_code();
                (None, Some(e.to_string()), code)
            }
        };
        if exit == exit_code::OK {
            exit = code;
        }
        entries.push(BatchEntry {
            input: input.display().to_string(),
            output: output.display().to_string(),
            ok: error.is_none(),
            exit_code: code,
            error,
            report,
        });
    }
    let report = BatchReport {
        failed: entries.iter().filter(|e| !e.ok).count(),
        files: entries,
    };
    Ok(Finished {
        text: if args.json {
            to_json(&report)?
        } else {
            report.to_string()
        },
        to_stderr: false,
        exit_code: exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn set_values_are_checked_while_parsing() {
        let cli = parse_from([
            "headroom-wav",
            "process",
            "a.wav",
            "b.wav",
            "--set",
            "ceiling=-2",
            "--set",
            "agc_enabled=off",
            "--bits",
            "24",
        ])
        .unwrap();
        let Command::Process(p) = cli.command else {
            panic!("not process")
        };
        assert_eq!(
            p.sets,
            vec![(ParamId::LimiterCeiling, -2.0), (ParamId::AgcEnabled, 0.0)]
        );
        assert_eq!(p.bits, Some(Bits::I24));

        let e = parse_from(["headroom-wav", "process", "a", "b", "--set", "celing=1"]).unwrap_err();
        assert!(e.to_string().contains("did you mean `ceiling`"), "{e}");
        assert_eq!(e.exit_code(), crate::error::exit_code::USAGE);
    }

    #[test]
    fn process_help_lists_every_parameter() {
        let help = parameter_help();
        for p in &PARAMS {
            assert!(help.contains(p.key), "{} missing from --help", p.key);
        }
    }
}
