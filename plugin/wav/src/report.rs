//! The reports `process` and `analyze` print: a table for people, JSON
//! (`--json`) for machines. JSON field names are a stable interface;
//! values that are −∞ in dB (silence, ungated loudness) are `null`.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use headroom_dsp::{ParamValues, Unit, PARAMS};
use serde::Serialize;

use crate::format::WavFormat;
use crate::measure::Levels;
use crate::pipeline::GainTotals;

/// One file and its levels.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: WavFormat,
    pub frames: usize,
    pub duration_s: f64,
    #[serde(flatten)]
    pub levels: Levels,
}

/// The chain's gain decisions over the whole file (from its meters).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GainReport {
    /// Lowest and highest AGC gain reached, dB (negative is a cut).
    pub agc_min_db: f64,
    pub agc_max_db: f64,
    /// Most gain reduction each stage applied, dB (positive numbers).
    pub compressor_max_gr_db: f64,
    /// Limiter, both tiers together.
    pub limiter_max_gr_db: f64,
    /// The safety tier alone (0 when the lookahead tier sufficed).
    pub safety_max_gr_db: f64,
}

impl From<&GainTotals> for GainReport {
    fn from(g: &GainTotals) -> Self {
        GainReport {
            agc_min_db: g.agc_min_db,
            agc_max_db: g.agc_max_db,
            compressor_max_gr_db: g.compressor_max_gr_db,
            limiter_max_gr_db: g.limiter_max_gr_db,
            safety_max_gr_db: g.safety_max_gr_db,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LatencyReport {
    pub samples: usize,
    pub ms: f64,
    /// Whether `--align` removed it from the output.
    pub removed: bool,
}

/// Where the settings came from.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReport {
    pub name: String,
    pub source: Option<String>,
}

/// One `--set id=value`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Override {
    pub key: &'static str,
    pub value: f32,
}

/// Everything `process` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    pub input: FileReport,
    pub output: FileReport,
    pub profile: Option<ProfileReport>,
    /// `--set` overrides, in the order given.
    pub overrides: Vec<Override>,
    /// Every parameter as used, key → value.
    pub params: BTreeMap<&'static str, f32>,
    pub gain: GainReport,
    pub latency: LatencyReport,
    /// Whether integer output was TPDF-dithered.
    pub dither: bool,
}

/// One file of `process --out-dir`.
#[derive(Debug, Clone, Serialize)]
pub struct BatchEntry {
    pub input: String,
    pub output: String,
    pub ok: bool,
    /// The exit code this file alone would have given.
    pub exit_code: i32,
    pub error: Option<String>,
    pub report: Option<ProcessReport>,
}

/// What `process --out-dir` reports.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    pub files: Vec<BatchEntry>,
    pub failed: usize,
}

impl fmt::Display for BatchReport {
    /// One line per file, then the count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.files {
            match (&e.report, &e.error) {
                (Some(r), _) => writeln!(
                    f,
                    "ok      {} -> {}  {:.1} s, true peak {} -> {}, loudness {} -> {}",
                    e.input,
                    e.output,
                    r.input.duration_s,
                    db(r.input.levels.true_peak_dbtp, "dBTP", true),
                    db(r.output.levels.true_peak_dbtp, "dBTP", true),
                    db(r.input.levels.integrated_lufs, "LUFS", false),
                    db(r.output.levels.integrated_lufs, "LUFS", false),
                )?,
                (None, error) => writeln!(
                    f,
                    "FAILED  {}: {} (exit {})",
                    e.input,
                    error.as_deref().unwrap_or("unknown error"),
                    e.exit_code
                )?,
            }
        }
        writeln!(
            f,
            "{} of {} files processed{}",
            self.files.len() - self.failed,
            self.files.len(),
            if self.failed > 0 {
                format!(", {} failed", self.failed)
            } else {
                String::new()
            }
        )
    }
}

/// What `analyze` reports.
pub type AnalyzeReport = FileReport;

/// Parameter values keyed by their table key.
pub fn params_map(values: &ParamValues) -> BTreeMap<&'static str, f32> {
    values.iter().map(|(id, v)| (id.spec().key, v)).collect()
}

/// A parameter value with its unit, exactly as set: `-1.5 dBTP`, `4:1`, `off`.
pub fn show_value(key: &str, value: f32) -> String {
    match PARAMS.iter().find(|p| p.key == key).map(|p| p.unit) {
        Some(Unit::Toggle) => if value >= 0.5 { "on" } else { "off" }.to_string(),
        Some(Unit::Ratio) => format!("{value}:1"),
        Some(unit) => format!("{value} {}", unit.label()),
        None => value.to_string(),
    }
}

