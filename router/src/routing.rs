//! Turning decisions into graph changes: which `target.object` each stream
//! should have, and which links must go; and telling the router's own
//! moves from the user's. Pure: reads a [`Graph`], returns [`Command`]s
//! and [`Moved`]s.
//!
//! # Whose move was it?
//! Everything that moves a stream writes its `target.object` on the
//! `default` metadata: the router, and the user through pavucontrol,
//! GNOME's settings or `pactl move-sink-input` (pipewire-pulse writes the
//! sink's serial, or `-1` for "follow the default sink"), or
//! `pw-metadata`. The router remembers every value it wrote until its
//! echo comes back ([`Router::moved_by_others`]); a new value that is not
//! one of them, on a stream the router had already placed, is someone
//! else's move.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::graph::Graph;
use crate::pw::Command;

use headroom_profile::rules::PROCESSED_SINK_CHANNELS;
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

/// How many of its own `target.object` writes per stream the router
/// remembers until they echo back (it writes once per change of mind).
const PENDING_MAX: usize = 8;

/// A stream someone else moved: `node` now targets `sink`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub node: u32,
    pub sink: u32,
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
    /// `target.object` serials written per node whose echo has not come
    /// back yet, oldest first.
    pending: BTreeMap<u32, Vec<u64>>,
    /// Streams that have played on the sink the router wanted: only their
    /// moves can be someone else's (a session manager restoring a target
    /// as a stream appears is not a move).
    placed: BTreeSet<u32>,
    /// Streams the user moved onto a sink that is neither the processed
    /// nor the real one: left there.
    elsewhere: BTreeMap<u32, u32>,
}

