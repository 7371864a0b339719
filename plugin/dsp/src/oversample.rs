//! Polyphase interpolation for true-peak detection.
//!
//! An [`Interpolator`] holds the last `TAPS` samples of one channel and
//! estimates the band-limited signal at `PHASES` evenly spaced points per
//! sample period, using a Kaiser-windowed sinc. After pushing x[n], lane `p`
//! estimates x(n − D + p/PHASES) with `D = TAPS / 2` ([`Interpolator::DELAY`]);
//! lane 0 is exactly x[n − D]. The work per sample is `TAPS` fused lanes of
//! `PHASES` multiply-adds, laid out so the compiler vectorises it.

use crate::dsp_math::{bessel_i0, sinc};

/// Filter coefficients shared by every channel.
#[derive(Debug, Clone)]
pub struct InterpolatorDesign<const PHASES: usize, const TAPS: usize> {
    /// `coefs[i][p]`: weight of the i-th oldest sample in the window for lane p.
    coefs: [[f32; PHASES]; TAPS],
}

impl<const PHASES: usize, const TAPS: usize> InterpolatorDesign<PHASES, TAPS> {
    /// `kaiser_beta` trades passband accuracy near Nyquist (low β) against
    /// image rejection (high β); 6 keeps a 64-tap filter within ±0.02 dB up
    /// to 0.465·fs.
    pub fn new(kaiser_beta: f64) -> Self {
        let half = (TAPS / 2) as f64;
        let mut coefs = [[0.0f32; PHASES]; TAPS];
        // `p` addresses the inner (phase) dimension of the transposed table.
        #[allow(clippy::needless_range_loop)]
        for p in 0..PHASES {
            let frac = p as f64 / PHASES as f64;
            let mut column = [0.0f64; TAPS];
            for (j, c) in column.iter_mut().enumerate() {
                // j samples back from the newest; distance from the estimated point.
                let u = j as f64 - half + frac;
                let w = if u.abs() <= half {
                    bessel_i0(kaiser_beta * (1.0 - (u / half) * (u / half)).sqrt())
                        / bessel_i0(kaiser_beta)
                } else {
                    0.0
                };
                *c = sinc(u) * w;
            }
            // Unity gain at DC for every lane.
            let sum: f64 = column.iter().sum();
            for (j, c) in column.iter().enumerate() {
                coefs[TAPS - 1 - j][p] = (c / sum) as f32;
            }
        }
        InterpolatorDesign { coefs }
    }
}

/// Peak magnitude of one sample interval from its oversampled points.
///
/// `points[1..=P]` are the interval's `P` points (starting at the sample),
/// `points[0]` the previous interval's last point and `points[P + 1]` the
/// next sample. When the largest point reaches `refine_above`, the peak
/// between points is estimated with a parabola through the largest interior
/// point and its neighbours (for a pure tone at 4× this under-reads by at
/// most 0.09 dB, at 8× by 0.006 dB, against up to 0.69 / 0.17 dB without).
#[inline]
pub fn interval_peak<const N: usize>(points: &[f32; N], refine_above: f32) -> f32 {
    let mut best = 1;
    let mut best_abs = points[1].abs();
    for (i, p) in points.iter().enumerate().take(N - 1).skip(2) {
        if p.abs() > best_abs {
            best_abs = p.abs();
            best = i;
        }
    }
    best_abs = best_abs.max(points[N - 1].abs());
    if best_abs < refine_above {
        return best_abs;
    }
    let sign = if points[best] < 0.0 { -1.0 } else { 1.0 };
    let (a, b, c) = (
        points[best - 1] * sign,
        points[best] * sign,
        points[best + 1] * sign,
    );
    let curvature = a - 2.0 * b + c;
    if b >= a && b >= c && curvature < 0.0 {
        best_abs.max(b - (c - a) * (c - a) / (8.0 * curvature))
    } else {
        best_abs
    }
}

