//! Changing the rules moves streams that are already playing: an app that
//! goes through the processed sink is moved straight to the speakers when
//! a rule for it is added to the active profile, and back when it is
//! removed — without the app restarting and with no link left behind.

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn adding_and_removing_a_rule_moves_a_playing_app() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("rules.toml");
    std::fs::write(&profile, "default_route = \"processed\"\n").unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    let wav = tone_wav(&graph, "tone.wav", 30);
    let app = play_untargeted(&mut graph, &wav, "Some Game", "game-app");
    let node = graph.wait_for_node("game-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(node.id, processed.id, 2, TIMEOUT)
        .unwrap();

    let edit = |text: &str| {
        let tmp = profile.with_extension("new");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &profile).unwrap();
    };
    edit("[[rules]]\nbinary = \"nothing\"\nroute = \"processed\"\n\n[[rules]]\napp = \"some game\"\nroute = \"bypass\"\n");
    graph
        .wait_for("the app to move to the speakers", TIMEOUT, |g| {
            Ok(
                (linked(g, node.id, speakers.id) && !linked(g, node.id, processed.id))
                    .then_some(()),
            )
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(
        graph.log(router).contains("rule #2"),
        "{}",
        graph.log(router)
    );

    edit("default_route = \"processed\"\n");
    graph
        .wait_for(
            "the app to move back through the processed sink",
            TIMEOUT,
            |g| {
                Ok(
                    (linked(g, node.id, processed.id) && !linked(g, node.id, speakers.id))
                        .then_some(()),
                )
            },
        )
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(graph.try_status(app).unwrap().is_none(), "the app stopped");
}
