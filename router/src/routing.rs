//! Turning decisions into graph changes: which `target.object` each stream
//! should have, and which links must go. Pure: reads a [`Graph`], returns
//! [`Command`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::graph::{Graph, OUTPUT_SUFFIX};
use crate::pw::Command;

pub use headroom_profile::Route;
use headroom_profile::{Decision, Reason};

/// How long a stream may play on another sink while its `target.object`
/// already names the right one before the router steps in: the session
/// manager missed the move (seen with WirePlumber restoring a saved target
/// for the same `media.role` while the router's target arrived).
pub const STUCK_AFTER: Duration = Duration::from_millis(300);

/// How often the router steps in for one stream before it gives up (and
/// says so): a session manager that keeps relinking elsewhere is not
/// fought forever.
pub const STUCK_ATTEMPTS: u32 = 5;

/// A stream on the wrong sink although its target is right.
#[derive(Debug, Clone, Copy)]
struct Stuck {
    since: Instant,
    attempts: u32,
}

/// Remembers what it asked for, so it asks once per change.
#[derive(Debug)]
pub struct Router {
    processed_name: String,
    /// Last `target.object` serial requested per node.
    requested: BTreeMap<u32, u64>,
    /// What the graph said the node's target was when we last looked.
    seen: BTreeMap<u32, Option<String>>,
    /// Links already asked to go.
    destroyed: BTreeSet<u32>,
    /// Streams linked elsewhere although their target is right.
    stuck: BTreeMap<u32, Stuck>,
}

impl Router {
    pub fn new(processed_name: &str) -> Router {
        Router {
            processed_name: processed_name.to_string(),
            requested: BTreeMap::new(),
            seen: BTreeMap::new(),
            destroyed: BTreeSet::new(),
            stuck: BTreeMap::new(),
        }
    }

    /// Whether a stream is waiting for the session manager to follow its
    /// target: the caller should plan again within [`STUCK_AFTER`] even if
    /// the graph does not change.
    pub fn has_stuck(&self) -> bool {
        self.stuck.values().any(|s| s.attempts < STUCK_ATTEMPTS)
    }

    /// Forget everything asked (after a reconnect every id is new).
    pub fn reset(&mut self) {
        self.requested.clear();
        self.seen.clear();
        self.destroyed.clear();
        self.stuck.clear();
    }

    /// The processed sink's node, if it is up.
    pub fn processed_sink(&self, graph: &Graph) -> Option<u32> {
        graph
            .node_by_name(&self.processed_name)
            .filter(|&id| graph.is_sink(id))
    }

    /// Where `route` leads now: the processed sink falls back to the real
    /// sink while it is down, so streams keep playing.
    pub fn sink_for(&self, graph: &Graph, route: Route) -> Option<u32> {
        match route {
            Route::Processed => self.processed_sink(graph).or_else(|| graph.real_sink()),
            Route::Bypass => graph.real_sink(),
        }
    }

    /// Commands that bring the graph to `decisions` (one per stream node;
    /// streams without one are left alone).
    pub fn plan(&mut self, graph: &Graph, decisions: &BTreeMap<u32, Decision>) -> Vec<Command> {
        self.plan_at(graph, Instant::now(), decisions)
    }

    /// [`Router::plan`] at time `now` (for the stuck-stream timer).
    pub fn plan_at(
        &mut self,
        graph: &Graph,
        now: Instant,
        decisions: &BTreeMap<u32, Decision>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let real = graph.real_sink();
        // The processed sink's own output follows the real output.
        let output_name = format!("{}{OUTPUT_SUFFIX}", self.processed_name);
        if let (Some(output), Some(real)) = (graph.node_by_name(&output_name), real) {
            self.steer(graph, output, real, now, &mut commands);
        }
        let live: BTreeSet<u32> = graph.streams().map(|s| s.id).collect();
        for &id in &live {
            let Some(decision) = decisions.get(&id) else {
                continue;
            };
            // Pinned by the app: never moved, never cut off.
            if decision.reason == Reason::Pinned {
                continue;
            }
            if let Some(sink) = self.sink_for(graph, decision.route) {
                self.steer(graph, id, sink, now, &mut commands);
            }
        }
        self.requested
            .retain(|id, _| live.contains(id) || graph.node_name(*id).is_some());
        self.seen
            .retain(|id, _| live.contains(id) || graph.node_name(*id).is_some());
        self.stuck
            .retain(|id, _| live.contains(id) || graph.node_name(*id).is_some());
        commands
    }

