//! Layer A adds no latency: while it rides an app and after it is turned
//! off (a live edit), the app plays into the same link objects, the graph
//! runs at the same quantum, and — measured on one recording across the
//! change — what reaches the speakers lines up with what the app played at
//! the same offset: scaled by a steady gain while ridden, bit-exact after.

mod common;
mod layer_a_common;

use common::*;
use headroom_testdata::pipewire::{PwGraph, SIGTERM};
use layer_a_common::*;

#[test]
fn ridden_and_unridden_an_app_reaches_the_speakers_at_the_same_moment() {
    let (mut graph, speakers, profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_cut = 18.0");
    let fail = |graph: &PwGraph, e: &dyn std::fmt::Display| -> ! {
        panic!("{e}\nrouter log:\n{}", graph.log(router))
    };

    let lead_in = silence(1.0).len();
    let mut content = silence(1.0);
    content.extend(noise(60.0, -8.0, None, 9));
    let wav = graph.path("app.wav");
    write_wav(&wav, &content);
    let recording = graph
        .start_recording("speakers", &graph.path("rec.wav"))
        .unwrap();
    let app = play_untargeted(&mut graph, &wav, "Some App", "some-app");
    let node = graph.wait_for_node("some-app", TIMEOUT).unwrap().id;
    graph
        .wait_for_links(node, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| fail(&graph, &e));
    wait_for_soft_volumes(&mut graph, node, "the ride down", TIMEOUT, |v| {
        v.iter().all(|&g| g < 0.3)
    })
    .unwrap_or_else(|e| fail(&graph, &e));
    // At least 3 s (12 blocks) at one gain before the edit, however
    // long the ride down takes on a loaded machine.
    wait_for_steady_soft_volumes(&mut graph, node, "a steady ride", SETTLE, TIMEOUT)
        .unwrap_or_else(|e| fail(&graph, &e));
    let links_on = link_ids(&graph, node, speakers.id);
    let quantum_on = driver_quantum(&graph, "speakers");
    only_links_are_to_the_sink_and_the_tap(&graph, node, speakers.id)
        .unwrap_or_else(|e| fail(&graph, &e));

    write_profile(&profile, "enabled = false");
    wait_for_soft_volumes(&mut graph, node, "the user's volume alone", TIMEOUT, |v| {
        v == [1.0, 1.0]
    })
    .unwrap_or_else(|e| fail(&graph, &e));
    graph
        .wait_for("the tap to go", TIMEOUT, |g| {
            Ok(g.find_node(&format!("headroom.tap.{node}"))?
                .is_none()
                .then_some(()))
        })
        .unwrap_or_else(|e| fail(&graph, &e));
    std::thread::sleep(SETTLE);
    let links_off = link_ids(&graph, node, speakers.id);
    let quantum_off = driver_quantum(&graph, "speakers");
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());
    graph.stop(app, SIGTERM).ok();

    eprintln!("links {links_on:?} / {links_off:?}, quantum {quantum_on:?} / {quantum_off:?}");
    assert_eq!(links_on, links_off, "the app was relinked");
    assert!(quantum_on.is_some(), "no quantum reported for the speakers");
    assert_eq!(quantum_on, quantum_off, "the graph's quantum changed");

    // The app's first sound fixes the offset between file and recording.
    let offset = align(&recorded, &content).expect("the recording does not match the app");
    let played = |i: usize| content[i - offset];
    // After Layer A went off (the last 2 s before the recorder's stop
    // tail): bit-exact at that same offset.
    let end = recorded.len() - RATE as usize;
    let from = end - 4 * RATE as usize;
    let off_mismatches = (from..end)
        .filter(|&i| recorded[i].to_bits() != played(i).to_bits())
        .count();
    assert_eq!(
        off_mismatches, 0,
        "after Layer A went off, {off_mismatches} samples differ at the offset of the first sound"
    );
    // While ridden: every stretch of steady gain before the edit is a plain
    // scaling at that same offset.
    let block = RATE as usize / 2; // 0.25 s of stereo
    let ratios: Vec<Option<f64>> = recorded[offset + lead_in..from]
        .chunks_exact(block)
        .enumerate()
        .map(|(b, chunk)| {
            let start = offset + lead_in + b * block;
            let ratio = |i: usize| f64::from(chunk[i]) / f64::from(played(start + i));
            let first = (0..chunk.len()).find(|&i| played(start + i).abs() > 1e-3)?;
            let r = ratio(first);
            (0..chunk.len())
                .filter(|&i| played(start + i).abs() > 1e-3)
                .all(|i| (ratio(i) - r).abs() < 1e-6 * r.abs().max(1e-3))
                .then_some(r)
        })
        .collect();
    let steady_ridden = ratios
        .iter()
        .flatten()
        .filter(|&&r| r < 0.5 && r > 0.05)
        .count();
    eprintln!("{steady_ridden} steady ridden blocks of 0.25 s at the same offset");
    assert!(
        steady_ridden >= 8,
        "fewer than 2 s ridden at a steady gain line up with the app: {ratios:?}"
    );
}
