//! The router's event loop, and only the loop: graph events, control
//! calls, ticks and signals in; [`State`] decides, the PipeWire thread and
//! the processed sink's process carry it out.
//!
//! All mutable state lives in [`State`], owned by this loop; the PipeWire
//! thread, the file thread (every read, poll and write of a file:
//! `files.rs`) and the varlink server talk to it through messages, so
//! nothing here is shared or locked, and nothing here waits on the file
//! system.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use headroom_dsp::ParamId;
use headroom_profile::filter_chain::FilterChainOptions;
use headroom_profile::{Profile, ProfileError};
use tokio::sync::mpsc;

use crate::bus_processes::BusProcesses;
use crate::events::Events;
use crate::files::{FileEvent, FileWorker, Reload};
use crate::overlay::UserRoutes;
use crate::pw::{GraphEvent, PwThread};
use crate::state::{SinkHealth, Start, State};
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
    /// Why the profile asked for could not be used, when `profile` is the
    /// shipped default standing in for it.
    pub profile_error: Option<ProfileError>,
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

/// Starts the processed sink's process, if the router runs its own.
fn processed_sink(options: &Options) -> Result<Option<FilterChain>, String> {
    let SinkMode::Spawn { lv2_path } = &options.sink else {
        return Ok(None);
    };
    let fc = FilterChain::new(
        &options.runtime_dir,
        crate::supervisor::CONFIG_FILE,
        &FilterChainOptions {
            node_name: options.node_name.clone(),
            params: options.profile.params(),
            ..Default::default()
        },
        lv2_path.clone(),
    )
    .map_err(|e| format!("cannot prepare the processed sink: {e}"))?;
    Ok(Some(fc))
}

/// The sink process's health as [`State`] sees it.
fn health(fc: &Option<FilterChain>) -> SinkHealth {
    match fc {
        None => SinkHealth::Attached,
        Some(fc) => fc
            .problem()
            .map_or(SinkHealth::Starting, |p| SinkHealth::Failed(p.to_string())),
    }
}

/// The loop's own clocks.
struct Tickers {
    /// The supervisor and the stuck-stream check.
    router: tokio::time::Interval,
    /// Layer A's levels and gains (polled only while it rides something).
    layer_a: tokio::time::Interval,
}

impl Tickers {
    fn new() -> Tickers {
        let mut layer_a = tokio::time::interval(crate::layer_a::TICK);
        layer_a.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Tickers {
            router: tokio::time::interval(TICK),
            layer_a,
        }
    }
}

/// The state the loop starts from, with its PipeWire thread's graph
/// events and its file thread's reports. The routes file is read here,
/// before the loop runs: the first routing pass needs it.
fn start(
    options: Options,
) -> (
    State,
    mpsc::UnboundedReceiver<GraphEvent>,
    mpsc::UnboundedReceiver<FileEvent<State>>,
) {
    let (pw, events) = PwThread::start(Some(&options.node_name));
    let search = headroom_profile::SearchPath::from_env();
    let user_routes = UserRoutes::from_env();
    let devices = headroom_files::headroom_config_dir()
        .map(|d| d.join(headroom_profile::devices::DEVICES_FILE));
    let (files, file_events) = FileWorker::start(user_routes.clone(), search, devices);
    let ceiling = crate::wire::decimal(options.profile.params().get(ParamId::LimiterCeiling));
    let state = State::new(Start {
        user_routes,
        files,
        events: Events::new(&options.runtime_dir, ceiling),
        attached: matches!(options.sink, SinkMode::Attach),
        profile: options.profile,
        profile_arg: options.profile_arg,
        profile_error: options.profile_error,
        node_name: options.node_name,
        pw,
    });
    if let Some(e) = &state.profile_error {
        tracing::warn!("{e}; running on the shipped default profile until it is fixed");
    }
    (state, events, file_events)
}

