//! True-peak detection shared by both limiter tiers: detect → refine →
//! required gain, a chunk at a time.
//!
//! For every frame of a chunk the detector yields the largest magnitude
//! among the sample interval's oversampled points on every channel (phase 0
//! is the sample itself, [`Oversampler`] the interpolator), refined with a
//! parabola ([`interval_peak`]) when the largest point comes within
//! `refine_fraction` of the aim, and the gain the frame requires to sit at
//! the aim: `aim / peak` when the peak is above it, else exactly 1.
//!
//! A chunk whose every input sample is so small that no interpolated point
//! can reach the refinement threshold (`window peak · Σ|weights| <
//! refine_fraction · aim`) requires exactly 1 everywhere; when the caller
//! does not need the peaks themselves, such a chunk skips the interpolation
//! filter. The result is bit-identical either way: the bound is a proof,
//! not an estimate.
//!
//! Real-time safe: no allocation after [`PeakDetector::new`].

use crate::block::CHUNK;
use crate::oversample::{interval_peak, Oversampler};

/// Oversampled peak detection for one linked channel group.
#[derive(Debug, Clone)]
pub struct PeakDetector<const PHASES: usize, const TAPS: usize> {
    oversampler: Oversampler<PHASES, TAPS>,
    channels: usize,
    /// Points at or above `aim · refine_fraction` get the parabola.
    refine_fraction: f32,
    /// Largest point of each interval in the current chunk, all channels.
    maxima: Box<[f32; CHUNK]>,
    /// Last interpolated point of the previous chunk's last interval, per channel.
    previous_last: Box<[f32]>,
}

impl<const PHASES: usize, const TAPS: usize> PeakDetector<PHASES, TAPS> {
    /// Delay of the detection relative to its input, samples: frame `i`'s
    /// peak is that of the interval starting `DELAY` samples earlier.
    pub const DELAY: usize = Oversampler::<PHASES, TAPS>::DELAY;

    /// Allocates (call outside the audio thread). `kaiser_beta`: see
    /// [`Oversampler::new`]; `refine_fraction` in (0, 1]: the worst
    /// under-read of the bare point grid, as a fraction of the true peak.
    pub fn new(channels: usize, kaiser_beta: f64, refine_fraction: f32) -> Self {
        assert!(
            PHASES + 2 <= MAX_POINTS,
            "too many phases for interval_peak"
        );
        PeakDetector {
            oversampler: Oversampler::new(channels, kaiser_beta),
            channels,
            refine_fraction,
            maxima: Box::new([0.0; CHUNK]),
            previous_last: vec![0.0; channels].into_boxed_slice(),
        }
    }

    pub fn reset(&mut self) {
        self.oversampler.reset();
        self.previous_last.fill(0.0);
    }

    /// Detects `frames` (≤ CHUNK) frames of `audio` (finite samples, one
    /// array per channel). Writes into `required[i]` the gain (0, 1] frame
    /// `i`'s interval needs to stay at `aim[i]` (linear, > 0), and, when
    /// `peaks` is given, its detected peak into `peaks[i]`. Returns whether
    /// any frame required less than 1. Real-time safe.
    pub fn detect(
        &mut self,
        audio: &[[f32; CHUNK]],
        frames: usize,
        aim: &[f32; CHUNK],
        required: &mut [f32; CHUNK],
        peaks: Option<&mut [f32; CHUNK]>,
    ) -> bool {
        let os = &mut self.oversampler;
        os.ingest(audio, frames);
        if peaks.is_none() {
            let lowest_aim = aim[..frames].iter().fold(f32::INFINITY, |m, &a| m.min(a));
            if os.window_peak(self.channels) * os.peak_bound() < lowest_aim * self.refine_fraction {
                // No point reaches the refinement threshold, so none reaches
                // the aim: unity throughout. Only the last interval's last
                // point is needed, for the next chunk's refinement.
                required[..frames].fill(1.0);
                if frames > 0 {
                    for (c, prev) in self.previous_last.iter_mut().enumerate() {
                        *prev = os.last_point(c, PHASES - 1);
                    }
                }
                return false;
            }
        }
        os.filter();
        os.interval_maxima(self.channels, &mut self.maxima);
        let os = &self.oversampler;
        let mut peaks = peaks;
        let mut limited = false;
        for i in 0..frames {
            let refine_above = aim[i] * self.refine_fraction;
            let mut peak = self.maxima[i];
            if peak >= refine_above {
                for c in 0..self.channels {
                    let prev = if i == 0 {
                        self.previous_last[c]
                    } else {
                        os.point(c, i - 1, PHASES - 1)
                    };
                    peak = peak.max(refined_peak(os, c, i, prev, refine_above));
                }
            }
            if let Some(peaks) = peaks.as_deref_mut() {
                peaks[i] = peak;
            }
            required[i] = if peak > aim[i] {
                limited = true;
                aim[i] / peak
            } else {
                1.0
            };
        }
        if frames > 0 {
            for (c, prev) in self.previous_last.iter_mut().enumerate() {
                *prev = os.point(c, frames - 1, PHASES - 1);
            }
        }
        limited
    }
}

