//! The AGC reaches its target on quiet speech, never pumps up silence or
//! noise, does not wind up during pauses, and moves at a bounded rate.

mod common;
use common::*;
use headroom_dsp::{Chain, ParamId, ParamValues};
use headroom_testdata::signals::{noise_floor, silence, speech_like};

const RATE: u32 = 48_000;

/// AGC on, compressor off: the AGC's own behaviour.
fn agc_only() -> ParamValues {
    let mut p = ParamValues::default();
    p.set(ParamId::CompEnabled, 0.0);
    p
}

/// Processes in 100 ms pieces, returning the output and the AGC gain after each piece.
fn run_tracking(chain: &mut Chain, input: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut out = input.to_vec();
    let mut gains = Vec::new();
    for piece in out.chunks_mut(2 * RATE as usize / 10) {
        chain.process_interleaved(piece);
        gains.push(chain.meters().agc_gain_db);
    }
    (out, gains)
}

/// Loudness of each 3 s window (step 1 s) of the signal, LUFS.
fn short_term(x: &[f32]) -> Vec<f64> {
    let win = 2 * 3 * RATE as usize;
    (0..)
        .map(|s| s * 2 * RATE as usize)
        .take_while(|&start| start + win <= x.len())
        .map(|start| loudness_lufs(&x[start..start + win], RATE))
        .collect()
}

#[test]
fn quiet_speech_reaches_the_target_and_stays() {
    for (params, label) in [
        (agc_only(), "AGC alone"),
        (ParamValues::default(), "full chain"),
    ] {
        let input = speech_like(RATE, 40.0, -40.0, 3);
        let mut chain = Chain::with_params(RATE as f32, 2, params).unwrap();
        let (out, _) = run_tracking(&mut chain, &input);
        let target = params.get(ParamId::AgcTarget) as f64;
        let settled = &short_term(&out)[15..];
        for (i, l) in settled.iter().enumerate() {
            assert!(
                (l - target).abs() <= 2.0,
                "{label}: window at {} s reads {l:.2} LUFS, target {target}",
                i + 15
            );
        }
    }
}

#[test]
fn silence_and_a_noise_floor_are_never_pumped_up() {
    let mut chain = Chain::with_params(RATE as f32, 2, agc_only()).unwrap();
    let (out, gains) = run_tracking(&mut chain, &silence(RATE, 10.0));
    assert!(out.iter().all(|&v| v == 0.0));
    assert!(
        gains.iter().all(|&g| g == 0.0),
        "gain moved on silence: {gains:?}"
    );

    let noise = noise_floor(RATE, 20.0, -70.0, 5);
    let mut chain = Chain::with_params(RATE as f32, 2, agc_only()).unwrap();
    let (out, gains) = run_tracking(&mut chain, &noise);
    let max_gain = gains.iter().cloned().fold(f32::MIN, f32::max);
    assert!(max_gain <= 0.0, "noise floor pumped up by {max_gain} dB");
    let in_l = loudness_lufs(&noise[2 * RATE as usize..], RATE);
    let out_l = loudness_lufs(&out[2 * RATE as usize..], RATE);
    assert!(
        (out_l - in_l).abs() < 0.1,
        "noise floor changed from {in_l} to {out_l} LUFS"
    );
}

