//! The user's volume is theirs: while Layer A rides an app, the user sets
//! its volume (`channelVolumes`, as pavucontrol does) and Layer A rides on
//! top of the new volume; turning Layer A off (a live profile edit) leaves
//! exactly the user's volume: `softVolumes == channelVolumes == 0.5` and
//! the speakers get the app's samples × 0.5, exactly. Nothing ridden ever
//! reaches WirePlumber's saved stream state.

mod common;
mod layer_a_common;

use std::time::Instant;

use common::*;
use headroom_testdata::pipewire::PwGraph;
use layer_a_common::*;

#[test]
fn a_user_volume_change_is_kept_and_layer_a_off_leaves_exactly_it() {
    let (mut graph, speakers, profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_cut = 18.0");
    let fail = |graph: &PwGraph, e: &dyn std::fmt::Display| -> ! {
        panic!("{e}\nrouter log:\n{}", graph.log(router))
    };

    let mut content = silence(1.0);
    content.extend(noise(60.0, -8.0, None, 4));
    let wav = graph.path("app.wav");
    write_wav(&wav, &content);
    let recording = graph
        .start_recording("speakers", &graph.path("rec.wav"))
        .unwrap();
    let app = play_untargeted(&mut graph, &wav, "Some App", "some-app");
    let node = graph.wait_for_node("some-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| fail(&graph, &e));
    wait_for_soft_volumes(&mut graph, node.id, "the ride down", TIMEOUT, |v| {
        v.iter().all(|&g| g < 0.3)
    })
    .unwrap_or_else(|e| fail(&graph, &e));
    let ridden =
        wait_for_steady_soft_volumes(&mut graph, node.id, "a steady ride", SETTLE, TIMEOUT)
            .unwrap_or_else(|e| fail(&graph, &e))[0];

    // The user turns the app down to 0.5.
    graph
        .pw_cli(&[
            "set-param",
            &node.id.to_string(),
            "Props",
            "{ channelVolumes = [ 0.5 0.5 ] }",
        ])
        .unwrap();
    let rebased = wait_for_soft_volumes(
        &mut graph,
        node.id,
        "Layer A to ride on top of the user's 0.5",
        TIMEOUT,
        |v| (v[0] / (0.5 * ridden) - 1.0).abs() < 0.06,
    )
    .unwrap_or_else(|e| fail(&graph, &e));
    eprintln!("ridden {ridden}, after the user's 0.5: {rebased:?}");
    std::thread::sleep(SETTLE);
    let (user, soft) = volumes(&graph, node.id);
    assert_eq!(user, Some(vec![0.5, 0.5]), "the user's volume moved");
    let soft = soft.unwrap();
    assert!(
        (soft[0] / (0.5 * ridden) - 1.0).abs() < 0.06,
        "the ride did not stay on top of the user's volume: {soft:?} vs 0.5 × {ridden}"
    );

    // Layer A off by a profile edit: exactly the user's volume again.
    let edited = Instant::now();
    write_profile(&profile, "enabled = false, target = -20.0, max_cut = 18.0");
    wait_for_soft_volumes(
        &mut graph,
        node.id,
        "the user's volume alone",
        TIMEOUT,
        |v| v == [0.5, 0.5],
    )
    .unwrap_or_else(|e| fail(&graph, &e));
    // How long it took is benchmarked (BENCHMARKS.md), not asserted here.
    eprintln!("Layer A off {:?} after the edit", edited.elapsed());
    assert!(
        graph
            .find_node(&format!("headroom.tap.{}", node.id))
            .unwrap()
            .is_none(),
        "the tap stayed"
    );
    assert_eq!(volumes(&graph, node.id).0, Some(vec![0.5, 0.5]));
    std::thread::sleep(SETTLE);
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());
    graph.stop(app, headroom_testdata::pipewire::SIGTERM).ok();

    // After the change (SETTLE before the stop), the app's samples × 0.5
    // exactly: the longest run of exact samples in the last 3 s before the
    // recorder's stop tail must span 1.5 s. (Where the change lands in the
    // recording moves with the machine's load, and so does the recording
    // against the file: it is aligned here, at its end. A run of exact
    // samples does not happen by chance.)
    let end = recorded.len() - 2 * RATE as usize / 2;
    let from = end - 3 * 2 * RATE as usize;
    let offset = align_from(&recorded, &content, from / 2)
        .expect("the recording's end does not match the app");
    let (mut run, mut longest) = (0usize, 0usize);
    for i in from..end {
        let played = content[i - offset];
        if recorded[i].to_bits() == (played * 0.5).to_bits() {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let wanted = 3 * RATE as usize; // 1.5 s of stereo
    assert!(
        longest >= wanted,
        "only {longest} samples in a row are the app's × 0.5 (wanted {wanted})"
    );

    // WirePlumber saved the user's volume, never a ridden one.
    let state = graph.path("state/wireplumber/stream-properties");
    let saved = std::fs::read_to_string(&state).unwrap_or_default();
    eprintln!("WirePlumber's saved stream state:\n{saved}");
    assert!(!saved.contains("softVolumes"), "soft volumes were saved");
    for part in saved.split("\"channelVolumes\":[").skip(1) {
        let list = &part[..part.find(']').unwrap()];
        for v in list.split(',') {
            let v: f32 = v.trim().parse().unwrap();
            assert!(
                v == 0.5 || v == 1.0,
                "a ridden volume ({v}) was saved:\n{saved}"
            );
        }
    }
}
