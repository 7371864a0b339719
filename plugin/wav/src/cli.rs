//! The command line: argument definitions, help text, and the two commands.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use headroom_dsp::{ParamId, ParamValues, PARAMS};
use headroom_profile::{param, ParamError, SearchPath};

use crate::error::WavError;
use crate::measure::measure;
use crate::process::process_samples;
use crate::report::{
    params_map, AnalyzeReport, FileReport, GainReport, LatencyReport, Override, ProcessReport,
    ProfileReport,
};
use crate::wav_io::{read_wav, write_wav, Audio, OutputFormat, SampleFormat, WavFormat};

/// The `--json` report of `process`, for `process --help`.
const JSON_FIELDS: &str = "\
The --json report (dB values are null for silence or ungated loudness):
  input, output    path, format {sample_rate, channels, sample_format},
                   frames, duration_s, sample_peak_dbfs, true_peak_dbtp, integrated_lufs
  profile          {name, source} or null
  overrides        [{key, value}] from --set, in order
  params           every parameter as used, key -> value
  gain             agc_min_db, agc_max_db, compressor_max_gr_db,
                   limiter_max_gr_db (both tiers), safety_max_gr_db
  latency          samples, ms, removed (true with --align)";

const EXAMPLES: &str = "\
Examples:
  Process the bundled loud demo clip and see what headroom did to it:
    headroom-wav process testdata/demo/loud-demo.wav /tmp/demo-out.wav

  The night profile with a -2 dBTP ceiling, written as 24-bit:
    headroom-wav process in.wav out.wav --profile night --set ceiling=-2 --bits 24

  Limiter only, output lined up sample for sample with the input:
    headroom-wav process in.wav out.wav --set agc_enabled=off --set comp_enabled=off --align

  A report for scripts:
    headroom-wav process in.wav out.wav --json

  Measure a file (true peak, loudness):
    headroom-wav analyze out.wav

Exit codes:
  0  success
  1  internal error (a bug; please report it)
  2  usage: unknown option, malformed --set, unknown parameter, value out of range
  3  input file: missing, unreadable, not a WAV, unsupported format, rate or channels
  4  output file: cannot be written (no partial file is left behind)
  5  profile: not found or invalid";

/// Process and measure WAV files with headroom's DSP.
#[derive(Debug, Parser)]
#[command(
    name = "headroom-wav",
    version,
    about = "Process and measure WAV files with headroom's DSP (AGC -> compressor -> true-peak limiter)",
    long_about = "Process and measure WAV files with headroom's DSP: the same AGC, compressor \
                  and two-tier true-peak limiter that runs live, applied offline to a file.\n\n\
                  `process` writes the processed file and reports levels before and after \
                  (sample peak, true peak, integrated loudness), what each stage did and the \
                  latency. `analyze` measures a file. Levels are measured with the ebur128 \
                  crate (EBU R128 / ITU-R BS.1770), independent of headroom's own detectors.",
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
    /// Run a WAV file through the DSP and report levels before and after
    Process(ProcessArgs),
    /// Measure a WAV file: sample peak, true peak, integrated loudness, duration, format
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// Input WAV: 16-, 24- or 32-bit integer or 32-bit float, 1-8 channels, 22.05-384 kHz
    pub input: PathBuf,
    /// Output WAV; written to a temporary file beside it and renamed into place when complete
    pub output: PathBuf,
    /// Start from a profile: a name (default, night, voice-chat, bypass-all, or your own
    /// in ~/.config/headroom/profiles/) or a path to a .toml file
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Set one parameter, after the profile (repeatable); see the list below
    #[arg(long = "set", value_name = "ID=VALUE", value_parser = parse_set)]
    pub sets: Vec<(ParamId, f32)>,
    /// Remove the latency: OUT lines up with IN sample for sample, same length
    #[arg(long)]
    pub align: bool,
    /// Output encoding: 32-bit float, or 24-bit integer with TPDF dither
    #[arg(long, value_enum, default_value_t = Bits::F32)]
    pub bits: Bits,
    /// Print the report as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// WAV file to measure
    pub file: PathBuf,
    /// Print the report as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `--bits` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Bits {
    /// 32-bit IEEE float (exact)
    #[value(name = "32f")]
    F32,
    /// 24-bit integer with TPDF dither
    #[value(name = "24")]
    I24,
}

impl From<Bits> for OutputFormat {
    fn from(b: Bits) -> Self {
        match b {
            Bits::F32 => OutputFormat::Float32,
            Bits::I24 => OutputFormat::Int24,
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

/// Parses arguments (the first is the program name).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// Runs a parsed command; returns the report text to print.
pub fn run(cli: Cli) -> Result<String, WavError> {
    match cli.command {
        Command::Process(args) => {
            let report = process_file(&args)?;
            Ok(if args.json {
                to_json(&report)?
            } else {
                report.to_string()
            })
        }
        Command::Analyze(args) => {
            let report = analyze_file(&args.file)?;
            Ok(if args.json {
                to_json(&report)?
            } else {
                report.to_string()
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

fn file_report(path: &Path, format: WavFormat, samples: &[f32]) -> Result<FileReport, WavError> {
    let frames = samples.len() / format.channels;
    Ok(FileReport {
        path: path.display().to_string(),
        format,
        frames,
        duration_s: frames as f64 / f64::from(format.sample_rate),
        levels: measure(samples, format.channels, format.sample_rate)?,
    })
}

/// `analyze FILE`.
pub fn analyze_file(path: &Path) -> Result<AnalyzeReport, WavError> {
    let Audio { format, samples } = read_wav(path)?;
    file_report(path, format, &samples)
}

/// `process IN OUT …`: settings, read, process, write, measure.
pub fn process_file(args: &ProcessArgs) -> Result<ProcessReport, WavError> {
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

    let input = read_wav(&args.input)?;
    let format = input.format;
    let processed = process_samples(
        &input.samples,
        format.channels,
        format.sample_rate,
        params,
        args.align,
    )
    .map_err(|e| WavError::input(&args.input, e))?;

    let output_format = OutputFormat::from(args.bits);
    let written = write_wav(
        &args.output,
        &processed.samples,
        format.channels,
        format.sample_rate,
        output_format,
    )?;
    let out_format = WavFormat {
        sample_format: match output_format {
            OutputFormat::Float32 => SampleFormat::Float32,
            OutputFormat::Int24 => SampleFormat::Int24,
        },
        ..format
    };

    Ok(ProcessReport {
        input: file_report(&args.input, format, &input.samples)?,
        output: file_report(&args.output, out_format, &written)?,
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
        gain: GainReport::from(&processed.meters),
        latency: LatencyReport {
            samples: processed.latency_samples,
            ms: processed.latency_samples as f64 * 1000.0 / f64::from(format.sample_rate),
            removed: processed.aligned,
        },
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
        assert_eq!(p.bits, Bits::I24);

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
