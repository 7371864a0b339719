//! `lv2file` (blocks of 256 frames) running the surround plugin on a 5.1
//! file: six different signals, each at +6 dBTP, on `in_1..in_6`; lv2file
//! feeds `in_7`/`in_8` silence and writes all eight outputs. Proves:
//! - every output channel's true peak, by the independent 16× meter,
//!   stays at or below the default ceiling, and none is silenced;
//! - the outputs equal an in-process 8-channel `Chain` given the same six
//!   signals and two silent channels (within 1e-6): the host's channels
//!   reach the right ports and are limited together, not one by one;
//! - `out_7`/`out_8` are silence.

use headroom_dsp::{Chain, ParamId, ParamValues};
use headroom_host_tests_lv2::*;
use headroom_testdata::meter::{channel_true_peak, db};

const RATE: u32 = 48_000;
const BLOCK: usize = 256;
/// The file's channels: 5.1 (FL FR FC LFE RL RR).
const FILE_CHANNELS: usize = 6;
/// True peak of every input channel, dBTP.
const INPUT_TRUE_PEAK_DB: f64 = 6.0;

/// Six different signals, interleaved, each scaled to a true peak of
/// [`INPUT_TRUE_PEAK_DB`], followed by the chain's latency in silence.
fn surround_input() -> Vec<f32> {
    let signals = headroom_testdata::SIGNALS;
    let channels: Vec<Vec<f32>> = (0..FILE_CHANNELS)
        .map(|c| {
            let stereo = (signals[c % signals.len()].generate)(RATE, 1.0);
            let mut mono: Vec<f32> = stereo.iter().skip(c % 2).step_by(2).copied().collect();
            let gain = 10f64.powf(INPUT_TRUE_PEAK_DB / 20.0) / channel_true_peak(&mono, 1, 0);
            mono.iter_mut().for_each(|v| *v = (*v as f64 * gain) as f32);
            mono
        })
        .collect();
    let frames = channels[0].len() + chain_latency(RATE) + 64;
    (0..frames)
        .flat_map(|n| {
            channels
                .iter()
                .map(move |c| c.get(n).copied().unwrap_or(0.0))
        })
        .collect()
}

#[test]
fn a_hot_5_1_file_holds_the_ceiling_on_every_channel_and_matches_the_chain() {
    let input = surround_input();
    let dir = Scratch::new("lv2file-surround");
    let output = lv2file_surround(&dir, RATE, FILE_CHANNELS as u16, &input, &[], BLOCK);

    let frames = input.len() / FILE_CHANNELS;
    let input = &input;
    let mut expected: Vec<f32> = (0..frames)
        .flat_map(|n| {
            (0..SURROUND_CHANNELS).map(move |c| {
                if c < FILE_CHANNELS {
                    input[n * FILE_CHANNELS + c]
                } else {
                    0.0
                }
            })
        })
        .collect();
    let mut chain = Chain::new(RATE as f32, SURROUND_CHANNELS).unwrap();
    chain.process_interleaved(&mut expected);

    let ceiling = ParamValues::default().get(ParamId::LimiterCeiling) as f64;
    let mut problems = Vec::new();
    for c in 0..SURROUND_CHANNELS {
        let tp = db(channel_true_peak(&output, SURROUND_CHANNELS, c));
        let input_tp = if c < FILE_CHANNELS {
            db(channel_true_peak(input, FILE_CHANNELS, c))
        } else {
            f64::NEG_INFINITY
        };
        let diff = output
            .iter()
            .zip(&expected)
            .skip(c)
            .step_by(SURROUND_CHANNELS)
            .map(|(o, e)| (*o as f64 - *e as f64).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "out_{}: in {input_tp:+.2} dBTP, out {tp:+.3} dBTP (ceiling {ceiling:+.1}), max |host − chain| {diff:.1e}",
            c + 1
        );
        if tp > ceiling {
            problems.push(format!("out_{}: {tp:+.4} dBTP above the ceiling", c + 1));
        }
        if c < FILE_CHANNELS && tp < -20.0 {
            problems.push(format!("out_{} is nearly silent: {tp:+.1} dBTP", c + 1));
        }
        if c >= FILE_CHANNELS && tp != f64::NEG_INFINITY {
            problems.push(format!("out_{} is not silent: {tp:+.1} dBTP", c + 1));
        }
        if diff.is_nan() || diff > SAME_OUTPUT_TOLERANCE {
            problems.push(format!(
                "out_{} differs from the chain by {diff:.2e}",
                c + 1
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
