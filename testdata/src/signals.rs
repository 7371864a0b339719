//! Torture and reference signals, interleaved stereo `f32`, deterministic.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI, SQRT_2};

/// A named generator.
#[derive(Clone, Copy)]
pub struct Signal {
    /// Stable name (file names, test names, regression keys).
    pub name: &'static str,
    pub description: &'static str,
    /// `(sample_rate, seconds) → interleaved stereo`.
    pub generate: fn(u32, f64) -> Vec<f32>,
}

/// The limiter torture set: every one of these must come out at or below the ceiling.
pub const SIGNALS: &[Signal] = &[
    Signal {
        name: "sine_fs4_45deg",
        description: "sine at fs/4, 45° phase, 0 dBFS sample peak (≈ +3 dBTP)",
        generate: sine_fs4_45deg,
    },
    Signal {
        name: "clipped_music",
        description: "dense brickwall-clipped music-like mix at 0 dBFS",
        generate: clipped_music,
    },
    Signal {
        name: "square",
        description: "naive square waves (997 Hz and 5 kHz) at 0 dBFS",
        generate: square,
    },
    Signal {
        name: "hot_float",
        description: "music-like mix at +24 dBFS in float, unclipped",
        generate: hot_float,
    },
    Signal {
        name: "impulses",
        description: "single-sample ±1.0 impulses, some back to back",
        generate: impulses,
    },
    Signal {
        name: "sweep",
        description: "log sine sweep 20 Hz → Nyquist at 0 dBFS",
        generate: sweep,
    },
];

