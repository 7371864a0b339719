//! A router killed mid-ride cannot give a stream its volume back, so the
//! next one does: a quiet app boosted by Layer A keeps the boost on its
//! converter (`softVolumes`) after `kill -9`; a new router, even with
//! Layer A off, puts the user's own volume (`channelVolumes`) back as soon
//! as it sees the stream, and there is exactly one processed sink.

mod common;
mod layer_a_common;

use common::*;
use layer_a_common::*;

#[test]
fn a_boost_left_by_a_killed_router_is_undone_by_the_next() {
    let (mut graph, speakers, _profile, router) =
        ridden_graph("enabled = true, target = -20.0, max_boost = 12.0");

    // Quiet noise, 12 dB under target: Layer A boosts it.
    let wav = graph.path("quiet.wav");
    write_wav(&wav, &noise(60.0, -32.0, None, 5));
    let _app = play_untargeted(&mut graph, &wav, "Quiet App", "quiet-app");
    let node = graph.wait_for_node("quiet-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    wait_for_soft_volumes(&mut graph, node.id, "a boost", TIMEOUT, |v| {
        v.iter().all(|&x| x > 1.5)
    })
    .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // SAFETY: kill(2) on the router's pid; no clean-up of its own runs.
    unsafe {
        libc::kill(graph.pid(router) as i32, libc::SIGKILL);
    }
    graph.wait_exit(router, TIMEOUT).unwrap();
    let (_, soft) = volumes(&graph, node.id);
    assert!(
        soft.as_deref().is_some_and(|v| v.iter().all(|&x| x > 1.5)),
        "the boost did not outlive the router, nothing to test: {soft:?}"
    );

    // The next router, with Layer A off: the user's volume again.
    let off = bypass_profile(&graph, "off.toml", "enabled = false");
    let next = start_router(&mut graph, &["--profile", off.to_str().unwrap()]);
    let restored = graph.wait_for("the user's volume back", TIMEOUT, |g| {
        let (channel, soft) = volumes(g, node.id);
        Ok(channel.filter(|c| soft.as_ref() == Some(c)))
    });
    let channel = restored.unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(next)));
    assert!(
        channel.iter().all(|&v| (v - 1.0).abs() < 1e-6),
        "{channel:?}"
    );
    // And one processed sink: the killed router's went with it.
    assert_eq!(processed_sinks(&graph), 1);
    assert!(
        graph.log(next).contains("were left by a router"),
        "{}",
        graph.log(next)
    );
}
