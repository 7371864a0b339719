//! ITU-R BS.1770 K-weighting (high-shelf "head" filter + RLB high-pass) for
//! any sample rate, designed from the analog prototype the standard's 48 kHz
//! coefficients come from (as libebur128 does).
//!
//! Below about 3.7 kHz the shelf's corner (1.68 kHz) reaches Nyquist; there
//! the corner is held at [`MAX_CORNER`] of the rate, which keeps the filter
//! stable and the weighting flat across the little band that is left.

use std::f64::consts::PI;

/// Direct-form-I biquad coefficients, `a0` normalised to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    pub b: [f64; 3],
    pub a: [f64; 2],
}

/// Highest corner frequency of either stage, as a fraction of the sample
/// rate (the bilinear transform's pre-warping diverges at 0.5).
pub const MAX_CORNER: f64 = 0.45;

/// `tan(π·f0/fs)` with the corner held below Nyquist.
fn prewarp(f0: f64, sample_rate: f64) -> f64 {
    (PI * (f0 / sample_rate).min(MAX_CORNER)).tan()
}

/// The two K-weighting stages at `sample_rate` Hz: (pre-filter shelf, RLB high-pass).
pub fn k_weighting(sample_rate: f64) -> (Biquad, Biquad) {
    let f0 = 1_681.974_450_955_533;
    let gain_db = 3.999_843_853_973_347;
    let q = 0.707_175_236_955_419_6;
    let k = prewarp(f0, sample_rate);
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    let f0 = 38.135_470_876_024_44;
    let q = 0.500_327_037_323_877_3;
    let k = prewarp(f0, sample_rate);
    let a0 = 1.0 + k / q + k * k;
    let highpass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    (shelf, highpass)
}

/// Per-channel K-weighting filter state (f64: the 38 Hz high-pass sits very
/// close to the unit circle at high sample rates). Real-time safe.
#[derive(Debug, Clone, Copy, Default)]
pub struct KWeighter {
    shelf: Biquad2State,
    highpass: Biquad2State,
}

#[derive(Debug, Clone, Copy, Default)]
struct Biquad2State {
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
}

impl Biquad2State {
    #[inline]
    fn run(&mut self, c: &Biquad, x: f64) -> f64 {
        let y =
            c.b[0] * x + c.b[1] * self.x1 + c.b[2] * self.x2 - c.a[0] * self.y1 - c.a[1] * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        // Keep the recursion out of denormal territory whatever the FPU mode.
        self.y1 = if y.abs() < 1.0e-30 { 0.0 } else { y };
        self.y1
    }
}

/// Both stages' coefficients for one sample rate.
#[derive(Debug, Clone, Copy)]
pub struct KWeighting {
    shelf: Biquad,
    highpass: Biquad,
}

impl KWeighting {
    pub fn new(sample_rate: f32) -> Self {
        let (shelf, highpass) = k_weighting(sample_rate as f64);
        KWeighting { shelf, highpass }
    }
}

impl KWeighter {
    /// Filters one sample and returns the K-weighted value.
    #[inline]
    pub fn process(&mut self, k: &KWeighting, x: f32) -> f64 {
        let s = self.shelf.run(&k.shelf, x as f64);
        self.highpass.run(&k.highpass, s)
    }

    pub fn reset(&mut self) {
        *self = KWeighter::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 48 kHz coefficients printed in ITU-R BS.1770-4, Tables 1 and 2.
    #[test]
    fn matches_bs1770_table_at_48k() {
        let (shelf, hp) = k_weighting(48_000.0);
        let close = |a: f64, b: f64| (a - b).abs() < 1.0e-8;
        assert!(close(shelf.b[0], 1.535_124_859_586_97));
        assert!(close(shelf.b[1], -2.691_696_189_406_38));
        assert!(close(shelf.b[2], 1.198_392_810_852_85));
        assert!(close(shelf.a[0], -1.690_659_293_182_41));
        assert!(close(shelf.a[1], 0.732_480_774_215_85));
        assert!(close(hp.a[0], -1.990_047_454_833_98));
        assert!(close(hp.a[1], 0.990_072_250_366_21));
    }

    fn gain_db_at(freq: f64, fs: f32) -> f64 {
        let k = KWeighting::new(fs);
        let mut w = KWeighter::default();
        let n = (fs as usize) * 2;
        let mut sum = 0.0;
        for i in 0..n {
            let x = (2.0 * PI * freq * i as f64 / fs as f64).sin() as f32;
            let y = w.process(&k, x);
            if i >= n / 2 {
                sum += y * y;
            }
        }
        10.0 * (sum / (n / 2) as f64 / 0.5).log10()
    }

    #[test]
    fn response_shape_holds_at_any_rate() {
        for fs in [22_050.0, 44_100.0, 96_000.0, 384_000.0, 768_000.0] {
            let low = gain_db_at(20.0, fs);
            let mid = gain_db_at(997.0, fs);
            let high = gain_db_at(8_000.0, fs);
            assert!(low < -5.0, "{fs}: 20 Hz should be cut, got {low}");
            assert!(mid.abs() < 1.0, "{fs}: 1 kHz near unity, got {mid}");
            assert!(
                (high - 4.0).abs() < 0.5,
                "{fs}: 8 kHz shelf +4 dB, got {high}"
            );
        }
    }

    /// At every rate the chain accepts, both stages are stable (poles
    /// inside the unit circle) and a full-scale tone at a quarter of the
    /// rate comes out finite and of sensible level.
    #[test]
    fn stable_at_every_rate() {
        for fs in [
            1_000.0, 2_000.0, 3_700.0, 8_000.0, 11_025.0, 44_100.5, 768_000.0,
        ] {
            let (shelf, hp) = k_weighting(fs);
            for q in [shelf, hp] {
                // Stable iff |a2| < 1 and |a1| < 1 + a2.
                assert!(
                    q.a[1].abs() < 1.0 && q.a[0].abs() < 1.0 + q.a[1],
                    "{fs}: {q:?}"
                );
            }
            let g = gain_db_at(fs / 4.0, fs as f32);
            assert!(
                g.is_finite() && (-1.0..=5.0).contains(&g),
                "{fs}: {g} dB at fs/4"
            );
        }
    }
}
