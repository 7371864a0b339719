//! The real-time check is live in every LV2 host the other tests use: the
//! allocation canary (`cargo xtask bundle --canary`: the checked build, with
//! `run` allocating on purpose) makes `lv2file`, `lv2apply` and PipeWire's
//! filter-chain abort (SIGABRT) as soon as audio runs. So when the checked
//! bundle passes those tests with the host alive, its `run` really did not
//! allocate — the check was armed, not absent. The surround plugin's `run`
//! is checked the same way (in `lv2file`).

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

use headroom_host_tests_lv2::*;
use headroom_profile::filter_chain::{standalone_config, FilterChainOptions};
use headroom_testdata::pipewire::{run_with_timeout, PwGraph, STARTUP_TIMEOUT};
use headroom_testdata::signals::sine;

const SIGABRT: i32 = 6;

fn assert_aborted(what: &str, status: ExitStatus, said: &str) {
    assert_eq!(
        status.signal(),
        Some(SIGABRT),
        "{what} with the allocation canary should abort, but ended with {status}:\n{said}"
    );
}

/// Runs an offline host on the canary bundle's plugin `uri` and expects
/// the abort.
fn offline_host(program: &str, uri: &str, args: &[&str]) {
    let dir = Scratch::new("canary");
    let input = dir.path("in.wav");
    write_wav(&input, 48_000, &sine(48_000, 0.1, 1000.0, 0.5));
    let mut cmd = Command::new(program);
    cmd.env("LV2_PATH", canary_bundle_dir())
        .args(args)
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(dir.path("out.wav"))
        .arg(uri);
    let out = run_with_timeout(cmd, HOST_TIMEOUT).expect(program);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_aborted(program, out.status, &said);
}

#[test]
fn lv2file_aborts_on_allocation_in_run() {
    offline_host("lv2file", PLUGIN_URI, &["-b", "256"]);
}

#[test]
fn lv2file_aborts_on_allocation_in_surround_run() {
    let connect = ["-b", "256", "-c", "1:in_1", "-c", "2:in_2"];
    offline_host("lv2file", SURROUND_PLUGIN_URI, &connect);
}

#[test]
fn lv2apply_aborts_on_allocation_in_run() {
    offline_host("lv2apply", PLUGIN_URI, &[]);
}

#[test]
fn filter_chain_aborts_on_allocation_in_run() {
    let bundle_dir = canary_bundle_dir();
    let mut graph = PwGraph::start().expect("private PipeWire graph");
    graph.create_null_sink("speakers").expect("null sink");
    let conf = graph.path("canary.conf");
    let options = FilterChainOptions {
        target: Some("speakers".to_string()),
        ..FilterChainOptions::default()
    };
    std::fs::write(&conf, standalone_config(&options)).unwrap();
    let mut cmd = graph.command("pipewire");
    cmd.arg("-c").arg(&conf).env("LV2_PATH", &bundle_dir);
    let fc = graph.spawn("filter-chain", cmd).unwrap();
    graph
        .wait_for_node(&options.node_name, STARTUP_TIMEOUT)
        .expect("the canary's sink appears (it aborts only once audio runs)");
    let wav = graph.path("tone.wav");
    write_wav(&wav, 48_000, &sine(48_000, 3.0, 1000.0, 0.5));
    let player = graph
        .play(
            &wav,
            &options.node_name,
            "{ application.name=headroom-canary-test }",
        )
        .unwrap();
    let status = graph
        .wait_exit(fc, STARTUP_TIMEOUT)
        .expect("the filter-chain process should die once the canary runs");
    let _ = graph.stop(player, headroom_testdata::pipewire::SIGTERM);
    assert_aborted("the filter-chain", status, &graph.log(fc));
}
