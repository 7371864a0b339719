//! Automatic gain control: rides the K-weighted loudness of the input toward
//! a target, slowly and smoothly.
//!
//! Measurement follows ITU-R BS.1770: K-weighting per channel, mean square
//! summed over channels (all weighted 1.0), loudness = −0.691 + 10·log10(ms).
//! Each 100 ms block whose loudness reaches the gate feeds a 3 s exponential
//! average of mean square (the "short-term-ish" estimate). Below the gate
//! nothing is learnt and the gain holds, so silence and noise floors are never
//! pumped up and the gain cannot wind up during a pause. When the last 400 ms
//! ("momentary") is 10 LU louder than the estimate, the estimate is re-seeded
//! from it at once, and the gain then falls at up to
//! [`EMERGENCY_CUT_DB_PER_S`]; a single loud 100 ms transient does not.
//!
//! The gain moves at most `speed` dB/s up and `2·speed` dB/s down, is
//! bounded by max boost / max cut, and is applied as a linear ramp across
//! each 100 ms block: no steps, no wobble.

use crate::dsp_math::db_to_lin;
use crate::kweight::{KWeighter, KWeighting};

/// Control period, ms: loudness is evaluated and the gain retargeted this often.
pub const BLOCK_MS: f32 = 100.0;
/// Momentary window, in blocks (400 ms).
const MOMENTARY_BLOCKS: usize = 4;
/// Short-term meter window, in blocks (3 s).
const SHORT_TERM_BLOCKS: usize = 30;
/// Time constant of the gated loudness estimate, s.
const ESTIMATE_TIME_S: f64 = 3.0;
/// A gated block this much louder than the estimate re-seeds it, LU.
const RESEED_ABOVE_LU: f64 = 10.0;
/// When the gain is this far above where it should be, it falls fast, dB.
const EMERGENCY_EXCESS_DB: f32 = 6.0;
/// Fall rate in an emergency (sudden loud material), dB/s.
pub const EMERGENCY_CUT_DB_PER_S: f32 = 60.0;
/// Rate at which the gain returns to 0 dB when the AGC is switched off, dB/s.
const DISABLE_RATE_DB_PER_S: f32 = 40.0;
/// Fraction of the remaining distance to the wanted gain covered per block
/// (before rate limits): approach is exponential, never overshooting.
const APPROACH_PER_BLOCK: f32 = 0.5;

/// AGC settings, already clamped to the parameter table's ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgcParams {
    pub enabled: bool,
    pub target_lufs: f32,
    pub max_boost_db: f32,
    pub max_cut_db: f32,
    pub speed_db_per_s: f32,
    pub gate_lufs: f32,
}

