//! Everything the router knows and has decided, and every change to it
//! that is not a control call (`varlink/control.rs` holds those): graph
//! events folded in, one routing pass, profile switches and reloads.
//!
//! `State` is owned by the daemon's loop (`daemon.rs`); the
//! PipeWire thread, the file thread and the varlink server reach it only
//! through messages, so nothing here is shared or locked. Its I/O goes out
//! as [`Command`]s to the PipeWire thread, as [`FileJob`]s to the file
//! thread (`files.rs`: nothing here touches the file system once the loop
//! runs; `file_events.rs` folds in what it reports) and as events to
//! Monitor subscribers ([`Events`], which only ever receives plain data).
//!
//! # Decisions
//! Each routing pass ([`State::apply`]) decides every stream once and
//! stores the decision; status, the Monitor feed and Layer A read the
//! stored decisions, together with what the graph actually shows (where a
//! stream's links go), never a fresh decision of their own. Before the
//! graph is synced there are no decisions, so nothing is reported as
//! routed that was never applied.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use headroom_client::{Bus, Sink, Status, Stream};
use headroom_dsp::{ParamId, ParamValues};
use headroom_meters::MeterReader;
use headroom_profile::devices::DevicesProblem;
use headroom_profile::filter_chain::{controls, stereo_positions};
use headroom_profile::{
    BusName, Decision, DspSettings, Layout, Profile, ProfileError, Reason, Route, StreamInfo,
    SURROUND_POSITIONS,
};

use crate::device_profiles::DeviceProfiles;
use crate::events::{Events, StageMeterBlock};
use crate::files::{FileJob, FileWorker, ParameterSave, Reload};
use crate::graph::{Graph, Stage, StreamView};
use crate::layer_a::LayerA;
use crate::overlay::{Overlay, UserRoute, UserRoutes};
use crate::pw::{Command, GraphEvent, PwThread};
use crate::routing::{Moved, Router};
use crate::state_dir;
use crate::wire::{self, Playing};

/// How long a named bus's sink keeps running after its last stream left
/// (a call that drops and reconnects finds it still there).
pub(crate) const BUS_GRACE: Duration = Duration::from_secs(10);

/// A stage (a named bus, or the master limiter) whose sink must run (see
/// [`State::wanted_stages`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WantedStage {
    pub stage: Stage,
    /// The sink's `node.name` ([`Stage::sink_name`]).
    pub node_name: String,
    /// `headroom (<description or name>)`.
    pub description: String,
    pub params: ParamValues,
    /// The sink's channel positions: a bus's layout's; the master's are
    /// the device's own, so nothing is remixed after the last limiter.
    pub positions: Vec<String>,
}

/// One stream as the last routing pass saw and decided it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decided {
    pub view: StreamView,
    pub decision: Decision,
}

/// Why the processed sink is not in the graph, as the loop reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum SinkHealth {
    /// Its process is (re)starting, or nothing went wrong yet.
    #[default]
    Starting,
    /// Its process failed: the supervisor's explanation.
    Failed(String),
    /// `--attach`: someone else runs it.
    Attached,
}

/// Everything the router knows and has decided.
pub(crate) struct State {
    /// The active profile as loaded, without runtime overrides.
    pub(crate) profile: Profile,
    /// How the active profile was named (a name or a path).
    pub(crate) profile_arg: String,
    /// The file thread: every read, poll and write of a file.
    pub(crate) files: FileWorker<State>,
    /// Counts profile switches: what the file thread reports about an
    /// earlier active profile (a reload, a save) is told apart by it.
    pub(crate) profile_generation: u64,
    /// Whether a `SetParameter` save is being written.
    pub(crate) saving_parameter: bool,
    /// `SetParameter` saves waiting for the one being written, oldest
    /// first: each is sent once the one before is folded in, so it edits
    /// the profile as that save left it.
    pub(crate) parameter_saves: VecDeque<ParameterSave>,
    /// The last load problem of the active profile, until a good version
    /// loads.
    pub(crate) profile_error: Option<ProfileError>,
    /// `SetParameter` values on top of the profile, until the next
    /// profile switch or reload.
    pub(crate) overrides: DspSettings,
    /// The kill switch: every stream to the real sink.
    pub(crate) bypass: bool,
    /// The user's per-app rules (`SetRoute`), tried before the profile's.
    pub(crate) overlay: Overlay,
    /// Where `overlay` comes from: `routes.toml`, as the file thread last
    /// read or wrote it.
    pub(crate) user_routes: UserRoutes,
    /// Moves by the user whose saves into `routes.toml` are under way,
    /// oldest first: they are in the overlay meanwhile, ahead of the file's
    /// routes, so the user's choice holds from the moment it is seen.
    pub(crate) unsaved_moves: Vec<UserRoute>,
    /// What Monitor subscribers hear.
    pub(crate) events: Events,
    /// `node.name` of the processed sink.
    pub(crate) node_name: String,
    pub(crate) pw: PwThread,
    pub(crate) graph: Graph,
    pub(crate) router: Router,
    /// Each live stream's decision from the last routing pass.
    decided: BTreeMap<u32, Decided>,
    /// The processed sink node the current settings were pushed to.
    settings_pushed_to: Option<u32>,
    /// Per named bus, the sink node its current settings were pushed to.
    bus_settings_pushed: BTreeMap<BusName, u32>,
    /// The master limiter's node its settings were last written to.
    master_settings_pushed: Option<u32>,
    /// Per named bus, when a decided stream was last routed to it: its
    /// sink runs while that is less than [`BUS_GRACE`] ago.
    bus_used: BTreeMap<BusName, Instant>,
    /// The running stages' meter blocks (see [`State::set_stage_meters`]),
    /// and a reader of each that could be opened.
    stage_meters: Vec<StageMeterBlock>,
    meter_readers: BTreeMap<std::path::PathBuf, MeterReader>,
    /// Controls the router wrote lately (name, value), oldest first: their
    /// echoes in the sink's `Props` are not outside changes.
    written: std::collections::VecDeque<(String, f32)>,
    /// Whether the sink has reported every control as last pushed in
    /// full; until then its reports may predate the push.
    controls_synced: bool,
    /// The configured default when we last asked for the processed sink to
    /// be the default: ask again only if it changed since.
    default_asked_at: Option<Option<String>>,
    /// Why the processed sink is missing, when it is.
    sink_health: SinkHealth,
    /// Whether the connection to PipeWire is lost (a reconnect under way).
    lost: bool,
    /// The last `STATUS=` line sent to the service manager.
    status_line: String,
    /// Layer A: taps and riders of the streams it is on for.
    pub(crate) layer_a: LayerA,
    /// `devices.toml`'s rules and what they chose for the output device.
    pub(crate) devices: DeviceProfiles,
    /// Why `devices.toml` as it is now cannot be used, until it can.
    pub(crate) devices_error: Option<DevicesProblem>,
}

