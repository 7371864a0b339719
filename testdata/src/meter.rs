//! Reference true-peak meter: 16× oversampling with a ±32-sample
//! Kaiser-windowed sinc (β = 9), evaluated in f64. Independent of the DSP's
//! own detectors (different factor, length, window and precision).

const OVERSAMPLE: usize = 16;
const HALF_TAPS: usize = 32;
const BETA: f64 = 9.0;

fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    for k in 1..100 {
        term *= (x / (2.0 * k as f64)).powi(2);
        sum += term;
        if term < 1e-18 * sum {
            break;
        }
    }
    sum
}

struct Kernel {
    /// `phases[p][j]`: weight of sample `n − HALF_TAPS + 1 + j` for the point n + p/16.
    phases: Vec<Vec<f64>>,
}

impl Kernel {
    fn new() -> Self {
        let half = HALF_TAPS as f64;
        let norm = bessel_i0(BETA);
        let phases = (0..OVERSAMPLE)
            .map(|p| {
                let frac = p as f64 / OVERSAMPLE as f64;
                (0..2 * HALF_TAPS)
                    .map(|j| {
                        let u = (j as f64 - (half - 1.0)) - frac; // sample offset from the point
                        let w = if u.abs() < half {
                            bessel_i0(BETA * (1.0 - (u / half).powi(2)).sqrt()) / norm
                        } else {
                            0.0
                        };
                        let s = if u.abs() < 1e-12 {
                            1.0
                        } else {
                            (std::f64::consts::PI * u).sin() / (std::f64::consts::PI * u)
                        };
                        s * w
                    })
                    .collect()
            })
            .collect();
        Kernel { phases }
    }
}

/// Largest true-peak magnitude (linear) over all channels of interleaved audio.
pub fn true_peak(interleaved: &[f32], channels: usize) -> f64 {
    (0..channels)
        .map(|c| channel_true_peak(interleaved, channels, c))
        .fold(0.0, f64::max)
}

/// True peak of one channel of interleaved audio, linear.
pub fn channel_true_peak(interleaved: &[f32], channels: usize, channel: usize) -> f64 {
    let frames = interleaved.len() / channels.max(1);
    window_true_peaks(interleaved, channels, channel, frames.max(1))
        .into_iter()
        .fold(0.0, f64::max)
}

/// True peak of one channel per window of `window` frames, linear: entry
/// `w` covers the points between frames `w·window` and `(w+1)·window`.
/// Every point is interpolated from the whole signal (never from a cut-out
/// slice, whose artificial edges would ring), so summing windows up gives
/// exactly [`channel_true_peak`].
pub fn window_true_peaks(
    interleaved: &[f32],
    channels: usize,
    channel: usize,
    window: usize,
) -> Vec<f64> {
    let kernel = Kernel::new();
    let x: Vec<f64> = interleaved
        .iter()
        .skip(channel)
        .step_by(channels)
        .map(|&v| v as f64)
        .collect();
    let n = x.len();
    let window = window.max(1);
    let mut peaks = vec![0.0f64; n.div_ceil(window)];
    for i in 0..n {
        let mut peak = x[i].abs();
        for phase in kernel.phases.iter().skip(1) {
            let mut acc = 0.0;
            for (j, w) in phase.iter().enumerate() {
                let k = i as isize - (HALF_TAPS as isize - 1) + j as isize;
                if k >= 0 && (k as usize) < n {
                    acc += w * x[k as usize];
                }
            }
            peak = peak.max(acc.abs());
        }
        let slot = &mut peaks[i / window];
        *slot = slot.max(peak);
    }
    peaks
}

/// Linear → dB.
pub fn db(lin: f64) -> f64 {
    20.0 * lin.log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fs4_sine_at_45_degrees_reads_plus_3_dbtp() {
        // Faded in and out so the buffer edges add no overshoot of their own.
        let fade = |n: usize| {
            let edge = (n.min(3999 - n) as f64 / 400.0).min(1.0);
            (edge * std::f64::consts::FRAC_PI_2).sin().powi(2)
        };
        let x: Vec<f32> = (0..4000)
            .map(|n| {
                let phase = std::f64::consts::FRAC_PI_2 * n as f64 + std::f64::consts::FRAC_PI_4;
                (phase.sin() * std::f64::consts::SQRT_2 * fade(n)) as f32
            })
            .collect();
        let tp = db(true_peak(&x, 1));
        assert!((tp - 3.0103).abs() < 0.02, "{tp}");
    }

    #[test]
    fn low_frequency_sine_reads_its_amplitude() {
        let x: Vec<f32> = (0..48000)
            .map(|n| (0.5 * (n as f64 * 0.0123).sin()) as f32)
            .collect();
        assert!((true_peak(&x, 1) - 0.5).abs() < 1e-4);
    }
}
