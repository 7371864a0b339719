//! The router's event loop: graph events in, routing commands out, the
//! processed sink's process kept alive, control calls answered.
//!
//! All mutable state lives in [`State`], owned by this loop; the PipeWire
//! thread, the profile watch and the varlink server talk to it through
//! messages, so nothing here is shared or locked.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use headroom_client::ProfileProblem;
use headroom_profile::filter_chain::FilterChainOptions;
use headroom_profile::{DspSettings, LayerASettings, Profile, Rule, SearchPath};

use crate::events::Events;
use crate::graph::{Graph, StreamView};
use crate::layer_a::LayerA;
use crate::overlay::UserRoutes;
use crate::policy;
use crate::profile_watch::ProfileWatch;
use crate::pw::{Command, GraphEvent, PwThread};
use crate::routing::{Decision, Route, Router};
use crate::state_dir;
use crate::supervisor::FilterChain;
use crate::varlink;

/// How the processed sink is provided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkMode {
    /// The router runs and supervises its own filter-chain process.
    Spawn { lv2_path: Option<String> },
    /// Someone else runs it (e.g. a PipeWire drop-in); the router only
    /// routes to it and pushes settings.
    Attach,
}

pub struct Options {
    pub profile: Profile,
    /// How the profile was named (`--profile`): what live reload watches.
    pub profile_arg: String,
    pub node_name: String,
    pub sink: SinkMode,
    /// Where the generated filter-chain config and the control socket go
    /// (`$XDG_RUNTIME_DIR/headroom`).
    pub runtime_dir: PathBuf,
    /// The control socket; `None`: `<runtime_dir>/io.headroom.Router`.
    pub socket: Option<PathBuf>,
}

/// How often the supervisor looks at its child, and the longest a routing
/// pass waits for more events to batch.
const TICK: Duration = Duration::from_millis(100);

/// The reason status shows for streams while the bypass switch is on.
pub const BYPASS_REASON: &str = "bypass switch is on (SetBypass)";

/// Everything the router knows and has decided; owned by [`run`]'s loop.
pub(crate) struct State {
    /// The active profile as loaded, without runtime overrides.
    pub(crate) profile: Profile,
    /// How the active profile was named (a name or a path).
    pub(crate) profile_arg: String,
    pub(crate) search: SearchPath,
    pub(crate) watch: ProfileWatch,
    /// The last reload problem, kept until a good version loads.
    pub(crate) profile_error: Option<ProfileProblem>,
    /// `SetParameter` values on top of the profile, until the next
    /// profile switch or reload.
    pub(crate) overrides: DspSettings,
    /// The kill switch: every stream to the real sink.
    pub(crate) bypass: bool,
    /// The user's per-app rules (`SetRoute`), tried before the profile's.
    pub(crate) overlay: Vec<Rule>,
    /// Where `overlay` comes from: `routes.toml`.
    pub(crate) user_routes: UserRoutes,
    /// What Monitor subscribers hear.
    pub(crate) events: Events,
    pub(crate) node_name: String,
    pub(crate) pw: PwThread,
    pub(crate) graph: Graph,
    pub(crate) router: Router,
    /// Each live stream's current decision (for logs).
    decided: BTreeMap<u32, Decision>,
    /// The processed sink node the current settings were pushed to.
    settings_pushed_to: Option<u32>,
    /// The configured default when we last asked for the processed sink to
    /// be the default: ask again only if it changed since.
    default_asked_at: Option<Option<String>>,
    /// Layer A: taps and riders of the streams it is on for.
    pub(crate) layer_a: LayerA,
}

