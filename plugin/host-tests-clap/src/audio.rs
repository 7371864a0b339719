//! Audio helpers for the host tests: input streams, independent
//! measurements, and the reference run of `headroom_dsp::Chain` that the
//! plugin's output is compared with.

use headroom_dsp::{Chain, ParamValues};
use headroom_testdata::{meter, SIGNALS};

/// Block sizes every host test goes through: one frame, a small prime, a
/// power of two, a prime just under one, and a large block.
pub const BLOCK_SIZES: [usize; 5] = [1, 7, 64, 511, 4096];

/// Sample rates every host test goes through, Hz.
pub const SAMPLE_RATES: [u32; 3] = [44_100, 48_000, 96_000];

/// The default ceiling, dBTP (contract: table default).
pub const DEFAULT_CEILING_DBTP: f64 = -1.0;

/// Every torture signal of `headroom_testdata::SIGNALS`, `seconds_each`
/// long, back to back (the cuts between them are part of the torture).
/// Interleaved stereo.
pub fn torture_stream(rate: u32, seconds_each: f64) -> Vec<f32> {
    SIGNALS
        .iter()
        .flat_map(|s| (s.generate)(rate, seconds_each))
        .collect()
}

/// True peak of interleaved audio in dBTP, by the independent 16×
/// reference meter (not the limiter's own detector).
pub fn true_peak_dbtp(interleaved: &[f32], channels: usize) -> f64 {
    meter::db(meter::true_peak(interleaved, channels))
}

/// RMS level in dBFS of a slice (all channels together).
pub fn rms_dbfs(x: &[f32]) -> f64 {
    let sum: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
    10.0 * (sum / x.len().max(1) as f64).log10()
}

/// Panics naming the first non-finite sample.
pub fn assert_finite(x: &[f32], what: &str) {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        panic!("{what}: sample {i} is {}", x[i]);
    }
}

/// The left channel of interleaved stereo, as mono.
pub fn left_channel(stereo: &[f32]) -> Vec<f32> {
    stereo.iter().step_by(2).copied().collect()
}

/// Runs interleaved audio through a fresh `headroom_dsp::Chain` the way a
/// host would through the plugin: blocks whose sizes cycle through
/// `block_sizes`, with `params` applied from the start. What the plugin
/// should output for the same input.
pub fn reference_chain_output(
    rate: u32,
    channels: usize,
    params: ParamValues,
    input: &[f32],
    block_sizes: &[usize],
) -> Vec<f32> {
    let mut chain = Chain::with_params(rate as f32, channels, params).unwrap();
    let mut out = input.to_vec();
    let frames = input.len() / channels;
    let mut start = 0;
    let mut sizes = block_sizes.iter().cycle();
    while start < frames {
        let n = (*sizes.next().unwrap()).min(frames - start);
        chain.process_interleaved(&mut out[start * channels..(start + n) * channels]);
        start += n;
    }
    out
}

/// Largest absolute sample difference and where it is.
pub fn max_difference(a: &[f32], b: &[f32]) -> (f32, usize) {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .enumerate()
        .fold(
            (0.0, 0),
            |(m, at), (i, d)| if d > m { (d, i) } else { (m, at) },
        )
}