#[test]
fn no_wind_up_across_ten_seconds_of_silence() {
    let mut chain = Chain::new(RATE as f32, 2).unwrap();
    // Quiet speech drives the gain up…
    let (_, gains) = run_tracking(&mut chain, &speech_like(RATE, 20.0, -40.0, 9));
    let before = *gains.last().unwrap();
    assert!(
        before > 10.0,
        "AGC did not boost quiet speech ({before} dB)"
    );
    // …10 s of silence must leave it exactly where it was…
    let (_, gains) = run_tracking(&mut chain, &silence(RATE, 10.0));
    for g in &gains {
        assert!(
            (g - before).abs() < 0.01,
            "gain drifted to {g} dB during silence (was {before})"
        );
    }
    // …and a sudden loud sound neither bursts over the ceiling nor stays boosted.
    let loud = headroom_testdata::signals::clipped_music(RATE, 3.0);
    let (out, gains) = run_tracking(&mut chain, &loud);
    let tp = reference_tp_db(&out);
    assert!(tp <= -1.0, "burst to {tp} dBTP after silence");
    assert!(chain.meters().limiter_gr_max_db.is_finite());
    let after_1s = gains[10];
    assert!(
        after_1s < before - 20.0,
        "gain still {after_1s} dB one second into loud material"
    );
    // Within the first second the output is no louder than the limiter's ceiling allows
    // and, after it, settles near the target.
    let settled = loudness_lufs(&out[2 * 2 * RATE as usize..], RATE);
    assert!(settled < -12.0, "loud material left at {settled} LUFS");
}

#[test]
fn gain_moves_at_a_bounded_rate_without_wobble() {
    let p = agc_only();
    let speed = p.get(ParamId::AgcSpeed);
    let mut chain = Chain::with_params(RATE as f32, 2, p).unwrap();
    let (_, gains) = run_tracking(&mut chain, &speech_like(RATE, 30.0, -40.0, 4));
    for w in gains.windows(2) {
        let step = w[1] - w[0];
        assert!(
            step <= speed * 0.1 + 1e-3,
            "gain rose {step} dB in 100 ms (limit {} dB)",
            speed * 0.1
        );
        assert!(
            step >= -2.0 * speed * 0.1 - 1e-3,
            "gain fell {step} dB in 100 ms"
        );
    }
    // Rising toward the target, the gain never turns back down by more than
    // a fraction of a dB (no hunting/oscillation around the target).
    let peak_gain = gains.iter().cloned().fold(f32::MIN, f32::max);
    let final_gain = *gains.last().unwrap();
    assert!(
        peak_gain - final_gain < 1.5,
        "gain overshot: peak {peak_gain}, final {final_gain}"
    );
    let mut reversals = 0;
    for w in gains.windows(3) {
        if (w[1] - w[0]) * (w[2] - w[1]) < -1e-4 && (w[2] - w[1]).abs() > 0.05 {
            reversals += 1;
        }
    }
    assert!(
        reversals < 20,
        "gain wobbles: {reversals} reversals in 30 s"
    );
}

#[test]
fn boost_and_cut_are_bounded() {
    let mut p = agc_only();
    p.set(ParamId::AgcMaxBoost, 6.0);
    let mut chain = Chain::with_params(RATE as f32, 2, p).unwrap();
    let (_, gains) = run_tracking(&mut chain, &speech_like(RATE, 20.0, -40.0, 2));
    assert!(gains.iter().all(|&g| g <= 6.0 + 1e-4));
    assert!((gains.last().unwrap() - 6.0).abs() < 0.1);

    let mut p = agc_only();
    p.set(ParamId::AgcMaxCut, 3.0);
    let mut chain = Chain::with_params(RATE as f32, 2, p).unwrap();
    let (_, gains) = run_tracking(
        &mut chain,
        &headroom_testdata::signals::hot_float(RATE, 10.0),
    );
    assert!(gains.iter().all(|&g| g >= -3.0 - 1e-4));
}

#[test]
fn switching_the_agc_off_returns_to_unity() {
    let mut chain = Chain::with_params(RATE as f32, 2, agc_only()).unwrap();
    run_tracking(&mut chain, &speech_like(RATE, 15.0, -40.0, 6));
    assert!(chain.meters().agc_gain_db > 10.0);
    chain.set_param(ParamId::AgcEnabled, 0.0);
    let (_, gains) = run_tracking(&mut chain, &speech_like(RATE, 3.0, -40.0, 6));
    assert_eq!(*gains.last().unwrap(), 0.0);
}
