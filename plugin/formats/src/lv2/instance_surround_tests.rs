//! The surround layout through [`Instance`]: the ceiling on every channel
//! (by the independent reference meter), silence for unconnected inputs,
//! one gain for all channels; and the stereo layout still exactly the
//! two-channel chain.

use headroom_testdata::meter::{channel_true_peak, db};

use super::super::ports::{Layout, STEREO, SURROUND};
use super::*;

const RATE: f64 = 48_000.0;
/// Host block size, frames; the last block of a signal is shorter.
const BLOCK: usize = 256;
const CHANNELS: usize = 8;

/// Runs `inputs` (one planar signal per layout channel, `None` =
/// unconnected) through a fresh instance of `layout` at the default
/// parameters, in blocks of [`BLOCK`]. Outputs of channels in `unconnected_outputs`
/// are not connected; the others start as 0.7 (stale host memory) and are
/// returned, one per channel.
fn run_layout(
    layout: Layout,
    inputs: &[Option<Vec<f32>>],
    unconnected_outputs: &[usize],
) -> Vec<Vec<f32>> {
    let frames = inputs.iter().flatten().map(Vec::len).max().unwrap();
    let mut inst = Instance::new(layout, RATE).unwrap();
    inst.activate();
    let mut outputs = vec![vec![0.0f32; frames]; inputs.len()];
    let mut block_in = vec![[0.0f32; BLOCK]; inputs.len()];
    let mut block_out = vec![[0.7f32; BLOCK]; inputs.len()];
    let mut start = 0;
    while start < frames {
        let n = BLOCK.min(frames - start);
        for c in 0..inputs.len() {
            let input = match &inputs[c] {
                Some(signal) => {
                    block_in[c][..n].copy_from_slice(&signal[start..start + n]);
                    block_in[c].as_mut_ptr()
                }
                None => std::ptr::null_mut(),
            };
            inst.connect(layout.audio_in(c as u32), input);
            block_out[c].fill(0.7);
            let output = if unconnected_outputs.contains(&c) {
                std::ptr::null_mut()
            } else {
                block_out[c].as_mut_ptr()
            };
            inst.connect(layout.audio_out(c as u32), output);
        }
        // SAFETY: every connected buffer holds BLOCK ≥ n frames.
        unsafe { inst.run(n) };
        for c in 0..inputs.len() {
            outputs[c][start..start + n].copy_from_slice(&block_out[c][..n]);
        }
        start += n;
    }
    outputs
}

/// A different signal on each channel, each peaking at `peak`, followed by
/// the chain's latency in silence (so the output plays out whole, without
/// a cut that would ring in a true-peak meter).
fn surround_signals(peak: f32) -> Vec<Vec<f32>> {
    let rate = RATE as u32;
    let tail = Chain::new(RATE as f32, CHANNELS).unwrap().latency_samples() + 64;
    (0..CHANNELS)
        .map(|c| {
            let signal = &headroom_testdata::SIGNALS[c % headroom_testdata::SIGNALS.len()];
            let stereo = (signal.generate)(rate, 1.0);
            let mut mono: Vec<f32> = stereo.iter().skip(c % 2).step_by(2).copied().collect();
            let max = mono.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            mono.iter_mut().for_each(|v| *v *= peak / max);
            mono.extend(std::iter::repeat_n(0.0, tail));
            mono
        })
        .collect()
}

fn interleave(channels: &[Vec<f32>]) -> Vec<f32> {
    (0..channels[0].len())
        .flat_map(|n| channels.iter().map(move |c| c[n]))
        .collect()
}

#[test]
fn a_hot_surround_signal_stays_under_the_ceiling_on_every_channel() {
    let ceiling_db = PARAMS[ParamId::LimiterCeiling as usize].default as f64;
    // +6 dBFS sample peaks on every channel.
    let inputs: Vec<_> = surround_signals(2.0).into_iter().map(Some).collect();
    let outputs = run_layout(SURROUND, &inputs, &[]);
    let interleaved = interleave(&outputs);
    for (c, output) in outputs.iter().enumerate() {
        let sample_peak = output.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            db(sample_peak as f64) <= ceiling_db,
            "channel {c}: sample peak {sample_peak}"
        );
        let true_peak = db(channel_true_peak(&interleaved, CHANNELS, c));
        assert!(
            true_peak <= ceiling_db,
            "channel {c}: true peak {true_peak:+.3} dBTP above the ceiling {ceiling_db:+.1}"
        );
        assert!(
            true_peak > -30.0,
            "channel {c} is nearly silent: {true_peak:+.1} dBTP"
        );
    }
}

