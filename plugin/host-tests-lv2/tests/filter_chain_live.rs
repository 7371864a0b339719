//! The plugin live in PipeWire's filter-chain, the way it ships: a private
//! graph (pipewire + WirePlumber) with a null sink "speakers", a second
//! `pipewire -c <generated config>` process (config from
//! `headroom_profile::filter_chain::standalone_config`, `LV2_PATH` = the
//! bundle dir) that loads the checked bundle as the `headroom.processed`
//! sink, `pw-cat` as the app and `pw-record` capturing the speakers.
//!
//! One test, three phases on one running filter-chain (never restarted):
//! 1. A +24 dBFS music-like torture clip: what reaches the speakers stays at
//!    or below the config's −2 dBTP ceiling (independent 16× meter) from the
//!    first sample, and the AGC and compressor acted: the recording is as
//!    loud as the in-process chain's output (±1.5 dB RMS) and clearly quieter
//!    (≥ 3 dB) than the limiter alone would leave it. Meanwhile the shared-memory meters
//!    (`meter_instance` = 7) move: `updates` grows, rate and latency match
//!    the chain, input/output levels and AGC/compressor gains are plausible.
//! 2. A loud 500 Hz sine; one second in, the ceiling is set to −6 dBTP at
//!    runtime with `pw-cli set-param <node> Props '{ params = [
//!    "headroom:ceiling" -6.0 ] }'`: the output was above −5 dBTP before and
//!    is at or below −6 dBTP after, and no sample-to-sample step anywhere is
//!    steeper than the sine itself at its level (no click).
//! 3. The torture clip again: the whole next recording holds −6 dBTP.
//!
//! Throughout, the filter-chain process must stay alive: the checked build
//! aborts its host on any allocation in `run`.

use std::time::Duration;

use headroom_dsp::ParamId;
use headroom_host_tests_lv2::*;
use headroom_meters::{meter_path, MeterReader, MeterSnapshot};
use headroom_profile::filter_chain::{standalone_config, FilterChainOptions, GRAPH_NODE};
use headroom_testdata::meter::window_true_peaks;
use headroom_testdata::pipewire::{ChildId, PwGraph, GRAPH_RATE_HZ, SIGINT, STARTUP_TIMEOUT};
use headroom_testdata::signals::{hot_float, sine};

const SINK: &str = "headroom.processed";
const SPEAKERS: &str = "speakers";
const METER_INSTANCE: u32 = 7;
/// The ceiling the generated config starts the plugin with, dBTP.
const CONFIG_CEILING_DB: f32 = -2.0;
/// Phase 2's sine: frequency (Hz) and amplitude (+36 dBFS, so the limiter
/// holds it at the ceiling whatever the AGC and compressor do first).
const SINE_HZ: f64 = 500.0;
const SINE_AMPLITUDE: f64 = 63.0;
const APP: &str = "{ application.name=headroom-live-test media.role=Music }";

/// Sum of squares over the recording's non-silent span, as dB.
fn active_rms_db(x: &[f32]) -> f64 {
    let (first, last) = active_span(x);
    let span = &x[first..last];
    10.0 * (span.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / span.len() as f64).log10()
}

/// First and one-past-last interleaved index of the non-silent span.
fn active_span(x: &[f32]) -> (usize, usize) {
    let loud = |v: &f32| v.abs() > 1e-4;
    let first = x.iter().position(loud).expect("the recording is silent");
    let last = x.iter().rposition(loud).unwrap() + 1;
    (first - first % 2, last + last % 2)
}

/// True peak (dBTP) of the points between `from_s` and `to_s` seconds into
/// `x`, each interpolated from the whole recording (a cut-out slice would
/// ring at its edges), by the reference meter in 10 ms windows.
fn span_true_peak_db(x: &[f32], from_s: f64, to_s: f64) -> f64 {
    let window = GRAPH_RATE_HZ as usize / 100;
    let (first, last) = ((from_s * 100.0).ceil() as usize, (to_s * 100.0) as usize);
    let peak = (0..2)
        .flat_map(|c| window_true_peaks(x, 2, c, window)[first..last].to_vec())
        .fold(0.0, f64::max);
    headroom_testdata::meter::db(peak)
}

