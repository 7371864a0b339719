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

/// Every sample rate a host may run the plugin at that the rate tests go
/// through, Hz: clap-validator's list (1 kHz to 768 kHz) plus a fractional
/// one (44.1 kHz pulled down by 1/1.001, as video transfers do).
pub const EVERY_RATE_HZ: [f64; 15] = [
    1_000.0,
    8_000.0,
    11_025.0,
    16_000.0,
    22_050.0,
    44_100.0,
    48_000.0,
    88_200.0,
    96_000.0,
    176_400.0,
    192_000.0,
    352_800.0,
    384_000.0,
    768_000.0,
    44_100.0 / 1.001,
];

/// Longest latency allowed at 44.1 kHz and above, ms.
pub const MAX_LATENCY_MS: f64 = 1.5;

/// Largest block the rate tests hand the plugin, frames.
pub const MAX_RANDOM_BLOCK: usize = 4096;

/// Small deterministic PRNG (xorshift64*), so every run sees the same
/// "random" blocks, audio and parameter values.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
}

/// Block sizes as a host with variable-size callbacks might use them:
/// mostly small and odd, sometimes one frame, sometimes the maximum.
pub fn random_blocks(prng: &mut Prng, count: usize, max: usize) -> Vec<usize> {
    (0..count)
        .map(|_| match prng.range(0, 9) {
            0 => 1,
            1 => max,
            2..=5 => prng.range(1, 64),
            _ => prng.range(1, max),
        })
        .collect()
}

/// Interleaved stereo noise as clap-validator feeds it (uniform in
/// [−1, 1)), at a level that changes every few thousand frames from
/// silence to +12 dBFS.
pub fn random_audio(prng: &mut Prng, frames: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(2 * frames);
    let mut level = 1.0;
    for f in 0..frames {
        if f % 3000 == 0 {
            level = [0.0, 1e-3, 0.3, 1.0, 4.0][prng.range(0, 4)];
        }
        for _ in 0..2 {
            out.push((level * (2.0 * prng.unit() - 1.0)) as f32);
        }
    }
    out
}

/// The rate tests' input at `rate`: every torture signal (at least 2000
/// frames each, so the lowest rates get more than a handful of samples),
/// then `random_audio`.
pub fn torture_and_noise(rate: f64, prng: &mut Prng) -> Vec<f32> {
    let whole = rate.round() as u32;
    let seconds_each = (2000.0 / rate).max(0.05);
    let mut input: Vec<f32> = SIGNALS
        .iter()
        .flat_map(|s| (s.generate)(whole, seconds_each))
        .collect();
    let noise_frames = (rate * 0.1).max(6000.0) as usize;
    input.extend(random_audio(prng, noise_frames));
    input
}

/// Panics naming the first sample that is NaN, infinite or subnormal
/// (what clap-validator checks of every output buffer).
pub fn assert_clean(x: &[f32], what: &str) {
    if let Some(i) = x.iter().position(|v| !v.is_finite() || v.is_subnormal()) {
        panic!("{what}: sample {i} is {:e}", x[i]);
    }
}

/// A quiet stereo click (far below every threshold) at frame `at` of
/// `frames`: the probe for measuring latency.
pub fn click(at: usize, frames: usize) -> Vec<f32> {
    let mut input = vec![0.0f32; 2 * frames];
    input[2 * at] = 0.01;
    input[2 * at + 1] = 0.01;
    input
}

/// Frame of the loudest left-channel sample of interleaved stereo.
pub fn loudest_frame(stereo: &[f32]) -> usize {
    (0..stereo.len() / 2)
        .max_by(|&a, &b| stereo[2 * a].abs().total_cmp(&stereo[2 * b].abs()))
        .unwrap_or(0)
}

/// Asserts that a click sent in at frame `at` came out of `probe`
/// (stereo, interleaved) exactly `latency` frames later.
pub fn assert_click_delayed(probe: &[f32], at: usize, latency: usize, what: &str) {
    assert_eq!(
        loudest_frame(probe),
        at + latency,
        "{what}: a click at frame {at} came out at another frame than the reported {latency} samples later"
    );
}

/// Asserts that a torture signal's output true peak `tp` (dBTP, by the
/// independent meter) holds the default ceiling without being limited
/// down to near silence.
pub fn assert_holds_the_ceiling(tp: f64, what: &str) {
    assert!(
        tp <= DEFAULT_CEILING_DBTP,
        "{what}: true peak {tp:.4} dBTP over the {DEFAULT_CEILING_DBTP} dBTP ceiling"
    );
    assert!(
        tp > DEFAULT_CEILING_DBTP - 6.0,
        "{what}: output nearly silent ({tp:.1} dBTP)"
    );
}

/// Checks a reported latency against the chain's and the 1.5 ms bound
/// (at 44.1 kHz and above), and returns it.
pub fn check_reported_latency(rate: f64, reported: u32, what: &str) -> usize {
    let chain = Chain::new(rate as f32, 2)
        .unwrap_or_else(|e| panic!("{what}: the DSP refuses {rate} Hz: {e}"));
    assert_eq!(
        reported as usize,
        chain.latency_samples(),
        "{what}: reported latency differs from the DSP chain's"
    );
    assert!(
        reported > 0,
        "{what}: a lookahead limiter cannot have zero latency"
    );
    let ms = reported as f64 * 1000.0 / rate;
    if rate >= 44_100.0 / 1.001 {
        assert!(
            ms <= MAX_LATENCY_MS,
            "{what}: latency {reported} samples = {ms:.3} ms, over {MAX_LATENCY_MS} ms"
        );
    }
    reported as usize
}
