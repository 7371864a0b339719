//! What `Monitor` subscribers hear: the daemon announces what happened
//! (streams routed, profile changes, sinks, PipeWire) into a broadcast
//! channel, and publishes the latest ceiling and stream levels in watch
//! channels. Publishing never waits: a subscriber that falls more than
//! [`EVENT_QUEUE`] events behind loses the oldest and is told how many
//! (see the varlink monitor, `varlink/monitor.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use headroom_client::{
    Event, EventKind, ProfileProblem, Route, Sink, Stream, StreamLevels, UserLayerA, UserRoute,
};
use headroom_profile::filter_chain::FilterChainOptions;
use headroom_profile::Profile;
use tokio::sync::{broadcast, watch};

/// How many events a subscriber may fall behind before it lags.
pub const EVENT_QUEUE: usize = 256;

/// Where one running named bus's meters are, or the master limiter's.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMeterBlock {
    /// The bus's name; `None` for the master limiter.
    pub bus: Option<String>,
    /// Its sink's `node.name`.
    pub sink: String,
    /// Its shared-memory block (`meters-<instance>`).
    pub path: PathBuf,
    /// The ceiling its limiter runs with, dBTP.
    pub ceiling: f64,
}

/// The daemon's side, owned by its state; it is handed plain data (wire
/// types) and never waits for a subscriber.
pub(crate) struct Events {
    events: broadcast::Sender<Event>,
    ceiling: watch::Sender<f64>,
    streams: watch::Sender<Vec<StreamLevels>>,
    meters: PathBuf,
    buses: watch::Sender<Vec<StageMeterBlock>>,
    runtime_dir: PathBuf,
    /// Each stream as subscribers last heard of it.
    streams_seen: BTreeMap<u32, Stream>,
    /// Both sinks as subscribers last heard of them.
    sinks_seen: Option<(Sink, Sink)>,
}

/// The subscribers' side, shared by every connection.
#[derive(Clone)]
pub struct Hub {
    pub events: broadcast::Sender<Event>,
    /// The limiter ceiling in use, dBTP.
    pub ceiling: watch::Receiver<f64>,
    /// Every stream's levels.
    pub streams: watch::Receiver<Vec<StreamLevels>>,
    /// The processed sink's shared-memory meter block.
    pub meters: PathBuf,
    /// Every running named bus's block, and the master limiter's.
    pub buses: watch::Receiver<Vec<StageMeterBlock>>,
}

impl Events {
    /// For a daemon whose runtime directory is `runtime_dir`
    /// (`$XDG_RUNTIME_DIR/headroom`, where the plugin puts its meter
    /// block), starting with the limiter ceiling `ceiling` (dBTP).
    pub(crate) fn new(runtime_dir: &Path, ceiling: f64) -> Events {
        let instance = FilterChainOptions::default().meter_instance;
        Events {
            events: broadcast::channel(EVENT_QUEUE).0,
            ceiling: watch::channel(ceiling).0,
            streams: watch::channel(Vec::new()).0,
            meters: runtime_dir.join(format!("meters-{instance}")),
            buses: watch::channel(Vec::new()).0,
            runtime_dir: runtime_dir.to_path_buf(),
            streams_seen: BTreeMap::new(),
            sinks_seen: None,
        }
    }

    pub(crate) fn hub(&self) -> Hub {
        Hub {
            events: self.events.clone(),
            ceiling: self.ceiling.subscribe(),
            streams: self.streams.subscribe(),
            meters: self.meters.clone(),
            buses: self.buses.subscribe(),
        }
    }

    /// The shared-memory block of a sink started with `meter_instance`.
    pub(crate) fn meter_path(&self, meter_instance: u32) -> PathBuf {
        self.runtime_dir.join(format!("meters-{meter_instance}"))
    }

    /// The running stages' meter blocks, for the `buses` topic.
    pub(crate) fn publish_bus_meters(&self, blocks: Vec<StageMeterBlock>) {
        self.buses.send_if_modified(|old| {
            let changed = *old != blocks;
            *old = blocks;
            changed
        });
    }

