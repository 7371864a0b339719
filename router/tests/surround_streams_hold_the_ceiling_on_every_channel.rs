//! A loud 5.1 stream is protected like a stereo one. With the shipped
//! default profile (`multichannel = "surround"`, a `layout = "surround"`
//! bus) a 5.1 film whose six channels each peak at +6 dBTP plays through
//! `headroom (surround)`, and the master limiter runs at the device's own
//! channels, after any downmix:
//! - to stereo speakers (PipeWire folds the six channels into two, which
//!   sums them: the downmix of six limited channels would reach well over
//!   the ceiling), both recorded channels stay at or under −1 dBTP;
//! - to a 5.1 device, every one of its six recorded channels stays at or
//!   under −1 dBTP, and every one carries sound (the layout is kept, not
//!   squeezed through stereo).
//!
//! True peak by the independent 16× oversampling meter, on the device's
//! monitor. At every look while the film plays, neither the film nor the
//! surround bus's output is linked straight to the device. Once nothing
//! plays, the surround bus stops (a bus nobody uses costs nothing); the
//! default processed sink and the master stay.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use headroom_testdata::meter::{channel_true_peak, db};
use headroom_testdata::pipewire::{ChildId, PwGraph};

const SURROUND_SINK: &str = "headroom.processed.bus.surround";
const MASTER_SINK: &str = "headroom.processed.master";
/// A 5.1 device's channels.
const DEVICE_51: [&str; 6] = ["FL", "FR", "FC", "LFE", "RL", "RR"];
/// The film's: side surrounds, as most 5.1 files and players have them.
const FILM_51: &str = "FL,FR,FC,LFE,SL,SR";
/// The shipped default profile's ceiling, dBTP.
const CEILING_DB: f64 = -1.0;
/// Every channel of the film peaks here, dBTP.
const FILM_TRUE_PEAK_DB: f64 = 6.0;
const SECONDS: f64 = 4.0;

/// Six different loud signals at [`FILM_TRUE_PEAK_DB`] each, then 2 s of
/// silence so the stream ends quiet; 6-channel float WAV.
fn film_wav(graph: &PwGraph, name: &str) -> PathBuf {
    let all = headroom_testdata::SIGNALS;
    let channels: Vec<Vec<f32>> = (0..6)
        .map(|c| {
            let stereo = (all[c % all.len()].generate)(RATE, SECONDS);
            let mut mono: Vec<f32> = stereo.iter().skip(c % 2).step_by(2).copied().collect();
            let gain = 10f64.powf(FILM_TRUE_PEAK_DB / 20.0) / channel_true_peak(&mono, 1, 0);
            mono.iter_mut().for_each(|v| *v = (*v as f64 * gain) as f32);
            mono
        })
        .collect();
    let frames = channels[0].len() + 2 * RATE as usize;
    let interleaved: Vec<f32> = (0..frames)
        .flat_map(|n| {
            channels
                .iter()
                .map(move |c| c.get(n).copied().unwrap_or(0.0))
        })
        .collect();
    let path = graph.path(name);
    write_wav_channels(&path, 6, &interleaved);
    path
}

/// The film's player: `pw-cat` with no target, its six channels mapped
/// as [`FILM_51`].
fn play_film(graph: &mut PwGraph, wav: &std::path::Path, node_name: &str) -> ChildId {
    let mut cmd = graph.command("pw-cat");
    cmd.args([
        "-p",
        "-P",
        &format!("{{ application.name=\"Film Player\" node.name={node_name} }}"),
        "--channel-map",
        FILM_51,
    ])
    .arg(wav);
    graph.spawn("pw-cat", cmd).unwrap()
}