/// `-12.34 dBFS`-style text for an optional dB value (−∞ for `None`).
fn db(value: Option<f64>, unit: &str, signed: bool) -> String {
    match value {
        Some(v) if signed => format!("{v:+.2} {unit}"),
        Some(v) => format!("{v:.2} {unit}"),
        None => format!("-inf {unit}"),
    }
}

impl fmt::Display for FileReport {
    /// The `analyze` table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.levels;
        writeln!(f, "{}", self.path)?;
        writeln!(f, "  format       {}", self.format)?;
        writeln!(
            f,
            "  duration     {:.3} s ({} frames)",
            self.duration_s, self.frames
        )?;
        writeln!(f, "  sample peak  {}", db(l.sample_peak_dbfs, "dBFS", true))?;
        writeln!(f, "  true peak    {}", db(l.true_peak_dbtp, "dBTP", true))?;
        writeln!(
            f,
            "  loudness     {} (integrated)",
            db(l.integrated_lufs, "LUFS", false)
        )?;
        writeln!(
            f,
            "  momentary    {} (max, 400 ms)",
            db(l.max_momentary_lufs, "LUFS", false)
        )?;
        writeln!(
            f,
            "  short-term   {} (max, 3 s)",
            db(l.max_short_term_lufs, "LUFS", false)
        )?;
        writeln!(
            f,
            "  range        {} (EBU Tech 3342)",
            db(l.loudness_range_lu, "LU", false)
        )
    }
}

impl fmt::Display for ProcessReport {
    /// The `process` table: settings, then before/after levels, then what
    /// each stage did.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, o) = (&self.input, &self.output);
        writeln!(f, "{} -> {}", i.path, o.path)?;
        let mut settings = match &self.profile {
            Some(p) => format!("profile {}", p.name),
            None => "parameter defaults".to_string(),
        };
        if let Some(source) = self.profile.as_ref().and_then(|p| p.source.as_ref()) {
            let _ = write!(settings, " ({source})");
        }
        for o in &self.overrides {
            let _ = write!(settings, ", {} = {}", o.key, show_value(o.key, o.value));
        }
        writeln!(f, "  settings     {settings}")?;
        writeln!(f, "  input        {}, {:.3} s", i.format, i.duration_s)?;
        writeln!(f, "  output       {}, {:.3} s", o.format, o.duration_s)?;
        writeln!(f)?;
        writeln!(f, "  {:<15}{:>15}{:>15}", "", "input", "output")?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, a: String, b: String| {
            writeln!(f, "  {name:<15}{a:>15}{b:>15}")
        };
        row(
            f,
            "sample peak",
            db(i.levels.sample_peak_dbfs, "dBFS", true),
            db(o.levels.sample_peak_dbfs, "dBFS", true),
        )?;
        row(
            f,
            "true peak",
            db(i.levels.true_peak_dbtp, "dBTP", true),
            db(o.levels.true_peak_dbtp, "dBTP", true),
        )?;
        row(
            f,
            "loudness",
            db(i.levels.integrated_lufs, "LUFS", false),
            db(o.levels.integrated_lufs, "LUFS", false),
        )?;
        row(
            f,
            "max short-term",
            db(i.levels.max_short_term_lufs, "LUFS", false),
            db(o.levels.max_short_term_lufs, "LUFS", false),
        )?;
        row(
            f,
            "range",
            db(i.levels.loudness_range_lu, "LU", false),
            db(o.levels.loudness_range_lu, "LU", false),
        )?;
        writeln!(f)?;
        let g = &self.gain;
        writeln!(
            f,
            "  AGC gain     {:+.2} dB to {:+.2} dB",
            g.agc_min_db, g.agc_max_db
        )?;
        writeln!(
            f,
            "  compressor   {:.2} dB max gain reduction",
            g.compressor_max_gr_db
        )?;
        writeln!(
            f,
            "  limiter      {:.2} dB max gain reduction (both tiers)",
            g.limiter_max_gr_db
        )?;
        writeln!(
            f,
            "  safety tier  {:.2} dB max gain reduction",
            g.safety_max_gr_db
        )?;
        let l = &self.latency;
        let how = if l.removed {
            "removed by --align"
        } else {
            "output delayed by it (use --align to remove)"
        };
        writeln!(
            f,
            "  latency      {} samples ({:.2} ms), {how}",
            l.samples, l.ms
        )
    }
}