pub async fn run(options: Options) -> Result<(), String> {
    let Options {
        profile,
        profile_arg,
        node_name,
        sink,
        runtime_dir,
        socket,
    } = options;
    tracing::info!(
        "profile {} ({})",
        profile.name,
        profile
            .source
            .as_ref()
            .map_or("built in".into(), |p| p.display().to_string())
    );
    let (control, socket_file) = match &socket {
        Some(path) => varlink::socket::open(path, false)?,
        None => varlink::socket::open(&runtime_dir.join(headroom_client::SOCKET_NAME), true)?,
    };
    let mut filter_chain = match &sink {
        SinkMode::Spawn { lv2_path } => Some(
            FilterChain::new(
                &runtime_dir,
                &FilterChainOptions {
                    node_name: node_name.clone(),
                    params: profile.params(),
                    ..Default::default()
                },
                lv2_path.clone(),
            )
            .map_err(|e| format!("cannot prepare the processed sink: {e}"))?,
        ),
        SinkMode::Attach => None,
    };

    let search = SearchPath::from_env();
    let watch = ProfileWatch::new(&profile_arg, search.clone(), profile.source.as_deref());
    let (pw, mut events) = PwThread::start();
    let mut graph = Graph::default();
    graph.remember_sink(state_dir::read(state_dir::REAL_SINK));
    let monitor_events = Events::new(&runtime_dir, &profile);
    let user_routes = UserRoutes::from_env();
    user_routes.report();
    let mut state = State {
        profile,
        profile_arg,
        search,
        watch,
        profile_error: None,
        overrides: DspSettings::default(),
        bypass: false,
        overlay: user_routes.rules(),
        user_routes,
        events: monitor_events,
        router: Router::new(&node_name),
        node_name,
        pw,
        graph,
        decided: BTreeMap::new(),
        settings_pushed_to: None,
        default_asked_at: None,
        layer_a: LayerA::default(),
    };
    let (requests_tx, mut requests) = varlink::channel();
    let server = tokio::spawn(varlink::serve(control, requests_tx, state.events.hub()));
    let mut ticker = tokio::time::interval(TICK);
    let mut layer_a_ticker = tokio::time::interval(crate::layer_a::TICK);
    layer_a_ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Set when the connection broke: the filter-chain lost its connection too.
    let mut reconnecting = false;
    // Whether systemd has been told we are ready (first synced graph).
    let mut ready = false;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;

    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let mut batch = vec![event];
                while let Ok(more) = events.try_recv() {
                    batch.push(more);
                }
                for event in &batch {
                    match event {
                        GraphEvent::Connected => {
                            tracing::info!("connected to PipeWire");
                            state.announce_connection(None);
                            if std::mem::take(&mut reconnecting) {
                                if let Some(fc) = &mut filter_chain {
                                    fc.restart();
                                }
                            }
                            state.forget_requests();
                        }
                        GraphEvent::Disconnected { reason } => {
                            if !reconnecting {
                                tracing::warn!("lost PipeWire ({reason}); reconnecting");
                                state.announce_connection(Some(reason));
                            }
                            reconnecting = true;
                            state.forget_requests();
                        }
                        _ => {}
                    }
                    state.graph.apply(event);
                    let (layer_a, pw) = (&mut state.layer_a, &state.pw);
                    layer_a.on_event(event, &mut |c| {
                        pw.send(c);
                    });
                }
                if !state.graph.is_synced() {
                    continue;
                }
                if !std::mem::replace(&mut ready, true) {
                    crate::sd_notify::notify("READY=1");
                }
                state.keep_processed_default();
                state.apply();
            }
            Some(request) = requests.recv() => state.handle(request),
            // Only while Layer A rides something: no idle wake-ups.
            _ = layer_a_ticker.tick(), if state.layer_a.ridden().next().is_some() => {
                let (layer_a, pw) = (&mut state.layer_a, &state.pw);
                layer_a.tick(std::time::Instant::now(), &mut |c| {
                    pw.send(c);
                });
                // Monitor's `streams` topic: levels and gains moved.
                state.publish_stream_levels(state.streams());
            }
            _ = ticker.tick() => {
                if let Some(fc) = &mut filter_chain {
                    fc.tick();
                }
                // A stream the session manager left on the wrong sink.
                if state.router.has_stuck() {
                    state.apply();
                }
                state.poll_user_routes();
                match state.watch.poll() {
                    None => {}
                    Some(Ok(new)) => {
                        tracing::info!("reloaded profile {}", new.name);
                        state.replace_profile(new);
                    }
                    Some(Err(e)) => {
                        let problem = varlink::control::problem(&e);
                        if state.profile_error.as_ref() != Some(&problem) {
                            tracing::warn!(
                                "{e}; keeping the last good profile ({})",
                                state.profile.name
                            );
                            state.announce_profile_error(&problem);
                            state.profile_error = Some(problem);
                        }
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    tracing::info!("stopping");
    crate::sd_notify::notify("STOPPING=1");
    server.abort();
    drop(socket_file);
    // Give the user their own device back as the default.
    if state.graph.configured_sink_name().as_deref() == Some(state.node_name.as_str()) {
        if let Some(name) = state.graph.remembered_sink() {
            state.pw.send(Command::SetDefaultSink {
                name: name.to_string(),
            });
        }
    }
    // The user's own volumes back on every ridden stream.
    let (layer_a, pw) = (&mut state.layer_a, &state.pw);
    layer_a.release_all(&mut |c| {
        pw.send(c);
    });
    drop(state);
    if let Some(mut fc) = filter_chain {
        fc.stop();
    }
    Ok(())
}

/// `stream`'s route: the user's overlay rules, then the profile's, unless
/// the bypass switch is on (then Layer A is off too: nothing is touched).
pub(crate) fn decide(
    profile: &Profile,
    overlay: &[Rule],
    bypass: bool,
    stream: &StreamView,
) -> Decision {
    if bypass {
        return Decision {
            route: Route::Bypass,
            reason: BYPASS_REASON.to_string(),
            layer_a: LayerASettings {
                enabled: false,
                ..profile.layer_a
            },
        };
    }
    policy::decide(profile, overlay, stream)
}

impl State {
    /// After a (re)connect every id is new: forget what was asked.
    fn forget_requests(&mut self) {
        self.router.reset();
        self.settings_pushed_to = None;
        self.default_asked_at = None;
    }

    /// The active profile with the `SetParameter` overrides on top: what
    /// the DSP runs with.
    pub(crate) fn effective_profile(&self) -> Profile {
        let mut profile = self.profile.clone();
        for (id, value) in self.overrides.iter() {
            profile.dsp.set(id, value);
        }
        profile
    }

    /// Makes `new` the active profile: overrides and the reload error go,
    /// every live stream is decided again and settings are pushed again.
    pub(crate) fn replace_profile(&mut self, new: Profile) {
        self.profile = new;
        self.profile_error = None;
        self.overrides = DspSettings::default();
        self.settings_pushed_to = None;
        self.announce_profile();
        self.apply();
    }

    /// Routes every stream and pushes the DSP settings to the processed
    /// sink when they have not reached the current node yet. Does nothing
    /// until the graph is synced.
    pub(crate) fn apply(&mut self) {
        if !self.graph.is_synced() {
            return;
        }
        let fresh = RefCell::new(BTreeMap::new());
        let (profile, overlay, bypass) = (&self.profile, &self.overlay, self.bypass);
        let commands = self.router.plan(&self.graph, |s| {
            let d = decide(profile, overlay, bypass, s);
            fresh.borrow_mut().insert(s.id, (s.clone(), d.clone()));
            d
        });
        let fresh = fresh.into_inner();
        for (id, (stream, decision)) in &fresh {
            if self.decided.get(id) != Some(decision) {
                tracing::info!(
                    "{} ({}, node {id}) → {} ({})",
                    stream.app_name.as_deref().unwrap_or("?"),
                    stream.binary.as_deref().unwrap_or("no binary"),
                    decision.route,
                    decision.reason
                );
            }
        }
        self.decided = fresh.into_iter().map(|(id, (_, d))| (id, d)).collect();
        let pw = &self.pw;
        self.layer_a.sync(&self.decided, &self.graph, &mut |c| {
            pw.send(c);
        });
        for command in commands {
            log_command(&self.graph, &command);
            self.pw.send(command);
        }
        let processed = self.router.processed_sink(&self.graph);
        if let Some(node) = processed.filter(|_| processed != self.settings_pushed_to) {
            self.pw.send(Command::SetParams {
                node,
                params: policy::dsp_controls(&self.effective_profile()),
            });
            self.settings_pushed_to = processed;
        }
        self.announce_graph();
    }

    /// The fail-safe: while the router runs, headroom's processed sink is
    /// the default sink, so a stream that plays before the router has moved
    /// it (or that nothing matches) is still limited. The user's own device
    /// choice is remembered (and saved) and stays the real output; picking
    /// another device in a volume control changes the real output and the
    /// processed sink takes the default back.
    fn keep_processed_default(&mut self) {
        let graph = &mut self.graph;
        // No explicit choice yet: the device playing now is the user's.
        let choice = graph.configured_real_sink().or_else(|| {
            graph
                .remembered_sink()
                .is_none()
                .then(|| graph.default_real_sink())
                .flatten()
        });
        if let Some(user) = choice {
            if graph.remembered_sink() != Some(user.as_str()) {
                tracing::info!("your output device is {user}");
                if let Err(e) = state_dir::write(state_dir::REAL_SINK, &user) {
                    tracing::warn!("cannot remember the output device: {e}");
                }
                graph.remember_sink(Some(user));
            }
        }
        if self.router.processed_sink(graph).is_none() {
            return;
        }
        let configured = graph.configured_sink_name();
        if configured.as_deref() != Some(self.node_name.as_str())
            && self.default_asked_at.as_ref() != Some(&configured)
        {
            self.pw.send(Command::SetDefaultSink {
                name: self.node_name.clone(),
            });
            self.default_asked_at = Some(configured);
        }
    }
}

fn log_command(graph: &Graph, command: &Command) {
    match command {
        Command::SetTarget { node, serial } => tracing::debug!(
            "route {} (node {node}) → serial {}",
            graph.node_name(*node).unwrap_or("?"),
            serial.map_or("none".into(), |s| s.to_string())
        ),
        Command::DestroyLink { id } => tracing::debug!("remove stray link {id}"),
        _ => {}
    }
}