/// `stream`'s route: the bypass switch, else the user's overlay rules,
/// then the profile's; the user's Layer A choice for it on top. While no
/// processing sink can take the route (`sink_up(route)` false: neither
/// its bus nor the default processed sink is up), it is held.
pub(crate) fn decide(
    profile: &Profile,
    overlay: &Overlay,
    bypass: bool,
    sink_up: impl Fn(Route) -> bool,
    stream: &StreamView,
) -> Decision {
    if bypass {
        return Decision::bypass_switch(profile.layer_a);
    }
    let info = StreamInfo {
        app_name: stream.app_name.as_deref(),
        binary: stream.binary.as_deref(),
        role: stream.role.as_deref(),
        node_name: stream.node_name.as_deref(),
        channels: stream.channels,
    };
    let mut decision = profile.decide_with(&overlay.routes, &info);
    if let Some(choice) = overlay.layer_a.iter().find(|r| r.matches(&info)) {
        decision.layer_a = choice.layer_a().apply_to(decision.layer_a);
    }
    if !decision.route.is_processed() || sink_up(decision.route) {
        decision
    } else {
        decision.processed_sink_down()
    }
}

/// What the state starts from.
pub(crate) struct Start {
    pub profile: Profile,
    pub profile_arg: String,
    /// Why the profile asked for could not be used (the daemon started on
    /// the shipped default instead).
    pub profile_error: Option<ProfileError>,
    pub node_name: String,
    pub events: Events,
    pub pw: PwThread,
    pub attached: bool,
    /// `routes.toml` as loaded at start.
    pub user_routes: UserRoutes,
    /// The file thread, started with the same routes and search path.
    pub files: FileWorker<State>,
}

impl State {
    /// The state at start. Reads the remembered output device (before
    /// the loop runs: from then on files are the file thread's) and sets
    /// the file thread watching the profile.
    pub(crate) fn new(start: Start) -> State {
        start.files.send(FileJob::WatchProfile {
            arg: start.profile_arg.clone(),
            loaded_from: start.profile.source.clone(),
            generation: 0,
        });
        let mut graph = Graph::new(&start.node_name);
        graph.remember_sink(state_dir::read(state_dir::REAL_SINK));
        let user_routes = start.user_routes;
        user_routes.report();
        State {
            profile: start.profile,
            profile_arg: start.profile_arg,
            files: start.files,
            profile_generation: 0,
            saving_parameter: false,
            parameter_saves: VecDeque::new(),
            profile_error: start.profile_error,
            overrides: DspSettings::default(),
            bypass: false,
            overlay: user_routes.overlay(),
            user_routes,
            unsaved_moves: Vec::new(),
            events: start.events,
            router: Router::new(&start.node_name),
            node_name: start.node_name,
            pw: start.pw,
            graph,
            decided: BTreeMap::new(),
            settings_pushed_to: None,
            bus_settings_pushed: BTreeMap::new(),
            master_settings_pushed: None,
            bus_used: BTreeMap::new(),
            stage_meters: Vec::new(),
            meter_readers: BTreeMap::new(),
            written: std::collections::VecDeque::new(),
            controls_synced: false,
            default_asked_at: None,
            sink_health: if start.attached {
                SinkHealth::Attached
            } else {
                SinkHealth::Starting
            },
            lost: false,
            status_line: String::new(),
            layer_a: LayerA::default(),
            devices: DeviceProfiles::default(),
            devices_error: None,
        }
    }

