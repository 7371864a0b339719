//! A router killed with SIGKILL takes its processed sink's process with
//! it; and a processed sink left running for the same runtime directory
//! (a crash of an older build, or one started by hand) is stopped by the
//! next router before it starts its own: there is never a second
//! `headroom.processed`.

mod common;

use std::path::PathBuf;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn the_sink_dies_with_the_router_and_a_leftover_is_stopped() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let runtime: PathBuf = graph.runtime_dir().join("headroom");

    let router = start_router(&mut graph, &[]);
    let sinks = sink_processes(&runtime);
    assert_eq!(sinks.len(), 1, "processed sink processes: {sinks:?}");

    // SIGKILL to the router alone (not its process group): no clean-up
    // code of its own runs.
    // SAFETY: kill(2) on the router's pid.
    unsafe {
        libc::kill(graph.pid(router) as i32, libc::SIGKILL);
    }
    graph.wait_exit(router, TIMEOUT).unwrap();
    graph
        .wait_for("the router's sinks to go with it", TIMEOUT, |g| {
            // Its master limiter too.
            Ok((stage_processes(&runtime).is_empty() && processed_sinks(g) == 0).then_some(()))
        })
        .unwrap();

    // A leftover, as an older router's crash would leave it: the same
    // config, hosted by a process the new router did not start.
    let config = runtime.join("filter-chain.conf");
    assert!(config.is_file(), "the router wrote no {}", config.display());
    let mut leftover = graph.command("pipewire");
    leftover
        .arg("-c")
        .arg(&config)
        .env("LV2_PATH", lv2_path(&graph));
    let leftover = graph.spawn("leftover-sink", leftover).unwrap();
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();

    let router = start_router(&mut graph, &[]);
    graph.wait_exit(leftover, TIMEOUT).unwrap();
    let leftover_pid = graph.pid(leftover);
    let ours = graph.wait_for("the router's own processed sink, alone", TIMEOUT, |g| {
        let sinks = sink_processes(&runtime);
        let alone = sinks.len() == 1 && !sinks.contains(&leftover_pid);
        Ok((alone && processed_sinks(g) == 1).then(|| sinks[0]))
    });
    if let Err(e) = ours {
        panic!("{e}\nrouter log:\n{}", graph.log(router));
    }
    assert!(
        graph
            .log(router)
            .contains("left running by an earlier router"),
        "{}",
        graph.log(router)
    );
}
