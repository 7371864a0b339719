//! Eight waves of twenty apps starting at once, all with the same
//! `media.role`: half are bypassed by their binary (the router moves them
//! to the speakers), half follow the default into the processed sink
//! playing +24 dBFS. With headroom's WirePlumber fragment installed,
//! WirePlumber never learns the router's moves as the role's target, so:
//! no processed-class app is ever seen linked to the speakers (the graph
//! sampled as fast as `pw-cli` answers), no bypassed app is seen on the
//! processed sink once placed, nothing over the ceiling reaches the
//! speakers by the independent true-peak meter (recorder pinned), and
//! WirePlumber saved no target.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use headroom_testdata::pipewire::{ChildId, PwGraph};
use headroom_testdata::{meter, signals};

const APPS: usize = 20;
const WAVES: usize = 8;

/// Every link as (output node name, input node id), now.
fn links_by_name(graph: &PwGraph) -> Vec<(String, u32)> {
    let nodes: BTreeMap<u32, String> = graph
        .objects("Node")
        .unwrap()
        .into_iter()
        .filter_map(|n| Some((n.id, n.prop("node.name")?.to_string())))
        .collect();
    graph
        .objects("Link")
        .unwrap()
        .iter()
        .filter_map(|l| {
            let from = nodes.get(&l.prop_id("link.output.node")?)?;
            Some((from.clone(), l.prop_id("link.input.node")?))
        })
        .collect()
}

#[test]
fn no_processed_app_of_a_burst_is_ever_heard_unlimited() {
    let mut graph = desktop_graph();
    let speakers = graph.create_null_sink("speakers").unwrap();
    // A player whose binary a rule bypasses: a copy of pw-cat under
    // another name (PipeWire names the binary after the executable).
    let bin = graph.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let plain_player = bin.join("plain-player");
    std::fs::copy("/usr/bin/pw-cat", &plain_player).unwrap();
    let profile = graph.path("burst.toml");
    std::fs::write(
        &profile,
        "default_route = \"processed\"\n\n[[rules]]\nbinary = \"plain-player\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    // The router sees the fragment loaded: no warning about it.
    assert!(
        !graph.log(router).contains("50-headroom.conf"),
        "{}",
        graph.log(router)
    );

    let hot = graph.path("hot.wav");
    write_wav(&hot, &signals::hot_float(RATE, 1.5));
    let quiet = graph.path("quiet.wav");
    write_wav(&quiet, &signals::silence(RATE, 1.5));
    let recording = graph
        .start_recording("speakers", &graph.path("speakers.wav"))
        .unwrap();

    let mut leaks = Vec::new();
    let mut strays = Vec::new();
    for wave in 0..WAVES {
        let mut players: Vec<ChildId> = Vec::new();
        let mut bypassed = BTreeSet::new();
        let mut processed_class = BTreeSet::new();
        for i in 0..APPS {
            let node = format!("burst-{wave}-{i}");
            let (program, wav) = if i % 2 == 0 {
                bypassed.insert(node.clone());
                (plain_player.to_str().unwrap(), &quiet)
            } else {
                processed_class.insert(node.clone());
                ("pw-cat", &hot)
            };
            let mut cmd = graph.command(program);
            cmd.args([
                "-p",
                "-P",
                &format!("{{ application.name=app-{wave}-{i} node.name={node} media.role=Music }}"),
            ])
            .arg(wav);
            players.push(graph.spawn("player", cmd).unwrap());
        }
        // Sample until every player is done: every processed-class app
        // must be seen on the processed sink, never on the speakers.
        let mut placed = BTreeSet::new();
        let mut heard = BTreeSet::new();
        graph
            .wait_for(&format!("wave {wave} to finish"), TIMEOUT * 2, |g| {
                for (from, to) in links_by_name(g) {
                    if processed_class.contains(&from) {
                        if to == speakers.id {
                            leaks.push(format!("wave {wave}: {from} linked to the speakers"));
                        } else if to == processed.id {
                            heard.insert(from);
                        }
                    } else if bypassed.contains(&from) {
                        if to == speakers.id {
                            placed.insert(from);
                        } else if to == processed.id && placed.contains(&from) {
                            strays.push(format!("wave {wave}: {from} back on processed"));
                        }
                    }
                }
                let mut done = true;
                for &p in &players {
                    done &= g.try_status(p)?.is_some();
                }
                Ok(done.then_some(()))
            })
            .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
        assert!(
            !heard.is_empty() && !placed.is_empty(),
            "wave {wave}: processed-class apps seen on the processed sink: {heard:?}, \
             bypassed apps seen on the speakers: {placed:?}"
        );
    }
    let recorded = read_wav(&graph.stop_recording(recording).unwrap());

    assert!(
        leaks.is_empty(),
        "{leaks:#?}\nrouter log:\n{}",
        graph.log(router)
    );
    assert!(strays.is_empty(), "{strays:#?}");
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
