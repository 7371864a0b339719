//! What headroom plays to the device follows the user's device: picking
//! another device moves the master limiter's output (and the processed
//! sink takes the default back), and when that device disappears it falls
//! back to one that exists; the processed sink's own output stays in the
//! master throughout. Nothing ever plays into a sink that is gone, and the
//! app keeps playing through the processed sink throughout.

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn output_follows_device_choice_and_hotplug() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let output = graph
        .wait_for_node("headroom.processed.master.output", TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let master = graph
        .find_node("headroom.processed.master")
        .unwrap()
        .unwrap();
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let processed_output = graph
        .wait_for_node("headroom.processed.output", TIMEOUT)
        .unwrap();
    graph
        .wait_for_links(output.id, speakers.id, 2, TIMEOUT)
        .unwrap();
    graph
        .wait_for_links(processed_output.id, master.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // An app playing a long quiet tone through the processed sink.
    let wav = tone_wav(&graph, "tone.wav", 30);
    let app = play_untargeted(&mut graph, &wav, "video", "tone-app");
    let app_node = graph.wait_for_node("tone-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(app_node.id, processed.id, 2, TIMEOUT)
        .unwrap();

    // Headphones are plugged in and chosen in the volume control.
    let headphones = graph.create_null_sink("headphones").unwrap();
    choose_default(&graph, "headphones");
    graph
        .wait_for_links(output.id, headphones.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph
        .wait_for("the old link to the speakers to go", TIMEOUT, |g| {
            Ok((!linked(g, output.id, speakers.id)).then_some(()))
        })
        .unwrap();
    // The processed sink is the default again, the app still goes through it.
    graph
        .wait_for("the processed sink to be the default again", TIMEOUT, |g| {
            Ok(configured_default(g)
                .contains("headroom.processed")
                .then_some(()))
        })
        .unwrap();
    assert!(linked(&graph, app_node.id, processed.id));
    assert!(!linked(&graph, app_node.id, headphones.id));
    assert!(linked(&graph, processed_output.id, master.id));
    assert!(!linked(&graph, processed_output.id, headphones.id));

    // The headphones are unplugged: back to the speakers.
    graph
        .pw_cli(&["destroy", &headphones.id.to_string()])
        .unwrap();
    graph
        .wait_for_links(output.id, speakers.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(linked(&graph, app_node.id, processed.id));
    assert!(graph.try_status(app).unwrap().is_none(), "the app stopped");
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died:\n{}",
        graph.log(router)
    );
}
