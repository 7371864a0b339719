//! A control changed on the processed sink behind the router's back
//! (`pw-cli set-param`, as any generic PipeWire tool does it) is noticed:
//! `GetParameters` reports what the DSP runs with, as an unsaved setting,
//! and the log says how to keep it. A value past the table's range is
//! clamped and written back, so the DSP and `status` agree on the limit.
//! The router's own writes are never taken for outside changes.

mod common;

use common::*;
use headroom_client::Client;
use headroom_testdata::pipewire::PwGraph;

fn ceiling_reported(graph: &PwGraph, rt: &tokio::runtime::Runtime) -> Option<(f64, bool)> {
    let mut client = rt.block_on(Client::connect(control_socket(graph))).ok()?;
    let params = rt.block_on(client.get_parameters()).ok()?;
    params
        .into_iter()
        .find(|p| p.id == "ceiling")
        .map(|p| (p.value, p.overridden))
}

fn set_from_outside(graph: &PwGraph, node: u32, value: f32) {
    let props = format!("{{ params = [ \"headroom:ceiling\" {value:.1} ] }}");
    graph
        .pw_cli(&["set-param", &node.to_string(), "Props", &props])
        .unwrap();
}

#[test]
fn an_outside_change_is_kept_and_reported() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let rt = client_runtime();
    // The router's own writes: never an outside change.
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();
    rt.block_on(client.set_parameter("ceiling", -2.0)).unwrap();
    wait_for_ceiling(&mut graph, processed.id, -2.0, router);
    rt.block_on(client.set_parameter("ceiling", -3.0)).unwrap();
    wait_for_ceiling(&mut graph, processed.id, -3.0, router);
    assert!(
        !graph.log(router).contains("from outside headroom"),
        "{}",
        graph.log(router)
    );

    set_from_outside(&graph, processed.id, -6.0);
    let seen = graph.wait_for("the router to report -6", TIMEOUT, |g| {
        Ok(ceiling_reported(g, &rt).filter(|(v, _)| *v == -6.0))
    });
    let (_, overridden) = seen.unwrap_or_else(|e| panic!("{e}\n{}", graph.log(router)));
    assert!(overridden, "an outside change is an unsaved setting");
    assert!(
        graph.log(router).contains("headroom set ceiling -6 --save"),
        "{}",
        graph.log(router)
    );

    // Past the range (the DSP never runs above -0.1 dBTP): clamped, and
    // the sink's control shows the clamped value too.
    set_from_outside(&graph, processed.id, 3.0);
    wait_for_ceiling(&mut graph, processed.id, -0.1, router);
    let seen = graph.wait_for("the router to report -0.1", TIMEOUT, |g| {
        Ok(ceiling_reported(g, &rt).filter(|(v, _)| (*v + 0.1).abs() < 1e-6))
    });
    seen.unwrap_or_else(|e| panic!("{e}\n{}", graph.log(router)));
}
