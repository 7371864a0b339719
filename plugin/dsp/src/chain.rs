//! The full chain for one linked channel group; see the crate docs.

use crate::agc::{Agc, AgcParams};
pub use crate::block::{CHUNK, MAX_CHANNELS};
use crate::compressor::{Compressor, CompressorParams};
use crate::dsp_math::{db_to_lin, lin_to_db, ms_to_samples, one_pole_coef, peak_abs};
use crate::limiter::lookahead::LookaheadLimiter;
use crate::limiter::safety::SafetyLimiter;
use crate::limiter::{CEILING_GLIDE_MS, LOOKAHEAD_MS, TIER1_MARGIN_DB, TIER2_MARGIN_DB};
use crate::meters::Meters;
use crate::params::{ParamId, ParamValues};
use crate::sanitize::{sanitize, DenormalGuard};
use crate::smoothing::Smoothed;
use crate::volume::Volume;

/// Lowest sample rate the chain runs at, Hz. Any rate in
/// [`MIN_SAMPLE_RATE_HZ`, `MAX_SAMPLE_RATE_HZ`] works, fractional ones
/// included: every time constant is set in ms and scaled to the rate, and
/// the true-peak detectors oversample relative to the rate, so they see
/// inter-sample peaks at 1 kHz as at 768 kHz.
pub const MIN_SAMPLE_RATE_HZ: f32 = 1_000.0;
/// Highest sample rate the chain runs at, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 768_000.0;
/// Time constant of input-gain changes, ms.
const INPUT_GAIN_GLIDE_MS: f32 = 50.0;

/// Why a chain could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainError {
    Channels(usize),
    SampleRate(f32),
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainError::Channels(n) => write!(f, "{n} channels: headroom processes 1 to {MAX_CHANNELS}"),
            ChainError::SampleRate(r) => write!(
                f,
                "sample rate {r} Hz: headroom processes {MIN_SAMPLE_RATE_HZ}–{MAX_SAMPLE_RATE_HZ} Hz"
            ),
        }
    }
}

impl std::error::Error for ChainError {}

/// AGC → compressor → two-tier true-peak limiter for 1–8 linked channels.
pub struct Chain {
    sample_rate: f32,
    channels: usize,
    params: ParamValues,
    input_gain: Smoothed,
    ceiling: Smoothed,
    agc: Agc,
    compressor: Compressor,
    tier1: LookaheadLimiter,
    tier2: SafetyLimiter,
    volume: Volume,
    scratch: Box<[[f32; CHUNK]; MAX_CHANNELS]>,
    tier1_aim: Box<[f32; CHUNK]>,
    tier2_aim: Box<[f32; CHUNK]>,
    clamp: Box<[f32; CHUNK]>,
    /// `db_to_lin(−TIER1_MARGIN_DB)` and `db_to_lin(−TIER2_MARGIN_DB)`.
    tier1_margin: f32,
    tier2_margin: f32,
    meters: Meters,
}

impl Chain {
    /// Builds a chain with default parameters. Allocates everything it will
    /// ever need; call outside the audio thread.
    pub fn new(sample_rate: f32, channels: usize) -> Result<Chain, ChainError> {
        Self::with_params(sample_rate, channels, ParamValues::default())
    }

    /// Builds a chain starting (without any glide) at `params`.
    pub fn with_params(
        sample_rate: f32,
        channels: usize,
        params: ParamValues,
    ) -> Result<Chain, ChainError> {
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(ChainError::Channels(channels));
        }
        if !(MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&sample_rate) {
            return Err(ChainError::SampleRate(sample_rate));
        }
        let lookahead = ms_to_samples(LOOKAHEAD_MS, sample_rate);
        let mut chain = Chain {
            sample_rate,
            channels,
            params,
            input_gain: Smoothed::new(
                db_to_lin(params.get(ParamId::InputGain)),
                one_pole_coef(INPUT_GAIN_GLIDE_MS, sample_rate),
            ),
            ceiling: Smoothed::new(
                db_to_lin(params.get(ParamId::LimiterCeiling)),
                one_pole_coef(CEILING_GLIDE_MS, sample_rate),
            ),
            agc: Agc::new(sample_rate, channels, agc_params(&params)),
            compressor: Compressor::new(sample_rate, compressor_params(&params)),
            tier1: LookaheadLimiter::new(
                sample_rate,
                channels,
                lookahead,
                params.get(ParamId::LimiterRelease),
            ),
            tier2: SafetyLimiter::new(sample_rate, channels),
            volume: Volume::new(sample_rate),
            scratch: Box::new([[0.0; CHUNK]; MAX_CHANNELS]),
            tier1_aim: Box::new([0.0; CHUNK]),
            tier2_aim: Box::new([0.0; CHUNK]),
            clamp: Box::new([0.0; CHUNK]),
            tier1_margin: db_to_lin(-TIER1_MARGIN_DB),
            tier2_margin: db_to_lin(-TIER2_MARGIN_DB),
            meters: Meters::default(),
        };
        chain.reset();
        Ok(chain)
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Total delay from input to output, samples. Constant for a sample rate
    /// (lookahead plus the oversampling filters of both limiter tiers).
    pub fn latency_samples(&self) -> usize {
        self.tier1.latency_samples() + self.tier2.latency_samples()
    }

