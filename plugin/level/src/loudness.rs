//! EBU R128 loudness (ITU-R BS.1770-4 K-weighting and gating), through the
//! `ebur128` crate: integrated, momentary (400 ms), short-term (3 s) and
//! loudness range (EBU Tech 3342).
//!
//! Channel weighting is ebur128's default map: L, R, C, LFE (unused), Ls,
//! Rs; channels 7–8 unused; mono counts as a single channel.
//!
//! Memory: the gating history grows by ~100 bytes per second of audio
//! (0.7 MB for two hours); everything else is constant.

use ebur128::{EbuR128, Mode};

/// Why a loudness meter could not be made or fed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoudnessError(pub String);

impl std::fmt::Display for LoudnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoudnessError {}

/// A streaming loudness meter.
pub struct LoudnessMeter {
    meter: EbuR128,
    channels: usize,
    sample_rate: u32,
    /// Frames fed since the last 100 ms step of the maxima.
    since_step: usize,
    step: usize,
    max_momentary: f64,
    max_short_term: f64,
}

/// Final loudness figures; `None` where there is nothing to report (less
/// than 400 ms/3 s of audio, or everything below the −70 LUFS gate).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Loudness {
    /// Integrated (gated) loudness, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Highest momentary (400 ms) loudness, sampled every 100 ms, LUFS.
    pub max_momentary_lufs: Option<f64>,
    /// Highest short-term (3 s) loudness, sampled every 100 ms, LUFS.
    pub max_short_term_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU.
    pub range_lu: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl LoudnessMeter {
    /// A meter for `channels` interleaved channels at `sample_rate` Hz.
    pub fn new(channels: usize, sample_rate: u32) -> Result<LoudnessMeter, LoudnessError> {
        let err = |e: ebur128::Error| {
            LoudnessError(format!(
                "loudness meter ({channels} ch, {sample_rate} Hz): {e}"
            ))
        };
        let ch =
            u32::try_from(channels).map_err(|_| LoudnessError(format!("{channels} channels")))?;
        let meter =
            EbuR128::new(ch, sample_rate, Mode::I | Mode::M | Mode::S | Mode::LRA).map_err(err)?;
        Ok(LoudnessMeter {
            meter,
            channels,
            sample_rate,
            since_step: 0,
            step: (sample_rate as usize / 10).max(1),
            max_momentary: f64::NEG_INFINITY,
            max_short_term: f64::NEG_INFINITY,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Feeds interleaved samples (1.0 = full scale).
    pub fn push_interleaved(&mut self, samples: &[f32]) -> Result<(), LoudnessError> {
        let frames = samples.len() / self.channels;
        let mut start = 0;
        // Feed in 100 ms steps so the maxima are sampled on a fixed grid,
        // whatever size the caller's pieces are.
        while start < frames {
            let n = (self.step - self.since_step).min(frames - start);
            self.meter
                .add_frames_f32(&samples[start * self.channels..(start + n) * self.channels])
                .map_err(|e| LoudnessError(format!("loudness meter: {e}")))?;
            self.since_step += n;
            start += n;
            if self.since_step == self.step {
                self.since_step = 0;
                if let Ok(m) = self.meter.loudness_momentary() {
                    self.max_momentary = self.max_momentary.max(m);
                }
                if let Ok(s) = self.meter.loudness_shortterm() {
                    self.max_short_term = self.max_short_term.max(s);
                }
            }
        }
        Ok(())
    }

    /// Momentary loudness of the last 400 ms, LUFS (`None` below −70 or
    /// before 400 ms).
    pub fn momentary(&self) -> Option<f64> {
        self.meter.loudness_momentary().ok().and_then(finite)
    }

    /// Short-term loudness of the last 3 s, LUFS.
    pub fn short_term(&self) -> Option<f64> {
        self.meter.loudness_shortterm().ok().and_then(finite)
    }

    /// The figures so far.
    pub fn result(&self) -> Loudness {
        Loudness {
            integrated_lufs: self.meter.loudness_global().ok().and_then(finite),
            max_momentary_lufs: finite(self.max_momentary),
            max_short_term_lufs: finite(self.max_short_term),
            range_lu: self
                .meter
                .loudness_range()
                .ok()
                .filter(|_| finite(self.max_short_term).is_some())
                .and_then(finite),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, seconds: f64, freq: f64, amp: f64) -> Vec<f32> {
        (0..(rate as f64 * seconds) as usize)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn a_1khz_sine_at_minus_20_dbfs_in_stereo_reads_minus_20_lufs() {
        let mono = sine(48_000, 5.0, 1000.0, 0.1);
        let stereo: Vec<f32> = mono.iter().flat_map(|&v| [v, v]).collect();
        let mut m = LoudnessMeter::new(2, 48_000).unwrap();
        for piece in stereo.chunks(777) {
            m.push_interleaved(piece).unwrap();
        }
        let l = m.result();
        for v in [
            l.integrated_lufs,
            l.max_momentary_lufs,
            l.max_short_term_lufs,
        ] {
            assert!((v.unwrap() + 20.0).abs() < 0.05, "{l:?}");
        }
        assert!(l.range_lu.unwrap().abs() < 0.1, "{l:?}");
    }

    #[test]
    fn silence_has_no_loudness() {
        let mut m = LoudnessMeter::new(1, 44_100).unwrap();
        m.push_interleaved(&vec![0.0; 44_100 * 4]).unwrap();
        assert_eq!(m.result(), Loudness::default());
    }
}
