//! With AGC and compressor off and the input well under the ceiling, the
//! output is the input delayed by exactly the reported latency.

mod common;
use common::*;
use headroom_dsp::Chain;

#[test]
fn null_test_against_delayed_input() {
    for &rate in &RATES {
        let mut input = headroom_testdata::signals::clipped_music(rate, 1.0);
        for v in input.iter_mut() {
            *v *= 0.25; // −12 dBFS peak: even its inter-sample peaks stay far below −1 dBTP
        }
        let mut chain = Chain::with_params(rate as f32, 2, limiter_only()).unwrap();
        let latency = chain.latency_samples();
        let mut out = input.clone();
        out.extend(std::iter::repeat_n(0.0, 2 * latency));
        for block in out.chunks_mut(2 * 333) {
            chain.process_interleaved(block);
        }
        let worst = input
            .iter()
            .zip(&out[2 * latency..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= 1e-6,
            "{rate} Hz: output differs from delayed input by {worst}"
        );
        assert!(
            out[..2 * latency].iter().all(|&v| v == 0.0),
            "{rate} Hz: output before latency is not silent"
        );
    }
}

#[test]
fn latency_is_constant_per_rate_and_small() {
    for rate in [
        1_000.0, 8_000.0, 22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0, 768_000.0,
        44_055.945,
    ] {
        let a = Chain::new(rate, 2).unwrap().latency_samples();
        let b = Chain::new(rate, 8).unwrap().latency_samples();
        assert_eq!(a, b, "latency depends on channel count at {rate}");
        let ms = a as f32 / rate * 1000.0;
        eprintln!("{rate} Hz: {a} samples = {ms:.3} ms");
        if rate >= 44_055.0 {
            assert!(ms <= 1.5, "latency {a} samples at {rate} Hz exceeds 1.5 ms");
        }
    }
}

#[test]
fn impulse_comes_out_after_exactly_the_reported_latency() {
    let mut chain = Chain::with_params(48_000.0, 1, limiter_only()).unwrap();
    let latency = chain.latency_samples();
    let mut x = vec![0.0f32; 4 * latency];
    x[0] = 0.1;
    chain.process(&mut [&mut x[..]]);
    let at = x.iter().position(|&v| v != 0.0).unwrap();
    assert_eq!(at, latency);
    assert!((x[at] - 0.1).abs() < 1e-7);
}