    /// The current parameter values (clamped).
    pub fn params(&self) -> &ParamValues {
        &self.params
    }

    /// Sets one parameter, clamped into its range; the change glides in.
    /// Real-time safe (no allocation, no locks).
    pub fn set_param(&mut self, id: ParamId, value: f32) {
        self.params.set(id, value);
        self.apply_params();
    }

    /// Sets every parameter at once (e.g. a profile switch); changes glide.
    /// Real-time safe.
    pub fn set_params(&mut self, params: &ParamValues) {
        self.params = *params;
        self.apply_params();
    }

    /// Sets the listener's volume on `channel`, linear gain (see
    /// [`crate::volume`]: cuts act after the limiter, boosts up to
    /// [`crate::MAX_VOLUME`] before it; the ceiling holds either way).
    /// Clamped; NaN and channels the chain does not have are ignored. The
    /// change glides in. Real-time safe.
    pub fn set_volume(&mut self, channel: usize, linear: f32) {
        if channel < self.channels {
            self.volume.set(channel, linear);
        }
    }

    /// The volume `channel` is set to, linear (1 for channels the chain
    /// does not have).
    pub fn volume(&self, channel: usize) -> f32 {
        if channel < self.channels {
            self.volume.target(channel)
        } else {
            1.0
        }
    }

    fn apply_params(&mut self) {
        let p = &self.params;
        self.input_gain
            .set_target(db_to_lin(p.get(ParamId::InputGain)));
        self.ceiling
            .set_target(db_to_lin(p.get(ParamId::LimiterCeiling)));
        self.agc.set_params(agc_params(p));
        self.compressor.set_params(compressor_params(p));
        self.tier1.set_release_ms(p.get(ParamId::LimiterRelease));
    }

    /// Clears all audio state (delay lines, envelopes, AGC memory) and
    /// snaps parameters to their targets. Real-time safe.
    pub fn reset(&mut self) {
        self.input_gain.snap();
        self.ceiling.snap();
        self.agc.reset();
        self.compressor.reset();
        self.tier1.reset();
        self.tier2.reset();
        self.volume.snap();
        self.meters = Meters::default();
    }

    /// What was measured so far.
    pub fn meters(&self) -> &Meters {
        &self.meters
    }

    /// Starts a new measuring period for the `*_max` meter fields.
    pub fn reset_meter_peaks(&mut self) {
        let m = &mut self.meters;
        m.input_peak_max = 0.0;
        m.output_peak_max = 0.0;
        m.output_true_peak_max = 0.0;
        m.agc_gain_min_db = m.agc_gain_db;
        m.agc_gain_max_db = m.agc_gain_db;
        m.comp_gr_max_db = m.comp_gr_db;
        m.limiter_gr_max_db = m.limiter_gr_db;
        m.safety_gr_max_db = 0.0;
    }

    /// Processes planar audio in place. `audio` holds one slice per channel
    /// (extra slices are left untouched, missing ones count as silence);
    /// all are processed for the shortest slice's length, which may be 0.
    ///
    /// Real-time safe: no allocation, no locks, no system calls.
    pub fn process(&mut self, audio: &mut [&mut [f32]]) {
        let _ftz = DenormalGuard::new();
        let used = audio.len().min(self.channels);
        let frames = audio[..used].iter().map(|c| c.len()).min().unwrap_or(0);
        let mut start = 0;
        while start < frames {
            let n = CHUNK.min(frames - start);
            for (c, scratch) in self.scratch[..self.channels].iter_mut().enumerate() {
                if c < used {
                    scratch[..n].copy_from_slice(&audio[c][start..start + n]);
                } else {
                    scratch[..n].fill(0.0);
                }
            }
            self.process_chunk(n);
            for (c, out) in audio[..used].iter_mut().enumerate() {
                out[start..start + n].copy_from_slice(&self.scratch[c][..n]);
            }
            start += n;
        }
    }

    /// Convenience for interleaved buffers (WAV files, tests): processes
    /// `interleaved.len() / channels` frames in place. Real-time safe.
    pub fn process_interleaved(&mut self, interleaved: &mut [f32]) {
        let _ftz = DenormalGuard::new();
        let ch = self.channels;
        let frames = interleaved.len() / ch;
        let mut start = 0;
        while start < frames {
            let n = CHUNK.min(frames - start);
            for f in 0..n {
                for c in 0..ch {
                    self.scratch[c][f] = interleaved[(start + f) * ch + c];
                }
            }
            self.process_chunk(n);
            for f in 0..n {
                for c in 0..ch {
                    interleaved[(start + f) * ch + c] = self.scratch[c][f];
                }
            }
            start += n;
        }
    }

