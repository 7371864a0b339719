//! Silence does not wind Layer A up: a quiet app ridden up to the target
//! goes silent for 10 s and comes back exactly as loud as it went, with
//! no burst above the level it had before the pause (the gain is frozen
//! while there is nothing to measure, although `max_boost` would allow
//! 10 dB more).

mod common;
mod layer_a_common;

use common::*;
use layer_a_common::*;

#[test]
fn a_quiet_app_comes_back_from_silence_no_louder_than_it_went() {
    let (mut graph, speakers, _profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_boost = 20.0");

    // 12 s at −30 dBFS (ridden up 10 dB), 10 s of silence, 5 s at −30 again.
    let mut content = noise(12.0, -30.0, None, 5);
    content.extend(silence(10.0));
    content.extend(noise(5.0, -30.0, None, 6));
    content.extend(silence(1.0));
    let playing = play_recorded(
        &mut graph,
        router,
        &content,
        "Quiet App",
        "quiet-app",
        speakers.id,
    );
    let recorded = playing.finish(&mut graph, TIMEOUT * 3);

    // The stream reaches the speakers only after the router moved it from
    // the fail-safe default: align on the end of the first part instead of
    // its start (the last sounding sample before the 10 s gap).
    let frames: Vec<&[f32]> = recorded.chunks_exact(2).collect();
    let sounding = |f: &&[f32]| f[0] != 0.0 || f[1] != 0.0;
    // First sound after a run of ≥ 5 s of silence.
    let gap = 5 * RATE as usize;
    let mut quiet = 0;
    let back = frames
        .iter()
        .position(|f| {
            if sounding(f) {
                let resumed = quiet >= gap;
                quiet = 0;
                resumed
            } else {
                quiet += 1;
                false
            }
        })
        .expect("the app never came back after the silence") as f64
        / f64::from(RATE);
    let went = back - 10.0;
    let before = level_db(span(&recorded, went - 3.0, went));
    let after = window_levels(span(&recorded, back, back + 4.5), 0.1);
    let loudest = after.iter().cloned().fold(f64::MIN, f64::max);
    eprintln!("before the pause {before:.2} dBFS; after it, loudest 100 ms {loudest:.2} dBFS");
    assert!(
        (before + 20.0).abs() < 2.0,
        "not ridden to the target before the pause: {before:.2} dBFS"
    );
    assert!(
        loudest < before + 1.0,
        "came back {:.2} dB louder than it went\nrouter log:\n{}",
        loudest - before,
        graph.log(router)
    );
}
