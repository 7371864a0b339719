//! The surround plugin live in PipeWire's filter-chain with 5.1: a private
//! graph (pipewire + WirePlumber) with a 6-channel null sink "speakers51"
//! (FL FR FC LFE RL RR), a second `pipewire -c <config>` process whose
//! filter-chain (config from `headroom_profile::filter_chain::standalone_config`,
//! as the router writes it; `LV2_PATH` = the bundle dir) loads
//! the checked bundle's `#surround` plugin as the 6-channel sink
//! `headroom.surround` with `inputs`/`outputs` listing `in_1..in_6` and
//! `out_1..out_6` only, and `capture.volumes` on `volume_1..volume_6`.
//! `pw-cat` plays a 5.1 file, six different signals at +6 dBTP each, and
//! `pw-record` captures the speakers' six channels.
//!
//! Proves, on every channel of the recording:
//! - the true peak by the independent 16× meter stays at or below the
//!   config's −2 dBTP ceiling;
//! - the audio passed: each channel is about as loud as the in-process
//!   8-channel chain makes it (±1.5 dB RMS), so no channel was dropped,
//!   swapped for another or left unprocessed. The filter-chain feeds the
//!   plugin's unlisted `in_7`/`in_8` from a silence buffer and points
//!   `out_7`/`out_8` at one shared discard buffer; the six listed
//!   channels are processed all the same.
//!
//! The filter-chain process must stay alive: the checked build aborts its
//! host on any allocation in `run`.

use std::time::Duration;

use headroom_dsp::Chain;
use headroom_host_tests_lv2::*;
use headroom_profile::filter_chain::{standalone_config, FilterChainOptions};
use headroom_testdata::meter::{channel_true_peak, db};
use headroom_testdata::pipewire::{
    PwGraph, GRAPH_RATE_HZ, RECORDING_TAIL, SIGINT, STARTUP_TIMEOUT,
};

const SINK: &str = "headroom.surround";
const SPEAKERS: &str = "speakers51";
const CHANNELS: usize = 6;
const POSITIONS: &str = "FL FR FC LFE RL RR";
const CEILING_DB: f32 = -2.0;
/// True peak of every channel of the played file, dBTP.
const INPUT_TRUE_PEAK_DB: f64 = 6.0;
const SECONDS: f64 = 3.0;
const APP: &str = "{ application.name=headroom-surround-test media.role=Music }";

/// The filter-chain process's config, as the router writes it for a
/// six-channel stage: the surround plugin on six channels.
fn config() -> String {
    standalone_config(&FilterChainOptions {
        node_name: SINK.to_string(),
        description: "headroom surround live test".to_string(),
        params: params(&[("ceiling", CEILING_DB)]),
        meter_instance: 0,
        target: Some(SPEAKERS.to_string()),
        positions: POSITIONS.split(' ').map(str::to_string).collect(),
    })
}

/// Six different signals, planar, each scaled to [`INPUT_TRUE_PEAK_DB`].
fn signals(rate: u32) -> Vec<Vec<f32>> {
    let all = headroom_testdata::SIGNALS;
    (0..CHANNELS)
        .map(|c| {
            let stereo = (all[c % all.len()].generate)(rate, SECONDS);
            let mut mono: Vec<f32> = stereo.iter().skip(c % 2).step_by(2).copied().collect();
            let gain = 10f64.powf(INPUT_TRUE_PEAK_DB / 20.0) / channel_true_peak(&mono, 1, 0);
            mono.iter_mut().for_each(|v| *v = (*v as f64 * gain) as f32);
            mono
        })
        .collect()
}

/// RMS of one channel of interleaved audio over its non-silent span, dB.
fn active_rms_db(x: &[f32], channels: usize, channel: usize) -> f64 {
    let samples: Vec<f64> = x
        .iter()
        .skip(channel)
        .step_by(channels)
        .map(|v| *v as f64)
        .collect();
    let first = samples.iter().position(|v| v.abs() > 1e-4);
    let last = samples.iter().rposition(|v| v.abs() > 1e-4);
    let (Some(first), Some(last)) = (first, last) else {
        return f64::NEG_INFINITY;
    };
    let span = &samples[first..=last];
    10.0 * (span.iter().map(|v| v * v).sum::<f64>() / span.len() as f64).log10()
}

