//! The desktop's volume controls act on what the user hears: turning the
//! default sink (headroom's processed sink) down with `pactl` (what volume
//! keys and pavucontrol use, through pipewire-pulse) or `wpctl` lowers the
//! level at the speakers by the amount set, and keeps it there with the
//! AGC riding, because the plugin applies the sink's volume after the
//! limiter. Before, the volume acted before the DSP and the AGC undid it
//! within seconds. The ceiling holds throughout, and a new app is limited
//! from its first sample.

mod common;

use common::*;
use headroom_testdata::meter;
use headroom_testdata::pipewire::PwGraph;
use headroom_testdata::signals;

/// How long each level is measured, s.
const WINDOW_S: f64 = 10.0;

/// Integrated loudness of a stereo recording, LUFS.
fn loudness(x: &[f32]) -> f64 {
    let mut m = ebur128::EbuR128::new(2, RATE, ebur128::Mode::I).unwrap();
    m.add_frames_f32(x).unwrap();
    m.loudness_global().unwrap()
}

/// Records the speakers for [`WINDOW_S`]: loudness (LUFS) and true peak
/// (dBTP, by the independent oversampling meter).
fn measure(graph: &mut PwGraph, name: &str) -> (f64, f64) {
    let wav = graph.path(name);
    graph.record("speakers", WINDOW_S, &wav).unwrap();
    let x = read_wav(&wav);
    (loudness(&x), meter::db(meter::true_peak(&x, 2)))
}

/// Steady noise at the AGC's target loudness (−18 LUFS), so the AGC has
/// nothing to do at full volume, and would have a lot to undo if the
/// volume acted before it.
fn steady_noise(graph: &PwGraph, seconds: f64) -> std::path::PathBuf {
    let mut noise = signals::noise_floor(RATE, seconds, -24.0, 3);
    let gain = 10f64.powf((-18.0 - loudness(&noise)) / 20.0) as f32;
    noise.iter_mut().for_each(|v| *v *= gain);
    let wav = graph.path("noise.wav");
    write_wav(&wav, &noise);
    wav
}

/// Waits until the processed sink's volume is no longer `old`; returns it
/// (the linear gain the control set, one value per channel).
fn wait_for_volume(graph: &mut PwGraph, sink: u32, old: f64) -> f64 {
    graph
        .wait_for("the processed sink's volume to change", TIMEOUT, |g| {
            Ok(channel_volumes(g, sink)
                .and_then(|v| v.first().copied())
                .filter(|v| (v - old).abs() > 1e-4))
        })
        .unwrap()
}

#[test]
fn pactl_and_wpctl_lower_the_level_at_the_speakers_by_the_amount_set() {
    let mut graph = desktop_graph();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    let wav = steady_noise(&graph, 90.0);
    let (player, browser) = paplay(&mut graph, &wav, "Browser");
    graph
        .wait_for("the browser to play through the limiter", TIMEOUT, |g| {
            Ok(linked(g, browser.id, processed.id).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    let (full, full_tp) = measure(&mut graph, "full.wav");
    let mut failures = Vec::new();
    let mut check = |what: &str, volume: f64, (level, tp): (f64, f64)| {
        let want = 20.0 * volume.log10();
        let got = level - full;
        eprintln!("{what}: volume {volume:.4} ({want:+.2} dB): level {got:+.2} dB, true peak {tp:+.2} dBTP");
        if (got - want).abs() > 0.5 {
            failures.push(format!(
                "{what}: the level changed {got:+.2} dB, the volume {want:+.2} dB"
            ));
        }
        if tp > -1.0 {
            failures.push(format!("{what}: {tp:+.2} dBTP over the -1 dBTP ceiling"));
        }
    };
    check("full volume", 1.0, (full, full_tp));

    // The volume keys of a GNOME or KDE desktop, through pipewire-pulse.
    run_ok(
        &graph,
        "pactl",
        &["set-sink-volume", "@DEFAULT_SINK@", "50%"],
    );
    let volume = wait_for_volume(&mut graph, processed.id, 1.0);
    check("pactl 50%", volume, measure(&mut graph, "pactl.wav"));

    // WirePlumber's own control, on what it calls the default sink.
    run_ok(
        &graph,
        "pactl",
        &["set-sink-volume", "@DEFAULT_SINK@", "100%"],
    );
    wait_for_volume(&mut graph, processed.id, volume);
    run_ok(
        &graph,
        "wpctl",
        &["set-volume", "@DEFAULT_AUDIO_SINK@", "0.7"],
    );
    let volume = wait_for_volume(&mut graph, processed.id, 1.0);
    check("wpctl 0.7", volume, measure(&mut graph, "wpctl.wav"));

    // Past 100 %: louder, but the limiter takes it, never the speakers.
    run_ok(
        &graph,
        "pactl",
        &["set-sink-volume", "@DEFAULT_SINK@", "150%"],
    );
    let boost = wait_for_volume(&mut graph, processed.id, volume);
    let (level, tp) = measure(&mut graph, "boost.wav");
    eprintln!(
        "pactl 150%: volume {boost:.3}: level {:+.2} dB, true peak {tp:+.2} dBTP",
        level - full
    );
    if level - full < 3.0 || tp > -1.0 {
        failures.push(format!(
            "pactl 150%: the level changed {:+.2} dB (want louder), true peak {tp:+.2} dBTP (ceiling -1)",
            level - full
        ));
    }

    graph.stop(player, 15).ok();
    assert!(
        failures.is_empty(),
        "{}\nrouter log:\n{}",
        failures.join("\n"),
        graph.log(router)
    );
}

#[test]
fn a_new_app_is_limited_from_its_first_sample() {
    let mut graph = desktop_graph();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);

    // Loud from the first sample: +6 dBFS square-ish bursts.
    let loud: Vec<f32> = (0..RATE as usize * 2)
        .flat_map(|n| {
            let v = if (n / 40) % 2 == 0 { 2.0 } else { -2.0 };
            [v, v]
        })
        .collect();
    let wav = graph.path("loud.wav");
    write_wav(&wav, &loud);

    let out = graph.path("start.wav");
    let recording = graph.start_recording("speakers", &out).unwrap();
    let (player, _) = paplay(&mut graph, &wav, "Browser");
    graph.wait_exit(player, TIMEOUT).unwrap();
    graph.stop_recording(recording).unwrap();

    let x = read_wav(&out);
    let start = x
        .chunks(2)
        .position(|f| f.iter().any(|v| v.abs() > 1e-4))
        .unwrap_or_else(|| panic!("nothing reached the speakers\n{}", graph.log(router)));
    let first = &x[2 * start..(2 * (start + RATE as usize / 5)).min(x.len())];
    let tp = meter::db(meter::true_peak(first, 2));
    let all = meter::db(meter::true_peak(&x, 2));
    eprintln!("first 200 ms: {tp:+.2} dBTP; whole recording {all:+.2} dBTP");
    assert!(
        tp <= -1.0 && all <= -1.0,
        "a new app reached the speakers at {tp:+.2} dBTP in its first 200 ms \
         ({all:+.2} dBTP in all), over the -1 dBTP ceiling\nrouter log:\n{}",
        graph.log(router)
    );
}
