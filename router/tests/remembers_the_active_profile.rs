//! The profile chosen with `--profile` is remembered (in
//! `$XDG_STATE_HOME/headroom/`): the next start without `--profile` uses it.

mod common;

use common::*;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn the_next_start_uses_the_profile_chosen_last() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let first = start_router(&mut graph, &["--profile", "night"]);
    assert!(
        graph.log(first).contains("profile Night"),
        "{}",
        graph.log(first)
    );
    graph.stop(first, 15).unwrap();
    graph
        .wait_for("the processed sink to go", TIMEOUT, |g| {
            Ok(g.find_node("headroom.processed")?.is_none().then_some(()))
        })
        .unwrap();

    let second = start_router(&mut graph, &[]);
    assert!(
        graph.log(second).contains("profile Night"),
        "{}",
        graph.log(second)
    );
}