/// Plays the film to `device` (whose channels are `positions`) and
/// returns the recorded true peak of each channel, dBTP, and each
/// channel's peak sample.
fn play_to(
    graph: &mut PwGraph,
    router: ChildId,
    device: &str,
    positions: &[&str],
    take: &str,
) -> Vec<(f64, f32)> {
    let device_node = graph.find_node(device).unwrap().unwrap();
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let recording_path = graph.path(&format!("{take}.wav"));
    let recording = graph
        .start_recording_channels(device, &recording_path, positions)
        .unwrap();
    let wav = film_wav(graph, &format!("film-{take}.wav"));
    let node_name = format!("film-{take}");
    let player = play_film(graph, &wav, &node_name);
    let film = graph.wait_for_node(&node_name, TIMEOUT).unwrap();
    let bus = graph
        .wait_for_node(SURROUND_SINK, TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    wait_for_move(graph, film.id, bus.id, processed.id, router);

    // While it plays, only the master's output reaches the device.
    let mut through_the_master = 0;
    let start = Instant::now();
    while graph.try_status(player).unwrap().is_none() && start.elapsed() < TIMEOUT {
        let nodes = graph.objects("Node").unwrap();
        let name_of = |id: u32| {
            nodes
                .iter()
                .find(|n| n.id == id)
                .and_then(|n| n.prop("node.name"))
                .unwrap_or("?")
                .to_string()
        };
        for link in graph.objects("Link").unwrap() {
            let (Some(from), Some(to)) = (
                link.prop_id("link.output.node"),
                link.prop_id("link.input.node"),
            ) else {
                continue;
            };
            // The film, and the surround bus's output, whose downmix
            // would sum past the ceiling: never on the device. (The
            // default processed sink's output may be, for the moment
            // before the master is up: it is stereo and limited.)
            let from_name = name_of(from);
            if to == device_node.id && (from == film.id || from_name.starts_with(SURROUND_SINK)) {
                panic!(
                    "{from_name} is linked straight to {device}\nrouter log:\n{}",
                    graph.log(router)
                );
            }
        }
        let master_out = graph.find_node(&format!("{MASTER_SINK}.output")).unwrap();
        if links_of(graph, film.id).contains(&bus.id)
            && master_out.is_some_and(|m| links_of(graph, m.id).contains(&device_node.id))
        {
            through_the_master += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = graph.wait_exit(player, TIMEOUT).unwrap();
    assert!(status.success(), "pw-cat: {status}\n{}", graph.log(player));
    assert!(
        through_the_master > 0,
        "the film never played through the surround bus and the master to {device}\n\
         router log:\n{}",
        graph.log(router)
    );
    let path = graph.stop_recording(recording).unwrap();
    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(usize::from(reader.spec().channels), positions.len());
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    (0..positions.len())
        .map(|c| {
            let peak = samples
                .iter()
                .skip(c)
                .step_by(positions.len())
                .fold(0.0f32, |m, v| m.max(v.abs()));
            (db(channel_true_peak(&samples, positions.len(), c)), peak)
        })
        .collect()
}

#[test]
fn a_loud_5_1_film_holds_the_ceiling_on_stereo_and_on_5_1_speakers() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    graph
        .create_null_sink_at("speakers51", &DEVICE_51, &[])
        .unwrap();
    choose_default(&graph, "speakers");
    let router = start_router(&mut graph, &["--profile", "default"]);

    let mut problems = Vec::new();
    let stereo = play_to(&mut graph, router, "speakers", &["FL", "FR"], "stereo");
    for (c, (tp, _)) in stereo.iter().enumerate() {
        eprintln!("stereo speakers, channel {c}: {tp:+.3} dBTP");
        if *tp > CEILING_DB {
            problems.push(format!("stereo speakers, channel {c}: {tp:+.3} dBTP"));
        }
    }
    assert!(
        stereo.iter().any(|(_, peak)| *peak > 0.3),
        "hardly anything reached the stereo speakers: {stereo:?}"
    );

    // The user picks the 5.1 device: the master follows it, six channels.
    choose_default(&graph, "speakers51");
    let device = graph.find_node("speakers51").unwrap().unwrap();
    graph
        .wait_for(
            "the master limiter on the 5.1 device's six channels",
            TIMEOUT,
            |g| {
                let Some(out) = g.find_node(&format!("{MASTER_SINK}.output"))? else {
                    return Ok(None);
                };
                Ok((g.links(out.id, device.id)?.len() == 6).then_some(()))
            },
        )
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    let surround = play_to(&mut graph, router, "speakers51", &DEVICE_51, "surround");
    for (c, (tp, peak)) in surround.iter().enumerate() {
        eprintln!(
            "5.1 device, {}: {tp:+.3} dBTP, peak {peak:.3}",
            DEVICE_51[c]
        );
        if *tp > CEILING_DB {
            problems.push(format!("5.1 device, {}: {tp:+.3} dBTP", DEVICE_51[c]));
        }
        // Each of the film's channels lands on one of the device's:
        // none is silent (a stereo squeeze would leave FC, LFE and the
        // surrounds empty).
        if *peak < 0.05 {
            problems.push(format!(
                "5.1 device, {}: nearly silent (peak {peak:.4})",
                DEVICE_51[c]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nrouter log:\n{}",
        problems.join("\n"),
        graph.log(router)
    );

    // Nothing surround plays any more: the surround bus stops after its
    // grace (10 s); the default processed sink and the master stay.
    graph
        .wait_for("the surround bus to stop", 3 * TIMEOUT, |g| {
            Ok(g.find_node(SURROUND_SINK)?.is_none().then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(graph.find_node("headroom.processed").unwrap().is_some());
    assert!(graph.find_node(MASTER_SINK).unwrap().is_some());
}