impl Router {
    pub fn new(processed_name: &str) -> Router {
        Router {
            processed_name: processed_name.to_string(),
            requested: BTreeMap::new(),
            seen: BTreeMap::new(),
            destroyed: BTreeSet::new(),
            stuck: BTreeMap::new(),
            pending: BTreeMap::new(),
            placed: BTreeSet::new(),
            elsewhere: BTreeMap::new(),
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
        self.pending.clear();
        self.placed.clear();
        self.elsewhere.clear();
    }

    /// Streams someone other than the router moved since it last looked
    /// (see the module docs), each reported once. A target of `-1` (or
    /// none) follows the default sink, which is the processed sink while
    /// it is up. A move onto a sink that is neither one of headroom's nor
    /// the real one is left alone from then on.
    pub fn moved_by_others(&mut self, graph: &Graph) -> Vec<Moved> {
        let mut moves = Vec::new();
        let ids: Vec<u32> = graph.streams().map(|s| s.id).collect();
        for id in ids {
            let current = graph.target_of(id).map(str::to_string);
            let Some(seen) = self.seen.get(&id) else {
                continue;
            };
            if *seen == current {
                continue;
            }
            let serial = current.as_deref().and_then(|v| v.parse::<u64>().ok());
            if let Some(serial) = serial {
                let pending = self.pending.entry(id).or_default();
                if let Some(at) = pending.iter().position(|&s| s == serial) {
                    // Ours (and every older write of ours is overtaken).
                    pending.drain(..=at);
                    continue;
                }
            }
            if !self.placed.contains(&id) {
                continue;
            }
            self.seen.insert(id, current.clone());
            self.pending.remove(&id);
            let sink = match serial {
                None => self.sink_for(graph, Route::Processed),
                Some(serial) => graph.node_by_serial(serial).filter(|&n| graph.is_sink(n)),
            };
            let Some(sink) = sink else {
                continue;
            };
            if graph.route_meant_by(sink).is_none() && Some(sink) != graph.real_sink() {
                self.elsewhere.insert(id, sink);
            } else {
                self.elsewhere.remove(&id);
            }
            self.requested.remove(&id);
            moves.push(Moved { node: id, sink });
        }
        moves
    }

    /// The processed sink's node, if it is up.
    pub fn processed_sink(&self, graph: &Graph) -> Option<u32> {
        graph
            .node_by_name(&self.processed_name)
            .filter(|&id| graph.is_sink(id))
    }

    /// The sink of bus `route` (the default processed sink for
    /// [`Route::Processed`]), if it is up.
    pub fn bus_sink(&self, graph: &Graph, route: Route) -> Option<u32> {
        let name = crate::graph::sink_name_of(&self.processed_name, route)?;
        graph.node_by_name(&name).filter(|&id| graph.is_sink(id))
    }

    /// Where `route` leads now. A named bus whose sink is not up yet (it
    /// starts when its first stream arrives) is stood in for by the
    /// default processed sink; while that is down too, processed streams
    /// wait on the holding sink (silent: fail closed, never the real
    /// output at full level); `None` if none is there (the stream is left
    /// alone).
    pub fn sink_for(&self, graph: &Graph, route: Route) -> Option<u32> {
        match route {
            Route::Bypass => graph.real_sink(),
            processed => self
                .bus_sink(graph, processed)
                .or_else(|| self.processed_sink(graph))
                .or_else(|| graph.hold_sink()),
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
        // Every processing sink's own output plays into the master limiter
        // while it runs (buses sum under one ceiling), else into the real
        // output; the master's output follows the real output. A surround
        // bus's output waits silent on the holding sink until the master
        // is up: played straight to a device with fewer channels, its
        // downmix would sum past the ceiling.
        if let Some(real) = real {
            let master = graph.master_sink();
            for output in graph.own_outputs() {
                match master {
                    Some(master) => {
                        self.steer_break_first(graph, output, master, now, &mut commands)
                    }
                    None if graph.own_channels(output) > PROCESSED_SINK_CHANNELS => {
                        if let Some(hold) = graph.hold_sink() {
                            self.steer_break_first(graph, output, hold, now, &mut commands);
                        }
                    }
                    None => self.steer(graph, output, real, now, &mut commands),
                }
            }
            if let Some(master) = graph.master_output() {
                self.steer(graph, master, real, now, &mut commands);
            }
        }
        let live: BTreeSet<u32> = graph.streams().map(|s| s.id).collect();
        for &id in &live {
            let Some(decision) = decisions.get(&id) else {
                continue;
            };
            // Pinned by the app: never moved, never cut off. Put by the
            // user on a third device: left there (but for the bypass
            // switch, which sends everything to the real output).
            if decision.reason == Reason::Pinned
                || (self.elsewhere.contains_key(&id) && decision.reason != Reason::BypassSwitch)
            {
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
        self.pending.retain(|id, _| graph.node_name(*id).is_some());
        self.placed.retain(|id| live.contains(id));
        self.elsewhere.retain(|id, _| live.contains(id));
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
            self.expect_echo(node, serial);
        }
        let target_right = current.as_deref() == Some(wanted.as_str());
        self.seen.insert(node, current);
        let links = graph.sink_links_of(node);
        if links.iter().any(|&(_, s)| s == sink) {
            self.stuck.remove(&node);
            self.placed.insert(node);
            self.cut_links_except(graph, node, sink, commands);
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
        self.expect_echo(node, serial);
        for (link, _) in links {
            commands.push(Command::DestroyLink { id: link });
        }
    }

    /// [`Router::steer`] for a processed sink's output, cutting its old
    /// links before the new one exists: a processed output briefly linked
    /// both to the master limiter and past it would sum twice at the
    /// device, over the ceiling; a moment of silence is the safe side.
    fn steer_break_first(
        &mut self,
        graph: &Graph,
        node: u32,
        sink: u32,
        now: Instant,
        commands: &mut Vec<Command>,
    ) {
        self.steer(graph, node, sink, now, commands);
        self.cut_links_except(graph, node, sink, commands);
    }

    /// Destroys `node`'s links to every sink but `sink` (each once).
    fn cut_links_except(
        &mut self,
        graph: &Graph,
        node: u32,
        sink: u32,
        commands: &mut Vec<Command>,
    ) {
        for (link, other) in graph.sink_links_of(node) {
            if other != sink && self.destroyed.insert(link) {
                commands.push(Command::DestroyLink { id: link });
            }
        }
    }

    /// The router wrote `serial` as `node`'s target: its echo is ours.
    fn expect_echo(&mut self, node: u32, serial: u64) {
        let pending = self.pending.entry(node).or_default();
        if pending.len() == PENDING_MAX {
            pending.remove(0);
        }
        pending.push(serial);
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

    /// Adds a node named `name` of `class` with `id` and serial `id + 100`.
    fn add_node(g: &mut Graph, id: u32, name: &str, class: &str) {
        let serial = (id + 100).to_string();
        g.apply(&GraphEvent::Node {
            id,
            props: crate::graph::tests_support::props(&[
                ("node.name", name),
                ("media.class", class),
                ("object.serial", serial.as_str()),
            ]),
        });
    }

    #[test]
    fn with_a_master_limiter_every_processed_output_plays_into_it_never_past_it() {
        let mut g = graph();
        add_node(&mut g, 52, "headroom.processed.bus.voice", "Audio/Sink");
        add_node(
            &mut g,
            53,
            "headroom.processed.bus.voice.output",
            "Stream/Output/Audio",
        );
        add_node(&mut g, 54, "headroom.processed.master", "Audio/Sink");
        add_node(
            &mut g,
            55,
            "headroom.processed.master.output",
            "Stream/Output/Audio",
        );
        // The default bus's output still plays straight to the speakers.
        g.apply(&GraphEvent::Link {
            id: 90,
            output_node: 51,
            input_node: 40,
        });
        let mut r = Router::new("headroom.processed");
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        for output in [51, 53] {
            assert!(
                cmds.contains(&Command::SetTarget {
                    node: output,
                    serial: Some(154)
                }),
                "{output} into the master: {cmds:?}"
            );
        }
        assert!(cmds.contains(&Command::SetTarget {
            node: 55,
            serial: Some(140)
        }));
        // Never summed twice at the device: the direct link goes at once,
        // before the one into the master exists.
        assert!(cmds.contains(&Command::DestroyLink { id: 90 }), "{cmds:?}");
        // The master's own output is never steered into itself.
        assert!(!cmds.contains(&Command::SetTarget {
            node: 55,
            serial: Some(154)
        }));
    }

    #[test]
    fn without_a_master_limiter_a_processed_output_moves_make_before_break() {
        let mut g = graph();
        g.apply(&GraphEvent::Link {
            id: 90,
            output_node: 51,
            input_node: 41,
        });
        let mut r = Router::new("headroom.processed");
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(cmds.contains(&Command::SetTarget {
            node: 51,
            serial: Some(140)
        }));
        // The old device keeps playing until the new link exists.
        assert!(!cmds.contains(&Command::DestroyLink { id: 90 }), "{cmds:?}");
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
    fn a_target_changed_before_the_stream_played_is_put_right() {
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
    fn processed_streams_are_held_never_sent_to_the_real_sink_while_the_filter_is_down() {
        let mut g = graph();
        g.apply(&GraphEvent::Removed { id: 50 });
        let mut r = Router::new("headroom.processed");
        // No holding sink either: the stream is left alone, not moved to
        // the real sink (serial 140).
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(
            !cmds
                .iter()
                .any(|c| matches!(c, Command::SetTarget { node: 70, .. })),
            "{cmds:?}"
        );
        // With the holding sink: held there.
        g.apply(&GraphEvent::Node {
            id: 60,
            props: [
                ("node.name", "headroom.processed.hold"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "160"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        });
        assert_eq!(g.hold_sink(), Some(60));
        assert!(
            !g.real_sinks().any(|s| s == 60),
            "the holding sink is not a device"
        );
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(
            cmds.contains(&Command::SetTarget {
                node: 70,
                serial: Some(160)
            }),
            "{cmds:?}"
        );
    }

    fn target(g: &mut Graph, node: u32, value: &str) {
        g.apply(&GraphEvent::Metadata {
            subject: node,
            key: "target.object".into(),
            value: Some(value.into()),
        });
    }

    /// Node 70 routed `route` and played where the router put it (its
    /// target echoed, linked to `sink`).
    fn placed(route: Route, sink: u32) -> (Graph, Router) {
        let mut g = graph();
        let mut r = Router::new("headroom.processed");
        r.plan(&g, &always(&g, route));
        let serial = g.serial(sink).unwrap();
        target(&mut g, 70, &serial.to_string());
        g.apply(&GraphEvent::Link {
            id: 95,
            output_node: 70,
            input_node: sink,
        });
        assert!(r.moved_by_others(&g).is_empty(), "the router's own echo");
        r.plan(&g, &always(&g, route));
        (g, r)
    }

    #[test]
    fn the_users_move_is_reported_once_and_the_routers_own_never() {
        let (mut g, mut r) = placed(Route::Bypass, 40);
        target(&mut g, 70, "150");
        assert_eq!(r.moved_by_others(&g), vec![Moved { node: 70, sink: 50 }]);
        assert!(r.moved_by_others(&g).is_empty(), "reported once");
        // pipewire-pulse moves onto the default sink by writing -1.
        let (mut g, mut r) = placed(Route::Bypass, 40);
        target(&mut g, 70, "-1");
        assert_eq!(r.moved_by_others(&g), vec![Moved { node: 70, sink: 50 }]);
    }

    #[test]
    fn late_echoes_of_the_routers_own_writes_are_not_moves() {
        let (mut g, mut r) = placed(Route::Bypass, 40);
        // The router changes its mind twice before any echo is back.
        r.plan(&g, &always(&g, Route::Processed));
        target(&mut g, 70, "150");
        r.plan(&g, &always(&g, Route::Bypass));
        target(&mut g, 70, "140");
        g.apply(&GraphEvent::Metadata {
            subject: 70,
            key: "target.object".into(),
            value: Some("150".into()),
        });
        assert!(r.moved_by_others(&g).is_empty());
        target(&mut g, 70, "140");
        assert!(r.moved_by_others(&g).is_empty());
    }

    #[test]
    fn a_target_restored_before_the_stream_was_placed_is_not_a_move() {
        let mut g = graph();
        let mut r = Router::new("headroom.processed");
        r.plan(&g, &always(&g, Route::Processed));
        // The session manager restores a saved target as the stream appears.
        target(&mut g, 70, "140");
        assert!(r.moved_by_others(&g).is_empty());
    }

    #[test]
    fn a_stream_the_user_put_on_the_master_limiter_is_not_left_there() {
        let (mut g, mut r) = placed(Route::Bypass, 40);
        add_node(&mut g, 54, "headroom.processed.master", "Audio/Sink");
        assert_eq!(g.route_meant_by(54), Some(Route::Processed));
        let serial = g.serial(54).unwrap();
        target(&mut g, 70, &serial.to_string());
        assert_eq!(r.moved_by_others(&g), vec![Moved { node: 70, sink: 54 }]);
        // Not a third device: the router puts it where its route says.
        let cmds = r.plan(&g, &always(&g, Route::Processed));
        assert!(
            cmds.contains(&Command::SetTarget {
                node: 70,
                serial: g.serial(50)
            }),
            "{cmds:?}"
        );
    }

    #[test]
    fn a_stream_the_user_put_on_a_third_device_is_left_there() {
        let (mut g, mut r) = placed(Route::Processed, 50);
        // Node 41, "headphones", is neither the real nor the processed sink.
        target(&mut g, 70, "141");
        assert_eq!(r.moved_by_others(&g), vec![Moved { node: 70, sink: 41 }]);
        let cmds = r.plan(&g, &always(&g, Route::Bypass));
        assert!(
            !cmds
                .iter()
                .any(|c| matches!(c, Command::SetTarget { node: 70, .. })),
            "{cmds:?}"
        );
    }
}
