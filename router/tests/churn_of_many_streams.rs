//! Fifty short-lived streams from different apps start at once: every one
//! ends up on the sink its rule names and on no other, and the router's
//! memory does not grow from one round of churn to the next.

mod common;

use std::collections::BTreeMap;

use common::*;
use headroom_testdata::pipewire::{ChildId, PwGraph};

const STREAMS: usize = 50;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Starts `STREAMS` apps (even: music, bypassed; odd: video, processed),
/// waits until each is linked where its rule says and nowhere else, then
/// stops them all.
fn churn(graph: &mut PwGraph, round: usize, speakers: u32, processed: u32, router_id: ChildId) {
    let wav = graph.path("short.wav");
    let mut apps = Vec::new();
    for i in 0..STREAMS {
        let kind = if i % 2 == 0 { "music" } else { "video" };
        let node = format!("churn-{round}-{i}");
        let app = play_untargeted(graph, &wav, &format!("{kind}-{i}"), &node);
        apps.push((node, kind, app));
    }
    let wanted: BTreeMap<String, (u32, u32)> = apps
        .iter()
        .map(|(node, kind, _)| {
            let pair = if *kind == "music" {
                (speakers, processed)
            } else {
                (processed, speakers)
            };
            (node.clone(), pair)
        })
        .collect();
    // A stream counts once it is seen on its rule's sink and not on the
    // other; once counted it must never be seen on the other again.
    let mut settled: BTreeMap<String, bool> = BTreeMap::new();
    let mut regressions = Vec::new();
    // What the graph last showed of each stream not counted yet.
    let mut last_seen: BTreeMap<String, String> = BTreeMap::new();
    graph
        .wait_for("every stream on its rule's sink only", TIMEOUT * 2, |g| {
            let nodes = g.objects("Node")?;
            let links = g.objects("Link")?;
            for node in &nodes {
                let Some(name) = node.prop("node.name") else {
                    continue;
                };
                let Some(&(right, wrong)) = wanted.get(name) else {
                    continue;
                };
                let to = |sink: u32| {
                    links.iter().any(|l| {
                        l.prop_id("link.output.node") == Some(node.id)
                            && l.prop_id("link.input.node") == Some(sink)
                    })
                };
                let (on_right, on_wrong) = (to(right), to(wrong));
                if !settled.contains_key(name) {
                    let targets: Vec<Option<u32>> = links
                        .iter()
                        .filter(|l| l.prop_id("link.output.node") == Some(node.id))
                        .map(|l| l.prop_id("link.input.node"))
                        .collect();
                    last_seen.insert(
                        name.to_string(),
                        format!("node {} linked to {targets:?}", node.id),
                    );
                }
                if settled.contains_key(name) && on_wrong {
                    regressions.push(format!("{name} linked to the wrong sink again"));
                }
                if on_right && !on_wrong {
                    settled.insert(name.to_string(), true);
                }
            }
            Ok((settled.len() == STREAMS).then_some(()))
        })
        .unwrap_or_else(|e| {
            let missing: Vec<_> = wanted
                .keys()
                .filter(|n| !settled.contains_key(*n))
                .collect();
            let mut detail = String::new();
            for name in &missing {
                if let Ok(Some(node)) = graph.find_node(name) {
                    let links: Vec<String> = graph
                        .objects("Link")
                        .unwrap_or_default()
                        .iter()
                        .filter(|l| l.prop_id("link.output.node") == Some(node.id))
                        .map(|l| format!("{:?}", l.prop_id("link.input.node")))
                        .collect();
                    detail.push_str(&format!("{name} (node {}): links to {links:?}\n", node.id));
                } else {
                    let child = apps.iter().find(|(n, _, _)| n == *name).map(|a| a.2);
                    let dump = graph.dump().unwrap_or_default();
                    let app = name.rsplit('-').next().unwrap_or_default();
                    detail.push_str(&format!(
                        "{name}: no node; pw-cat {:?} said: {}\n; dump mentions -{app}\": {}\n",
                        child.map(|c| graph.try_status(c)),
                        child.map(|c| graph.log(c)).unwrap_or_default(),
                        dump.matches(&format!("-{app}\"")).count(),
                    ));
                }
            }
            panic!(
                "{e}\nnever routed: {missing:?}\nlast seen: {last_seen:?}\n{detail}metadata:\n{}\nrouter log:\n{}",
                graph.pw_cli(&["ls", "Metadata"]).unwrap_or_default(),
                graph.log(router_id)
            )
        });
    assert!(regressions.is_empty(), "{regressions:?}");
    // Short-lived: they go away together, as apps do.
    for (_, _, app) in apps {
        let _ = graph.stop(app, 15);
    }
}

#[test]
fn fifty_streams_at_once_are_each_routed_by_their_rule() {
    let mut graph = PwGraph::start().unwrap();
    let speakers = graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("churn.toml");
    std::fs::write(
        &profile,
        "[[rules]]\napp = \"music-*\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    // Long enough to be seen routed while playing even when 2 cores are
    // busy (each is stopped once every stream has been seen).
    let tone: Vec<f32> = (0..RATE as usize * 30)
        .flat_map(|n| {
            let v = 0.01 * (n as f32 * 0.03).sin();
            [v, v]
        })
        .collect();
    write_wav(&graph.path("short.wav"), &tone);

    let pid = graph.pid(router);
    churn(&mut graph, 0, speakers.id, processed.id, router);
    let after_first = rss_kib(pid);
    churn(&mut graph, 1, speakers.id, processed.id, router);
    let after_second = rss_kib(pid);
    assert!(
        after_second <= after_first + 1024,
        "router RSS grew from {after_first} KiB to {after_second} KiB over a second round"
    );
    assert!(graph.try_status(router).unwrap().is_none(), "router died");
}