    /// Folds a batch of graph events in (Layer A sees each too). After a
    /// (re)connect or a loss every id is new: what was asked is forgotten.
    pub(crate) fn on_graph_events(&mut self, batch: &[GraphEvent]) {
        for event in batch {
            match event {
                GraphEvent::Connected => {
                    self.lost = false;
                    self.events.announce_connection(None);
                    self.forget_requests();
                }
                GraphEvent::Disconnected { reason } => {
                    // Said once per outage, not per reconnect attempt.
                    if !std::mem::replace(&mut self.lost, true) {
                        self.events.announce_connection(Some(reason));
                    }
                    self.forget_requests();
                }
                GraphEvent::SinkControls { id, controls }
                    if Some(*id) == self.settings_pushed_to =>
                {
                    self.sink_controls_reported(controls);
                }
                _ => {}
            }
            self.graph.apply(event);
            let (layer_a, pw) = (&mut self.layer_a, &self.pw);
            layer_a.on_event(event, &mut |c| {
                pw.send(c);
            });
        }
    }

    /// Everything asked of the graph is forgotten (its ids are gone).
    fn forget_requests(&mut self) {
        self.router.reset();
        self.settings_pushed_to = None;
        self.bus_settings_pushed.clear();
        self.master_settings_pushed = None;
        self.default_asked_at = None;
        self.decided.clear();
    }

    /// The processed sink's process reported how it is (see [`SinkHealth`]);
    /// subscribers hear of it when it changes.
    pub(crate) fn set_sink_health(&mut self, health: SinkHealth) {
        if self.sink_health != health {
            self.sink_health = health;
            self.announce_graph();
        }
    }

    /// The DSP values in use: the active profile's with the `SetParameter`
    /// overrides on top.
    pub(crate) fn effective_params(&self) -> ParamValues {
        let mut values = self.profile.params();
        for (id, value) in self.overrides.iter() {
            values.set(id, value);
        }
        values
    }

    /// The ceiling the DSP runs with now, dBTP.
    pub(crate) fn ceiling(&self) -> f32 {
        self.effective_params().get(ParamId::LimiterCeiling)
    }

    /// Makes `new` the active profile: overrides and the load error go,
    /// every live stream is decided again and settings are pushed again.
    pub(crate) fn replace_profile(&mut self, new: Profile) {
        self.profile = new;
        self.profile_error = None;
        self.overrides = DspSettings::default();
        self.settings_pushed_to = None;
        self.bus_settings_pushed.clear();
        self.master_settings_pushed = None;
        self.announce_profile();
        self.apply();
    }

    /// Makes `profile`, named `arg`, the active profile and follows its
    /// file from now on; what the file thread still reports about the one
    /// before is ignored.
    pub(crate) fn activate_profile(&mut self, profile: Profile, arg: String) {
        self.profile_generation += 1;
        self.files.send(FileJob::WatchProfile {
            arg: arg.clone(),
            loaded_from: profile.source.clone(),
            generation: self.profile_generation,
        });
        self.profile_arg = arg;
        self.replace_profile(profile);
    }

    /// Writes `value` into the state directory's file `name`, on the file
    /// thread (a failure is logged there).
    pub(crate) fn remember(&self, name: &'static str, value: &str) {
        self.files.send(FileJob::Remember {
            name,
            value: value.to_string(),
        });
    }

    /// The active profile's file cannot be used (`e`): the last good
    /// profile stays; the problem is logged and announced once.
    pub(crate) fn profile_failed(&mut self, e: ProfileError) {
        let same = self
            .profile_error
            .as_ref()
            .is_some_and(|old| old.to_string() == e.to_string());
        if same {
            return;
        }
        tracing::warn!("{e}; keeping the last good profile ({})", self.profile.name);
        self.events.announce_profile_error(&wire::problem(&e));
        self.profile_error = Some(e);
    }

    /// Every router tick: a stream the session manager left on the wrong
    /// sink is routed again (the file thread watches the files itself).
    pub(crate) fn tick(&mut self) {
        if self.router.has_stuck() {
            self.apply();
        }
    }

    /// Every Layer A tick (while it rides something): levels read, gains
    /// stepped and written; Monitor's `streams` topic hears of it.
    pub(crate) fn ride(&mut self, now: std::time::Instant) {
        let (layer_a, pw) = (&mut self.layer_a, &self.pw);
        layer_a.tick(now, &mut |c| {
            pw.send(c);
        });
        self.publish_stream_levels();
    }

    /// Asks the file thread to read the active profile's file again
    /// (`ReloadProfiles`, SIGHUP); `file_events.rs` takes it from there.
    pub(crate) fn reload_profile(&mut self, why: Reload) {
        self.files.send(FileJob::LoadProfile {
            arg: self.profile_arg.clone(),
            generation: self.profile_generation,
            why,
        });
    }

    /// A `SetParameter` save: written now if no other is being written,
    /// else once the ones before it are done (see `parameter_saves`).
    pub(crate) fn save_parameter(&mut self, save: ParameterSave) {
        self.parameter_saves.push_back(save);
        if !self.saving_parameter {
            self.send_parameter_save();
        }
    }

    /// Sends the oldest waiting `SetParameter` save to the file thread,
    /// with the active profile as it is now.
    pub(crate) fn send_parameter_save(&mut self) {
        self.saving_parameter = false;
        if let Some(save) = self.parameter_saves.pop_front() {
            self.saving_parameter = true;
            self.files.send(FileJob::SaveParameter {
                profile: Box::new(self.profile.clone()),
                profile_arg: self.profile_arg.clone(),
                generation: self.profile_generation,
                save,
            });
        }
    }

