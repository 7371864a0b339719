//! Hosts unload plugins: scanners, and hosts that drop a library when its
//! last instance goes (clack-host does, via its entry cache). Loading,
//! instantiating, processing and unloading the CLAP and VST3 builds on
//! worker threads that then exit must not crash the host.
//!
//! The churn runs in a child process (the `unload-churn` binary of this
//! package), so a crash shows up as this test failing with the child's
//! signal instead of killing every other test.

use std::process::Command;

use headroom_host_tests_clap::{clap_bundle, vst3_binary};

fn run_child(format: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_unload-churn"))
        .arg(format)
        .output()
        .expect("cannot start the child test process");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = lines[lines.len().saturating_sub(15)..].join("\n");
    assert!(
        output.status.success(),
        "{format}: the host process died after unloading the plugin ({}).\n\
         Likely cause: the plugin's copy of std registered a thread-local destructor \
         (nice-plug calls std::thread::current() when creating an instance) on a host \
         thread; the library was then dlclose'd, and the thread's exit jumped into \
         unmapped code. A fix on the plugin side: pin the module on first load \
         (dlopen its own path with RTLD_NODELETE from the entry point).\n\
         child stderr (last lines):\n{tail}",
        output.status
    );
}

/// CLAP: 200 rounds of three worker threads each loading the library,
/// instantiating, processing, dropping everything, and exiting.
#[test]
fn clap_unload_after_use_on_worker_threads_does_not_crash_the_host() {
    clap_bundle(); // fail here, with the build hint, if the bundle is missing
    run_child("clap");
}

/// VST3: the same churn through `GetPluginFactory`, `ModuleExit` and `dlclose`.
#[test]
fn vst3_unload_after_use_on_worker_threads_does_not_crash_the_host() {
    vst3_binary();
    run_child("vst3");
}