    fn process_chunk(&mut self, n: usize) {
        let channels = self.channels;
        let bufs = &mut self.scratch[..channels];
        let mut input_peak = 0.0f32;
        if self.input_gain.is_settled() && self.input_gain.current() == 1.0 {
            for buf in bufs.iter_mut() {
                for x in &mut buf[..n] {
                    *x = sanitize(*x);
                }
                input_peak = input_peak.max(peak_abs(&buf[..n]));
            }
        } else {
            let mut gains = [0.0f32; CHUNK];
            for g in &mut gains[..n] {
                *g = self.input_gain.next();
            }
            for buf in bufs.iter_mut() {
                for (x, g) in buf[..n].iter_mut().zip(&gains[..n]) {
                    *x = sanitize(*x);
                    input_peak = input_peak.max(x.abs());
                    *x *= g;
                }
            }
        }

        self.agc.process(bufs, n);
        self.compressor.process(bufs, n);
        self.volume.apply_boost(bufs, n);

        let (tier1_margin, tier2_margin) = (self.tier1_margin, self.tier2_margin);
        if self.ceiling.is_settled() {
            let c = self.ceiling.current();
            self.tier1_aim[..n].fill(c * tier1_margin);
            self.tier2_aim[..n].fill(c * tier2_margin);
            self.clamp[..n].fill(c);
        } else {
            for i in 0..n {
                let c = self.ceiling.next();
                self.tier1_aim[i] = c * tier1_margin;
                self.tier2_aim[i] = c * tier2_margin;
                self.clamp[i] = c;
            }
        }
        self.tier1.process(bufs, n, &self.tier1_aim);
        self.tier2.process(bufs, n, &self.tier2_aim, &self.clamp);

        // The meters describe the limiter's output, before the listener's
        // volume cut: what the ceiling is measured against.
        let output_peak = bufs
            .iter()
            .fold(0.0f32, |m, buf| m.max(peak_abs(&buf[..n])));
        self.volume.apply_cut(bufs, n);
        self.update_meters(input_peak, output_peak);
    }

    fn update_meters(&mut self, input_peak: f32, output_peak: f32) {
        let m = &mut self.meters;
        m.input_peak_max = m.input_peak_max.max(input_peak);
        m.output_peak_max = m.output_peak_max.max(output_peak);
        m.output_true_peak_max = m.output_true_peak_max.max(self.tier2.block_max_true_peak());
        m.agc_gain_db = self.agc.gain_db();
        m.agc_gain_min_db = m.agc_gain_min_db.min(m.agc_gain_db);
        m.agc_gain_max_db = m.agc_gain_max_db.max(m.agc_gain_db);
        m.comp_gr_db = self.compressor.gain_reduction_db();
        m.comp_gr_max_db = m
            .comp_gr_max_db
            .max(self.compressor.block_max_gain_reduction_db());
        m.limiter_gr_db = -lin_to_db(self.tier1.gain() * self.tier2.gain());
        let worst = self.tier1.block_min_gain() * self.tier2.block_min_gain();
        m.limiter_gr_max_db = m.limiter_gr_max_db.max(-lin_to_db(worst));
        m.safety_gr_max_db = m
            .safety_gr_max_db
            .max(-lin_to_db(self.tier2.block_min_gain()));
        m.short_term_lufs = self.agc.short_term_lufs();
    }
}

/// The AGC's settings from a set of table values.
pub fn agc_params(p: &ParamValues) -> AgcParams {
    AgcParams {
        enabled: p.get(ParamId::AgcEnabled) >= 0.5,
        target_lufs: p.get(ParamId::AgcTarget),
        max_boost_db: p.get(ParamId::AgcMaxBoost),
        max_cut_db: p.get(ParamId::AgcMaxCut),
        speed_db_per_s: p.get(ParamId::AgcSpeed),
        gate_lufs: p.get(ParamId::AgcGate),
    }
}

/// The compressor's settings from a set of table values.
pub fn compressor_params(p: &ParamValues) -> CompressorParams {
    CompressorParams {
        enabled: p.get(ParamId::CompEnabled) >= 0.5,
        threshold_db: p.get(ParamId::CompThreshold),
        ratio: p.get(ParamId::CompRatio),
        knee_db: p.get(ParamId::CompKnee),
        attack_ms: p.get(ParamId::CompAttack),
        release_ms: p.get(ParamId::CompRelease),
        makeup_db: p.get(ParamId::CompMakeup),
    }
}