    /// Points `node` at `sink` and removes its links to any other sink
    /// once the right link exists (removing them earlier would cut the
    /// sound until the session manager relinks). If the target is right
    /// but the stream still plays only elsewhere after [`STUCK_AFTER`],
    /// the session manager missed the move: the router asks again and
    /// removes the wrong links, so it relinks by the target (at most
    /// [`STUCK_ATTEMPTS`] times).
    fn steer(
        &mut self,
        graph: &Graph,
        node: u32,
        sink: u32,
        now: Instant,
        commands: &mut Vec<Command>,
    ) {
        let Some(serial) = graph.serial(sink) else {
            return;
        };
        let current = graph.target_of(node).map(str::to_string);
        let wanted = serial.to_string();
        let changed_since = self.seen.get(&node) != Some(&current);
        if current.as_deref() != Some(wanted.as_str())
            && (self.requested.get(&node) != Some(&serial) || changed_since)
        {
            commands.push(Command::SetTarget {
                node,
                serial: Some(serial),
            });
            self.requested.insert(node, serial);
        }
        let target_right = current.as_deref() == Some(wanted.as_str());
        self.seen.insert(node, current);
        let links = graph.sink_links_of(node);
        if links.iter().any(|&(_, s)| s == sink) {
            self.stuck.remove(&node);
            for (link, other) in links {
                if other != sink && self.destroyed.insert(link) {
                    commands.push(Command::DestroyLink { id: link });
                }
            }
            return;
        }
        if links.is_empty() || !target_right {
            self.stuck.remove(&node);
            return;
        }
        let stuck = self.stuck.entry(node).or_insert(Stuck {
            since: now,
            attempts: 0,
        });
        if stuck.attempts >= STUCK_ATTEMPTS || now.duration_since(stuck.since) < STUCK_AFTER {
            return;
        }
        stuck.attempts += 1;
        stuck.since = now;
        if stuck.attempts == 1 {
            tracing::info!(
                "node {node} still plays into another sink than its target (serial {serial}); moving it again"
            );
        } else if stuck.attempts == STUCK_ATTEMPTS {
            tracing::warn!(
                "node {node} keeps playing into another sink than its target (serial {serial}); \
                 the session manager does not follow it, giving up"
            );
        }
        commands.push(Command::SetTarget {
            node,
            serial: Some(serial),
        });
        for (link, _) in links {
            commands.push(Command::DestroyLink { id: link });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pw::GraphEvent;

    fn graph() -> Graph {
        crate::graph::tests_support::sample_graph()
    }

    /// `route` for every stream of `graph` (as the daemon decides them).
    fn always(g: &Graph, route: Route) -> BTreeMap<u32, Decision> {
        g.streams()
            .map(|s| {
                (
                    s.id,
                    Decision {
                        route,
                        reason: headroom_profile::Reason::DefaultRoute,
                        layer_a: headroom_profile::LayerASettings::default(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn processed_streams_target_the_processed_sink_and_its_output_the_real_one() {
        let g = graph();
        let mut r = Router::new("headroom.processed");
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(cmds.contains(&Command::SetTarget {
            node: 70,
            serial: Some(150)
        }));
        assert!(cmds.contains(&Command::SetTarget {
            node: 51,
            serial: Some(140)
        }));
        // Asked once: planning again without changes asks nothing.
        assert!(r.plan(&g, &always(&g, Route::Processed)).is_empty());
    }

    #[test]
    fn bypass_goes_to_the_real_sink_and_stray_links_go_once_the_right_one_exists() {
        let mut g = graph();
        let mut r = Router::new("headroom.processed");
        g.apply(&GraphEvent::Link {
            id: 90,
            output_node: 70,
            input_node: 50,
        });
        let cmds = r.plan(&g, &always(&g, Route::Bypass));
        assert_eq!(
            cmds,
            vec![
                Command::SetTarget {
                    node: 51,
                    serial: Some(140)
                },
                Command::SetTarget {
                    node: 70,
                    serial: Some(140)
                }
            ]
        );
        g.apply(&GraphEvent::Link {
            id: 91,
            output_node: 70,
            input_node: 40,
        });
        let cmds = r.plan(&g, &always(&g, Route::Bypass));
        assert_eq!(cmds, vec![Command::DestroyLink { id: 90 }]);
    }

    #[test]
    fn someone_else_moving_a_stream_is_undone() {
        let mut g = graph();
        let mut r = Router::new("headroom.processed");
        r.plan(&g, &always(&g, Route::Bypass));
        g.apply(&GraphEvent::Metadata {
            subject: 70,
            key: "target.object".into(),
            value: Some("140".into()),
        });
        assert!(r.plan(&g, &always(&g, Route::Bypass)).is_empty());
        g.apply(&GraphEvent::Metadata {
            subject: 70,
            key: "target.object".into(),
            value: Some("141".into()),
        });
        assert_eq!(
            r.plan(&g, &always(&g, Route::Bypass)),
            vec![Command::SetTarget {
                node: 70,
                serial: Some(140)
            }]
        );
    }

    #[test]
    fn a_stream_left_on_the_wrong_sink_is_moved_again_a_bounded_number_of_times() {
        let mut g = graph();
        let mut r = Router::new("headroom.processed");
        let t0 = Instant::now();
        // Bypass: target the speakers (serial 140); the session manager
        // accepts the target but links the processed sink (node 50).
        r.plan_at(&g, t0, &always(&g, Route::Bypass));
        g.apply(&GraphEvent::Metadata {
            subject: 70,
            key: "target.object".into(),
            value: Some("140".into()),
        });
        g.apply(&GraphEvent::Link {
            id: 90,
            output_node: 70,
            input_node: 50,
        });
        assert!(r.plan_at(&g, t0, &always(&g, Route::Bypass)).is_empty());
        assert!(r.has_stuck());
        let early = t0 + STUCK_AFTER / 2;
        assert!(r.plan_at(&g, early, &always(&g, Route::Bypass)).is_empty());
        let mut at = t0 + STUCK_AFTER;
        assert_eq!(
            r.plan_at(&g, at, &always(&g, Route::Bypass)),
            vec![
                Command::SetTarget {
                    node: 70,
                    serial: Some(140)
                },
                Command::DestroyLink { id: 90 }
            ]
        );
        for _ in 1..STUCK_ATTEMPTS {
            at += STUCK_AFTER;
            assert!(!r.plan_at(&g, at, &always(&g, Route::Bypass)).is_empty());
        }
        // It gives up, and says nothing more.
        assert!(!r.has_stuck());
        assert!(r
            .plan_at(&g, at + STUCK_AFTER * 10, &always(&g, Route::Bypass))
            .is_empty());
        // Once on the right sink, the wrong link goes the usual way.
        g.apply(&GraphEvent::Link {
            id: 91,
            output_node: 70,
            input_node: 40,
        });
        let mut r = Router::new("headroom.processed");
        r.plan_at(&g, t0, &always(&g, Route::Bypass));
        assert!(!r.has_stuck());
    }

    #[test]
    fn processed_falls_back_to_the_real_sink_while_the_filter_is_down() {
        let mut g = graph();
        g.apply(&GraphEvent::Removed { id: 50 });
        let mut r = Router::new("headroom.processed");
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(cmds.contains(&Command::SetTarget {
            node: 70,
            serial: Some(140)
        }));
    }
}
