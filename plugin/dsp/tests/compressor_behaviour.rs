//! The compressor's static curve matches its formula, attack and release
//! behave as documented on step signals, and the channels are linked.

use headroom_dsp::compressor::{static_gain_db, Compressor, CompressorParams};
use headroom_dsp::CHUNK;

const RATE: f32 = 48_000.0;

fn params(threshold: f32, ratio: f32, knee: f32) -> CompressorParams {
    CompressorParams {
        enabled: true,
        threshold_db: threshold,
        ratio,
        knee_db: knee,
        attack_ms: 5.0,
        release_ms: 50.0,
        makeup_db: 0.0,
    }
}

/// Feeds `frames` frames of constant magnitude `level` (alternating sign,
/// so it is a full-scale-like square wave, not DC) and returns the output
/// magnitude of each frame.
fn feed(comp: &mut Compressor, level: f32, frames: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(frames);
    let mut done = 0;
    while done < frames {
        let n = CHUNK.min(frames - done);
        let mut bufs = [[0.0f32; CHUNK]; 2];
        for (i, s) in bufs[0][..n].iter_mut().enumerate() {
            *s = if (done + i) % 2 == 0 { level } else { -level };
        }
        bufs[1] = bufs[0];
        comp.process(&mut bufs, n);
        out.extend(bufs[0][..n].iter().map(|v| v.abs()));
        done += n;
    }
    out
}

fn db(x: f32) -> f32 {
    20.0 * x.log10()
}

/// The textbook soft-knee curve, written independently of the DSP's.
fn expected_out_db(x: f32, t: f32, r: f32, w: f32) -> f32 {
    if 2.0 * (x - t) < -w {
        x
    } else if w > 0.0 && 2.0 * (x - t).abs() <= w {
        x + (1.0 / r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
    } else {
        t + (x - t) / r
    }
}

#[test]
fn static_curve_matches_formula_within_a_tenth_of_a_db() {
    for (t, r, w) in [
        (-20.0, 4.0, 0.0),
        (-20.0, 4.0, 12.0),
        (-12.0, 3.0, 6.0),
        (-30.0, 20.0, 24.0),
        (-6.0, 1.5, 2.0),
    ] {
        for step in 0..=50 {
            let x = -50.0 + step as f32;
            let mut comp = Compressor::new(RATE, params(t, r, w));
            let out = feed(&mut comp, 10f32.powf(x / 20.0), RATE as usize);
            let got = db(*out.last().unwrap());
            let want = expected_out_db(x, t, r, w);
            assert!(
                (got - want).abs() <= 0.1,
                "T={t} R={r} W={w}: in {x} dB → {got:.3} dB, formula {want:.3}"
            );
            assert!((static_gain_db(x, t, r, w) - (want - x)).abs() < 1e-3);
        }
    }
}

#[test]
fn attack_and_release_follow_their_time_constants() {
    // Hard knee, threshold −20, ratio 4: a −10 dB input wants 7.5 dB of reduction.
    let mut p = params(-20.0, 4.0, 0.0);
    p.attack_ms = 10.0;
    p.release_ms = 100.0;
    let mut comp = Compressor::new(RATE, p);
    feed(&mut comp, 0.01, 4800); // −40 dB: idle
    let up = feed(&mut comp, 10f32.powf(-10.0 / 20.0), 48_000);
    let gr_at = |out: &[f32], i: usize, input_db: f32| input_db - db(out[i]);
    let at_attack = gr_at(&up, 480, -10.0);
    assert!(
        (at_attack / 7.5 - 0.632).abs() < 0.03,
        "after one attack time: {at_attack} dB of 7.5 ({:.3})",
        at_attack / 7.5
    );
    assert!((gr_at(&up, 47_999, -10.0) - 7.5).abs() < 0.01);
    // Back below threshold: reduction decays to 36.8% after one release time.
    let down = feed(&mut comp, 10f32.powf(-30.0 / 20.0), 48_000);
    let at_release = gr_at(&down, 4800, -30.0);
    assert!(
        (at_release / 7.5 - 0.368).abs() < 0.03,
        "after one release time: {at_release} dB ({:.3})",
        at_release / 7.5
    );
    assert!(gr_at(&down, 47_999, -30.0).abs() < 0.01);
    assert!(comp.gain_reduction_db() < 1e-3);
}

#[test]
fn channels_are_linked() {
    let mut comp = Compressor::new(RATE, params(-20.0, 4.0, 0.0));
    let mut bufs = [[0.0f32; CHUNK]; 2];
    for _ in 0..2000 {
        bufs[0].fill(0.5); // loud left
        bufs[1].fill(0.01); // quiet right
        comp.process(&mut bufs, CHUNK);
    }
    let left_gain = bufs[0][CHUNK - 1] / 0.5;
    let right_gain = bufs[1][CHUNK - 1] / 0.01;
    assert!(left_gain < 0.5, "left not compressed: {left_gain}");
    assert!(
        (left_gain - right_gain).abs() < 1e-5,
        "gains differ: {left_gain} vs {right_gain}"
    );
}

#[test]
fn makeup_gain_applies_and_switching_off_glides_back() {
    let mut p = params(-20.0, 4.0, 0.0);
    p.makeup_db = 6.0;
    let mut comp = Compressor::new(RATE, p);
    let out = feed(&mut comp, 0.01, 9600);
    assert!((db(*out.last().unwrap()) - (-40.0 + 6.0)).abs() < 0.01);
    p.enabled = false;
    comp.set_params(p);
    let out = feed(&mut comp, 0.01, 48_000);
    assert!((db(out[0]) - (-34.0)).abs() < 0.1, "switch-off jumped");
    assert!((db(*out.last().unwrap()) - (-40.0)).abs() < 0.01);
}
