//! Meter ballistics: turns per-block raw readings into what a meter shows.
//!
//! Peaks rise instantly and fall back at [`PEAK_FALL_DB_PER_S`] (IEC 60268-10
//! PPM-like: 20 dB in 1.7 s), so a reader polling at 10–30 Hz never misses a
//! transient between polls. Gains are shown as they are.

use crate::layout::{Level, MeterValues, FLOOR_DB, LEVEL_COUNT};

/// Fall-back rate of the peak meters, dB per second.
pub const PEAK_FALL_DB_PER_S: f32 = 20.0 / 1.7;

/// What one processed block measured, straight from the DSP.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BlockReading {
    /// Largest input sample magnitude in the block, linear.
    pub input_peak: f32,
    /// Largest output sample magnitude in the block, linear.
    pub output_peak: f32,
    /// Largest output true peak in the block, linear.
    pub output_true_peak: f32,
    pub agc_gain_db: f32,
    pub comp_gr_db: f32,
    /// Most limiter gain reduction in the block, dB.
    pub limiter_gr_db: f32,
    /// Short-term loudness, LUFS (−∞ before anything was measured).
    pub short_term_lufs: f32,
}

/// Linear amplitude → dB, floored at [`FLOOR_DB`]; NaN reads as the floor.
#[inline]
pub fn lin_to_meter_db(x: f32) -> f32 {
    if x > 0.0 {
        (20.0 * x.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

#[inline]
fn finite_or(x: f32, fallback: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        fallback
    }
}

/// Peak-hold-and-fall state. Real-time safe: plain arithmetic.
#[derive(Debug, Clone)]
pub struct Ballistics {
    sample_rate: f32,
    latency_samples: u32,
    shown: [f32; LEVEL_COUNT],
}

impl Ballistics {
    pub fn new(sample_rate: f32, latency_samples: u32) -> Ballistics {
        Ballistics {
            sample_rate,
            latency_samples,
            shown: [FLOOR_DB; LEVEL_COUNT],
        }
    }

    /// Folds in one block of `frames` frames and returns what to publish.
    pub fn update(&mut self, frames: usize, r: &BlockReading) -> MeterValues {
        let fall = PEAK_FALL_DB_PER_S * frames as f32 / self.sample_rate.max(1.0);
        for (level, raw) in [
            (Level::InputPeak, r.input_peak),
            (Level::OutputPeak, r.output_peak),
            (Level::OutputTruePeak, r.output_true_peak),
        ] {
            let slot = &mut self.shown[level as usize];
            *slot = lin_to_meter_db(raw).max((*slot - fall).max(FLOOR_DB));
        }
        self.shown[Level::AgcGain as usize] = finite_or(r.agc_gain_db, 0.0);
        self.shown[Level::CompressorGr as usize] = finite_or(r.comp_gr_db, 0.0).max(0.0);
        self.shown[Level::LimiterGr as usize] = finite_or(r.limiter_gr_db, 0.0).max(0.0);
        self.shown[Level::ShortTermLoudness as usize] =
            finite_or(r.short_term_lufs, FLOOR_DB).max(FLOOR_DB);
        MeterValues {
            sample_rate: self.sample_rate,
            latency_samples: self.latency_samples,
            levels: self.shown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_rise_at_once_and_fall_at_the_documented_rate() {
        let mut b = Ballistics::new(48_000.0, 0);
        let loud = BlockReading {
            input_peak: 1.0,
            ..Default::default()
        };
        let v = b.update(480, &loud);
        assert_eq!(v.levels[Level::InputPeak as usize], 0.0);
        // One second of silence later the meter has fallen by the rate.
        let mut v = v;
        for _ in 0..100 {
            v = b.update(480, &BlockReading::default());
        }
        let shown = v.levels[Level::InputPeak as usize];
        assert!((shown + PEAK_FALL_DB_PER_S).abs() < 0.01, "{shown}");
    }

    #[test]
    fn silence_and_garbage_read_as_the_floor() {
        assert_eq!(lin_to_meter_db(0.0), FLOOR_DB);
        assert_eq!(lin_to_meter_db(f32::NAN), FLOOR_DB);
        let mut b = Ballistics::new(48_000.0, 0);
        let v = b.update(
            64,
            &BlockReading {
                short_term_lufs: f32::NEG_INFINITY,
                agc_gain_db: f32::NAN,
                ..Default::default()
            },
        );
        assert!(v.levels.iter().all(|l| l.is_finite()));
        assert_eq!(v.levels[Level::ShortTermLoudness as usize], FLOOR_DB);
    }
}
