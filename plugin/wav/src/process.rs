//! Running audio through the chain, offline.

use headroom_dsp::{Chain, ChainError, Meters, ParamValues};

/// What processing produced.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Interleaved output, as many frames as the input.
    pub samples: Vec<f32>,
    /// The chain's delay from input to output, frames.
    pub latency_samples: usize,
    /// Whether the latency was removed (see [`process_samples`]).
    pub aligned: bool,
    /// The chain's meters at the end (gain extremes over the whole file).
    pub meters: Meters,
}

/// Runs interleaved `input` through a fresh chain built with `params`.
///
/// The output always has as many frames as the input. Without `align` it is
/// what a live host would hear: the input delayed by the chain's latency
/// (the last `latency` frames of input do not reach it). With `align`,
/// `latency` frames of silence are fed after the input and the first
/// `latency` output frames dropped, so output frame *n* is input frame *n*
/// processed — sample-for-sample comparable with the input.
pub fn process_samples(
    input: &[f32],
    channels: usize,
    sample_rate: u32,
    params: ParamValues,
    align: bool,
) -> Result<Processed, ChainError> {
    let mut processed = run_chain(input, channels, sample_rate, params, align)?;
    if align {
        processed
            .samples
            .drain(..processed.latency_samples * channels);
        processed.aligned = true;
    }
    Ok(processed)
}

/// Runs interleaved `input` through a fresh chain and then `latency`
/// frames of silence, returning the chain's whole response: `frames +
/// latency` frames, input frame *n* at output frame *n + latency*, the
/// last input sample included. This is what `headroom-wav process` writes
/// without `--align` (and, with the first `latency` frames dropped, what
/// [`process_samples`] returns with `align`).
pub fn process_flushed(
    input: &[f32],
    channels: usize,
    sample_rate: u32,
    params: ParamValues,
) -> Result<Processed, ChainError> {
    run_chain(input, channels, sample_rate, params, true)
}

/// Interleaved `input` through a fresh chain, followed by `latency`
/// frames of silence when `flush` (so the last input sample comes out).
/// The chain splits any length internally; one call over the whole input
/// gives the same result as any block size would.
fn run_chain(
    input: &[f32],
    channels: usize,
    sample_rate: u32,
    params: ParamValues,
    flush: bool,
) -> Result<Processed, ChainError> {
    let mut chain = Chain::with_params(sample_rate as f32, channels, params)?;
    let latency = chain.latency_samples();
    let frames = input.len() / channels;
    let mut buffer = Vec::with_capacity((frames + latency) * channels);
    buffer.extend_from_slice(&input[..frames * channels]);
    if flush {
        buffer.resize((frames + latency) * channels, 0.0);
    }
    chain.process_interleaved(&mut buffer);
    Ok(Processed {
        samples: buffer,
        latency_samples: latency,
        aligned: false,
        meters: *chain.meters(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_dsp::ParamId;

    #[test]
    fn output_length_matches_input_with_and_without_align() {
        let input: Vec<f32> = (0..2 * 1000)
            .map(|i| (i as f32 * 0.01).sin() * 0.1)
            .collect();
        for align in [false, true] {
            let out = process_samples(&input, 2, 48_000, ParamValues::default(), align).unwrap();
            assert_eq!(out.samples.len(), input.len());
            assert!(out.latency_samples > 0);
        }
    }

    #[test]
    fn unaligned_output_is_delayed_by_the_latency() {
        let mut params = ParamValues::default();
        params.set(ParamId::AgcEnabled, 0.0);
        params.set(ParamId::CompEnabled, 0.0);
        let mut input = vec![0.0f32; 4800];
        input[100] = 0.1;
        let out = process_samples(&input, 1, 48_000, params, false).unwrap();
        let peak_at = out
            .samples
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert_eq!(peak_at, 100 + out.latency_samples);
        let aligned = process_samples(&input, 1, 48_000, params, true).unwrap();
        assert!((aligned.samples[100] - 0.1).abs() < 1e-6);
    }

    #[test]
    fn unsupported_rates_and_channel_counts_are_refused() {
        let x = vec![0.0; 16];
        // The DSP runs from 1 kHz to 768 kHz: telephony rates work.
        assert!(process_samples(&x, 2, 8_000, ParamValues::default(), false).is_ok());
        assert!(process_samples(&x, 2, 500, ParamValues::default(), false).is_err());
        assert!(process_samples(&x, 2, 800_000, ParamValues::default(), false).is_err());
        assert!(process_samples(&x, 16, 48_000, ParamValues::default(), false).is_err());
    }
}