    /// After the active profile was replaced (switch, reload, save).
    pub(crate) fn announce_profile(&mut self) {
        let buses = self.buses();
        self.events.announce_profile(&self.profile, buses);
        self.events.publish_ceiling(wire::decimal(self.ceiling()));
    }

    /// One routing pass: decides every stream once, stores the decisions,
    /// routes by them, brings Layer A in line and pushes the DSP settings
    /// to a processed sink that has not had them yet. Does nothing until
    /// the graph is synced.
    pub(crate) fn apply(&mut self) {
        if !self.graph.is_synced() {
            return;
        }
        for moved in self.router.moved_by_others(&self.graph) {
            self.user_moved(moved);
        }
        self.decide_all();
        let decisions: BTreeMap<u32, Decision> = self
            .decided
            .iter()
            .map(|(&id, d)| (id, d.decision.clone()))
            .collect();
        let pw = &self.pw;
        self.layer_a.sync(&decisions, &self.graph, &mut |c| {
            pw.send(c);
        });
        for command in self.router.plan(&self.graph, &decisions) {
            log_command(&self.graph, &command);
            self.pw.send(command);
        }
        self.push_settings();
        self.announce_graph();
        self.follow_device();
    }

    /// The output device changed (or the device rules did): its profile
    /// is loaded on the file thread and made active when it arrives
    /// (`file_events.rs`). Nothing happens for the device decided for
    /// already, so a profile picked by hand holds until the device
    /// changes.
    fn follow_device(&mut self) {
        let Some(wanted) = self.devices.on_output(&self.graph, self.graph.real_sink()) else {
            return;
        };
        if wanted.profile == self.profile_arg {
            tracing::info!(
                "output device {}: profile {} is active already ({})",
                wire::printable(&wanted.device),
                wire::printable(&wanted.profile),
                wanted.why
            );
            return;
        }
        self.files.send(FileJob::LoadForDevice { wanted });
    }

    /// The profile the output device asks for was read: made active if
    /// the device still asks for it (not remembered as the user's own
    /// choice: the device decides again at the next start).
    pub(crate) fn device_profile_loaded(
        &mut self,
        wanted: crate::device_profiles::Wanted,
        loaded: Result<Profile, ProfileError>,
    ) {
        if self.devices.current.as_ref() != Some(&wanted) {
            return;
        }
        match loaded {
            Ok(profile) => {
                tracing::info!(
                    "output device {}: switching to profile {} ({})",
                    wire::printable(&wanted.device),
                    profile.name,
                    wanted.why
                );
                self.activate_profile(profile, wanted.profile);
            }
            Err(e) => tracing::warn!(
                "output device {} asks for profile {} ({}), which cannot be used: {e}; \
                 keeping {}",
                wire::printable(&wanted.device),
                wire::printable(&wanted.profile),
                wanted.why,
                self.profile.name
            ),
        }
    }

    /// `devices.toml` was read (at start, after an edit or a save). New
    /// rules decide for the device present at once; a version that
    /// cannot be used is logged once and shown in status, its last good
    /// rules stay.
    pub(crate) fn devices_changed(&mut self, file: crate::devices_file::DevicesFile) {
        if file.error != self.devices_error {
            match &file.error {
                Some(problem) => tracing::warn!(
                    "{problem}; the last good device rules stay in force until it is fixed"
                ),
                None => tracing::info!(
                    "{}: {} device rules{}",
                    file.file(),
                    file.rules.rules.len(),
                    if file.rules.fallback.is_some() {
                        " and a fallback"
                    } else {
                        ""
                    }
                ),
            }
            self.devices_error = file.error.clone();
        }
        if self.devices.rules() != &file.rules {
            self.devices.set_rules(file.rules);
            self.follow_device();
        }
    }

    /// Someone other than the router moved a stream (pavucontrol, `pactl
    /// move-sink-input`, GNOME's settings): the user's choice wins and is
    /// remembered as the app's user route, as `SetRoute` would save it,
    /// announced with the command that undoes it. Onto one of headroom's
    /// sinks the route is what it means ([`Graph::route_meant_by`]: a bus,
    /// or `processed` for the master limiter), anywhere else `bypass`.
    fn user_moved(&mut self, moved: Moved) {
        let route = self
            .graph
            .route_meant_by(moved.sink)
            .unwrap_or(Route::Bypass);
        let sink = self.graph.node_name(moved.sink).unwrap_or("?").to_string();
        let app = self
            .decided
            .get(&moved.node)
            .and_then(|d| d.view.app_name.clone());
        let Some(app) = app else {
            tracing::info!(
                "node {} was moved to {} by someone else; it has no application.name, \
                 so the choice holds for this stream only",
                moved.node,
                wire::printable(&sink)
            );
            return;
        };
        let unsaved = self
            .unsaved_moves
            .iter()
            .rev()
            .find(|m| m.app == app)
            .map(|m| m.route);
        if unsaved.or(self.user_routes.route_of(&app)) == Some(route) {
            return;
        }
        // The choice holds at once; the file follows.
        self.unsaved_moves.push(UserRoute {
            app: app.clone(),
            route,
        });
        self.overlay = self.overlay_rules();
        let edit = crate::overlay::setting(&app, route);
        self.files.send(FileJob::EditRoutes {
            edit,
            done: Box::new(move |state, outcome| state.user_move_saved(app, route, sink, outcome)),
        });
    }

