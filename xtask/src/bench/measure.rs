//! What comes out of each limiter: true peak against the ceiling, how often
//! it goes over, and the delay it adds. Measured from the outside with
//! `headroom_testdata::meter` (16× windowed-sinc, f64), the same meter the
//! DSP's tests trust, so every processor is judged by one yardstick.

use std::path::Path;

use headroom_testdata::meter;

use crate::cmd::Result;

/// Length of one over-counting window, seconds (480 frames at 48 kHz).
pub const WINDOW_SECONDS: f64 = 0.010;
/// A window is an over when its true peak exceeds the ceiling by more than
/// this, dB (absorbs the last digits of meter-to-meter differences).
pub const OVER_TOLERANCE_DB: f64 = 0.01;
/// Where the latency probe's impulse sits, frames.
const IMPULSE_AT: usize = 4_800;
/// Latency probe amplitude: far under any ceiling, so nothing limits it.
const IMPULSE_LEVEL: f32 = 0.1;

/// Writes interleaved 32-bit float audio.
pub fn write_wav(path: &Path, interleaved: &[f32], channels: u16, rate: u32) -> Result {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let fail = |e: hound::Error| format!("could not write {}: {e}", path.display());
    let mut writer = hound::WavWriter::create(path, spec).map_err(fail)?;
    for &s in interleaved {
        writer.write_sample(s).map_err(fail)?;
    }
    writer.finalize().map_err(fail)
}

/// Reads a WAV file (float or integer PCM) as interleaved `f32` in ±1.0.
pub fn read_wav(path: &Path) -> Result<(Vec<f32>, usize)> {
    let fail = |e: hound::Error| format!("could not read {}: {e}", path.display());
    let mut reader = hound::WavReader::open(path).map_err(fail)?;
    let spec = reader.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<std::result::Result<Vec<f32>, _>>(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<std::result::Result<Vec<f32>, _>>()
        }
    }
    .map_err(fail)?;
    Ok((samples, spec.channels as usize))
}

/// True-peak summary of one output.
#[derive(Debug, Clone, Copy)]
pub struct Peaks {
    pub max_true_peak_db: f64,
    /// Windows whose true peak is over the ceiling (beyond the tolerance).
    pub overs: usize,
    pub windows: usize,
}

/// Measures `interleaved` window by window against `ceiling_db` (dBTP).
/// Channels run in parallel.
pub fn peaks(interleaved: &[f32], channels: usize, rate: u32, ceiling_db: f64) -> Peaks {
    let frames = interleaved.len() / channels;
    let window = ((rate as f64 * WINDOW_SECONDS).round() as usize).max(1);
    let windows = frames.div_ceil(window);
    let per_channel: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..channels)
            .map(|c| {
                scope.spawn(move || meter::window_true_peaks(interleaved, channels, c, window))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("meter thread"))
            .collect()
    });
    let over_level = 10f64.powf((ceiling_db + OVER_TOLERANCE_DB) / 20.0);
    let mut max = 0.0f64;
    let mut overs = 0;
    for w in 0..windows {
        let peak = per_channel.iter().map(|p| p[w]).fold(0.0, f64::max);
        max = max.max(peak);
        if peak > over_level {
            overs += 1;
        }
    }
    Peaks {
        max_true_peak_db: meter::db(max),
        overs,
        windows,
    }
}

/// Stereo latency probe: one second of silence with one small impulse.
pub fn impulse(rate: u32) -> Vec<f32> {
    let mut probe = vec![0.0f32; 2 * rate as usize];
    probe[2 * IMPULSE_AT] = IMPULSE_LEVEL;
    probe[2 * IMPULSE_AT + 1] = IMPULSE_LEVEL;
    probe
}

/// Delay between the probe's impulse and the largest output sample, frames
/// (`None` if the output is silent or early, i.e. nothing was measured).
pub fn latency(output: &[f32], channels: usize) -> Option<usize> {
    let (peak_at, peak) =
        output
            .iter()
            .step_by(channels)
            .enumerate()
            .fold((0, 0.0f32), |best, (i, &s)| {
                if s.abs() > best.1 {
                    (i, s.abs())
                } else {
                    best
                }
            });
    (peak > 0.0 && peak_at >= IMPULSE_AT).then(|| peak_at - IMPULSE_AT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_of_a_delayed_probe_is_the_delay() {
        let probe = impulse(48_000);
        let mut delayed = vec![0.0; probe.len()];
        delayed[2 * 64..].copy_from_slice(&probe[..probe.len() - 2 * 64]);
        assert_eq!(latency(&probe, 2), Some(0));
        assert_eq!(latency(&delayed, 2), Some(64));
        assert_eq!(latency(&vec![0.0; 100], 2), None);
    }

    #[test]
    fn counts_windows_over_the_ceiling() {
        let rate = 48_000;
        // 0.1 s of a quiet sine with one loud 10 ms burst in the middle.
        let mut audio: Vec<f32> = (0..rate / 10)
            .flat_map(|i| {
                let s = 0.25 * (i as f32 * 0.05).sin();
                [s, s]
            })
            .collect();
        for s in &mut audio[2 * 2400..2 * 2880] {
            *s *= 4.0;
        }
        let p = peaks(&audio, 2, rate, -1.0);
        assert_eq!(p.windows, 10);
        assert!(p.overs >= 1 && p.overs <= 3, "{p:?}");
        // 0 dBFS sine plus a little overshoot from the abrupt edges.
        assert!((0.0..0.2).contains(&p.max_true_peak_db), "{p:?}");
        assert_eq!(peaks(&audio, 2, rate, 1.0).overs, 0);
    }
}
