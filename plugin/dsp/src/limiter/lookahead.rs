//! Tier 1: lookahead limiter with 4× oversampled true-peak detection.
//!
//! Audio is delayed by `lookahead + DETECT_DELAY` samples. For every sample
//! the detector yields the largest magnitude among the sample and three
//! interpolated points after it (all channels); the required gain
//! `ceiling / peak` enters a [`GainEnvelope`] whose hold covers the sample
//! and its two neighbouring intervals, so the gain has ramped fully down by
//! the time a peak leaves the delay line. Recovery is a one-pole release.

use super::envelope::GainEnvelope;
use crate::chain::CHUNK;
use crate::dsp_math::one_pole_coef;
use crate::oversample::{Interpolator, InterpolatorDesign};

const PHASES: usize = 4;
const TAPS: usize = 16;
type Interp = Interpolator<PHASES, TAPS>;
/// Delay of the detector relative to its input, samples.
pub const DETECT_DELAY: usize = Interp::DELAY;

#[derive(Debug, Clone)]
pub struct LookaheadLimiter {
    sample_rate: f32,
    design: InterpolatorDesign<PHASES, TAPS>,
    detectors: Box<[Interp]>,
    envelope: GainEnvelope,
    /// Per-channel delay line of `delay` samples (ring, shared position).
    delay_lines: Box<[f32]>,
    delay: usize,
    delay_pos: usize,
    block_max_gr: f32,
}

impl LookaheadLimiter {
    /// `lookahead` in samples (≥ 1). Allocates.
    pub fn new(sample_rate: f32, channels: usize, lookahead: usize, release_ms: f32) -> Self {
        let lookahead = lookahead.max(1);
        let delay = lookahead + DETECT_DELAY;
        LookaheadLimiter {
            sample_rate,
            design: InterpolatorDesign::new(),
            detectors: (0..channels).map(|_| Interp::new()).collect(),
            envelope: GainEnvelope::new(
                lookahead + 2,
                lookahead,
                one_pole_coef(release_ms, sample_rate),
            ),
            delay_lines: vec![0.0; delay * channels].into_boxed_slice(),
            delay,
            delay_pos: 0,
            block_max_gr: 1.0,
        }
    }

    /// Samples of delay this tier adds.
    pub fn latency_samples(&self) -> usize {
        self.delay
    }

    pub fn set_release_ms(&mut self, release_ms: f32) {
        self.envelope
            .set_release_coef(one_pole_coef(release_ms, self.sample_rate));
    }

    pub fn reset(&mut self) {
        for d in self.detectors.iter_mut() {
            d.reset();
        }
        self.envelope.reset();
        self.delay_lines.fill(0.0);
        self.delay_pos = 0;
        self.block_max_gr = 1.0;
    }

    /// Current gain, linear.
    pub fn gain(&self) -> f32 {
        self.envelope.gain()
    }

    /// Lowest gain during the last `process` call, linear.
    pub fn block_min_gain(&self) -> f32 {
        self.block_max_gr
    }

    /// Limits `frames` frames in place. `ceilings[i]` is the linear ceiling
    /// tier 1 aims at for frame i. Real-time safe.
    pub fn process(
        &mut self,
        channels: &mut [[f32; CHUNK]],
        frames: usize,
        ceilings: &[f32; CHUNK],
    ) {
        let mut min_gain = 1.0f32;
        let delay = self.delay;
        for i in 0..frames {
            let mut peak = 0.0f32;
            for (ch, det) in channels.iter().zip(self.detectors.iter_mut()) {
                let lanes = det.push(&self.design, ch[i]);
                for v in lanes {
                    peak = peak.max(v.abs());
                }
            }
            let ceiling = ceilings[i];
            let required = if peak > ceiling { ceiling / peak } else { 1.0 };
            let gain = self.envelope.push(required);
            min_gain = min_gain.min(gain);
            let pos = self.delay_pos;
            for (c, ch) in channels.iter_mut().enumerate() {
                let slot = &mut self.delay_lines[c * delay + pos];
                let out = *slot;
                *slot = ch[i];
                ch[i] = out * gain;
            }
            self.delay_pos = if pos + 1 == delay { 0 } else { pos + 1 };
        }
        self.block_max_gr = min_gain;
    }
}