/// One channel's history. Real-time safe: fixed-size, no allocation.
#[derive(Debug, Clone)]
pub struct Interpolator<const PHASES: usize, const TAPS: usize> {
    /// Mirrored ring: every sample is stored at `pos` and `pos + TAPS`, so
    /// the last `TAPS` samples are always one contiguous slice.
    history: Box<[f32]>,
    pos: usize,
}

impl<const PHASES: usize, const TAPS: usize> Interpolator<PHASES, TAPS> {
    /// Group delay in samples: lane 0 after pushing x[n] is x[n − DELAY].
    pub const DELAY: usize = TAPS / 2;

    /// Allocates the history (call outside the audio thread).
    pub fn new() -> Self {
        Interpolator {
            history: vec![0.0; 2 * TAPS].into_boxed_slice(),
            pos: 0,
        }
    }

    pub fn reset(&mut self) {
        self.history.fill(0.0);
        self.pos = 0;
    }

    /// Pushes x[n] and returns the `PHASES` estimates of x(n − D + p/PHASES).
    #[inline]
    pub fn push(&mut self, design: &InterpolatorDesign<PHASES, TAPS>, x: f32) -> [f32; PHASES] {
        self.pos = if self.pos + 1 == TAPS {
            0
        } else {
            self.pos + 1
        };
        self.history[self.pos] = x;
        self.history[self.pos + TAPS] = x;
        let window = &self.history[self.pos + 1..self.pos + 1 + TAPS];
        let mut acc = [0.0f32; PHASES];
        for (c, &s) in design.coefs.iter().zip(window) {
            for p in 0..PHASES {
                acc[p] += c[p] * s;
            }
        }
        acc
    }

    /// The sample pushed `back` pushes ago (0 = newest), `back < TAPS`.
    #[inline]
    pub fn sample(&self, back: usize) -> f32 {
        self.history[self.pos + TAPS - back]
    }
}

impl<const PHASES: usize, const TAPS: usize> Default for Interpolator<PHASES, TAPS> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<const P: usize, const T: usize>(max_freq: f64, tolerance_db: f64) {
        let design = InterpolatorDesign::<P, T>::new(5.0);
        let d = Interpolator::<P, T>::DELAY as f64;
        for k in 1..40 {
            let freq = max_freq * k as f64 / 40.0; // cycles per sample
            let phase = 0.3 * k as f64;
            let mut interp = Interpolator::<P, T>::new();
            let mut worst = 0.0f64;
            for n in 0..400 {
                let x = (2.0 * std::f64::consts::PI * freq * n as f64 + phase).cos() as f32;
                let lanes = interp.push(&design, x);
                if n < 2 * T || n > 400 - T {
                    continue;
                }
                for (p, &y) in lanes.iter().enumerate() {
                    let t = n as f64 - d + p as f64 / P as f64;
                    let ideal = (2.0 * std::f64::consts::PI * freq * t + phase).cos();
                    worst = worst.max((y as f64 - ideal).abs());
                }
            }
            let err_db = 20.0 * (1.0 + worst).log10();
            assert!(
                err_db < tolerance_db,
                "{P}x{T}: {freq} cycles/sample off by {worst}"
            );
        }
    }

    #[test]
    fn lane_zero_is_the_delayed_sample() {
        let design = InterpolatorDesign::<4, 64>::new(6.0);
        let mut interp = Interpolator::<4, 64>::new();
        for n in 0..100 {
            let lanes = interp.push(&design, n as f32);
            let expected = (n as f32 - 32.0).max(0.0);
            assert!((lanes[0] - expected).abs() < 1e-4, "{n}: {}", lanes[0]);
        }
    }

    #[test]
    fn interpolates_band_limited_signals_accurately() {
        // Tier 1's 64-tap detector: within 0.02 dB up to 0.465 cycles/sample
        // (22.3 kHz at 48 kHz).
        check::<4, 64>(0.465, 0.02);
        // Tier 2's short 12-tap one: within 0.1 dB up to 0.3 cycles/sample.
        check::<8, 12>(0.3, 0.1);
    }
}
