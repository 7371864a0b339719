//! Tier 2: the safety stage that guarantees the ceiling.
//!
//! Detection: 8× oversampled interpolation of each channel; when a point
//! comes near the ceiling, the peak between points is refined by a parabola
//! through the largest point and its neighbours (worst case under-read for a
//! pure tone ≈ 0.006 dB at 8×, covered by [`super::TIER2_MARGIN_DB`]).
//!
//! Correction: an inter-sample peak is a weighted sum of the `2·D + 1`
//! samples around it. Scaling all of them by the same factor scales the peak
//! exactly, so the gain envelope's hold spans that whole support plus the
//! ramp; the gain is therefore constant across the support of every peak
//! it corrects. A final clamp at the ceiling bounds every output sample.

use super::delay::ChunkDelay;
use super::detect::PeakDetector;
use super::envelope::GainEnvelope;
use crate::block::CHUNK;
use crate::dsp_math::one_pole_coef;

const PHASES: usize = 8;
const TAPS: usize = 12;
type Detector = PeakDetector<PHASES, TAPS>;
const D: usize = Detector::DELAY;
/// Length of the gain ramp into a correction, samples.
const RAMP: usize = 6;
/// Audio delay of this tier, samples: the detector delay, the peak's
/// support on both sides, and the ramp.
pub const LATENCY: usize = RAMP + 2 * D - 1;
/// Release of this tier's gain, ms.
const RELEASE_MS: f32 = 10.0;
/// Points above this fraction of the aim get the parabolic refinement
/// (which can raise an estimate by at most ~0.17 dB at 8×).
const REFINE_ABOVE: f32 = 0.97;
/// Window shape of the short detector (see [`Oversampler::new`]).
const KAISER_BETA: f64 = 5.0;

#[derive(Debug, Clone)]
pub struct SafetyLimiter {
    detector: Detector,
    /// Gain each frame of the current chunk requires, and its detected peak.
    required: Box<[f32; CHUNK]>,
    peaks: Box<[f32; CHUNK]>,
    /// Gains the envelope gives the current chunk.
    gains: Box<[f32; CHUNK]>,
    envelope: GainEnvelope,
    /// The audio, delayed by [`LATENCY`].
    audio: ChunkDelay,
    /// Ceiling in force when each delayed sample was analysed (same delay).
    ceilings: ChunkDelay,
    /// Detected peak of each interval, aligned with the audio leaving
    /// (delayed by `LATENCY − D`: the detector is `D` samples late already).
    peak_line: ChunkDelay,
    /// Scratch for the delayed ceilings and peaks of the current chunk.
    ceiling_out: Box<[f32; CHUNK]>,
    peak_out: Box<[f32; CHUNK]>,
    block_min_gain: f32,
    block_max_true_peak: f32,
}

impl SafetyLimiter {
    /// Allocates (call outside the audio thread).
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        let mut limiter = SafetyLimiter {
            detector: Detector::new(channels, KAISER_BETA, REFINE_ABOVE),
            required: Box::new([1.0; CHUNK]),
            peaks: Box::new([0.0; CHUNK]),
            gains: Box::new([1.0; CHUNK]),
            envelope: GainEnvelope::new(LATENCY + 1, RAMP, one_pole_coef(RELEASE_MS, sample_rate)),
            audio: ChunkDelay::new(channels, LATENCY),
            ceilings: ChunkDelay::new(1, LATENCY),
            peak_line: ChunkDelay::new(1, LATENCY - D),
            ceiling_out: Box::new([1.0; CHUNK]),
            peak_out: Box::new([0.0; CHUNK]),
            block_min_gain: 1.0,
            block_max_true_peak: 0.0,
        };
        limiter.reset();
        limiter
    }

    pub fn latency_samples(&self) -> usize {
        LATENCY
    }

    pub fn reset(&mut self) {
        self.detector.reset();
        self.envelope.reset();
        self.audio.reset();
        self.ceilings.fill(1.0);
        self.peak_line.reset();
        self.block_min_gain = 1.0;
        self.block_max_true_peak = 0.0;
    }

    pub fn gain(&self) -> f32 {
        self.envelope.gain()
    }

    /// Lowest gain during the last `process` call, linear.
    pub fn block_min_gain(&self) -> f32 {
        self.block_min_gain
    }

    /// Highest detected true peak leaving this stage during the last
    /// `process` call (after its gain), linear.
    pub fn block_max_true_peak(&self) -> f32 {
        self.block_max_true_peak
    }

    /// Limits `frames` (≤ CHUNK) frames in place. `aim[i]`: linear level
    /// the detector aims at; `clamp[i]`: the hard ceiling for the final
    /// sample clamp. Real-time safe.
    pub fn process(
        &mut self,
        channels: &mut [[f32; CHUNK]],
        frames: usize,
        aim: &[f32; CHUNK],
        clamp: &[f32; CHUNK],
    ) {
        self.detector.detect(
            channels,
            frames,
            aim,
            &mut self.required,
            Some(&mut self.peaks),
        );
        let gains = &mut self.gains[..frames];
        self.envelope.push_block(&self.required[..frames], gains);
        let ceilings = &mut self.ceiling_out[..frames];
        ceilings.copy_from_slice(&clamp[..frames]);
        self.ceilings.run(0, ceilings);
        let leaving = &mut self.peak_out[..frames];
        leaving.copy_from_slice(&self.peaks[..frames]);
        self.peak_line.run(0, leaving);
        for (c, ch) in channels.iter_mut().enumerate() {
            let ch = &mut ch[..frames];
            self.audio.run(c, ch);
            for ((x, &g), &ceiling) in ch.iter_mut().zip(gains.iter()).zip(ceilings.iter()) {
                // max/min (not clamp) so that even a NaN would become the ceiling.
                *x = (*x * g).max(-ceiling).min(ceiling);
            }
        }
        let min_gain = gains.iter().fold(1.0f32, |m, &g| m.min(g));
        let max_tp = leaving
            .iter()
            .zip(gains.iter())
            .fold(0.0f32, |m, (&p, &g)| m.max(p * g));
        self.block_min_gain = min_gain;
        self.block_max_true_peak = max_tp;
    }
}
