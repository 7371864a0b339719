//! Buses (`[buses.NAME]`) on a real private PipeWire + WirePlumber graph:
//! an app routed to the voice bus plays through a sink of its own,
//! `headroom.processed.bus.voice` ("headroom (voice)"), started for it and
//! run with the bus's settings, while another app plays through the
//! default processed sink with the profile's `[dsp]`; what reaches the
//! speakers from each holds its own bus's ceiling by the independent
//! oversampling meter, and neither app is ever linked to the speakers or
//! to the other's bus. `headroom route set APP BUS` moves an app onto a
//! bus; a bus the profile lacks is refused, naming the buses it has. The
//! voice bus's own meters (its ceiling, its blocks moving) and the master
//! limiter's reach a raw-socket Monitor client's `buses` topic, and the
//! bus's reach `GetStatus` and `headroom status`.

mod common;
#[path = "common/control.rs"]
mod control;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use control::{socat_call, socat_feed};
use headroom_testdata::pipewire::{ChildId, PwGraph};
use headroom_testdata::{meter, signals};

const PROFILE: &str = r#"
name = "Two buses"

[[rules]]
app = "caller"
route = "voice"

[dsp]
ceiling = -1.0
agc_target = -12.0

[buses.voice]
[buses.voice.dsp]
ceiling = -12.0
agc_target = -30.0
"#;

const VOICE_SINK: &str = "headroom.processed.bus.voice";

/// Loud, dense, clipped material well over full scale, `seconds` long,
/// then 1 s of silence: the stream ends quiet, as the DSP's output is cut
/// wherever the graph stops it when a stream goes (a hard cut mid-waveform
/// reconstructs a little over the samples either side of it).
fn loud_wav(graph: &PwGraph, name: &str, seconds: f64) -> std::path::PathBuf {
    let mut music: Vec<f32> = signals::clipped_music(RATE, seconds)
        .iter()
        .map(|s| s * 2.0)
        .collect();
    music.extend(std::iter::repeat_n(0.0, 2 * RATE as usize));
    let path = graph.path(name);
    write_wav(&path, &music);
    path
}