/// Small deterministic PRNG (xorshift64*), uniform in [−1, 1).
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn sample(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn frames(rate: u32, seconds: f64) -> usize {
    (rate as f64 * seconds).round() as usize
}

fn stereo(left: impl Fn(usize) -> f64, right: impl Fn(usize) -> f64, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(2 * n);
    for i in 0..n {
        out.push(left(i) as f32);
        out.push(right(i) as f32);
    }
    out
}

/// Sine at a quarter of the sample rate, phase 45°: samples sit at ±1.0
/// while the waveform between them peaks at √2 (+3.01 dBTP).
pub fn sine_fs4_45deg(rate: u32, seconds: f64) -> Vec<f32> {
    let f = |i: usize| SQRT_2 * (FRAC_PI_2 * i as f64 + FRAC_PI_4).sin();
    stereo(f, f, frames(rate, seconds))
}

/// Music-like material: bass, chords, kick, hats and noise, far too loud,
/// unclipped. `gain` scales it before any clipping.
fn music(rate: u32, seconds: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let n = frames(rate, seconds);
    let fs = rate as f64;
    let mut noise = Noise::new(seed);
    let mut l = vec![0.0; n];
    let mut r = vec![0.0; n];
    let chords = [
        [110.0, 138.6, 164.8, 220.0],
        [98.0, 123.5, 146.8, 196.0],
        [130.8, 164.8, 196.0, 261.6],
    ];
    let beat = 0.5; // s
    let mut hat_state = 0.0;
    for i in 0..n {
        let t = i as f64 / fs;
        let bar = ((t / (4.0 * beat)) as usize) % chords.len();
        let in_beat = t % beat;
        let mut s = 0.0;
        for (k, &f) in chords[bar].iter().enumerate() {
            // Sawtooth-ish partials up to ~10 kHz: bright, dense.
            for h in 1..8 {
                let fh = f * h as f64 * (1.0 + 0.002 * k as f64);
                if fh < fs * 0.45 {
                    s += 0.12 / h as f64 * (2.0 * PI * fh * t + k as f64).sin();
                }
            }
        }
        let kick = (-in_beat * 18.0).exp()
            * (2.0 * PI * (50.0 + 120.0 * (-in_beat * 30.0).exp()) * in_beat).sin();
        let white = noise.sample();
        hat_state = 0.3 * hat_state + white; // crude high-frequency emphasis
        let hat = if (t / (beat / 2.0)) as usize % 2 == 1 {
            (-(t % (beat / 2.0)) * 40.0).exp() * (white - 0.3 * hat_state) * 0.6
        } else {
            0.0
        };
        l[i] = s * 0.8 + kick * 1.2 + hat + 0.05 * white;
        r[i] = s * 0.75 + kick * 1.2 - hat * 0.8 + 0.05 * noise.sample();
    }
    (l, r)
}

/// Dense brickwall-clipped mix: the loud master of the loudness war, peaks
/// flattened at ±1.0, full of inter-sample overs.
pub fn clipped_music(rate: u32, seconds: f64) -> Vec<f32> {
    let (l, r) = music(rate, seconds, 7);
    let clip = |v: f64| (v * 4.0).clamp(-1.0, 1.0);
    stereo(|i| clip(l[i]), |i| clip(r[i]), l.len())
}

/// The same kind of mix at +24 dBFS peak, in float, not clipped.
pub fn hot_float(rate: u32, seconds: f64) -> Vec<f32> {
    let (l, r) = music(rate, seconds, 11);
    let peak = l.iter().chain(r.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    let g = 10f64.powf(24.0 / 20.0) / peak;
    stereo(|i| l[i] * g, |i| r[i] * g, l.len())
}

/// Naive (aliased) square waves, full scale: ringing between samples.
pub fn square(rate: u32, seconds: f64) -> Vec<f32> {
    let fs = rate as f64;
    let sq = |f: f64| {
        move |i: usize| {
            if ((i as f64 * f / fs) % 1.0) < 0.5 {
                1.0
            } else {
                -1.0
            }
        }
    };
    stereo(sq(997.0), sq(5000.0), frames(rate, seconds))
}

/// Single-sample impulses at ±1.0 every 10 ms, with occasional pairs and
/// triples of alternating sign (the worst inter-sample case).
pub fn impulses(rate: u32, seconds: f64) -> Vec<f32> {
    let n = frames(rate, seconds);
    let period = (rate / 100) as usize;
    let f = move |i: usize| {
        let k = i / period;
        let o = i % period;
        match (k % 4, o) {
            (_, 0) => 1.0,
            (1, 1) => -1.0,
            (2, 1) => -1.0,
            (2, 2) => 1.0,
            _ => 0.0,
        }
    };
    stereo(f, move |i| -f(i), n)
}

/// Exponential sine sweep from 20 Hz to the Nyquist frequency at 0 dBFS.
pub fn sweep(rate: u32, seconds: f64) -> Vec<f32> {
    let n = frames(rate, seconds);
    let fs = rate as f64;
    let (f0, f1) = (20.0, fs / 2.0);
    let k = (f1 / f0).ln();
    let f = move |i: usize| {
        let t = i as f64 / fs;
        (2.0 * PI * f0 * seconds / k * ((t / seconds * k).exp() - 1.0)).sin()
    };
    stereo(f, f, n)
}

/// Speech-like signal: formant-filtered noise and a voiced buzz, with a
/// syllabic (≈4 Hz) envelope and pauses, scaled to `rms_dbfs` RMS over its
/// active parts.
pub fn speech_like(rate: u32, seconds: f64, rms_dbfs: f64, seed: u64) -> Vec<f32> {
    let n = frames(rate, seconds);
    let fs = rate as f64;
    let mut noise = Noise::new(seed);
    let mut mono = vec![0.0f64; n];
    // Two resonators (formants) on a buzz + noise excitation.
    let formants = [(700.0, 0.97), (1200.0, 0.96), (2600.0, 0.95)];
    let mut states = [(0.0f64, 0.0f64); 3];
    let mut active = vec![false; n];
    let mut glottal_phase = 0.0f64;
    for i in 0..n {
        let t = i as f64 / fs;
        let phrase = t % 3.0; // 2.4 s talking, 0.6 s pause
        let syllable = (PI * 4.0 * t).sin().abs().powf(0.6);
        let env = if phrase < 2.4 { syllable } else { 0.0 };
        active[i] = phrase < 2.4;
        let pitch = 120.0 + 20.0 * (2.0 * PI * 0.7 * t).sin();
        glottal_phase = (glottal_phase + pitch / fs) % 1.0;
        let buzz = if glottal_phase < 0.1 { 1.0 } else { 0.0 };
        let x = (buzz + 0.3 * noise.sample()) * env;
        let mut y = 0.0;
        for (k, &(f, rad)) in formants.iter().enumerate() {
            let w = 2.0 * PI * f / fs;
            let (s1, s2) = states[k];
            let s = x + 2.0 * rad * w.cos() * s1 - rad * rad * s2;
            states[k] = (s, s1);
            y += s;
        }
        mono[i] = y;
    }
    let (sum, count) = mono
        .iter()
        .zip(&active)
        .filter(|(_, &a)| a)
        .fold((0.0, 0usize), |(s, c), (v, _)| (s + v * v, c + 1));
    let rms = (sum / count.max(1) as f64).sqrt();
    let g = 10f64.powf(rms_dbfs / 20.0) / rms.max(1e-30);
    stereo(|i| mono[i] * g, |i| mono[i] * g, n)
}

/// White noise at `rms_dbfs` RMS (a noise floor), stereo uncorrelated.
pub fn noise_floor(rate: u32, seconds: f64, rms_dbfs: f64, seed: u64) -> Vec<f32> {
    let n = frames(rate, seconds);
    let mut noise = Noise::new(seed);
    // Uniform noise in [−1, 1) has RMS 1/√3.
    let g = 10f64.powf(rms_dbfs / 20.0) * 3f64.sqrt();
    (0..2 * n).map(|_| (noise.sample() * g) as f32).collect()
}

/// Stereo sine at `freq` Hz with amplitude `amp` (linear).
pub fn sine(rate: u32, seconds: f64, freq: f64, amp: f64) -> Vec<f32> {
    let fs = rate as f64;
    let f = move |i: usize| amp * (2.0 * PI * freq * i as f64 / fs).sin();
    stereo(f, f, frames(rate, seconds))
}

/// Digital silence.
pub fn silence(rate: u32, seconds: f64) -> Vec<f32> {
    vec![0.0; 2 * frames(rate, seconds)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_deterministic_and_sized() {
        for s in SIGNALS {
            let a = (s.generate)(48_000, 0.5);
            let b = (s.generate)(48_000, 0.5);
            assert_eq!(a, b, "{} not deterministic", s.name);
            assert_eq!(a.len(), 48_000, "{}", s.name);
            assert!(a.iter().all(|v| v.is_finite()), "{}", s.name);
        }
    }

    #[test]
    fn speech_like_hits_its_level() {
        let x = speech_like(48_000, 3.0, -40.0, 1);
        let active: Vec<f32> = x[..2 * 48_000 * 24 / 10].to_vec();
        let rms =
            (active.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / active.len() as f64).sqrt();
        assert!((20.0 * rms.log10() + 40.0).abs() < 0.5);
    }
}