pub async fn run(options: Options) -> Result<(), String> {
    tracing::info!(
        "profile {} ({})",
        options.profile.name,
        options
            .profile
            .source
            .as_ref()
            .map_or("built in".into(), |p| p.display().to_string())
    );
    let (control, socket_file) = match &options.socket {
        Some(path) => varlink::socket::open(path, false)?,
        None => varlink::socket::open(
            &options.runtime_dir.join(headroom_client::SOCKET_NAME),
            true,
        )?,
    };
    if let Some(problem) = crate::wireplumber_check::problem() {
        tracing::warn!("{problem}");
    }
    let mut filter_chain = processed_sink(&options)?;
    // Named buses run only in Spawn mode; attached, the default processed
    // sink stands in for them.
    let mut buses = match &options.sink {
        SinkMode::Spawn { lv2_path } => Some(BusProcesses::new(
            options.runtime_dir.clone(),
            lv2_path.clone(),
        )),
        SinkMode::Attach => None,
    };
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    let mut hangup =
        signal(SignalKind::hangup()).map_err(|e| format!("cannot watch SIGHUP: {e}"))?;
    let (mut state, mut events, mut file_events) = start(options);
    let (requests_tx, mut requests) = varlink::channel();
    let server = tokio::spawn(varlink::serve(control, requests_tx, state.events.hub()));
    let mut tickers = Tickers::new();
    // Set when the connection broke: the filter-chain lost its connection too.
    let mut reconnecting = false;
    // Whether systemd has been told we are ready (first synced graph).
    let mut ready = false;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let mut batch = vec![event];
                while let Ok(more) = events.try_recv() {
                    batch.push(more);
                }
                on_connection_change(&batch, &mut reconnecting, &mut filter_chain, &mut buses);
                // A processed sink that died is gone from the graph as soon
                // as its process is: restart it now, not at the next tick.
                if batch.iter().any(|e| matches!(e, GraphEvent::Removed { .. })) {
                    if let Some(fc) = &mut filter_chain {
                        fc.tick();
                    }
                    if let Some(buses) = &mut buses {
                        buses.tick();
                    }
                }
                state.on_graph_events(&batch);
                if !state.graph.is_synced() {
                    continue;
                }
                if !std::mem::replace(&mut ready, true) {
                    crate::sd_notify::notify("READY=1");
                }
                state.keep_processed_default();
                state.apply();
                if let Some(buses) = &mut buses {
                    buses.reconcile(&state.wanted_stages(Instant::now()));
                    state.set_stage_meters(&buses.meter_instances());
                }
            }
            Some(request) = requests.recv() => state.handle(request),
            Some(event) = file_events.recv() => state.on_file_event(event),
            // Only while Layer A rides something: no idle wake-ups.
            _ = tickers.layer_a.tick(), if state.layer_a.ridden().next().is_some() => {
                state.ride(Instant::now());
            }
            _ = tickers.router.tick() => {
                if let Some(fc) = &mut filter_chain {
                    fc.tick();
                }
                state.set_sink_health(health(&filter_chain));
                state.tick();
                if let Some(buses) = &mut buses {
                    buses.reconcile(&state.wanted_stages(Instant::now()));
                    buses.tick();
                    state.set_stage_meters(&buses.meter_instances());
                }
            }
            // `systemctl --user reload headroom` (ExecReload): the profile
            // is read again, as ReloadProfiles does; READY=1 follows once
            // it has been read (`file_events.rs`).
            _ = hangup.recv() => {
                crate::sd_notify::notify(&crate::sd_notify::reloading());
                state.reload_profile(Reload::Signal);
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    tracing::info!("stopping");
    crate::sd_notify::notify("STOPPING=1");
    server.abort();
    drop(socket_file);
    state.release();
    drop(state);
    if let Some(buses) = &mut buses {
        buses.stop_all();
    }
    if let Some(mut fc) = filter_chain {
        fc.stop();
    }
    Ok(())
}

/// Logs PipeWire coming and going; after a reconnect the filter-chain
/// process is replaced (it lost its connection too).
fn on_connection_change(
    batch: &[GraphEvent],
    reconnecting: &mut bool,
    filter_chain: &mut Option<FilterChain>,
    buses: &mut Option<BusProcesses>,
) {
    for event in batch {
        match event {
            GraphEvent::Connected => {
                tracing::info!("connected to PipeWire");
                if std::mem::take(reconnecting) {
                    if let Some(fc) = filter_chain {
                        fc.restart();
                    }
                    if let Some(buses) = buses {
                        buses.restart_all();
                    }
                }
            }
            GraphEvent::Disconnected { reason } => {
                if !*reconnecting {
                    tracing::warn!("lost PipeWire ({reason}); reconnecting");
                }
                *reconnecting = true;
            }
            _ => {}
        }
    }
}
