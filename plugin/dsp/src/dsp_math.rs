//! Stateless math: decibel conversions and fast approximations used on the
//! audio thread. Every function here is pure, allocation-free and branch-light.

/// Linear amplitude → dB (exact, `f32::NEG_INFINITY` for 0).
pub fn lin_to_db(lin: f32) -> f32 {
    20.0 * lin.log10()
}

/// dB → linear amplitude (exact).
pub fn db_to_lin(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// log2(x) for x > 0, absolute error < 1e-6 (far below 0.001 dB after
/// scaling). Inputs ≤ 1e-37 or non-finite return −126.
#[inline]
pub fn fast_log2(x: f32) -> f32 {
    if x.is_nan() || x <= 1.0e-37 || x.is_infinite() {
        return -126.0;
    }
    let bits = x.to_bits();
    let mut exponent = ((bits >> 23) & 0xff) as i32 - 127;
    // Mantissa in [1, 2), folded into [√½, √2) so the series converges fast.
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // log2(m) = 2/ln2 · atanh(s), s = (m−1)/(m+1) ∈ [−0.172, 0.172].
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0))));
    exponent as f32 + series * (2.0 * std::f32::consts::LOG2_E)
}

/// 2^x, relative error < 1e-6 for x in [−126, 126]; inputs are clamped there.
#[inline]
pub fn fast_exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 126.0);
    let xi = x.round();
    let f = x - xi; // [−0.5, 0.5]
                    // Taylor series of 2^f = e^(f·ln2).
    let p = 1.0
        + f * (std::f32::consts::LN_2
            + f * (0.240_226_5
                + f * (0.055_504_11
                    + f * (0.009_618_129 + f * (0.001_333_355_8 + f * 0.000_154_035_3)))));
    let scale = f32::from_bits(((xi as i32 + 127) as u32) << 23);
    p * scale
}

const LOG2_TO_DB: f32 = 6.020_6; // 20·log10(2)
const DB_TO_LOG2: f32 = 1.0 / LOG2_TO_DB;

/// Fast linear → dB (error < 1e-3 dB); tiny or invalid input gives about −758 dB.
#[inline]
pub fn fast_lin_to_db(lin: f32) -> f32 {
    fast_log2(lin) * LOG2_TO_DB
}

/// Fast dB → linear (relative error < 2e-6).
#[inline]
pub fn fast_db_to_lin(db: f32) -> f32 {
    fast_exp2(db * DB_TO_LOG2)
}

/// The larger of `a` and `b` as one compare-and-select, which vectorises
/// (`f32::max`'s NaN rules keep loops scalar). For non-NaN inputs it equals
/// `a.max(b)`.
#[inline(always)]
pub fn max_fast(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Largest magnitude in `x` (0 for an empty slice; inputs must not be
/// NaN), eight lanes at a time so that the loop vectorises.
#[inline]
pub fn peak_abs(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut blocks = x.chunks_exact(8);
    for block in &mut blocks {
        for (l, v) in lanes.iter_mut().zip(block) {
            *l = max_fast(v.abs(), *l);
        }
    }
    let tail = blocks
        .remainder()
        .iter()
        .fold(0.0f32, |m, v| max_fast(v.abs(), m));
    lanes.iter().fold(tail, |m, &l| max_fast(l, m))
}

/// `out[i] = max(out[i], |x[i]|)` for every i (inputs must not be NaN).
#[inline]
pub fn max_abs_into(out: &mut [f32], x: &[f32]) {
    for (m, v) in out.iter_mut().zip(x) {
        *m = max_fast(v.abs(), *m);
    }
}

/// One-pole smoothing coefficient: the fraction of the remaining distance
/// *kept* per sample so that a step reaches 63.2% after `time_ms`.
pub fn one_pole_coef(time_ms: f32, sample_rate: f32) -> f32 {
    let samples = (time_ms.max(1.0e-3) * 1.0e-3 * sample_rate).max(1.0e-3);
    (-1.0 / samples).exp()
}

/// ms → whole samples at `sample_rate`, at least 1.
pub fn ms_to_samples(time_ms: f32, sample_rate: f32) -> usize {
    ((time_ms * 1.0e-3 * sample_rate).round() as usize).max(1)
}

/// Modified Bessel function of the first kind, order 0 (for Kaiser windows).
pub fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..64 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1.0e-17 {
            break;
        }
    }
    sum
}

/// Normalised sinc: sin(πx)/(πx).
pub fn sinc(x: f64) -> f64 {
    if x.abs() < 1.0e-12 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trip_known_values() {
        assert!((db_to_lin(-6.0206) - 0.5).abs() < 1e-4);
        assert!((lin_to_db(0.1) + 20.0).abs() < 1e-5);
        assert_eq!(lin_to_db(0.0), f32::NEG_INFINITY);
    }

    #[test]
    fn fast_log_and_exp_are_accurate() {
        let mut x = 1.0e-9f32;
        while x < 1.0e6 {
            let err = (fast_lin_to_db(x) - lin_to_db(x)).abs();
            assert!(err < 1.0e-3, "fast_lin_to_db({x}) off by {err} dB");
            x *= 1.013;
        }
        let mut db = -300.0f32;
        while db < 300.0 {
            let exact = db_to_lin(db);
            let rel = (fast_db_to_lin(db) - exact).abs() / exact;
            assert!(rel < 1.0e-5, "fast_db_to_lin({db}) rel error {rel}");
            db += 0.37;
        }
        assert_eq!(fast_log2(0.0), -126.0);
        assert_eq!(fast_log2(f32::NAN), -126.0);
        assert!(fast_exp2(1000.0).is_finite());
    }

    #[test]
    fn one_pole_reaches_63_percent_after_time_constant() {
        let a = one_pole_coef(10.0, 48_000.0);
        let mut y = 0.0f32;
        for _ in 0..480 {
            y = a * y + (1.0 - a);
        }
        assert!((y - 0.632).abs() < 0.002, "{y}");
    }

    #[test]
    fn peak_helpers_match_the_plain_maximum() {
        let x: Vec<f32> = (0..77).map(|i| ((i * 37) % 23) as f32 - 11.5).collect();
        for len in [0, 1, 7, 8, 9, 77] {
            let plain = x[..len].iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(peak_abs(&x[..len]), plain, "len {len}");
        }
        let mut out = vec![3.0f32; 77];
        max_abs_into(&mut out, &x);
        for (o, v) in out.iter().zip(&x) {
            assert_eq!(*o, v.abs().max(3.0));
        }
    }

    #[test]
    fn bessel_known_values() {
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-12);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008).abs() < 1e-12);
    }
}