    /// Tells every subscriber (none listening is fine).
    pub(crate) fn send(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// After a routing pass: stream and sink events for what changed
    /// since subscribers last heard, and the streams topic's list.
    /// `stream_added` waits until the stream's channel count is known (its
    /// node appears before its format is negotiated), so it never says
    /// `channels: 0` of a stream that plays; a stream gone before that
    /// never played and is not announced at all.
    pub(crate) fn announce_graph(&mut self, streams: Vec<Stream>, sinks: (Sink, Sink)) {
        self.publish_stream_levels(&streams);
        let now: BTreeMap<u32, Stream> = streams
            .into_iter()
            .filter(|s| s.channels > 0 || self.streams_seen.contains_key(&s.id))
            .map(|s| (s.id, s))
            .collect();
        for (id, stream) in &now {
            let kind = match self.streams_seen.get(id) {
                None => EventKind::StreamAdded,
                Some(old) if old.route != stream.route || old.reason != stream.reason => {
                    EventKind::StreamRerouted
                }
                Some(_) => continue,
            };
            self.send(Event {
                stream: Some(stream.clone()),
                ..Event::new(kind)
            });
        }
        for (id, gone) in &self.streams_seen {
            if !now.contains_key(id) {
                self.send(Event {
                    stream: Some(gone.clone()),
                    ..Event::new(EventKind::StreamRemoved)
                });
            }
        }
        self.streams_seen = now;
        if self.sinks_seen.as_ref() != Some(&sinks) {
            self.send(Event {
                processed_sink: Some(sinks.0.clone()),
                real_sink: Some(sinks.1.clone()),
                ..Event::new(EventKind::SinkChanged)
            });
            self.sinks_seen = Some(sinks);
        }
    }

    /// The streams topic's list, from `streams`; subscribers hear of it
    /// only if it changed.
    pub(crate) fn publish_stream_levels(&self, streams: &[Stream]) {
        let levels: Vec<StreamLevels> = streams
            .iter()
            .map(|s| StreamLevels {
                id: s.id,
                app: s.app.clone(),
                route: s.route,
                bus: s.bus.clone().filter(|_| s.route == Route::Processed),
                layer_a: s.layer_a.clone(),
            })
            .collect();
        self.streams.send_if_modified(|old| {
            let changed = *old != levels;
            if changed {
                *old = levels;
            }
            changed
        });
    }

    /// `profile` became the active profile (switch, reload, save), with
    /// its `buses` as status shows them.
    pub(crate) fn announce_profile(&self, profile: &Profile, buses: Vec<headroom_client::Bus>) {
        self.send(Event {
            profile: Some(profile.name.clone()),
            profile_path: profile.source.as_ref().map(|p| p.display().to_string()),
            buses: Some(buses),
            ..Event::new(EventKind::ProfileChanged)
        });
    }

    /// The user routes changed (`routes`), or their file cannot be used
    /// (`problem`).
    pub(crate) fn announce_routes(
        &self,
        routes: Vec<UserRoute>,
        layer_a: Vec<UserLayerA>,
        problem: Option<ProfileProblem>,
    ) {
        self.send(Event {
            routes: Some(routes),
            layer_a: Some(layer_a),
            problem,
            ..Event::new(EventKind::RoutesChanged)
        });
    }

    /// The user moved `app`'s stream onto `sink`: saved as its user route
    /// `route` (`routes` now), undone by the command `undo`.
    pub(crate) fn announce_user_move(
        &self,
        app: &str,
        route: Route,
        sink: &str,
        undo: &str,
        routes: Vec<UserRoute>,
    ) {
        self.send(Event {
            app: Some(app.to_string()),
            route: Some(route),
            reason: Some(format!("moved to {sink} by the user")),
            undo: Some(undo.to_string()),
            routes: Some(routes),
            ..Event::new(EventKind::UserMoved)
        });
    }

    /// The active profile's file cannot be used (`problem`).
    pub(crate) fn announce_profile_error(&self, problem: &ProfileProblem) {
        self.send(Event {
            problem: Some(problem.clone()),
            ..Event::new(EventKind::ProfileError)
        });
    }

    /// PipeWire came (`lost` is `None`) or went (`lost` says why).
    pub(crate) fn announce_connection(&self, lost: Option<&str>) {
        self.send(match lost {
            None => Event::new(EventKind::Connected),
            Some(reason) => Event {
                reason: Some(reason.to_string()),
                ..Event::new(EventKind::Disconnected)
            },
        });
    }

    /// The ceiling the DSP runs with now (dBTP), for the meters topic.
    pub(crate) fn publish_ceiling(&self, ceiling: f64) {
        self.ceiling.send_if_modified(|old| {
            let changed = *old != ceiling;
            *old = ceiling;
            changed
        });
    }
}
