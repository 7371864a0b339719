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
use crate::oversample::{interval_peak, Interpolator, InterpolatorDesign};

const PHASES: usize = 4;
/// Long enough to read tones up to 0.465·fs within 0.02 dB (16 taps
/// under-read 0.44·fs by 2.5 dB and let overs through on a sweep).
const TAPS: usize = 64;
const KAISER_BETA: f64 = 6.0;
/// Largest possible under-read of a 4× point grid (tone at Nyquist): points
/// above `aim` minus this get the parabolic refinement.
const REFINE_ABOVE: f32 = 0.92;
type Interp = Interpolator<PHASES, TAPS>;
/// Delay of the detector relative to its input, samples.
pub const DETECT_DELAY: usize = Interp::DELAY;

#[derive(Debug, Clone)]
pub struct LookaheadLimiter {
    sample_rate: f32,
    design: InterpolatorDesign<PHASES, TAPS>,
    detectors: Box<[Interp]>,
    /// Last interpolated point of the previous interval, per channel.
    previous_last: Box<[f32]>,
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
            design: InterpolatorDesign::new(KAISER_BETA),
            detectors: (0..channels).map(|_| Interp::new()).collect(),
            previous_last: vec![0.0; channels].into_boxed_slice(),
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
        self.previous_last.fill(0.0);
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
            let ceiling = ceilings[i];
            let refine_above = ceiling * REFINE_ABOVE;
            let mut peak = 0.0f32;
            for ((ch, det), prev) in channels
                .iter()
                .zip(self.detectors.iter_mut())
                .zip(self.previous_last.iter_mut())
            {
                let lanes = det.push(&self.design, ch[i]);
                let mut points = [0.0f32; PHASES + 2];
                points[0] = *prev;
                points[1..=PHASES].copy_from_slice(&lanes);
                points[PHASES + 1] = det.sample(DETECT_DELAY - 1);
                *prev = lanes[PHASES - 1];
                peak = peak.max(interval_peak(&points, refine_above));
            }
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
