//! An app that pins its stream to a device of its choice
//! (`node.dont-move = true` with its own target) is left there: the
//! router neither moves it nor removes its links, so it plays to its end
//! on the device it asked for, and status reports it as pinned. (Before,
//! the router cut its links after ~0.3 s and the app hung, silent.)

mod common;

use common::*;
use headroom_client::{Client, Route};
use headroom_testdata::pipewire::PwGraph;

#[test]
fn a_pinned_app_plays_to_its_end_where_it_asked() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    // The default profile sends a "Browser" through the limiter; this one
    // pins itself to the speakers.
    let wav = tone_wav(&graph, "tone.wav", 3);
    let mut cmd = graph.command("pw-cat");
    cmd.args([
        "-p",
        "--target",
        "speakers",
        "-P",
        "{ application.name=\"Browser\" node.name=pinned-app node.dont-move=true }",
    ])
    .arg(&wav);
    let app = graph.spawn("pw-cat", cmd).unwrap();
    let node = graph.wait_for_node("pinned-app", TIMEOUT).unwrap();
    graph
        .wait_for("the pinned app to play on the speakers", TIMEOUT, |g| {
            Ok(linked(g, node.id, speakers.id).then_some(()))
        })
        .unwrap();

    // Status says why it is left there.
    let rt = client_runtime();
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();
    let status = graph
        .wait_for("status to list the pinned app", TIMEOUT, |_| {
            let status = rt.block_on(client.get_status()).unwrap();
            Ok(status
                .streams
                .iter()
                .any(|s| s.id == node.id && s.reason.contains("pinned"))
                .then_some(status))
        })
        .unwrap();
    let stream = status.streams.iter().find(|s| s.id == node.id).unwrap();
    assert_eq!(stream.route, Route::Bypass, "{stream:?}");
    assert_eq!(stream.playing_on, ["speakers"], "{stream:?}");
    assert_eq!(stream.problem, None, "{stream:?}");

    // While it plays it is never moved, and it ends by itself: a stream
    // whose links were cut would hang, silent, past its file's end.
    let ended = graph.wait_for("the pinned app to finish", TIMEOUT, |g| {
        if let Some(status) = g.try_status(app)? {
            return Ok(Some(status));
        }
        assert!(
            !linked(g, node.id, processed.id),
            "the pinned app was moved to the processed sink"
        );
        Ok(None)
    });
    let ended = ended.unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(ended.success(), "pw-cat: {ended:?}\n{}", graph.log(app));
}