/// Records the speakers while `app` (node `node`) plays on into `sink`,
/// checking at every look that it is linked nowhere else; returns the
/// recording's true peak, dBTP.
fn true_peak_while_playing(
    graph: &mut PwGraph,
    app: ChildId,
    node: u32,
    sink: u32,
    others: &[u32],
    wav: &Path,
) -> f64 {
    let recording = graph.start_recording("speakers", wav).unwrap();
    let start = Instant::now();
    while graph.try_status(app).unwrap().is_none() && start.elapsed() < TIMEOUT {
        // One dump per look: the app's links now. At the end of its file
        // pw-cat drops its links a moment before it exits, so no links at
        // all is an ending stream; links elsewhere are a wrong move.
        let links: Vec<u32> = graph
            .objects("Link")
            .unwrap()
            .iter()
            .filter(|l| l.prop_id("link.output.node") == Some(node))
            .filter_map(|l| l.prop_id("link.input.node"))
            .collect();
        assert!(
            links.iter().all(|&to| to == sink),
            "node {node} left sink {sink} for {links:?}"
        );
        for &other in others {
            assert!(!linked(graph, node, other), "node {node} linked to {other}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    graph.wait_exit(app, TIMEOUT).unwrap();
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());
    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.05, "nothing reached the speakers (peak {peak})");
    meter::db(meter::true_peak(&recorded, 2))
}

#[test]
fn two_apps_on_two_buses_play_with_two_settings() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("two-buses.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    assert!(
        graph.find_node(VOICE_SINK).unwrap().is_none(),
        "a bus nobody uses has no sink"
    );

    // The caller starts the voice bus; once it plays there, what reaches
    // the speakers holds the voice bus's -12 dBTP.
    let call = loud_wav(&graph, "call.wav", 6.0);
    let caller = play_untargeted(&mut graph, &call, "caller", "caller-app");
    let caller_node = graph.wait_for_node("caller-app", TIMEOUT).unwrap();
    let voice = graph
        .wait_for_node(VOICE_SINK, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    wait_for_move(&mut graph, caller_node.id, voice.id, processed.id, router);
    wait_for_ceiling(&mut graph, voice.id, -12.0, router);
    let exe = env!("CARGO_BIN_EXE_headroom");
    let status = run_ok(&graph, exe, &["status"]);
    assert!(
        status.contains(&format!(
            "bus voice: {VOICE_SINK} (node {}), 1 stream",
            voice.id
        )),
        "status does not show the running voice bus:\n{status}"
    );
    assert_eq!(dsp_ceiling(&graph, processed.id), Some(-1.0));
    let voice_wav = graph.path("voice.wav");
    let voice_peak = true_peak_while_playing(
        &mut graph,
        caller,
        caller_node.id,
        voice.id,
        &[speakers.id, processed.id],
        &voice_wav,
    );
    assert!(
        voice_peak <= -12.0,
        "the voice bus let {voice_peak:+.3} dBTP through, over its -12 dBTP ceiling"
    );

    // Another app plays through the default bus, with [dsp]'s -1 dBTP and
    // an AGC target 18 dB louder than the voice bus's: its peaks come well
    // above the voice bus's ceiling.
    let film = loud_wav(&graph, "film.wav", 3.0);
    let browser = play_untargeted(&mut graph, &film, "browser", "browser-app");
    let browser_node = graph.wait_for_node("browser-app", TIMEOUT).unwrap();
    graph
        .wait_for_links(browser_node.id, processed.id, 2, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let media_wav = graph.path("media.wav");
    let media_peak = true_peak_while_playing(
        &mut graph,
        browser,
        browser_node.id,
        processed.id,
        &[speakers.id, voice.id],
        &media_wav,
    );
    assert!(
        media_peak <= -1.0,
        "the default bus let {media_peak:+.3} dBTP through"
    );
    // Over the voice bus's ceiling: the two buses run two settings.
    assert!(
        media_peak > voice_peak + 3.0,
        "the default bus peaks at {media_peak:+.3} dBTP, the voice bus at {voice_peak:+.3}: \
         not two settings"
    );

    // A user route onto the bus, and one onto a bus that does not exist.
    run_ok(&graph, exe, &["route", "set", "browser", "voice"]);
    let again = tone_wav(&graph, "tone.wav", 30);
    let _browser = play_untargeted(&mut graph, &again, "browser", "browser-again");
    let again_node = graph.wait_for_node("browser-again", TIMEOUT).unwrap();
    let voice = graph
        .wait_for_node(VOICE_SINK, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    wait_for_move(&mut graph, again_node.id, voice.id, processed.id, router);

    // The voice bus's own meters, against its own ceiling, and the master
    // limiter's: in the Monitor feed (over a raw socket) and in status.
    let socket = control_socket(&graph);
    let mut feed = socat_feed(
        &graph,
        &socket,
        r#"{"method":"io.headroom.Router.Monitor","parameters":{"topics":["buses"]},"more":true}"#,
    );
    feed.wait_for(
        "the voice bus's and the master's meters",
        TIMEOUT,
        |reply| {
            let Some(buses) = reply["parameters"]["bus_meters"].as_array() else {
                return false;
            };
            let voice = buses.iter().find(|b| b["bus"] == "voice");
            let master = buses.iter().find(|b| b["bus"].is_null());
            voice.is_some_and(|v| {
                v["sink"] == VOICE_SINK
                    && v["meters"]["ceiling"] == -12.0
                    && v["meters"]["blocks"].as_u64() > Some(0)
                    && v["meters"]["output_peak"].as_f64() > Some(-60.0)
            }) && master.is_some_and(|m| {
                m["sink"] == "headroom.processed.master" && m["meters"]["ceiling"] == -1.0
            })
        },
    );
    let status = socat_call(
        &graph,
        &socket,
        r#"{"method":"io.headroom.Router.GetStatus"}"#,
    );
    let bus = &status["parameters"]["buses"][0];
    assert_eq!(bus["name"], "voice", "{status:#}");
    assert_eq!(bus["meters"]["ceiling"], -12.0, "{status:#}");
    assert!(bus["meters"]["blocks"].as_u64() > Some(0), "{status:#}");
    let text = run_ok(&graph, exe, &["status"]);
    assert!(text.contains("(ceiling -12.0)"), "{text}");

    let mut cmd = graph.command(exe);
    cmd.args(["route", "set", "browser", "vioce"]);
    let out = graph.run(cmd, TIMEOUT).unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an unknown bus was accepted");
    assert!(
        said.contains("has no bus vioce") && said.contains("voice"),
        "{said}"
    );
}
