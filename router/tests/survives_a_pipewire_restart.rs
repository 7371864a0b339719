//! PipeWire crashes and comes back (every id and serial new): the router
//! reconnects, restarts its processed sink, makes it the default again,
//! steers it to the speakers, and routes new apps through it. It never
//! exits.

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn routing_is_restored_after_pipewire_restarts() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let wav = tone_wav(&graph, "tone.wav", 20);
    let before = play_untargeted(&mut graph, &wav, "video", "app-before");
    let app = graph.wait_for_node("app-before", TIMEOUT).unwrap();
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    graph
        .wait_for_links(app.id, processed.id, 2, TIMEOUT)
        .unwrap();

    graph.restart_daemons().unwrap();
    let _ = graph.stop(before, 9);
    let speakers = graph.create_null_sink("speakers").unwrap();

    let processed = graph
        .wait_for_node("headroom.processed", TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    // What plays to the device: the master limiter's output.
    let output = graph
        .wait_for_node("headroom.processed.master.output", TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph
        .wait_for("the processed sink to be the default again", TIMEOUT, |g| {
            Ok(configured_default(g)
                .contains("headroom.processed")
                .then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph
        .wait_for_links(output.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    let _after = play_untargeted(&mut graph, &wav, "video", "app-after");
    let app = graph.wait_for_node("app-after", TIMEOUT).unwrap();
    graph
        .wait_for_links(app.id, processed.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(!linked(&graph, app.id, speakers.id));
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router exited:\n{}",
        graph.log(router)
    );
}