/// Worst sample-to-sample step of the left channel relative to the
/// steepest step a `SINE_HZ` sine of the local amplitude makes (1.0 = as
/// steep as the signal itself), and the frame where it is.
fn worst_step_ratio(x: &[f32]) -> (f64, usize) {
    let left: Vec<f64> = x.iter().step_by(2).map(|v| *v as f64).collect();
    let own = 2.0 * (std::f64::consts::PI * SINE_HZ / GRAPH_RATE_HZ as f64).sin();
    let period = (GRAPH_RATE_HZ as f64 / SINE_HZ) as usize + 1;
    let mut worst = (0.0, 0);
    for n in period..left.len().saturating_sub(period) {
        let local = left[n - period..n + period]
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        if local < 1e-3 {
            continue;
        }
        let ratio = (left[n] - left[n - 1]).abs() / (own * local);
        if ratio > worst.0 {
            worst = (ratio, n);
        }
    }
    worst
}

/// Makes sure the filter-chain process still runs (a checked build that
/// allocated in `run` would have aborted it).
fn assert_alive(graph: &mut PwGraph, fc: ChildId) {
    if let Some(status) = graph.try_status(fc).unwrap() {
        panic!(
            "the filter-chain process died ({status}):\n{}",
            graph.log(fc)
        );
    }
}

/// The value of `headroom:<symbol>` in the node's Props, as `pw-cli
/// enum-params` prints it (`String "headroom:ceiling"` then `Float -6.0`).
fn control_value(graph: &PwGraph, node: u32, symbol: &str) -> Option<f32> {
    let text = graph
        .pw_cli(&["enum-params", &node.to_string(), "Props"])
        .ok()?;
    let key = format!("String \"{GRAPH_NODE}:{symbol}\"");
    let mut lines = text.lines().skip_while(|l| !l.contains(&key));
    lines.next()?;
    lines.next()?.split_whitespace().nth(1)?.parse().ok()
}

/// Plays `wav` into the processed sink while recording the speakers, and
/// returns the recording.
fn play_and_record(graph: &mut PwGraph, fc: ChildId, wav: &str, out: &str) -> Vec<f32> {
    let recording = graph.start_recording(SPEAKERS, &graph.path(out)).unwrap();
    let player = graph.play(&graph.path(wav), SINK, APP).unwrap();
    let status = graph.wait_exit(player, STARTUP_TIMEOUT).unwrap();
    assert!(status.success(), "pw-cat: {status}\n{}", graph.log(player));
    let path = graph.stop_recording(recording).unwrap();
    assert_alive(graph, fc);
    read_wav(&path).samples
}