    /// The save of a user's move (see [`State::user_moved`]) is done: it
    /// is announced with the command that undoes it, or, when it could not
    /// be saved, dropped from the overlay (the stream goes back where the
    /// rules send it).
    pub(crate) fn user_move_saved(
        &mut self,
        app: String,
        route: Route,
        sink: String,
        outcome: Result<bool, crate::overlay::RoutesError>,
    ) {
        if let Some(at) = self
            .unsaved_moves
            .iter()
            .position(|m| m.app == app && m.route == route)
        {
            self.unsaved_moves.remove(at);
        }
        let shown = wire::printable(&app);
        if let Err(e) = outcome {
            tracing::warn!(
                "{shown} was moved to {} by the user, but the choice cannot be saved: {e}",
                wire::printable(&sink)
            );
            self.routes_changed();
            return;
        }
        let undo = format!("headroom route unset {}", wire::shell_quoted(&app));
        tracing::info!(
            "{shown} was moved to {} by the user: saved as its user route ({route}); undo with `{undo}`",
            wire::printable(&sink)
        );
        self.overlay = self.overlay_rules();
        self.events.announce_user_move(
            &app,
            wire::route(route),
            &sink,
            &undo,
            wire::user_routes(&self.user_routes),
        );
    }

    /// The user's rules in force: moves still being saved first, then the
    /// routes file's.
    fn overlay_rules(&self) -> Overlay {
        let unsaved: Vec<UserRoute> = self.unsaved_moves.iter().rev().cloned().collect();
        let mut overlay = self.user_routes.overlay();
        let mut routes = crate::overlay::rules_of(&unsaved);
        routes.append(&mut overlay.routes);
        overlay.routes = routes;
        overlay
    }

    /// Decides every stream of the graph, logging the ones whose decision
    /// changed.
    fn decide_all(&mut self) {
        let (profile, overlay, bypass) = (&self.profile, &self.overlay, self.bypass);
        let (graph, router) = (&self.graph, &self.router);
        let sink_up = |route: Route| {
            router
                .sink_for(graph, route)
                .is_some_and(|s| graph.route_of_sink(s).is_some())
        };
        let fresh: BTreeMap<u32, Decided> = graph
            .streams()
            .map(|view| {
                let mut decision = decide(profile, overlay, bypass, sink_up, &view);
                if view.pinned {
                    // Where it plays: a processing sink's route, else bypass.
                    let route = graph
                        .linked_sinks(view.id)
                        .into_iter()
                        .find_map(|s| graph.route_of_sink(s))
                        .unwrap_or(Route::Bypass);
                    decision = Decision::pinned(route, decision.layer_a);
                }
                (view.id, Decided { view, decision })
            })
            .collect();
        for (id, d) in &fresh {
            if self.decided.get(id).map(|old| &old.decision) != Some(&d.decision) {
                tracing::info!(
                    "{} ({}, node {id}) → {}",
                    wire::printable(d.view.app_name.as_deref().unwrap_or("?")),
                    wire::printable(d.view.binary.as_deref().unwrap_or("no binary")),
                    d.decision
                );
            }
        }
        self.decided = fresh;
    }

    /// Sends the effective DSP settings to the processed sink, and each
    /// named bus's to its sink, once per sink node (a restarted sink is a
    /// new node and gets them again).
    fn push_settings(&mut self) {
        let processed = self.router.processed_sink(&self.graph);
        if let Some(node) = processed.filter(|_| processed != self.settings_pushed_to) {
            self.controls_synced = false;
            self.write_controls(node, controls(&self.effective_params()));
            self.settings_pushed_to = processed;
        }
        for (bus, node) in self.bus_sinks() {
            if self.bus_settings_pushed.get(&bus) != Some(&node) {
                let params = self.profile.params_for(Route::Bus(bus), &self.overrides);
                self.write_controls(node, controls(&params));
                self.bus_settings_pushed.insert(bus, node);
            }
        }
        self.push_master_settings(false);
    }

    /// Writes the master limiter's settings ([`State::master_params`]) to
    /// its sink: when it (re)appears, or `always` (after a ceiling change).
    pub(crate) fn push_master_settings(&mut self, always: bool) {
        let master = self.graph.master_sink();
        if let Some(node) = master.filter(|_| always || master != self.master_settings_pushed) {
            self.write_controls(node, controls(&self.master_params()));
            self.master_settings_pushed = master;
        }
    }

    /// Every named bus whose sink is in the graph, with its node.
    pub(crate) fn bus_sinks(&self) -> Vec<(BusName, u32)> {
        self.graph
            .nodes_named_like_buses()
            .filter_map(|id| match self.graph.route_of_sink(id) {
                Some(Route::Bus(bus)) => Some((bus, id)),
                _ => None,
            })
            .collect()
    }

