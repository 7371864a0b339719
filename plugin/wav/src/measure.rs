//! Level measurements with the project's meter (`headroom-level`): sample
//! peak, true peak (32× windowed sinc), and EBU R128 loudness. Not the
//! DSP's own detectors, so the report checks the DSP from the outside.

use headroom_level::{lin_to_db as level_db, LoudnessMeter, TruePeakMeter};
use serde::Serialize;

use crate::error::WavError;

/// Levels of a piece of audio. `None` means "no signal" (−∞): digital
/// silence has no peak in dB, and audio under 400 ms (3 s for short-term
/// and range) or below the absolute gate (−70 LUFS) has no loudness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    /// Largest sample magnitude, dBFS.
    pub sample_peak_dbfs: Option<f64>,
    /// Largest inter-sample peak over all channels, dBTP (32× windowed
    /// sinc; within 0.1 dB of the band-limited signal's peak).
    pub true_peak_dbtp: Option<f64>,
    /// Integrated (gated) loudness over the whole file, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Highest momentary (400 ms) loudness, LUFS.
    pub max_momentary_lufs: Option<f64>,
    /// Highest short-term (3 s) loudness, LUFS.
    pub max_short_term_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: Option<f64>,
}

/// Linear amplitude → dB, `None` for zero (and anything not finite).
pub fn lin_to_db(lin: f64) -> Option<f64> {
    level_db(lin)
}

/// Streaming meter for one file: constant memory apart from the loudness
/// gating history (~100 bytes per second).
pub struct LevelMeter {
    channels: usize,
    sample_peak: f32,
    window_sample_peak: f32,
    true_peak: TruePeakMeter,
    loudness: LoudnessMeter,
}

impl LevelMeter {
    pub fn new(channels: usize, sample_rate: u32) -> Result<LevelMeter, WavError> {
        Ok(LevelMeter {
            channels,
            sample_peak: 0.0,
            window_sample_peak: 0.0,
            true_peak: TruePeakMeter::new(channels),
            loudness: LoudnessMeter::new(channels, sample_rate)
                .map_err(|e| WavError::Internal(e.to_string()))?,
        })
    }

    /// Feeds interleaved samples.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), WavError> {
        let peak = samples.iter().fold(0.0f32, |m, &s| m.max(s.abs()));
        self.window_sample_peak = self.window_sample_peak.max(peak);
        self.true_peak.push_interleaved(samples);
        self.loudness
            .push_interleaved(samples)
            .map_err(|e| WavError::Internal(e.to_string()))
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Sample peak and true peak since the last call (linear), and the
    /// short-term loudness now (LUFS): one row of a time series.
    pub fn take_window(&mut self) -> (f64, f64, Option<f64>) {
        let sp = self.window_sample_peak;
        self.sample_peak = self.sample_peak.max(sp);
        self.window_sample_peak = 0.0;
        (
            f64::from(sp),
            self.true_peak.take_window_peak(),
            self.loudness.short_term(),
        )
    }

    /// The figures for everything fed.
    pub fn finish(mut self) -> Levels {
        self.true_peak.finish();
        let sp = self.sample_peak.max(self.window_sample_peak);
        let l = self.loudness.result();
        Levels {
            sample_peak_dbfs: lin_to_db(f64::from(sp)),
            true_peak_dbtp: lin_to_db(self.true_peak.peak()),
            integrated_lufs: l.integrated_lufs,
            max_momentary_lufs: l.max_momentary_lufs,
            max_short_term_lufs: l.max_short_term_lufs,
            loudness_range_lu: l.range_lu,
        }
    }
}

/// Measures interleaved audio held in memory.
pub fn measure(samples: &[f32], channels: usize, sample_rate: u32) -> Result<Levels, WavError> {
    let mut meter = LevelMeter::new(channels, sample_rate)?;
    for piece in samples.chunks((channels * sample_rate as usize).max(channels)) {
        meter.push(piece)?;
    }
    Ok(meter.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, seconds: f64, freq: f64, amp: f64, phase: f64) -> Vec<f32> {
        let n = (rate as f64 * seconds) as usize;
        (0..n)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64 + phase).sin())
                    as f32
            })
            .collect()
    }

    #[test]
    fn silence_has_no_levels() {
        let l = measure(&vec![0.0; 96_000], 2, 48_000).unwrap();
        assert_eq!(l.sample_peak_dbfs, None);
        assert_eq!(l.true_peak_dbtp, None);
        assert_eq!(l.integrated_lufs, None);
    }

    #[test]
    fn fs4_sine_at_45_degrees_shows_its_inter_sample_peak() {
        let x = sine(
            48_000,
            1.0,
            12_000.0,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_PI_4,
        );
        let l = measure(&x, 1, 48_000).unwrap();
        assert!(l.sample_peak_dbfs.unwrap().abs() < 0.01);
        let tp = l.true_peak_dbtp.unwrap();
        assert!((tp - 3.01).abs() < 0.2, "true peak {tp}");
    }

    #[test]
    fn a_1khz_sine_at_minus_20_dbfs_in_both_channels_reads_minus_20_lufs() {
        // BS.1770's calibration: a 0 dBFS 1 kHz sine in one channel reads
        // -3.01 LUFS; the same in both channels of stereo reads 0 LUFS.
        let mono = sine(48_000, 3.0, 1000.0, 0.1, 0.0);
        let stereo: Vec<f32> = mono.iter().flat_map(|&v| [v, v]).collect();
        let l = measure(&stereo, 2, 48_000).unwrap();
        let lufs = l.integrated_lufs.unwrap();
        assert!((lufs + 20.0).abs() < 0.1, "{lufs}");
    }
}