#[test]
fn filter_chain_holds_the_ceiling_meters_move_and_ceiling_changes_live() {
    let bundle_dir = bundle_dir();
    let rate = GRAPH_RATE_HZ;
    // The shipped defaults but for the ceiling, so the config's controls are
    // seen to apply from the first sample.
    let settings = params(&[("ceiling", CONFIG_CEILING_DB)]);
    let mut graph = PwGraph::start().expect("private PipeWire graph");
    let speakers = graph.create_null_sink(SPEAKERS).expect("null sink");

    let conf = graph.path("headroom-filter-chain.conf");
    let options = FilterChainOptions {
        node_name: SINK.to_string(),
        description: "headroom live test".to_string(),
        params: settings,
        meter_instance: METER_INSTANCE,
        target: Some(SPEAKERS.to_string()),
        ..FilterChainOptions::default()
    };
    std::fs::write(&conf, standalone_config(&options)).unwrap();
    let mut cmd = graph.command("pipewire");
    cmd.arg("-c").arg(&conf).env("LV2_PATH", &bundle_dir);
    let fc = graph.spawn("filter-chain", cmd).unwrap();
    let sink = graph
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
        .wait_for_links(output.id, speakers.id, 2, STARTUP_TIMEOUT)
        .expect("filter-chain output linked to the speakers");
    assert_eq!(
        control_value(&graph, sink.id, "meter_instance"),
        Some(METER_INSTANCE as f32),
        "config controls not applied"
    );

    // Phase 1: loud torture, the config's settings.
    let torture = hot_float(rate, 4.0);
    write_wav(&graph.path("torture.wav"), rate, &torture);
    let meter_file = meter_path(graph.runtime_dir(), METER_INSTANCE);
    let recording = graph
        .start_recording(SPEAKERS, &graph.path("phase1.wav"))
        .unwrap();
    let player = graph.play(&graph.path("torture.wav"), SINK, APP).unwrap();
    let reader = graph
        .wait_for("the plugin's meter block", STARTUP_TIMEOUT, |_| {
            Ok(MeterReader::open_path(&meter_file)
                .ok()
                .filter(|r| r.read().is_some()))
        })
        .unwrap();
    let mut snapshots: Vec<MeterSnapshot> = reader.read().into_iter().collect();
    while graph.try_status(player).unwrap().is_none() {
        snapshots.extend(reader.read());
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(
        graph.wait_exit(player, STARTUP_TIMEOUT).unwrap().success(),
        "pw-cat: {}",
        graph.log(player)
    );
    let phase1 = read_wav(&graph.stop_recording(recording).unwrap()).samples;
    assert_alive(&mut graph, fc);

    let tp = true_peak_db(&phase1);
    let live_rms = active_rms_db(&phase1);
    let chain_rms = active_rms_db(&chain_output(rate, settings, &torture));
    let limiter_rms = active_rms_db(&chain_output(
        rate,
        params(&[
            ("agc_enabled", 0.0),
            ("comp_enabled", 0.0),
            ("ceiling", CONFIG_CEILING_DB),
        ]),
        &torture,
    ));
    eprintln!("phase 1: true peak {tp:+.3} dBTP, RMS live {live_rms:+.2} dB, chain {chain_rms:+.2}, limiter alone {limiter_rms:+.2}");
    assert!(
        tp <= settings.get(ParamId::LimiterCeiling) as f64,
        "live output {tp:+.4} dBTP above the config's {CONFIG_CEILING_DB} dBTP ceiling"
    );
    assert!(
        (live_rms - chain_rms).abs() < 1.5,
        "live RMS {live_rms:+.2} dB, the in-process chain gives {chain_rms:+.2}"
    );
    assert!(limiter_rms - live_rms >= 3.0, "AGC/compressor did not act: RMS {live_rms:+.2} dB vs {limiter_rms:+.2} with the limiter alone");

    let (first, last) = (snapshots.first().unwrap(), snapshots.last().unwrap());
    // Until its first update the block reads the floor (−120) everywhere.
    let updated: Vec<MeterSnapshot> = snapshots
        .iter()
        .copied()
        .filter(|s| s.updates > 0)
        .collect();
    assert!(
        !updated.is_empty(),
        "the meters never updated: {snapshots:?}"
    );
    let max = |f: fn(&MeterSnapshot) -> f32| updated.iter().map(f).fold(f32::MIN, f32::max);
    let min = |f: fn(&MeterSnapshot) -> f32| updated.iter().map(f).fold(f32::MAX, f32::min);
    let input_peak_db =
        headroom_testdata::meter::db(torture.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64)
            as f32;
    eprintln!(
        "meters: {} snapshots, first {first:?}\nlast {last:?}",
        snapshots.len()
    );
    let mut problems = Vec::new();
    if last.updates < first.updates + 10 {
        problems.push(format!(
            "updates went from {} to {} only",
            first.updates, last.updates
        ));
    }
    if last.sample_rate != rate as f32 || last.latency_samples as usize != chain_latency(rate) {
        problems.push(format!(
            "rate {} Hz / latency {} samples; want {rate} / {}",
            last.sample_rate,
            last.latency_samples,
            chain_latency(rate)
        ));
    }
    if (max(|s| s.input_peak_db) - input_peak_db).abs() > 1.0 {
        problems.push(format!(
            "input peak showed at most {:+.1} dBFS; the clip peaks at {input_peak_db:+.1}",
            max(|s| s.input_peak_db)
        ));
    }
    if !(-20.0..=-0.5).contains(&max(|s| s.output_true_peak_db)) {
        problems.push(format!(
            "output true peak showed at most {:+.2} dBTP",
            max(|s| s.output_true_peak_db)
        ));
    }
    if last.agc_gain_db > -3.0 || min(|s| s.agc_gain_db) < -40.0 {
        problems.push(format!("AGC gain {:+.1} dB at the end (lowest {:+.1}): should cut a +24 dBFS clip, within its 18 dB", last.agc_gain_db, min(|s| s.agc_gain_db)));
    }
    if max(|s| s.comp_gr_db) < 1.0
        || max(|s| s.limiter_gr_db) < 1.0
        || min(|s| s.comp_gr_db.min(s.limiter_gr_db)) < 0.0
    {
        problems.push(format!(
            "gain reductions: compressor {:.1}..{:.1} dB, limiter {:.1}..{:.1} dB; both should reach 1 dB and never go negative",
            min(|s| s.comp_gr_db), max(|s| s.comp_gr_db), min(|s| s.limiter_gr_db), max(|s| s.limiter_gr_db)
        ));
    }
    if !(-40.0..=30.0).contains(&max(|s| s.short_term_lufs)) {
        problems.push(format!(
            "short-term loudness at most {:+.1} LUFS",
            max(|s| s.short_term_lufs)
        ));
    }
    assert!(
        problems.is_empty(),
        "meters implausible: {}",
        problems.join("; ")
    );

    // Phase 2: ceiling −6 set while a loud sine plays; stop the player once
    // two seconds have played after the change took effect.
    let mut sine_clip = sine(rate, 30.0, SINE_HZ, SINE_AMPLITUDE);
    let fade_in = rate as usize / 2;
    for i in 0..fade_in {
        let g = (i as f64 / fade_in as f64) as f32;
        sine_clip[2 * i] *= g;
        sine_clip[2 * i + 1] *= g;
    }
    write_wav(&graph.path("sine.wav"), rate, &sine_clip);
    let recording = graph
        .start_recording(SPEAKERS, &graph.path("phase2.wav"))
        .unwrap();
    let before = reader.read().unwrap();
    let player = graph.play(&graph.path("sine.wav"), SINK, APP).unwrap();
    graph
        .wait_for("the sine to reach the plugin", STARTUP_TIMEOUT, |_| {
            Ok(reader
                .read()
                .filter(|s| s.updates > before.updates && s.input_peak_db > 30.0))
        })
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    graph
        .pw_cli(&[
            "set-param",
            &sink.id.to_string(),
            "Props",
            &format!("{{ params = [ \"{GRAPH_NODE}:ceiling\" -6.0 ] }}"),
        ])
        .unwrap();
    graph
        .wait_for("ceiling −6 in the node's Props", STARTUP_TIMEOUT, |g| {
            Ok((control_value(g, sink.id, "ceiling") == Some(-6.0)).then_some(()))
        })
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        graph.try_status(player).unwrap().is_none(),
        "the 30 s sine ended early:\n{}",
        graph.log(player)
    );
    graph.stop(player, SIGINT).unwrap();
    let phase2 = read_wav(&graph.stop_recording(recording).unwrap()).samples;
    assert_alive(&mut graph, fc);

    let (first, last) = active_span(&phase2);
    let seconds = |i: usize| i as f64 / 2.0 / rate as f64;
    let (start_s, end_s) = (seconds(first), seconds(last));
    let before_tp = span_true_peak_db(&phase2, start_s + 0.6, start_s + 0.95);
    let after_tp = span_true_peak_db(&phase2, end_s - 1.5, end_s - 0.02);
    // The player was stopped mid-sine: the last few milliseconds end abruptly.
    let (ratio, at) = worst_step_ratio(&phase2[..last - 2 * (rate as usize / 100)]);
    eprintln!("phase 2: before {before_tp:+.3} dBTP, after {after_tp:+.3} dBTP, worst step {ratio:.2}× the sine's own at {:.3} s", at as f64 / rate as f64);
    assert!(before_tp > -5.0, "before the change the sine came out at {before_tp:+.2} dBTP: too quiet to show a −6 dBTP ceiling");
    assert!(
        after_tp <= -6.0,
        "after `set-param … ceiling −6` the output reached {after_tp:+.4} dBTP"
    );
    assert!(
        ratio <= 1.5,
        "click: a step {ratio:.2}× steeper than the sine itself at {:.3} s into the recording",
        at as f64 / rate as f64
    );

    // Phase 3: the next recording holds the new ceiling from its first sample.
    let phase3 = play_and_record(&mut graph, fc, "torture.wav", "phase3.wav");
    let tp = true_peak_db(&phase3);
    eprintln!("phase 3: true peak {tp:+.3} dBTP");
    assert!(
        tp <= -6.0,
        "after the runtime change the next recording reached {tp:+.4} dBTP"
    );
    assert!(tp > -12.0, "phase 3 is nearly silent ({tp:+.2} dBTP)");
}

/// The click detector itself: a sine whose gain jumps from −1 to −6 dB is
/// caught, the same change gliding over 20 ms is not.
#[test]
fn click_detector_tells_a_jump_from_a_glide() {
    let rate = GRAPH_RATE_HZ as f64;
    let render = |glide_frames: f64| -> Vec<f32> {
        (0..GRAPH_RATE_HZ as usize)
            .flat_map(|n| {
                let t = ((n as f64 - rate / 2.0) / glide_frames.max(1.0)).clamp(0.0, 1.0);
                let gain = 0.89 + (0.5 - 0.89) * t;
                let v = (gain
                    * (2.0 * std::f64::consts::PI * SINE_HZ * n as f64 / rate + 1.0).sin())
                    as f32;
                [v, v]
            })
            .collect()
    };
    let (jump, _) = worst_step_ratio(&render(0.0));
    let (glide, _) = worst_step_ratio(&render(0.02 * rate));
    assert!(jump > 1.5, "a jump reads {jump:.2}×");
    assert!(glide < 1.1, "a 20 ms glide reads {glide:.2}×");
}