    /// The stages whose sinks must run at `now`: each named bus a
    /// decided stream is routed to, and each for [`BUS_GRACE`] after its
    /// last stream left (also when a profile switch removed it: its
    /// streams have moved by then), with what its process needs; and the
    /// master limiter, always, at the device's channels (suspended with
    /// the rest of the graph while nothing plays). Buses nobody uses are
    /// not run at all.
    pub(crate) fn wanted_stages(&mut self, now: Instant) -> Vec<WantedStage> {
        for d in self.decided.values() {
            if let Some(bus) = d.decision.route.bus() {
                if self.profile.bus(bus).is_some() {
                    self.bus_used.insert(bus, now);
                }
            }
        }
        self.bus_used
            .retain(|_, used| now.saturating_duration_since(*used) < BUS_GRACE);
        let mut wanted: Vec<WantedStage> = self
            .bus_used
            .keys()
            .map(|&name| WantedStage {
                stage: Stage::Bus(name),
                node_name: Stage::Bus(name).sink_name(&self.node_name),
                description: self.profile.bus(name).map_or_else(
                    || format!("headroom ({name})"),
                    headroom_profile::Bus::sink_description,
                ),
                params: self.profile.params_for(Route::Bus(name), &self.overrides),
                positions: match self.profile.layout_of(Route::Bus(name)) {
                    Layout::Stereo => stereo_positions(),
                    Layout::Surround => SURROUND_POSITIONS.iter().map(|p| p.to_string()).collect(),
                },
            })
            .collect();
        // Always: started only when first needed, the move of the
        // processed sink's output into it would cut playing apps for a
        // graph cycle or two (the old link must go before the new one
        // exists, or the output sums twice at the device).
        wanted.push(WantedStage {
            stage: Stage::Master,
            node_name: Stage::Master.sink_name(&self.node_name),
            description: "headroom (master limiter)".into(),
            params: self.master_params(),
            positions: self.master_positions(),
        });
        wanted
    }

    /// The master limiter's channels: the real output's own (1 to 8 of
    /// them), so a downmix of a surround bus to stereo speakers, or any
    /// other remix, happens before the last limiter, never after it;
    /// stereo when the device has more than the plugin's 8 or says none.
    pub(crate) fn master_positions(&self) -> Vec<String> {
        let device = self
            .graph
            .real_sink()
            .map(|id| self.graph.sink_positions(id))
            .unwrap_or_default();
        if (1..=SURROUND_POSITIONS.len()).contains(&device.len()) {
            device
        } else {
            stereo_positions()
        }
    }

    /// What the master limiter runs with: no AGC, no compressor, no input
    /// gain, the default release, and the highest ceiling any processed
    /// sink runs with now, so a bus playing alone passes as it left its
    /// own limiter and buses playing at once sum under that ceiling.
    pub(crate) fn master_params(&self) -> ParamValues {
        let ceiling = self
            .profile
            .buses
            .iter()
            .map(|b| b.name)
            .chain(self.bus_used.keys().copied())
            .map(|bus| {
                self.profile
                    .params_for(Route::Bus(bus), &self.overrides)
                    .get(ParamId::LimiterCeiling)
            })
            .fold(self.ceiling(), f32::max);
        let mut params = ParamValues::default();
        params.set(ParamId::AgcEnabled, 0.0);
        params.set(ParamId::CompEnabled, 0.0);
        params.set(ParamId::InputGain, 0.0);
        params.set(ParamId::LimiterCeiling, ceiling);
        params
    }

    /// Writes filter-chain controls to the processed sink, remembering
    /// them so their echoes are not taken for outside changes.
    pub(crate) fn write_controls(&mut self, node: u32, params: Vec<(String, f32)>) {
        /// Enough for a burst of `SetParameter` calls between two reports.
        const WRITTEN_MAX: usize = 256;
        for control in &params {
            if self.written.len() == WRITTEN_MAX {
                self.written.pop_front();
            }
            self.written.push_back(control.clone());
        }
        self.pw.send(Command::SetParams { node, params });
    }

