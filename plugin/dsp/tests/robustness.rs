//! Any block size, any supported rate, hostile input: output is finite,
//! under the ceiling, and independent of how the stream is split.

mod common;
use common::*;
use headroom_dsp::{Chain, ChainError, ParamValues};

#[test]
fn output_does_not_depend_on_block_size() {
    let input = headroom_testdata::signals::clipped_music(48_000, 2.0);
    let reference = run(ParamValues::default(), 48_000, &input, 4096);
    for block in [1, 2, 7, 61, 64, 127, 1000, 8192, 10_007] {
        let out = run(ParamValues::default(), 48_000, &input, block);
        assert!(out == reference, "block size {block} changed the output");
    }
}

#[test]
fn empty_blocks_are_fine() {
    let mut chain = Chain::new(48_000.0, 2).unwrap();
    chain.process(&mut []);
    chain.process(&mut [&mut [][..], &mut [][..]]);
    chain.process_interleaved(&mut []);
}

#[test]
fn extreme_rates_hold_the_ceiling() {
    for rate in [1_000u32, 8_000, 22_050, 384_000, 768_000] {
        for gen in [
            headroom_testdata::signals::clipped_music,
            headroom_testdata::signals::sweep,
        ] {
            let out = run(ParamValues::default(), rate, &gen(rate, 1.0), 700);
            let tp = reference_tp_db(&out);
            assert!(tp <= -1.0, "{rate} Hz: {tp} dBTP");
        }
    }
}

#[test]
fn unsupported_configurations_are_refused_with_reasons() {
    assert_eq!(Chain::new(48_000.0, 0).err(), Some(ChainError::Channels(0)));
    assert_eq!(Chain::new(48_000.0, 9).err(), Some(ChainError::Channels(9)));
    for rate in [999.0, 768_001.0, 0.0, -48_000.0, f32::INFINITY] {
        assert!(
            matches!(Chain::new(rate, 2), Err(ChainError::SampleRate(_))),
            "{rate} Hz accepted"
        );
    }
    // Both ends and a fractional rate are accepted.
    for rate in [1_000.0, 768_000.0, 44_055.945] {
        assert!(Chain::new(rate, 2).is_ok(), "{rate} Hz refused");
    }
    assert!(matches!(
        Chain::new(f32::NAN, 2),
        Err(ChainError::SampleRate(_))
    ));
    let msg = Chain::new(48_000.0, 9).err().unwrap().to_string();
    assert!(msg.contains("1 to 8"), "{msg}");
}

#[test]
fn nan_inf_and_huge_input_never_escape() {
    let mut input = headroom_testdata::signals::clipped_music(48_000, 1.0);
    let poison = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1.0e30,
        -3.0e38,
        f32::MAX,
        1.0e-40,
        -1.0e-45,
    ];
    for (i, v) in input.iter_mut().enumerate() {
        if i % 997 == 0 {
            *v = poison[(i / 997) % poison.len()];
        }
    }
    // A run of pure garbage too.
    for (i, v) in input[40_000..42_000].iter_mut().enumerate() {
        *v = poison[i % poison.len()];
    }
    let out = run(ParamValues::default(), 48_000, &input, 256);
    assert!(out.iter().all(|v| v.is_finite()), "non-finite output");
    let ceiling = 10f32.powf(-1.0 / 20.0);
    assert!(
        out.iter().all(|v| v.abs() <= ceiling),
        "sample over the ceiling"
    );
    let tp = reference_tp_db(&out);
    assert!(tp <= -1.0, "{tp} dBTP");
    // The chain recovers: after the garbage, clean input gives sane output.
    let mut chain = Chain::new(48_000.0, 1).unwrap();
    let mut bad = vec![f32::NAN; 4800];
    chain.process(&mut [&mut bad[..]]);
    assert!(bad.iter().all(|&v| v == 0.0));
    let mut good: Vec<f32> = (0..48_000).map(|n| 0.1 * (n as f32 * 0.05).sin()).collect();
    chain.process(&mut [&mut good[..]]);
    assert!(
        good[10_000..].iter().any(|&v| v.abs() > 0.01),
        "chain did not recover after NaN input"
    );
}

#[test]
fn denormal_input_is_flushed_to_silence() {
    let mut chain = Chain::new(48_000.0, 2).unwrap();
    let mut l = vec![1.0e-39f32; 48_000];
    let mut r: Vec<f32> = (0..48_000)
        .map(|i| {
            if i % 2 == 0 {
                f32::MIN_POSITIVE / 3.0
            } else {
                -1.0e-42
            }
        })
        .collect();
    chain.process(&mut [&mut l[..], &mut r[..]]);
    assert!(l.iter().chain(r.iter()).all(|&v| v == 0.0));
}

#[test]
fn every_channel_count_is_linked_and_limited() {
    for channels in 1..=8usize {
        let music = headroom_testdata::signals::hot_float(48_000, 0.5);
        let frames = music.len() / 2;
        let mut x = vec![0.0f32; frames * channels];
        for f in 0..frames {
            for c in 0..channels {
                x[f * channels + c] = music[2 * f + (c % 2)] * (1.0 + c as f32 * 0.1);
            }
        }
        let mut chain = Chain::new(48_000.0, channels).unwrap();
        chain.process_interleaved(&mut x);
        for c in 0..channels {
            let ch: Vec<f32> = x.iter().skip(c).step_by(channels).cloned().collect();
            let tp = headroom_testdata::meter::db(headroom_testdata::meter::true_peak(&ch, 1));
            assert!(tp <= -1.0, "{channels} channels, channel {c}: {tp} dBTP");
        }
    }
}
