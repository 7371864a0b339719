//! Layer A's taps follow the profile and the graph: none while it is off;
//! turned on by a live edit, it taps and rides bypassed and processed apps
//! alike, but not an app whose rule turns it off; the bypass switch turns
//! it off (the user's volume back) and on again; a tap goes with its
//! stream; after PipeWire restarts, new streams are tapped again; when the
//! router stops, ridden streams get their user's volume back.

mod common;
mod layer_a_common;

use std::path::Path;

use common::*;
use headroom_testdata::pipewire::{PwGraph, SIGTERM};
use layer_a_common::*;

fn profile_text(enabled: bool) -> String {
    format!(
        "default_route = \"bypass\"\n\
         [layer_a]\nenabled = {enabled}\ntarget = -20.0\nmax_cut = 18.0\n\
         [[rules]]\napp = \"Processed App\"\nroute = \"processed\"\n\
         [[rules]]\napp = \"Untouched App\"\nroute = \"bypass\"\nlayer_a = {{ enabled = false }}\n"
    )
}

fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn taps(graph: &PwGraph) -> Vec<String> {
    graph
        .objects("Node")
        .unwrap()
        .into_iter()
        .filter_map(|n| n.prop("node.name").map(str::to_string))
        .filter(|n| n.starts_with("headroom.tap."))
        .collect()
}

fn ridden(graph: &mut PwGraph, node: u32, router: headroom_testdata::pipewire::ChildId) {
    graph
        .wait_for_node(&format!("headroom.tap.{node}"), TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    wait_for_soft_volumes(graph, node, "the ride down", TIMEOUT, |v| {
        v.iter().all(|&g| g < 0.5)
    })
    .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

fn unridden(graph: &mut PwGraph, node: u32, router: headroom_testdata::pipewire::ChildId) {
    wait_for_soft_volumes(graph, node, "the user's volume back", TIMEOUT, |v| {
        v == [1.0, 1.0]
    })
    .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph
        .wait_for("the tap to go", TIMEOUT, |g| {
            Ok(g.find_node(&format!("headroom.tap.{node}"))?
                .is_none()
                .then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

#[test]
fn taps_come_and_go_with_streams_settings_and_connections() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("mine.toml");
    save(&profile, &profile_text(false));
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);

    let wav = graph.path("loud.wav");
    write_wav(&wav, &noise(90.0, -8.0, None, 7));
    let short = graph.path("short.wav");
    write_wav(&short, &noise(4.0, -8.0, None, 8));
    let _bypassed = play_untargeted(&mut graph, &wav, "Some App", "some-app");
    let _processed = play_untargeted(&mut graph, &wav, "Processed App", "processed-app");
    let _untouched = play_untargeted(&mut graph, &wav, "Untouched App", "untouched-app");
    let bypassed = graph.wait_for_node("some-app", TIMEOUT).unwrap().id;
    let processed = graph.wait_for_node("processed-app", TIMEOUT).unwrap().id;
    let untouched = graph.wait_for_node("untouched-app", TIMEOUT).unwrap().id;
    let sink = graph.find_node("headroom.processed").unwrap().unwrap().id;
    graph
        .wait_for_links(processed, sink, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    std::thread::sleep(SETTLE);
    assert!(
        taps(&graph).is_empty(),
        "taps while off: {:?}",
        taps(&graph)
    );

    // On by a live edit: both ridden; the rule that says no is obeyed.
    save(&profile, &profile_text(true));
    ridden(&mut graph, bypassed, router);
    ridden(&mut graph, processed, router);
    assert_eq!(
        taps(&graph).len(),
        2,
        "one tap per ridden app: {:?}",
        taps(&graph)
    );
    assert_eq!(volumes(&graph, untouched).1, Some(vec![1.0, 1.0]));

    // The bypass switch: Layer A off; and back on after it.
    let rt = client_runtime();
    let mut client = rt
        .block_on(headroom_client::Client::connect(control_socket(&graph)))
        .unwrap();
    rt.block_on(client.set_bypass(true)).unwrap();
    unridden(&mut graph, bypassed, router);
    unridden(&mut graph, processed, router);
    rt.block_on(client.set_bypass(false)).unwrap();
    ridden(&mut graph, bypassed, router);
    ridden(&mut graph, processed, router);

    // A tap goes with its stream.
    let brief = play_untargeted(&mut graph, &short, "Brief App", "brief-app");
    let brief_node = graph.wait_for_node("brief-app", TIMEOUT).unwrap().id;
    graph
        .wait_for_node(&format!("headroom.tap.{brief_node}"), TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    graph.wait_exit(brief, TIMEOUT).unwrap();
    graph
        .wait_for("the brief app's tap to go", TIMEOUT, |g| {
            Ok(g.find_node(&format!("headroom.tap.{brief_node}"))?
                .is_none()
                .then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // PipeWire restarts: new streams are tapped and ridden again.
    graph.restart_daemons().unwrap();
    graph.create_null_sink("speakers").unwrap();
    graph
        .wait_for_node("headroom.processed", TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let _again = play_untargeted(&mut graph, &wav, "Some App", "again-app");
    let again = graph.wait_for_node("again-app", TIMEOUT).unwrap().id;
    ridden(&mut graph, again, router);

    // The router stops: the user's own volume again.
    graph.stop(router, SIGTERM).unwrap();
    wait_for_soft_volumes(&mut graph, again, "the user's volume back", TIMEOUT, |v| {
        v == [1.0, 1.0]
    })
    .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(taps(&graph).is_empty(), "taps outlived the router");
}
