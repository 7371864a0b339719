//! Helpers shared by the DSP integration tests.
#![allow(dead_code)]

use headroom_dsp::{Chain, ParamId, ParamValues};

pub const RATES: [u32; 4] = [44_100, 48_000, 96_000, 192_000];

/// Defaults with AGC and compressor switched off: the limiter alone.
pub fn limiter_only() -> ParamValues {
    let mut p = ParamValues::default();
    p.set(ParamId::AgcEnabled, 0.0);
    p.set(ParamId::CompEnabled, 0.0);
    p
}

/// Runs interleaved stereo through a fresh chain in blocks of `block`
/// frames, flushing the latency with zeros; returns output aligned to input.
pub fn run(params: ParamValues, rate: u32, input: &[f32], block: usize) -> Vec<f32> {
    let mut chain = Chain::with_params(rate as f32, 2, params).unwrap();
    let latency = chain.latency_samples();
    let mut buf = input.to_vec();
    buf.extend(std::iter::repeat_n(0.0, 2 * latency));
    for piece in buf.chunks_mut(2 * block.max(1)) {
        chain.process_interleaved(piece);
    }
    buf.drain(..2 * latency);
    buf
}

/// True peak in dBTP by the independent 16× reference meter.
pub fn reference_tp_db(x: &[f32]) -> f64 {
    headroom_testdata::meter::db(headroom_testdata::meter::true_peak(x, 2))
}

/// True peak in dBTP by the ebur128 crate (4× at ≤ 96 kHz, as BS.1770).
pub fn ebur128_tp_db(x: &[f32], rate: u32) -> f64 {
    let mut m = ebur128::EbuR128::new(2, rate, ebur128::Mode::TRUE_PEAK).unwrap();
    m.add_frames_f32(x).unwrap();
    let tp = m.true_peak(0).unwrap().max(m.true_peak(1).unwrap());
    20.0 * tp.log10()
}

/// Integrated loudness in LUFS by ebur128.
pub fn loudness_lufs(x: &[f32], rate: u32) -> f64 {
    let mut m = ebur128::EbuR128::new(2, rate, ebur128::Mode::I).unwrap();
    m.add_frames_f32(x).unwrap();
    m.loudness_global().unwrap()
}

pub fn db(x: f64) -> f64 {
    20.0 * x.log10()
}
