//! A 5.1 stream is not squeezed through the stereo processed sink: with a
//! profile that says `multichannel = "bypass"` (the shipped default sends
//! it through a surround bus instead, see
//! `surround_streams_hold_the_ceiling_on_every_channel.rs`) it goes
//! straight to the speakers, and the router says why. The channel count
//! comes from the stream's negotiated format (`pw-cat` sets no
//! `audio.channels` property).

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn a_six_channel_stream_goes_straight_to_the_speakers() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("surround-bypassed.toml");
    std::fs::write(&profile, "multichannel = \"bypass\"\n").unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    let path = graph.path("six.wav");
    let six: Vec<f32> = (0..RATE as usize * 20)
        .flat_map(|n| (0..6).map(move |c| 0.05 * ((n * (c + 1)) as f32 * 0.01).sin()))
        .collect();
    write_wav_channels(&path, 6, &six);
    let app = play_untargeted(&mut graph, &path, "Film Player", "film-app");
    let node = graph.wait_for_node("film-app", TIMEOUT).unwrap();
    graph
        .wait_for("the 5.1 stream on the speakers only", TIMEOUT, |g| {
            Ok(
                (linked(g, node.id, speakers.id) && !linked(g, node.id, processed.id))
                    .then_some(()),
            )
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(
        graph.log(router).contains("6 channels"),
        "{}",
        graph.log(router)
    );
    assert!(graph.try_status(app).unwrap().is_none(), "the app stopped");
}