#[test]
fn unconnected_inputs_come_out_as_silence() {
    let mut inputs: Vec<Option<Vec<f32>>> = vec![None; CHANNELS];
    let signals = surround_signals(2.0);
    inputs[0] = Some(signals[0].clone());
    inputs[1] = Some(signals[1].clone());
    let outputs = run_layout(SURROUND, &inputs, &[]);
    for (c, output) in outputs.iter().enumerate().skip(2) {
        assert!(
            output.iter().all(|&v| v == 0.0),
            "channel {c}'s input is unconnected, its output is not silent"
        );
    }
    assert!(outputs[0].iter().any(|v| v.abs() > 0.1), "FL is silent");
}

#[test]
fn a_loud_front_left_and_a_quiet_centre_get_the_same_gain() {
    // FC is FL's waveform 26 dB down: linked, it keeps that ratio exactly;
    // unlinked, the chain would treat it as a quiet signal of its own.
    const CENTRE_SCALE: f32 = 0.05;
    let front_left = surround_signals(2.0).swap_remove(2);
    let centre: Vec<f32> = front_left.iter().map(|v| v * CENTRE_SCALE).collect();
    let mut inputs: Vec<Option<Vec<f32>>> = vec![None; CHANNELS];
    inputs[0] = Some(front_left.clone());
    inputs[2] = Some(centre.clone());
    // A hot SL whose output is unconnected must take no part in the gain.
    inputs[6] = Some(front_left.iter().map(|v| v * 8.0).collect());
    let linked = run_layout(SURROUND, &inputs, &[6]);
    let worst = linked[0]
        .iter()
        .zip(&linked[2])
        .map(|(fl, fc)| (fl * CENTRE_SCALE - fc).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-6,
        "FC is not FL's gain times its input: off by {worst:e}"
    );
    let rms =
        |x: &[f32]| db((x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt());

    let mut alone: Vec<Option<Vec<f32>>> = vec![None; CHANNELS];
    alone[2] = Some(centre);
    let alone = run_layout(SURROUND, &alone, &[]);
    let (linked_db, alone_db) = (rms(&linked[2]), rms(&alone[2]));
    assert!(
        alone_db - linked_db > 6.0,
        "FC alone {alone_db:+.1} dB, beside a loud FL {linked_db:+.1} dB: the gain is not linked"
    );

    // Without SL the outputs are the same: its unconnected output kept it out.
    inputs[6] = None;
    let without = run_layout(SURROUND, &inputs, &[6]);
    assert_eq!(
        without[0], linked[0],
        "an unconnected output's channel moved the gain"
    );
}

#[test]
fn stereo_output_is_the_two_channel_chain_bit_for_bit() {
    let signals = surround_signals(2.0);
    let inputs = [Some(signals[0].clone()), Some(signals[1].clone())];
    let outputs = run_layout(STEREO, &inputs, &[]);
    let mut chain = Chain::new(RATE as f32, 2).unwrap();
    let mut expected = [signals[0].clone(), signals[1].clone()];
    for start in (0..expected[0].len()).step_by(BLOCK) {
        let end = (start + BLOCK).min(expected[0].len());
        let [l, r] = &mut expected;
        chain.process(&mut [&mut l[start..end], &mut r[start..end]]);
    }
    assert!(outputs[0] == expected[0] && outputs[1] == expected[1]);
}

/// PipeWire's filter-chain with 5.1 connects the unused inputs to one
/// silence buffer and the unused outputs to one discard buffer: the six
/// used channels are processed all the same.
#[test]
fn unused_channels_on_shared_buffers_leave_the_others_processed() {
    let mut inst = Instance::new(SURROUND, RATE).unwrap();
    let mut audio = [[2.0f32; BLOCK]; 6];
    let mut silence = [0.0f32; BLOCK];
    let mut discard = [0.7f32; BLOCK];
    for (c, buf) in audio.iter_mut().enumerate() {
        inst.connect(SURROUND.audio_in(c as u32), buf.as_mut_ptr());
        inst.connect(SURROUND.audio_out(c as u32), buf.as_mut_ptr());
    }
    for c in 6..8 {
        inst.connect(SURROUND.audio_in(c), silence.as_mut_ptr());
        inst.connect(SURROUND.audio_out(c), discard.as_mut_ptr());
    }
    inst.activate();
    // SAFETY: every buffer holds BLOCK frames.
    unsafe { inst.run(BLOCK) };
    for (c, buf) in audio.iter().enumerate() {
        // The lookahead delays the input: the block starts with its silence.
        assert!(
            buf.iter().all(|v| v.abs() < 1.0),
            "channel {c} was not processed: {buf:?}"
        );
    }
    assert!(
        discard.iter().all(|&v| v == 0.7),
        "the discard buffer was processed"
    );
    assert!(
        silence.iter().all(|&v| v == 0.0),
        "the silence buffer was written"
    );
}
