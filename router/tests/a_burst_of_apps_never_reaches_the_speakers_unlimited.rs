//! Twenty apps starting at once, round after round, all with the same
//! `media.role`: half are bypassed by name (the router moves them to the
//! speakers), half follow the default into the processed sink playing
//! +24 dBFS. With headroom's WirePlumber fragment installed, WirePlumber
//! never learns the router's moves as the role's target, so no processed
//! app is ever restored straight to the speakers: nothing over the
//! ceiling reaches them, by the independent true-peak meter, in any round.

mod common;

use common::*;
use headroom_testdata::pipewire::ChildId;
use headroom_testdata::{meter, signals};

const APPS: usize = 20;
const ROUNDS: usize = 3;

#[test]
fn no_processed_app_of_a_burst_is_ever_heard_unlimited() {
    let mut graph = desktop_graph();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("burst.toml");
    std::fs::write(
        &profile,
        "default_route = \"processed\"\n\n[[rules]]\napp = \"plain-*\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();

    let hot = graph.path("hot.wav");
    write_wav(&hot, &signals::hot_float(RATE, 2.0));
    let quiet = graph.path("quiet.wav");
    write_wav(&quiet, &signals::silence(RATE, 2.0));
    let recording = graph
        .start_recording("speakers", &graph.path("speakers.wav"))
        .unwrap();

    for round in 0..ROUNDS {
        let mut apps: Vec<(String, u32, ChildId)> = Vec::new();
        for i in 0..APPS {
            let bypassed = i % 2 == 0;
            let (app, wav, sink) = if bypassed {
                (format!("plain-{round}-{i}"), &quiet, speakers.id)
            } else {
                (format!("loud-{round}-{i}"), &hot, processed.id)
            };
            let node = format!("burst-{round}-{i}");
            let mut cmd = graph.command("pw-cat");
            cmd.args([
                "-p",
                "-P",
                &format!("{{ application.name={app} node.name={node} media.role=Music }}"),
            ])
            .arg(wav);
            apps.push((node, sink, graph.spawn("pw-cat", cmd).unwrap()));
        }
        // Every app ends up where its rule says (or has finished).
        for (node, sink, child) in &apps {
            let placed = graph.wait_for(&format!("{node} on its sink"), TIMEOUT, |g| {
                if g.try_status(*child)?.is_some() {
                    return Ok(Some(()));
                }
                let Some(n) = g.find_node(node)? else {
                    return Ok(None);
                };
                Ok((!g.links(n.id, *sink)?.is_empty()).then_some(()))
            });
            placed.unwrap_or_else(|e| panic!("round {round}: {e}\n{}", graph.log(router)));
        }
        for (_, _, child) in apps {
            graph.wait_exit(child, TIMEOUT).unwrap();
        }
    }
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    let true_peak = meter::db(meter::true_peak(&recorded, 2));
    assert!(
        true_peak <= -1.0,
        "the speakers peaked at {true_peak:+.2} dBTP during the bursts (ceiling -1 dBTP)\n\
         router log:\n{}",
        graph.log(router)
    );
    let peak = recorded.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        peak > 0.1,
        "the loud apps were not heard at all (peak {peak})"
    );
    // WirePlumber saved no target for the role or any app.
    let state = graph.path("state/wireplumber/stream-properties");
    let saved = std::fs::read_to_string(&state).unwrap_or_default();
    assert!(!saved.contains("target"), "{saved}");
}
