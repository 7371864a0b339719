//! What `Monitor` subscribers hear: the daemon announces what happened
//! (streams routed, profile changes, sinks, PipeWire) into a broadcast
//! channel, and publishes the latest ceiling and stream levels in watch
//! channels. Publishing never waits: a subscriber that falls more than
//! [`EVENT_QUEUE`] events behind loses the oldest and is told how many
//! (see [`crate::varlink`]'s monitor).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use headroom_client::{Event, EventKind, ProfileProblem, Sink, Stream, StreamLevels};
use headroom_dsp::ParamId;
use headroom_profile::filter_chain::FilterChainOptions;
use headroom_profile::Profile;
use tokio::sync::{broadcast, watch};

use crate::daemon::State;

/// How many events a subscriber may fall behind before it lags.
pub const EVENT_QUEUE: usize = 256;

/// The daemon's side: owned by [`State`].
pub(crate) struct Events {
    events: broadcast::Sender<Event>,
    ceiling: watch::Sender<f64>,
    streams: watch::Sender<Vec<StreamLevels>>,
    meters: PathBuf,
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
}

impl Events {
    /// For a daemon whose runtime directory is `runtime_dir`
    /// (`$XDG_RUNTIME_DIR/headroom`, where the plugin puts its meter
    /// block), starting with `profile`.
    pub(crate) fn new(runtime_dir: &Path, profile: &Profile) -> Events {
        let instance = FilterChainOptions::default().meter_instance;
        Events {
            events: broadcast::channel(EVENT_QUEUE).0,
            ceiling: watch::channel(ceiling_of(profile)).0,
            streams: watch::channel(Vec::new()).0,
            meters: runtime_dir.join(format!("meters-{instance}")),
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
        }
    }

    /// Tells every subscriber (none listening is fine).
    pub(crate) fn send(&self, event: Event) {
        let _ = self.events.send(event);
    }
}

fn ceiling_of(profile: &Profile) -> f64 {
    crate::varlink::control::decimal(profile.params().get(ParamId::LimiterCeiling))
}

impl State {
    /// After a routing pass: stream and sink events for what changed, and
    /// the streams topic's list.
    pub(crate) fn announce_graph(&mut self) {
        let streams = self.streams();
        let now: BTreeMap<u32, Stream> = streams.iter().map(|s| (s.id, s.clone())).collect();
        let events = &mut self.events;
        for (id, stream) in &now {
            let kind = match events.streams_seen.get(id) {
                None => EventKind::StreamAdded,
                Some(old) if old.route != stream.route || old.reason != stream.reason => {
                    EventKind::StreamRerouted
                }
                Some(_) => continue,
            };
            events.send(Event {
                stream: Some(stream.clone()),
                ..Event::new(kind)
            });
        }
        for (id, gone) in &events.streams_seen {
            if !now.contains_key(id) {
                events.send(Event {
                    stream: Some(gone.clone()),
                    ..Event::new(EventKind::StreamRemoved)
                });
            }
        }
        events.streams_seen = now;
        self.publish_stream_levels(streams);
        let sinks = self.sinks();
        if self.events.sinks_seen.as_ref() != Some(&sinks) {
            self.events.send(Event {
                processed_sink: Some(sinks.0.clone()),
                real_sink: Some(sinks.1.clone()),
                ..Event::new(EventKind::SinkChanged)
            });
            self.events.sinks_seen = Some(sinks);
        }
    }

    /// The streams topic's list, from `streams` (as [`State::streams`]
    /// gives them); subscribers hear of it only if it changed. Layer A
    /// calls this (with `self.streams()`) whenever levels move.
    pub(crate) fn publish_stream_levels(&self, streams: Vec<Stream>) {
        let levels: Vec<StreamLevels> = streams
            .into_iter()
            .map(|s| StreamLevels {
                id: s.id,
                app: s.app,
                route: s.route,
                layer_a: s.layer_a,
            })
            .collect();
        self.events.streams.send_if_modified(|old| {
            let changed = *old != levels;
            if changed {
                *old = levels;
            }
            changed
        });
    }

    /// After the active profile was replaced (switch, reload, save).
    pub(crate) fn announce_profile(&mut self) {
        self.events.send(Event {
            profile: Some(self.profile.name.clone()),
            profile_path: self
                .profile
                .source
                .as_ref()
                .map(|p| p.display().to_string()),
            ..Event::new(EventKind::ProfileChanged)
        });
        self.publish_ceiling();
    }

    /// The active profile's file cannot be used (`problem`).
    pub(crate) fn announce_profile_error(&self, problem: &ProfileProblem) {
        self.events.send(Event {
            problem: Some(problem.clone()),
            ..Event::new(EventKind::ProfileError)
        });
    }

    /// PipeWire came (`lost` is `None`) or went (`lost` says why).
    pub(crate) fn announce_connection(&self, lost: Option<&str>) {
        self.events.send(match lost {
            None => Event::new(EventKind::Connected),
            Some(reason) => Event {
                reason: Some(reason.to_string()),
                ..Event::new(EventKind::Disconnected)
            },
        });
    }

    /// The ceiling the DSP runs with now, for the meters topic.
    pub(crate) fn publish_ceiling(&self) {
        let ceiling = ceiling_of(&self.effective_profile());
        self.events.ceiling.send_if_modified(|old| {
            let changed = *old != ceiling;
            *old = ceiling;
            changed
        });
    }
}
