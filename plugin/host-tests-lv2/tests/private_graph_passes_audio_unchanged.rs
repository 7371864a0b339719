//! The test rig itself (`headroom_testdata::pipewire::PwGraph`), with no
//! plugin involved. Proves that a private graph comes up (pipewire +
//! WirePlumber, also as root without a session bus), that a null sink
//! created with `pw-cli create-node` gets linked, that `pw-cat` → null sink
//! → `pw-record` (capture of the sink's monitor) delivers float audio
//! bit for bit — samples beyond ±1.0 included, the first sample included —
//! and that dropping the graph ends every process it started and removes
//! its directory. The filter-chain test relies on each of these.

use std::path::Path;

use headroom_host_tests_lv2::{read_wav, write_wav};
use headroom_testdata::pipewire::{PwGraph, GRAPH_RATE_HZ, STARTUP_TIMEOUT};
use headroom_testdata::signals::{sine, Noise};

#[test]
fn null_sink_recording_is_bit_exact_and_drop_cleans_up() {
    let rate = GRAPH_RATE_HZ;
    // Noise from the very first sample (so a late recorder would be seen),
    // over a sine that peaks at 2.0 (so clamping to ±1 would be seen).
    let mut noise = Noise::new(7);
    let played: Vec<f32> = sine(rate, 1.0, 441.0, 1.5)
        .iter()
        .map(|s| s + 0.25 * noise.sample() as f32)
        .collect();

    let mut graph = PwGraph::start().expect("private PipeWire graph");
    let runtime_dir = graph.runtime_dir().to_path_buf();
    graph.create_null_sink("speakers").expect("null sink");
    let wav = graph.path("played.wav");
    write_wav(&wav, rate, &played);
    let recording = graph
        .start_recording("speakers", &graph.path("recorded.wav"))
        .expect("recorder linked");
    let player = graph
        .play(&wav, "speakers", "{ application.name=headroom-rig-test }")
        .expect("pw-cat");
    let status = graph
        .wait_exit(player, STARTUP_TIMEOUT)
        .expect("pw-cat finishes");
    assert!(status.success(), "pw-cat: {status}\n{}", graph.log(player));
    let recorded = read_wav(&graph.stop_recording(recording).expect("pw-record stops"));
    assert_eq!((recorded.rate, recorded.channels), (rate, 2));

    let start = recorded
        .samples
        .iter()
        .position(|s| *s != 0.0)
        .expect("the recording is silent: nothing reached the sink");
    let start = start - start % 2;
    assert!(
        recorded.samples.len() >= start + played.len(),
        "recording ends {} frames into the played file",
        (recorded.samples.len() - start) / 2
    );
    let got = &recorded.samples[start..start + played.len()];
    let first_diff = got.iter().zip(&played).position(|(a, b)| a != b);
    assert_eq!(
        first_diff, None,
        "recording differs from what was played (at sample {first_diff:?})"
    );
    assert!(
        recorded.samples[start + played.len()..]
            .iter()
            .all(|s| *s == 0.0),
        "sound after the played file"
    );

    let pids = graph.pids();
    assert!(
        pids.len() >= 4,
        "pipewire, wireplumber, pw-record, pw-cat: {pids:?}"
    );
    drop(graph);
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} outlived the graph"
        );
    }
    assert!(
        !runtime_dir.exists(),
        "{} left behind",
        runtime_dir.display()
    );
}
