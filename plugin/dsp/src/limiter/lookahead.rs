//! Tier 1: lookahead limiter with 4× oversampled true-peak detection.
//!
//! Audio is delayed by `lookahead + DETECT_DELAY` samples. For every sample
//! the detector yields the largest magnitude among the sample and three
//! interpolated points after it (all channels); the required gain
//! `ceiling / peak` enters a [`GainEnvelope`] whose hold covers the sample
//! and its two neighbouring intervals, so the gain has ramped fully down by
//! the time a peak leaves the delay line. Recovery is a one-pole release.

use super::delay::ChunkDelay;
use super::detect::PeakDetector;
use super::envelope::GainEnvelope;
use crate::block::CHUNK;
use crate::dsp_math::one_pole_coef;

const PHASES: usize = 4;
/// Long enough to read tones up to 0.465·fs within 0.02 dB (16 taps
/// under-read 0.44·fs by 2.5 dB and let overs through on a sweep; 56 taps
/// read as well up to 0.465·fs but let a sweep's top octave through by
/// 0.004 dB).
const TAPS: usize = 64;
const KAISER_BETA: f64 = 6.0;
/// Largest possible under-read of a 4× point grid (tone at Nyquist): points
/// above `aim` minus this get the parabolic refinement.
const REFINE_ABOVE: f32 = 0.92;
type Detector = PeakDetector<PHASES, TAPS>;
/// Delay of the detector relative to its input, samples.
pub const DETECT_DELAY: usize = Detector::DELAY;

#[derive(Debug, Clone)]
pub struct LookaheadLimiter {
    sample_rate: f32,
    detector: Detector,
    /// Gain each frame of the current chunk requires, and gets.
    required: Box<[f32; CHUNK]>,
    gains: Box<[f32; CHUNK]>,
    envelope: GainEnvelope,
    /// The audio, delayed by lookahead plus the detector's delay.
    delay: ChunkDelay,
    block_min_gain: f32,
}

impl LookaheadLimiter {
    /// `lookahead` in samples (≥ 1). Allocates.
    pub fn new(sample_rate: f32, channels: usize, lookahead: usize, release_ms: f32) -> Self {
        let lookahead = lookahead.max(1);
        let delay = lookahead + DETECT_DELAY;
        LookaheadLimiter {
            sample_rate,
            detector: Detector::new(channels, KAISER_BETA, REFINE_ABOVE),
            required: Box::new([1.0; CHUNK]),
            gains: Box::new([1.0; CHUNK]),
            envelope: GainEnvelope::new(
                lookahead + 2,
                lookahead,
                one_pole_coef(release_ms, sample_rate),
            ),
            delay: ChunkDelay::new(channels, delay),
            block_min_gain: 1.0,
        }
    }

    /// Samples of delay this tier adds.
    pub fn latency_samples(&self) -> usize {
        self.delay.delay()
    }

    pub fn set_release_ms(&mut self, release_ms: f32) {
        self.envelope
            .set_release_coef(one_pole_coef(release_ms, self.sample_rate));
    }

    pub fn reset(&mut self) {
        self.detector.reset();
        self.envelope.reset();
        self.delay.reset();
        self.block_min_gain = 1.0;
    }

    /// Current gain, linear.
    pub fn gain(&self) -> f32 {
        self.envelope.gain()
    }

    /// Lowest gain during the last `process` call, linear.
    pub fn block_min_gain(&self) -> f32 {
        self.block_min_gain
    }

    /// Limits `frames` (≤ CHUNK) frames in place. `ceilings[i]` is the
    /// linear level tier 1 aims at for frame i. Real-time safe.
    pub fn process(
        &mut self,
        channels: &mut [[f32; CHUNK]],
        frames: usize,
        ceilings: &[f32; CHUNK],
    ) {
        self.detector
            .detect(channels, frames, ceilings, &mut self.required, None);
        let gains = &mut self.gains[..frames];
        self.envelope.push_block(&self.required[..frames], gains);
        for (c, ch) in channels.iter_mut().enumerate() {
            let ch = &mut ch[..frames];
            self.delay.run(c, ch);
            for (x, &g) in ch.iter_mut().zip(gains.iter()) {
                *x *= g;
            }
        }
        let min_gain = gains.iter().fold(1.0f32, |m, &g| m.min(g));
        self.block_min_gain = min_gain;
    }
}