/// Loudness of a mean square, LUFS (−∞ for silence).
pub fn loudness_lufs(mean_square: f64) -> f64 {
    if mean_square > 0.0 {
        -0.691 + 10.0 * mean_square.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// AGC state for one linked channel group.
#[derive(Debug, Clone)]
pub struct Agc {
    params: AgcParams,
    weighting: KWeighting,
    filters: Box<[KWeighter]>,
    block_len: usize,
    block_pos: usize,
    block_sum: f64,
    /// Mean squares of recent blocks (ring), for momentary and short-term.
    history: [f64; SHORT_TERM_BLOCKS],
    history_pos: usize,
    blocks_seen: usize,
    estimate_ms: f64,
    estimate_valid: bool,
    estimate_coef: f64,
    /// Gain the current ramp ends at, dB.
    gain_db: f32,
    /// Linear gain at the start of the current block and its per-sample
    /// increment; sample k of the block gets `ramp_start + k·gain_step`
    /// (computed, not accumulated, so host block sizes cannot change it).
    ramp_start: f32,
    gain_step: f32,
}

impl Agc {
    /// Allocates per-channel filters (call outside the audio thread).
    pub fn new(sample_rate: f32, channels: usize, params: AgcParams) -> Self {
        let block_len = ((sample_rate * BLOCK_MS / 1000.0).round() as usize).max(1);
        Agc {
            params,
            weighting: KWeighting::new(sample_rate),
            filters: vec![KWeighter::default(); channels].into_boxed_slice(),
            block_len,
            block_pos: 0,
            block_sum: 0.0,
            history: [0.0; SHORT_TERM_BLOCKS],
            history_pos: 0,
            blocks_seen: 0,
            estimate_ms: 0.0,
            estimate_valid: false,
            estimate_coef: 1.0 - (-(BLOCK_MS as f64 / 1000.0) / ESTIMATE_TIME_S).exp(),
            gain_db: 0.0,
            ramp_start: 1.0,
            gain_step: 0.0,
        }
    }

    /// Takes effect at the next 100 ms block boundary (the gain then glides). Real-time safe.
    pub fn set_params(&mut self, params: AgcParams) {
        if self.params.enabled && !params.enabled {
            // Relearn from scratch when switched back on.
            self.estimate_valid = false;
        }
        self.params = params;
    }

    /// Clears all state (gain back to 0 dB). Real-time safe.
    pub fn reset(&mut self) {
        for f in self.filters.iter_mut() {
            f.reset();
        }
        self.block_pos = 0;
        self.block_sum = 0.0;
        self.history = [0.0; SHORT_TERM_BLOCKS];
        self.history_pos = 0;
        self.blocks_seen = 0;
        self.estimate_valid = false;
        self.gain_db = 0.0;
        self.ramp_start = 1.0;
        self.gain_step = 0.0;
    }

    /// Current gain target of the ramp, dB.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }

    /// Short-term (3 s, ungated) loudness of the input, LUFS.
    pub fn short_term_lufs(&self) -> f32 {
        let blocks = self.blocks_seen.min(SHORT_TERM_BLOCKS);
        if blocks == 0 {
            return f32::NEG_INFINITY;
        }
        let sum: f64 = self.history.iter().sum();
        loudness_lufs(sum / blocks as f64) as f32
    }

    /// Measures and applies gain to `frames` frames of planar `channels`.
    /// Real-time safe.
    pub fn process(&mut self, channels: &mut [[f32; crate::block::CHUNK]], frames: usize) {
        let mut start = 0;
        while start < frames {
            let n = (self.block_len - self.block_pos).min(frames - start);
            let mut sum = 0.0f64;
            let first = self.block_pos;
            // Measure first (the filters are serial), then apply the ramp in
            // a separate pass the compiler can vectorise.
            for (buf, filter) in channels.iter().zip(self.filters.iter_mut()) {
                for &x in &buf[start..start + n] {
                    let w = filter.process(&self.weighting, x);
                    sum += w * w;
                }
            }
            if self.gain_step != 0.0 || self.ramp_start != 1.0 {
                let mut gains = [0.0f32; crate::block::CHUNK];
                for (k, g) in gains[..n].iter_mut().enumerate() {
                    *g = self.ramp_start + (first + k) as f32 * self.gain_step;
                }
                for buf in channels.iter_mut() {
                    for (x, &g) in buf[start..start + n].iter_mut().zip(&gains[..n]) {
                        *x *= g;
                    }
                }
            }
            self.block_sum += sum;
            self.block_pos += n;
            start += n;
            if self.block_pos == self.block_len {
                self.end_block();
            }
        }
    }

    fn end_block(&mut self) {
        let mean_square = self.block_sum / self.block_len as f64;
        self.block_sum = 0.0;
        self.block_pos = 0;
        self.history[self.history_pos] = mean_square;
        self.history_pos = (self.history_pos + 1) % SHORT_TERM_BLOCKS;
        self.blocks_seen = self.blocks_seen.saturating_add(1);

        let p = self.params;
        let block_s = BLOCK_MS / 1000.0;
        let wanted_db = if p.enabled {
            let block_lufs = loudness_lufs(mean_square);
            let gate_open = block_lufs >= p.gate_lufs as f64;
            if gate_open {
                let momentary = self.momentary_mean_square();
                if !self.estimate_valid {
                    self.estimate_ms = mean_square;
                    self.estimate_valid = true;
                } else if loudness_lufs(momentary)
                    > loudness_lufs(self.estimate_ms) + RESEED_ABOVE_LU
                {
                    self.estimate_ms = momentary;
                } else {
                    self.estimate_ms += self.estimate_coef * (mean_square - self.estimate_ms);
                }
            }
            if gate_open && self.estimate_valid {
                let estimate = loudness_lufs(self.estimate_ms) as f32;
                (p.target_lufs - estimate).clamp(-p.max_cut_db, p.max_boost_db)
            } else {
                // Below the gate (or nothing learnt yet) the gain holds exactly.
                self.gain_db
            }
        } else {
            0.0
        };

        let (max_up, max_down) = if !p.enabled {
            (
                DISABLE_RATE_DB_PER_S * block_s,
                DISABLE_RATE_DB_PER_S * block_s,
            )
        } else if self.gain_db - wanted_db > EMERGENCY_EXCESS_DB {
            (0.0, EMERGENCY_CUT_DB_PER_S * block_s)
        } else {
            (p.speed_db_per_s * block_s, 2.0 * p.speed_db_per_s * block_s)
        };
        let delta = (wanted_db - self.gain_db) * APPROACH_PER_BLOCK;
        let delta = if (wanted_db - self.gain_db).abs() < 0.01 {
            wanted_db - self.gain_db
        } else {
            delta
        };
        self.gain_db += delta.clamp(-max_down, max_up);
        let reached = self.ramp_start + self.block_len as f32 * self.gain_step;
        let next_lin = db_to_lin(self.gain_db);
        self.ramp_start = reached;
        self.gain_step = (next_lin - reached) / self.block_len as f32;
        if self.gain_step.abs() < 1.0e-12 {
            self.ramp_start = next_lin;
            self.gain_step = 0.0;
        }
    }

    fn momentary_mean_square(&self) -> f64 {
        let blocks = self.blocks_seen.min(MOMENTARY_BLOCKS);
        let mut sum = 0.0;
        for i in 1..=blocks {
            sum += self.history[(self.history_pos + SHORT_TERM_BLOCKS - i) % SHORT_TERM_BLOCKS];
        }
        sum / blocks.max(1) as f64
    }
}