#[test]
fn filter_chain_runs_the_surround_plugin_on_5_1_under_the_ceiling() {
    let bundle_dir = bundle_dir();
    let rate = GRAPH_RATE_HZ;
    let mut graph = PwGraph::start().expect("private PipeWire graph");
    graph
        .pw_cli(&[
            "create-node",
            "adapter",
            &format!(
                "{{ factory.name=support.null-audio-sink node.name={SPEAKERS} \
                 node.description={SPEAKERS} media.class=Audio/Sink object.linger=true \
                 audio.channels={CHANNELS} audio.position=[{POSITIONS}] }}"
            ),
        ])
        .unwrap();
    let speakers = graph.wait_for_node(SPEAKERS, STARTUP_TIMEOUT).unwrap();

    let conf = graph.path("headroom-surround.conf");
    std::fs::write(&conf, config()).unwrap();
    let mut cmd = graph.command("pipewire");
    cmd.arg("-c").arg(&conf).env("LV2_PATH", &bundle_dir);
    let fc = graph.spawn("filter-chain", cmd).unwrap();
    graph
        .wait_for(
            &format!("the filter-chain's sink `{SINK}`"),
            STARTUP_TIMEOUT,
            |g| {
                if let Some(status) = g.try_status(fc)? {
                    panic!("filter-chain exited ({status}):\n{}", g.log(fc));
                }
                g.find_node(SINK)
            },
        )
        .unwrap();
    let output = graph
        .wait_for_node(&format!("{SINK}.output"), STARTUP_TIMEOUT)
        .unwrap();
    graph
        .wait_for_links(output.id, speakers.id, CHANNELS, STARTUP_TIMEOUT)
        .expect("filter-chain output linked to the speakers on all six channels");

    let planar = signals(rate);
    let tail = chain_latency(rate) + 64;
    let frames = planar[0].len() + tail;
    let input: Vec<f32> = (0..frames)
        .flat_map(|n| planar.iter().map(move |c| c.get(n).copied().unwrap_or(0.0)))
        .collect();
    let wav = graph.path("surround.wav");
    write_wav_channels(&wav, rate, CHANNELS as u16, &input);

    // The recorder: pinned to the speakers' monitor, their six channels.
    let recorder = "headroom-surround-recorder";
    let out = graph.path("recording.wav");
    let mut cmd = graph.command("pw-record");
    cmd.args([
        "-P",
        &format!("{{ stream.capture.sink=true node.dont-move=true node.name={recorder} }}"),
        "--target",
        SPEAKERS,
        "--format",
        "f32",
        "--rate",
        &rate.to_string(),
        "--channels",
        &CHANNELS.to_string(),
        "--channel-map",
        &POSITIONS.replace(' ', ","),
    ])
    .arg(&out);
    let recording = graph.spawn("pw-record", cmd).unwrap();
    let recorder_node = graph.wait_for_node(recorder, STARTUP_TIMEOUT).unwrap();
    graph
        .wait_for_links(speakers.id, recorder_node.id, CHANNELS, STARTUP_TIMEOUT)
        .expect("recorder linked to the speakers on all six channels");

    let mut cmd = graph.command("pw-cat");
    cmd.args([
        "-p",
        "--target",
        SINK,
        "-P",
        APP,
        "--channel-map",
        &POSITIONS.replace(' ', ","),
    ])
    .arg(&wav);
    let player = graph.spawn("pw-cat", cmd).unwrap();
    let status = graph.wait_exit(player, STARTUP_TIMEOUT).unwrap();
    assert!(status.success(), "pw-cat: {status}\n{}", graph.log(player));
    std::thread::sleep(RECORDING_TAIL + Duration::from_millis(200));
    graph.stop(recording, SIGINT).unwrap();
    if let Some(status) = graph.try_status(fc).unwrap() {
        panic!(
            "the filter-chain process died ({status}):\n{}",
            graph.log(fc)
        );
    }

    let recorded = read_wav(&out);
    let planar = &planar;
    assert_eq!(recorded.channels as usize, CHANNELS, "recording format");
    let mut expected: Vec<f32> = (0..frames)
        .flat_map(|n| {
            (0..SURROUND_CHANNELS)
                .map(move |c| planar.get(c).and_then(|s| s.get(n)).copied().unwrap_or(0.0))
        })
        .collect();
    let settings = params(&[("ceiling", CEILING_DB)]);
    let mut chain = Chain::with_params(rate as f32, SURROUND_CHANNELS, settings).unwrap();
    chain.process_interleaved(&mut expected);

    let mut problems = Vec::new();
    for c in 0..CHANNELS {
        let tp = db(channel_true_peak(&recorded.samples, CHANNELS, c));
        let live_rms = active_rms_db(&recorded.samples, CHANNELS, c);
        let chain_rms = active_rms_db(&expected, SURROUND_CHANNELS, c);
        eprintln!(
            "channel {c}: true peak {tp:+.3} dBTP (ceiling {CEILING_DB:+.1}), RMS live {live_rms:+.2} dB, chain {chain_rms:+.2}"
        );
        if tp > CEILING_DB as f64 {
            problems.push(format!("channel {c}: {tp:+.4} dBTP above the ceiling"));
        }
        let off = (live_rms - chain_rms).abs();
        if off.is_nan() || off >= 1.5 {
            problems.push(format!(
                "channel {c}: RMS {live_rms:+.2} dB live, {chain_rms:+.2} dB from the chain"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nfilter-chain log:\n{}",
        problems.join("\n"),
        graph.log(fc)
    );
}
