//! A quiet app ridden up to the target suddenly gets 24 dB louder: Layer A
//! cuts it fast (below target + 10 dB within a second and a half, on a
//! loaded machine), yet in small steps (no single gain step over 1.6 dB:
//! measured exactly, sample against sample), and settles at the target.

mod common;
mod layer_a_common;

use common::*;
use layer_a_common::*;

#[test]
fn a_jump_is_cut_fast_in_small_steps() {
    let (mut graph, speakers, _profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_cut = 24.0, max_boost = 12.0");

    let mut content = silence(1.0);
    content.extend(noise(11.0, -30.0, None, 12));
    let jump = content.len();
    content.extend(noise(8.0, -6.0, None, 13));
    content.extend(silence(1.0));
    let playing = play_recorded(
        &mut graph,
        router,
        &content,
        "Jumpy App",
        "jumpy-app",
        speakers.id,
    );
    let recorded = playing.finish(&mut graph, TIMEOUT * 2);

    let offset = align(&recorded, &content).expect("the recording does not match the app");
    let at = |file_s: f64| offset + 2 * (file_s * f64::from(RATE)) as usize;
    let jump_s = (jump / 2) as f64 / f64::from(RATE);
    let before = level_db(&recorded[at(jump_s - 3.0)..at(jump_s)]);
    let windows = window_levels(&recorded[at(jump_s)..at(jump_s + 7.0)], 0.1);
    let tamed_after = windows.iter().position(|&l| l <= -10.0);
    let settled = level_db(&recorded[at(jump_s + 5.0)..at(jump_s + 7.0)]);
    let runs = gain_runs(
        &recorded,
        &content,
        offset,
        at(jump_s - 3.0),
        at(jump_s + 7.0),
    );
    let largest_step = runs
        .windows(2)
        .map(|w| (20.0 * (w[1].1 / w[0].1).log10()).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "before {before:.2} dBFS; below -10 dBFS after {:?} × 100 ms; settled {settled:.2} dBFS; \
         {} gain steps, the largest {largest_step:.2} dB",
        tamed_after,
        runs.len().saturating_sub(1)
    );
    assert!(
        (before + 20.0).abs() < 2.0,
        "not ridden before the jump: {before:.2}"
    );
    assert!(
        tamed_after.is_some_and(|w| w <= 15),
        "not below target + 10 dB within 1.5 s: {windows:?}\nrouter log:\n{}",
        graph.log(router)
    );
    assert!((settled + 20.0).abs() < 2.0, "settled at {settled:.2} dBFS");
    assert!(largest_step <= 1.6, "a gain step of {largest_step:.2} dB");
}
