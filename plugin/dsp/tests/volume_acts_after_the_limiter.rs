//! The listener's volume (desktop volume keys, via the host): a cut lowers
//! the output by exactly its amount even with the AGC riding, a boost never
//! takes the output past the ceiling; measured by the independent meter.

mod common;
use common::*;
use headroom_dsp::{Chain, ParamValues, MAX_VOLUME};
use headroom_testdata::{signals, SIGNALS};

const RATE: u32 = 48_000;

/// Runs `input` through a chain with `volume` on both channels from the
/// first sample (as a host that sets its controls before playing does).
fn run_at(volume: f32, input: &[f32]) -> Vec<f32> {
    let mut chain = Chain::with_params(RATE as f32, 2, ParamValues::default()).unwrap();
    for c in 0..2 {
        chain.set_volume(c, volume);
    }
    chain.reset();
    let mut buf = input.to_vec();
    for piece in buf.chunks_mut(2 * 256) {
        chain.process_interleaved(piece);
    }
    buf
}

#[test]
fn a_cut_lowers_the_output_by_its_amount_and_the_agc_does_not_undo_it() {
    // Speech a little under the AGC's target: a cut before the AGC would
    // be undone within seconds (it raises the gain toward the target
    // again); after the limiter it stays exact.
    let input = signals::speech_like(RATE, 12.0, -24.0, 7);
    let full = run_at(1.0, &input);
    for volume in [0.5f32, 0.125, 0.01] {
        let out = run_at(volume, &input);
        // The last 6 s, once the AGC has settled in both runs.
        let tail = |x: &[f32]| x[x.len() / 2..].to_vec();
        let drop = loudness_lufs(&tail(&full), RATE) - loudness_lufs(&tail(&out), RATE);
        let want = -db(volume as f64);
        assert!(
            (drop - want).abs() < 0.1,
            "volume {volume}: the level dropped {drop:.2} dB, want {want:.2} dB"
        );
    }
}

#[test]
fn no_volume_takes_the_output_past_the_ceiling() {
    let ceiling = -1.0;
    for s in SIGNALS {
        let input = (s.generate)(RATE, 1.5);
        for volume in [1.5f32, MAX_VOLUME, 1.0e9, f32::INFINITY] {
            let out = run_at(volume, &input);
            let tp = reference_tp_db(&out);
            assert!(
                tp <= ceiling,
                "{} at volume {volume}: {tp:+.3} dBTP over the {ceiling} dBTP ceiling",
                s.name
            );
            assert!(out.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn moving_the_volume_mid_stream_never_clicks() {
    let input = signals::sine(RATE, 2.0, 997.0, 0.25);
    let mut chain = Chain::new(RATE as f32, 2).unwrap();
    let mut buf = input.clone();
    let mut worst = 0.0f32;
    let mut previous = None::<f32>;
    for (i, piece) in buf.chunks_mut(2 * 128).enumerate() {
        // Slam the volume between silence and full every 100 ms.
        if i % 37 == 0 {
            let v = if (i / 37) % 2 == 0 { 0.0 } else { 1.0 };
            chain.set_volume(0, v);
            chain.set_volume(1, v);
        }
        chain.process_interleaved(piece);
        for frame in piece.chunks(2) {
            if let Some(p) = previous {
                worst = worst.max((frame[0] - p).abs());
            }
            previous = Some(frame[0]);
        }
    }
    // A 997 Hz sine at 0.25 moves at most 0.033 per sample at 48 kHz; a
    // step in gain would add up to its full amplitude.
    assert!(worst < 0.05, "largest sample step {worst}");
}
