//! The router's event loop: graph events in, routing commands out, the
//! processed sink's process kept alive.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use headroom_profile::filter_chain::FilterChainOptions;
use headroom_profile::{Profile, SearchPath};

use crate::graph::Graph;
use crate::policy;
use crate::profile_watch::ProfileWatch;
use crate::pw::{Command, GraphEvent, PwThread};
use crate::routing::{Decision, Router};
use crate::state_dir;
use crate::supervisor::FilterChain;

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
    /// Where the generated filter-chain config goes.
    pub runtime_dir: PathBuf,
}

/// How often the supervisor looks at its child, and the longest a routing
/// pass waits for more events to batch.
const TICK: Duration = Duration::from_millis(100);

pub async fn run(options: Options) -> Result<(), String> {
    let Options {
        mut profile,
        profile_arg,
        node_name,
        sink,
        runtime_dir,
    } = options;
    eprintln!(
        "headroom-router: profile {} ({})",
        profile.name,
        profile
            .source
            .as_ref()
            .map_or("built in".into(), |p| p.display().to_string())
    );
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

    let mut watch = ProfileWatch::new(
        &profile_arg,
        SearchPath::from_env(),
        profile.source.as_deref(),
    );
    // The last reload error, kept until a good version loads.
    let mut profile_error: Option<String> = None;
    let (pw, mut events) = PwThread::start();
    let mut graph = Graph::default();
    graph.remember_sink(state_dir::read(state_dir::REAL_SINK));
    // The configured default when we last asked for the processed sink to
    // be the default: ask again only if it changed since.
    let mut default_asked_at: Option<Option<String>> = None;
    let mut router = Router::new(&node_name);
    // Each live stream's current decision (for logs, and status).
    let mut decided: BTreeMap<u32, Decision> = BTreeMap::new();
    // The processed sink node the current settings were pushed to.
    let mut settings_pushed_to: Option<u32> = None;
    let mut ticker = tokio::time::interval(TICK);
    // Set when the connection broke: the filter-chain lost its connection too.
    let mut reconnecting = false;
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
                            eprintln!("headroom-router: connected to PipeWire");
                            if std::mem::take(&mut reconnecting) {
                                if let Some(fc) = &mut filter_chain {
                                    fc.restart();
                                }
                            }
                            router.reset();
                            settings_pushed_to = None;
                            default_asked_at = None;
                        }
                        GraphEvent::Disconnected { reason } => {
                            if !reconnecting {
                                eprintln!("headroom-router: lost PipeWire ({reason}); reconnecting");
                            }
                            reconnecting = true;
                            router.reset();
                            settings_pushed_to = None;
                            default_asked_at = None;
                        }
                        _ => {}
                    }
                    graph.apply(event);
                }
                if !graph.is_synced() {
                    continue;
                }
                keep_processed_default(&pw, &mut graph, &router, &node_name, &mut default_asked_at);
                apply(&pw, &graph, &mut router, &profile, &mut settings_pushed_to, &mut decided);
            }
            _ = ticker.tick() => {
                if let Some(fc) = &mut filter_chain {
                    fc.tick();
                }
                match watch.poll() {
                    None => {}
                    Some(Ok(new)) => {
                        eprintln!("headroom-router: reloaded profile {}", new.name);
                        profile = new;
                        profile_error = None;
                        // Every live stream is decided again, settings pushed again.
                        settings_pushed_to = None;
                        if graph.is_synced() {
                            apply(&pw, &graph, &mut router, &profile, &mut settings_pushed_to, &mut decided);
                        }
                    }
                    Some(Err(e)) => {
                        let message = e.to_string();
                        if profile_error.as_ref() != Some(&message) {
                            eprintln!(
                                "headroom-router: {message}\nheadroom-router: keeping the last good profile ({})",
                                profile.name
                            );
                            profile_error = Some(message);
                        }
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    eprintln!("headroom-router: stopping");
    // Give the user their own device back as the default.
    if graph.configured_sink_name().as_deref() == Some(node_name.as_str()) {
        if let Some(name) = graph.remembered_sink() {
            pw.send(Command::SetDefaultSink {
                name: name.to_string(),
            });
        }
    }
    drop(pw);
    if let Some(mut fc) = filter_chain {
        fc.stop();
    }
    Ok(())
}

/// Routes every stream by `profile` and pushes its DSP settings to the
/// processed sink when they have not reached the current node yet.
fn apply(
    pw: &PwThread,
    graph: &Graph,
    router: &mut Router,
    profile: &Profile,
    settings_pushed_to: &mut Option<u32>,
    decided: &mut BTreeMap<u32, Decision>,
) {
    let fresh = RefCell::new(BTreeMap::new());
    let commands = router.plan(graph, |s| {
        let d = policy::decide(profile, s);
        fresh.borrow_mut().insert(s.id, (s.clone(), d.clone()));
        d
    });
    let fresh = fresh.into_inner();
    for (id, (stream, decision)) in &fresh {
        if decided.get(id) != Some(decision) {
            eprintln!(
                "headroom-router: {} ({}, node {id}) → {} ({})",
                stream.app_name.as_deref().unwrap_or("?"),
                stream.binary.as_deref().unwrap_or("no binary"),
                decision.route,
                decision.reason
            );
        }
    }
    *decided = fresh.into_iter().map(|(id, (_, d))| (id, d)).collect();
    for command in commands {
        log_command(graph, &command);
        pw.send(command);
    }
    let processed = router.processed_sink(graph);
    if let Some(node) = processed.filter(|_| processed != *settings_pushed_to) {
        pw.send(Command::SetParams {
            node,
            params: policy::dsp_controls(profile),
        });
        *settings_pushed_to = processed;
    }
}

/// The fail-safe: while the router runs, headroom's processed sink is the
/// default sink, so a stream that plays before the router has moved it (or
/// that nothing matches) is still limited. The user's own device choice is
/// remembered (and saved) and stays the real output; picking another device
/// in a volume control changes the real output and the processed sink takes
/// the default back.
fn keep_processed_default(
    pw: &PwThread,
    graph: &mut Graph,
    router: &Router,
    node_name: &str,
    asked_at: &mut Option<Option<String>>,
) {
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
            eprintln!("headroom-router: your output device is {user}");
            if let Err(e) = state_dir::write(state_dir::REAL_SINK, &user) {
                eprintln!("headroom-router: cannot remember the output device: {e}");
            }
            graph.remember_sink(Some(user));
        }
    }
    if router.processed_sink(graph).is_none() {
        return;
    }
    let configured = graph.configured_sink_name();
    if configured.as_deref() != Some(node_name) && asked_at.as_ref() != Some(&configured) {
        pw.send(Command::SetDefaultSink {
            name: node_name.to_string(),
        });
        *asked_at = Some(configured);
    }
}

fn log_command(graph: &Graph, command: &Command) {
    match command {
        Command::SetTarget { node, serial } => eprintln!(
            "headroom-router: route {} (node {node}) → serial {}",
            graph.node_name(*node).unwrap_or("?"),
            serial.map_or("none".into(), |s| s.to_string())
        ),
        Command::DestroyLink { id } => eprintln!("headroom-router: remove stray link {id}"),
        _ => {}
    }
}
