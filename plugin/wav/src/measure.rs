//! Level measurements with an independent meter: the `ebur128` crate (EBU
//! R128 / ITU-R BS.1770) for true peak and integrated loudness, not
//! headroom's own detectors, so the report checks the DSP from the outside.

use ebur128::{EbuR128, Mode};
use serde::Serialize;

use crate::error::WavError;

/// Levels of a piece of audio. `None` means "no signal" (−∞): digital
/// silence has no peak in dB, and audio under 400 ms or below the absolute
/// gate (−70 LUFS) has no integrated loudness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    /// Largest sample magnitude, dBFS.
    pub sample_peak_dbfs: Option<f64>,
    /// Largest inter-sample peak over all channels, dBTP (ebur128's
    /// oversampling true-peak meter: 4× below 96 kHz, 2× below 192 kHz).
    pub true_peak_dbtp: Option<f64>,
    /// Integrated (gated) loudness over the whole file, LUFS.
    pub integrated_lufs: Option<f64>,
}

/// Linear amplitude → dB, `None` for zero (and anything not finite).
pub fn lin_to_db(lin: f64) -> Option<f64> {
    let db = 20.0 * lin.log10();
    db.is_finite().then_some(db)
}

/// Measures interleaved audio. Channel weighting is ebur128's default map
/// (L, R, C, LFE unused, Ls, Rs; channels 7–8 unused; mono as a single channel).
pub fn measure(samples: &[f32], channels: usize, sample_rate: u32) -> Result<Levels, WavError> {
    let internal = |e: ebur128::Error| {
        WavError::Internal(format!(
            "loudness meter ({channels} ch, {sample_rate} Hz): {e}"
        ))
    };
    let channels_u32 = u32::try_from(channels).map_err(|_| {
        WavError::Internal(format!("{channels} channels is beyond the loudness meter"))
    })?;
    let mut meter =
        EbuR128::new(channels_u32, sample_rate, Mode::I | Mode::TRUE_PEAK).map_err(internal)?;
    // Feed in pieces: the meter keeps no more than it needs either way, but a
    // bounded slice keeps its internal buffers small.
    let piece = channels * sample_rate as usize;
    for chunk in samples.chunks(piece.max(channels)) {
        meter.add_frames_f32(chunk).map_err(internal)?;
    }
    let mut true_peak = 0.0f64;
    for c in 0..channels_u32 {
        true_peak = true_peak.max(meter.true_peak(c).map_err(internal)?);
    }
    let sample_peak = samples
        .iter()
        .fold(0.0f64, |m, &s| m.max(f64::from(s.abs())));
    let loudness = meter.loudness_global().map_err(internal)?;
    Ok(Levels {
        sample_peak_dbfs: lin_to_db(sample_peak),
        true_peak_dbtp: lin_to_db(true_peak),
        integrated_lufs: loudness.is_finite().then_some(loudness),
    })
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
