//! A bypassed app with Layer A on is ridden, and otherwise untouched: once
//! the gain is steady, what reaches the speakers divided by that gain (the
//! `softVolumes` the stream shows) is what the app played, sample for
//! sample, within f32 rounding. The user's own volume (`channelVolumes`)
//! never moved.

mod common;
mod layer_a_common;

use common::*;
use layer_a_common::*;

#[test]
fn a_ridden_bypassed_app_is_only_scaled() {
    let (mut graph, speakers, _profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_cut = 18.0");

    // 1 s of silence (the move to the speakers), 16 s of noise 12 dB over
    // target, 1 s of silence (pw-cat may exit before its last buffers play).
    let lead_in = silence(1.0).len();
    let mut content = silence(1.0);
    content.extend(noise(16.0, -8.0, None, 3));
    let end = content.len();
    content.extend(silence(1.0));
    let playing = play_recorded(
        &mut graph,
        router,
        &content,
        "Some App",
        "some-app",
        speakers.id,
    );
    let node = playing.node.clone();
    // Ridden down ~12 dB: wait until it got there, then read the gain.
    let soft = wait_for_soft_volumes(&mut graph, node.id, "the ride down", TIMEOUT, |v| {
        v.iter().all(|&g| g < 0.3)
    })
    .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let soft_steady =
        wait_for_steady_soft_volumes(&mut graph, node.id, "a steady ride", SETTLE, TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let (user, _) = volumes(&graph, node.id);
    assert_eq!(user, Some(vec![1.0, 1.0]), "the user's volume moved");
    eprintln!("soft volumes {soft:?} → {soft_steady:?}");
    let recorded = playing.finish(&mut graph, TIMEOUT * 2);

    // Aligned on the first sound, whenever the move let it reach the speakers.
    let offset = align(&recorded, &content).expect("the recording does not match the app");
    let got = &recorded[lead_in + offset..];
    let played = &content[lead_in..end];
    assert!(got.len() >= played.len(), "recording too short");
    // The last 4 s of the noise: the gain has been steady for a while.
    let from = played.len() - 2 * 4 * RATE as usize;
    let (steady_in, steady_out) = (&played[from..], &got[from..played.len()]);
    // The gain that best explains the output (pw-dump prints only six
    // digits), and how far any sample is from that plain scaling.
    let (pg, pp) = steady_in
        .iter()
        .zip(steady_out)
        .fold((0.0f64, 0.0f64), |(pg, pp), (p, g)| {
            let p = f64::from(*p);
            (pg + p * f64::from(*g), pp + p * p)
        });
    let gain = pg / pp;
    let mut worst = 0.0f64;
    for (p, g) in steady_in.iter().zip(steady_out) {
        let p = f64::from(*p);
        let error = (f64::from(*g) - p * gain).abs();
        worst = worst.max(error / p.abs().max(1e-3));
    }
    let shown = f64::from(soft_steady[0]);
    eprintln!(
        "gain {gain} ({:.2} dB; softVolumes {shown}), worst relative error {worst:e}",
        20.0 * gain.log10()
    );
    assert!(
        worst < 1e-6,
        "not a plain scaling by {gain}: relative error {worst:e}\nrouter log:\n{}",
        graph.log(router)
    );
    assert!(
        (gain - shown).abs() / shown < 1e-5,
        "scaled by {gain}, but softVolumes say {shown}"
    );
    let level = level_db(&got[from..played.len()]);
    assert!((level + 20.0).abs() < 2.0, "ridden to {level:.2} dBFS");
}
