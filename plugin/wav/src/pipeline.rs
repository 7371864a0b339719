//! The streaming run: decode → measure → DSP → quantise → measure →
//! encode, 100 ms at a time, in memory that does not depend on the file's
//! length.
//!
//! Latency is handled exactly. After the last input frame, `latency`
//! frames of silence are pushed through the chain so every input sample
//! reaches the output:
//! - default: the output is the chain's full response, `frames + latency`
//!   frames long (input frame *n* is output frame *n + latency*), what a
//!   live host would play, with nothing cut off at the end;
//! - `align`: the first `latency` output frames are dropped, so output
//!   frame *n* is input frame *n* processed, and the length is the input's.
//!
//! Both are sample-for-sample what [`crate::process`] computes in memory.

use headroom_dsp::{Chain, ChainError, Meters, ParamValues, CHUNK};

use crate::dither::Quantizer;
use crate::measure::{LevelMeter, Levels};
use crate::series::{Row, WINDOW_S};
use crate::sink::{Block, OutputSpec, Sink};
use crate::source::Source;

/// What went wrong, by side; the caller names the file.
#[derive(Debug)]
pub enum RunError {
    Input(String),
    Output(String),
    Internal(String),
}

/// Gain extremes over the whole run (dB; reductions positive).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GainTotals {
    pub agc_min_db: f64,
    pub agc_max_db: f64,
    pub compressor_max_gr_db: f64,
    pub limiter_max_gr_db: f64,
    pub safety_max_gr_db: f64,
}