    /// The processed sink reported its controls. A value that is neither
    /// the router's setting nor one it wrote lately was set from outside
    /// (`pw-cli set-param`, another tool): it is kept as an unsaved
    /// setting, as `SetParameter` without `save` would (clamped to the
    /// table's range, and written back if it had to be), so `status` and
    /// the DSP never disagree.
    fn sink_controls_reported(&mut self, reported: &[(String, f32)]) {
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0);
        let effective = self.effective_params();
        let ours = |name: &str| {
            headroom_dsp::PARAMS
                .iter()
                .find(|spec| headroom_profile::filter_chain::control_name(spec) == name)
        };
        if !self.controls_synced {
            // Reports from before the push: wait for one that shows it.
            self.controls_synced = reported.iter().all(|(name, value)| {
                ours(name).is_none_or(|spec| close(*value, effective.get(spec.id)))
            });
            return;
        }
        let mut written_back = Vec::new();
        for (name, value) in reported {
            let Some(spec) = ours(name) else {
                continue;
            };
            if close(*value, effective.get(spec.id)) {
                continue;
            }
            // An echo of an earlier write of ours: a newer one follows.
            if self
                .written
                .iter()
                .any(|(n, v)| n == name && close(*v, *value))
            {
                continue;
            }
            let kept = spec.clamp(*value);
            tracing::info!(
                "{} was set to {} on the processed sink from outside headroom; kept as an \
                 unsaved setting (`headroom set {} {} --save` keeps it)",
                spec.key,
                spec.format(*value),
                spec.key,
                wire::decimal(kept)
            );
            self.overrides.set(spec.id, kept);
            if !close(kept, *value) {
                written_back.push((name.clone(), kept));
            }
            self.events.send(headroom_client::Event {
                parameter: Some(spec.key.to_string()),
                value: Some(wire::decimal(kept)),
                ..headroom_client::Event::new(headroom_client::EventKind::ParameterChanged)
            });
            if spec.id == ParamId::LimiterCeiling {
                self.events.publish_ceiling(wire::decimal(self.ceiling()));
            }
        }
        if let (Some(node), false) = (self.settings_pushed_to, written_back.is_empty()) {
            self.write_controls(node, written_back);
        }
    }

    /// After a routing pass: stream and sink events for what changed, and
    /// the service manager's status line (`systemctl --user status`).
    pub(crate) fn announce_graph(&mut self) {
        let streams = self.streams();
        let sinks = self.sinks();
        let line = status_line(&self.profile.name, self.bypass, &sinks.0, &streams);
        if line != self.status_line {
            crate::sd_notify::notify(&format!("STATUS={line}"));
            self.status_line = line;
        }
        self.events.announce_graph(streams, sinks);
    }

    /// Monitor's `streams` topic after Layer A's levels moved.
    pub(crate) fn publish_stream_levels(&self) {
        self.events.publish_stream_levels(&self.streams());
    }

    /// Where `decided`'s audio goes by the graph's links (the `node.name`
    /// of each sink, empty while not linked), and why it does not play
    /// where its decision sends it, or plays unprotected although the
    /// rules meant it to be processed.
    fn observe(&self, decided: &Decided) -> Playing {
        let id = decided.view.id;
        let linked = self.graph.linked_sinks(id);
        let name = |sink: u32| {
            self.graph
                .node_name(sink)
                .map_or_else(|| format!("node {sink}"), str::to_string)
        };
        let sinks: Vec<String> = linked.iter().map(|&s| name(s)).collect();
        let wanted = self.router.sink_for(&self.graph, decided.decision.route);
        let problem = if linked.is_empty() || matches!(decided.decision.reason, Reason::Pinned) {
            None
        } else if wanted.is_none_or(|w| linked.len() != 1 || !linked.contains(&w)) {
            Some(format!(
                "plays into {} instead of {}",
                sinks.join(" and "),
                wanted.map_or_else(|| "no sink (none is there)".to_string(), name)
            ))
        } else if decided.decision.is_held() {
            Some(format!(
                "held silent until the processed sink is back (`headroom bypass on` plays \
                 everything unprotected meanwhile): {}",
                self.sink_problem().unwrap_or_default()
            ))
        } else {
            None
        };
        Playing { sinks, problem }
    }

    /// Every stream as the last routing pass decided it, with what the
    /// graph shows of it.
    pub(crate) fn streams(&self) -> Vec<Stream> {
        self.decided
            .values()
            .filter(|d| self.graph.node_name(d.view.id).is_some())
            .map(|d| {
                wire::stream(
                    &d.view,
                    &d.decision,
                    self.observe(d),
                    self.layer_a.layer_a_view(d.view.id),
                )
            })
            .collect()
    }

    /// Why the processed sink is not in the graph; `None` while it is.
    pub(crate) fn sink_problem(&self) -> Option<String> {
        if !self.graph.is_synced() {
            return Some("not connected to PipeWire".into());
        }
        if self.router.processed_sink(&self.graph).is_some() {
            return None;
        }
        Some(match &self.sink_health {
            SinkHealth::Starting => "the processed sink is starting".into(),
            SinkHealth::Failed(why) => format!("the processed sink is down: {why}"),
            SinkHealth::Attached => format!(
                "no sink named {} in the graph: with --attach it must be started elsewhere \
                 (e.g. the PipeWire drop-in from `cargo xtask install --pipewire-dropin`)",
                self.node_name
            ),
        })
    }

    /// The processed sink and the real output, as status shows them.
    pub(crate) fn sinks(&self) -> (Sink, Sink) {
        let real = self.graph.real_sink();
        (
            Sink {
                name: Some(self.node_name.clone()),
                node: self.router.processed_sink(&self.graph),
                problem: self.sink_problem(),
            },
            Sink {
                name: real.and_then(|id| self.graph.node_name(id).map(str::to_string)),
                node: real,
                problem: real
                    .is_none()
                    .then(|| "no output device in the graph".into()),
            },
        )
    }

    /// The running stages and their sinks' `meter_instance`s, after the
    /// bus processes were reconciled: their meter blocks go to `Monitor`'s
    /// `buses` topic, and to `status` (a block not there yet is looked
    /// for again at the next call).
    pub(crate) fn set_stage_meters(&mut self, instances: &[(Stage, u32)]) {
        let blocks: Vec<StageMeterBlock> = instances
            .iter()
            .map(|&(stage, instance)| {
                let params = match stage {
                    Stage::Bus(bus) => self.profile.params_for(Route::Bus(bus), &self.overrides),
                    Stage::Master => self.master_params(),
                };
                StageMeterBlock {
                    bus: match stage {
                        Stage::Bus(bus) => Some(bus.to_string()),
                        Stage::Master => None,
                    },
                    sink: stage.sink_name(&self.node_name),
                    path: self.events.meter_path(instance),
                    ceiling: wire::decimal(params.get(ParamId::LimiterCeiling)),
                }
            })
            .collect();
        self.meter_readers
            .retain(|path, _| blocks.iter().any(|b| &b.path == path));
        for block in &blocks {
            if !self.meter_readers.contains_key(&block.path) {
                if let Ok(reader) = MeterReader::open_path(&block.path) {
                    self.meter_readers.insert(block.path.clone(), reader);
                }
            }
        }
        self.events.publish_bus_meters(blocks.clone());
        self.stage_meters = blocks;
    }

    /// The meters of bus `bus`'s sink now, if it runs and has published.
    fn bus_meters(&self, bus: BusName) -> Option<headroom_client::Meters> {
        let name = bus.to_string();
        let block = self
            .stage_meters
            .iter()
            .find(|b| b.bus.as_deref() == Some(name.as_str()))?;
        let snapshot = self.meter_readers.get(&block.path)?.read()?;
        Some(wire::meters(&snapshot, block.ceiling))
    }

    /// The active profile's named buses as status shows them: each
    /// bus's sink (if running), how many streams are routed to it, and
    /// its meters.
    pub(crate) fn buses(&self) -> Vec<Bus> {
        let sinks = self.bus_sinks();
        self.profile
            .buses
            .iter()
            .map(|bus| {
                let node = sinks.iter().find(|(b, _)| *b == bus.name).map(|s| s.1);
                let streams = self
                    .decided
                    .values()
                    .filter(|d| d.decision.route == Route::Bus(bus.name))
                    .count();
                Bus {
                    name: bus.name.to_string(),
                    sink: Stage::Bus(bus.name).sink_name(&self.node_name),
                    description: bus.sink_description(),
                    node,
                    streams: streams as u32,
                    problem: (streams > 0 && node.is_none()).then(|| {
                        "its sink is not in the graph yet: its streams play through the \
                         default processed sink meanwhile"
                            .to_string()
                    }),
                    meters: node.and_then(|_| self.bus_meters(bus.name)),
                    layout: wire::bus_layout(bus.layout),
                }
            })
            .collect()
    }

    pub(crate) fn status(&self) -> Status {
        let (processed_sink, real_sink) = self.sinks();
        Status {
            profile: self.profile.name.clone(),
            profile_path: self
                .profile
                .source
                .as_ref()
                .map(|p| p.display().to_string()),
            bypass: self.bypass,
            connected: self.graph.is_synced(),
            processed_sink,
            real_sink,
            buses: self.buses(),
            streams: self.streams(),
            profile_error: self.profile_error.as_ref().map(wire::problem),
            routes_error: self.user_routes.error.as_ref().map(wire::routes_problem),
            device_profile: self.devices.current.as_ref().map(wire::device_profile),
            devices_error: self.devices_error.as_ref().map(wire::devices_problem),
        }
    }

    /// The fail-safe: while the router runs, headroom's processed sink is
    /// the default sink, so a stream that plays before the router has moved
    /// it (or that nothing matches) is still limited. The user's own device
    /// choice is remembered (and saved) and stays the real output; picking
    /// another device in a volume control changes the real output and the
    /// processed sink takes the default back.
    pub(crate) fn keep_processed_default(&mut self) {
        let graph = &mut self.graph;
        // No explicit choice yet: the device playing now is the user's (or
        // the one WirePlumber would play on, if it made ours the default
        // before anything else: never left without a device to give back).
        let choice = graph.configured_real_sink().or_else(|| {
            graph
                .remembered_sink()
                .is_none()
                .then(|| {
                    graph
                        .default_real_sink()
                        .or_else(|| graph.likely_real_sink())
                })
                .flatten()
        });
        if let Some(user) = choice {
            if graph.remembered_sink() != Some(user.as_str()) {
                tracing::info!("your output device is {user}");
                self.files.send(FileJob::Remember {
                    name: state_dir::REAL_SINK,
                    value: user.clone(),
                });
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

    /// The routes file was read again (and maybe written): its rules
    /// replace the overlay and every stream is decided again.
    pub(crate) fn routes_changed(&mut self) {
        if self.user_routes.error.is_some() {
            self.user_routes.report();
        }
        let rules = self.overlay_rules();
        if rules != self.overlay || self.user_routes.error.is_some() {
            self.events.announce_routes(
                wire::user_routes(&self.user_routes),
                wire::user_layer_a(&self.user_routes),
                self.user_routes.error.as_ref().map(wire::routes_problem),
            );
        }
        self.overlay = rules;
        self.apply();
    }

    /// On the way out: the user's own device back as the default, and
    /// their own volume back on every ridden stream.
    pub(crate) fn release(&mut self) {
        if self.graph.configured_sink_name().as_deref() == Some(self.node_name.as_str()) {
            if let Some(name) = self.graph.remembered_sink() {
                self.pw.send(Command::SetDefaultSink {
                    name: name.to_string(),
                });
            }
        }
        let (layer_a, pw) = (&mut self.layer_a, &self.pw);
        layer_a.release_all(&mut |c| {
            pw.send(c);
        });
    }
}

/// One line saying whether audio is protected, for `systemctl --user
/// status headroom`: `protecting 3 apps (1 bypassed), profile Default`.
fn status_line(profile: &str, bypass: bool, processed: &Sink, streams: &[Stream]) -> String {
    let processed_apps = streams
        .iter()
        .filter(|s| s.route == headroom_client::Route::Processed)
        .count();
    let bypassed = streams.len() - processed_apps;
    if bypass {
        return format!("bypass switch on: nothing is processed, profile {profile}");
    }
    if let Some(problem) = &processed.problem {
        return format!("NOT PROTECTED: {problem}");
    }
    let apps = |n: usize| {
        if n == 1 {
            "1 app".to_string()
        } else {
            format!("{n} apps")
        }
    };
    format!(
        "protecting {} ({bypassed} bypassed), profile {profile}",
        apps(processed_apps)
    )
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
