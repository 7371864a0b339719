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
    envelope: GainEnvelope,
    delay_lines: Box<[f32]>,
    /// Ceiling in force when each delayed sample was analysed.
    ceiling_line: Box<[f32]>,
    /// Detected peak of each interval, aligned with the audio leaving.
    peak_line: Box<[f32]>,
    pos: usize,
    block_min_gain: f32,
    block_max_true_peak: f32,
}

impl SafetyLimiter {
    /// Allocates (call outside the audio thread).
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        SafetyLimiter {
            detector: Detector::new(channels, KAISER_BETA, REFINE_ABOVE),
            required: Box::new([1.0; CHUNK]),
            peaks: Box::new([0.0; CHUNK]),
            envelope: GainEnvelope::new(LATENCY + 1, RAMP, one_pole_coef(RELEASE_MS, sample_rate)),
            delay_lines: vec![0.0; LATENCY * channels].into_boxed_slice(),
            ceiling_line: vec![1.0; LATENCY].into_boxed_slice(),
            peak_line: vec![0.0; LATENCY].into_boxed_slice(),
            pos: 0,
            block_min_gain: 1.0,
            block_max_true_peak: 0.0,
        }
    }

    pub fn latency_samples(&self) -> usize {
        LATENCY
    }

    pub fn reset(&mut self) {
        self.detector.reset();
        self.envelope.reset();
        self.delay_lines.fill(0.0);
        self.ceiling_line.fill(1.0);
        self.peak_line.fill(0.0);
        self.pos = 0;
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
        let mut min_gain = 1.0f32;
        let mut max_tp = 0.0f32;
        for i in 0..frames {
            let required = self.required[i];
            let peak = self.peaks[i];
            let gain = self.envelope.push(required);
            min_gain = min_gain.min(gain);

            let pos = self.pos;
            // The interval detected now leaves the delay line LATENCY − D samples later.
            let leaving_peak = self.peak_line[pos];
            self.peak_line[(pos + LATENCY - D) % LATENCY] = peak;
            max_tp = max_tp.max(leaving_peak * gain);
            let ceiling = std::mem::replace(&mut self.ceiling_line[pos], clamp[i]);
            for (c, ch) in channels.iter_mut().enumerate() {
                let slot = &mut self.delay_lines[c * LATENCY + pos];
                let out = *slot;
                *slot = ch[i];
                // max/min (not clamp) so that even a NaN would become the ceiling.
                ch[i] = (out * gain).max(-ceiling).min(ceiling);
            }
            self.pos = if pos + 1 == LATENCY { 0 } else { pos + 1 };
        }
        self.block_min_gain = min_gain;
        self.block_max_true_peak = max_tp;
    }
}