impl GainTotals {
    fn fold(&mut self, m: &Meters, first: bool) {
        let (lo, hi) = (f64::from(m.agc_gain_min_db), f64::from(m.agc_gain_max_db));
        if first {
            self.agc_min_db = lo;
            self.agc_max_db = hi;
        } else {
            self.agc_min_db = self.agc_min_db.min(lo);
            self.agc_max_db = self.agc_max_db.max(hi);
        }
        self.compressor_max_gr_db = self.compressor_max_gr_db.max(f64::from(m.comp_gr_max_db));
        self.limiter_max_gr_db = self.limiter_max_gr_db.max(f64::from(m.limiter_gr_max_db));
        self.safety_max_gr_db = self.safety_max_gr_db.max(f64::from(m.safety_gr_max_db));
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub input_frames: u64,
    pub output_frames: u64,
    pub latency_samples: usize,
    pub aligned: bool,
    pub input_levels: Levels,
    pub output_levels: Levels,
    pub gain: GainTotals,
}

/// Called once per window, with the input frames read so far.
pub type Progress<'a> = &'a mut dyn FnMut(u64);
/// Called once per window with its row (for `--csv`/`--plot`).
pub type RowSink<'a> = &'a mut dyn FnMut(&Row) -> Result<(), String>;

/// The output side of a run: quantiser, meter and encoder.
struct Output {
    sink: Box<dyn Sink>,
    quantizer: Option<Quantizer>,
    meter: LevelMeter,
    ints: Vec<i32>,
    written: Vec<f32>,
    frames: u64,
    channels: usize,
    /// Output frames still to drop (`align`).
    skip: usize,
}

impl Output {
    fn emit(&mut self, mut processed: &[f32]) -> Result<(), RunError> {
        let drop = self.skip.min(processed.len() / self.channels);
        self.skip -= drop;
        processed = &processed[drop * self.channels..];
        if processed.is_empty() {
            return Ok(());
        }
        let block = match &mut self.quantizer {
            Some(q) => {
                self.ints.clear();
                self.ints.extend(processed.iter().map(|&s| q.quantize(s)));
                self.written.clear();
                self.written.extend(self.ints.iter().map(|&v| q.to_f32(v)));
                self.meter
                    .push(&self.written)
                    .map_err(|e| RunError::Internal(e.to_string()))?;
                Block::Int(&self.ints)
            }
            None => {
                self.meter
                    .push(processed)
                    .map_err(|e| RunError::Internal(e.to_string()))?;
                Block::Float(processed)
            }
        };
        self.frames += (processed.len() / self.channels) as u64;
        self.sink.write(block).map_err(RunError::Output)
    }
}

/// Reads the next `frames` frames from `source` into `block` (fewer at the
/// end), keeping any excess decoded samples in `carry`.
fn fill(
    source: &mut dyn Source,
    carry: &mut Vec<f32>,
    decoded: &mut Vec<f32>,
    block: &mut Vec<f32>,
    samples: usize,
    eof: &mut bool,
) -> Result<(), RunError> {
    block.clear();
    let take = carry.len().min(samples);
    block.extend(carry.drain(..take));
    while block.len() < samples && !*eof {
        source.read(decoded).map_err(RunError::Input)?;
        if decoded.is_empty() {
            *eof = true;
            break;
        }
        let room = samples - block.len();
        if decoded.len() <= room {
            block.extend_from_slice(decoded);
        } else {
            block.extend_from_slice(&decoded[..room]);
            carry.extend_from_slice(&decoded[room..]);
        }
    }
    Ok(())
}

fn db(v: f64) -> Option<f64> {
    crate::measure::lin_to_db(v)
}

/// Runs `source` through a fresh chain with `params` into `sink`.
pub fn run(
    source: &mut dyn Source,
    sink: Box<dyn Sink>,
    spec: OutputSpec,
    params: ParamValues,
    align: bool,
    progress: Progress<'_>,
    mut rows: Option<RowSink<'_>>,
) -> Result<Outcome, RunError> {
    let format = source.format();
    let (channels, rate) = (format.channels, format.sample_rate);
    let mut chain = Chain::with_params(rate as f32, channels, params)
        .map_err(|e: ChainError| RunError::Input(e.to_string()))?;
    let latency = chain.latency_samples();
    let mut input_meter =
        LevelMeter::new(channels, rate).map_err(|e| RunError::Internal(e.to_string()))?;
    let quantizer = (!spec.sample_format.is_float())
        .then(|| Quantizer::new(spec.sample_format.bits(), spec.dither));
    let mut out = Output {
        sink,
        quantizer,
        meter: LevelMeter::new(channels, rate).map_err(|e| RunError::Internal(e.to_string()))?,
        ints: Vec::new(),
        written: Vec::new(),
        frames: 0,
        channels,
        skip: if align { latency } else { 0 },
    };
    // A whole number of the chain's internal chunks, so the chain sees the
    // same chunk boundaries as one call over the whole file would.
    let window_frames =
        ((f64::from(rate) * WINDOW_S / CHUNK as f64).round() as usize).max(1) * CHUNK;
    let (mut carry, mut decoded, mut block) = (Vec::new(), Vec::new(), Vec::new());
    let mut eof = false;
    let mut input_frames = 0u64;
    let mut gain = GainTotals::default();
    let mut first = true;
    let mut flushed = false;
    while !flushed {
        fill(
            source,
            &mut carry,
            &mut decoded,
            &mut block,
            window_frames * channels,
            &mut eof,
        )?;
        let real = block.len() / channels;
        block.truncate(real * channels);
        input_frames += real as u64;
        input_meter
            .push(&block)
            .map_err(|e| RunError::Internal(e.to_string()))?;
        if eof {
            // The tail: silence that carries the last input through the chain.
            block.resize((real + latency) * channels, 0.0);
            flushed = true;
        }
        chain.process_interleaved(&mut block);
        out.emit(&block)?;
        let m = *chain.meters();
        gain.fold(&m, first);
        first = false;
        if let Some(rows) = rows.as_mut() {
            let (in_sp, in_tp, in_st) = input_meter.take_window();
            let (out_sp, out_tp, out_st) = out.meter.take_window();
            rows(&Row {
                start_s: (input_frames - real as u64) as f64 / f64::from(rate),
                span_s: (real.max(1)) as f64 / f64::from(rate),
                input_peak_dbfs: db(in_sp),
                input_true_peak_dbtp: db(in_tp),
                output_peak_dbfs: db(out_sp),
                output_true_peak_dbtp: db(out_tp),
                input_short_term_lufs: in_st,
                output_short_term_lufs: out_st,
                // `+ 0.0` turns −0 into 0 for the CSV.
                agc_gain_db: f64::from(m.agc_gain_db) + 0.0,
                compressor_gr_db: f64::from(m.comp_gr_max_db).max(0.0) + 0.0,
                limiter_gr_db: f64::from(m.limiter_gr_max_db).max(0.0) + 0.0,
            })
            .map_err(RunError::Output)?;
        }
        chain.reset_meter_peaks();
        progress(input_frames);
    }
    let output_frames = out.frames;
    let output_levels = out.meter.finish();
    out.sink.finish().map_err(RunError::Output)?;
    Ok(Outcome {
        input_frames,
        output_frames,
        latency_samples: latency,
        aligned: align,
        input_levels: input_meter.finish(),
        output_levels,
        gain,
    })
}

/// Measures `source` without processing (for `analyze`).
pub fn analyze(source: &mut dyn Source, progress: Progress<'_>) -> Result<(u64, Levels), RunError> {
    let format = source.format();
    let mut meter = LevelMeter::new(format.channels, format.sample_rate)
        .map_err(|e| RunError::Internal(e.to_string()))?;
    let mut block = Vec::new();
    let mut frames = 0u64;
    loop {
        source.read(&mut block).map_err(RunError::Input)?;
        if block.is_empty() {
            break;
        }
        frames += (block.len() / format.channels) as u64;
        meter
            .push(&block)
            .map_err(|e| RunError::Internal(e.to_string()))?;
        progress(frames);
    }
    Ok((frames, meter.finish()))
}