/// Most points [`interval_peak`] looks at (8 phases, the previous interval's
/// last point and the next sample).
const MAX_POINTS: usize = 18;

/// Peak of frame `i`'s interval on channel `c`, refined with a parabola when
/// its largest point reaches `refine_above`. `previous_last` is the last
/// point of the preceding interval.
#[inline]
fn refined_peak<const PHASES: usize, const TAPS: usize>(
    os: &Oversampler<PHASES, TAPS>,
    c: usize,
    i: usize,
    previous_last: f32,
    refine_above: f32,
) -> f32 {
    let mut points = [0.0f32; MAX_POINTS];
    points[0] = previous_last;
    for (p, slot) in points[1..=PHASES + 1].iter_mut().enumerate() {
        *slot = os.point(c, i, p);
    }
    interval_peak(&points[..PHASES + 2], refine_above)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The skip for quiet chunks changes nothing: with and without asking
    /// for the peaks (which disables it), the required gains are the same,
    /// bit for bit, on material that crosses the threshold in and out.
    #[test]
    fn skipping_quiet_chunks_is_exact() {
        let mut skipping = PeakDetector::<4, 64>::new(2, 6.0, 0.92);
        let mut full = PeakDetector::<4, 64>::new(2, 6.0, 0.92);
        let aim = [0.8f32; CHUNK];
        let mut noise = 7u32;
        let mut levels = Vec::new();
        // The quietest level below is in the skipping range.
        assert!(0.05 * full.oversampler.peak_bound() < aim[0] * 0.92);
        for chunk in 0..400 {
            let level = [0.05f32, 0.3, 0.85, 1.3][(chunk / 7) % 4];
            let frames = [64, 64, 17, 1, 64, 40][chunk % 6];
            let mut buf = [[0.0f32; CHUNK]; 2];
            for v in buf.iter_mut().flat_map(|c| c[..frames].iter_mut()) {
                noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = level * ((noise >> 8) as f32 / (1u32 << 23) as f32 - 1.0);
            }
            let (mut a, mut b, mut peaks) = ([0.0; CHUNK], [0.0; CHUNK], [0.0; CHUNK]);
            let limited_a = skipping.detect(&buf, frames, &aim, &mut a, None);
            let limited_b = full.detect(&buf, frames, &aim, &mut b, Some(&mut peaks));
            assert_eq!(limited_a, limited_b, "chunk {chunk}");
            // The window reaches TAPS − 1 samples back: into the previous
            // chunks (at most 5 of them with these sizes).
            levels.push(level);
            let recent = levels.iter().rev().take(6).fold(0.0f32, |m, &l| m.max(l));
            let bound = full.oversampler.peak_bound() * recent;
            for i in 0..frames {
                assert_eq!(a[i].to_bits(), b[i].to_bits(), "chunk {chunk} frame {i}");
                assert!(
                    peaks[i] <= bound,
                    "chunk {chunk} frame {i}: {} > {bound}",
                    peaks[i]
                );
            }
        }
    }
}
