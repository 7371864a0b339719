//! Following the router: connect, read its state, subscribe to its
//! `events`, fold them in; when it goes, say so and look for it again
//! every [`RETRY`]. Also carries out the menu's [`Action`]s.
//!
//! Guarantees: every call to the router runs under [`CALL_TIMEOUT`] on a
//! connection of its own, in a task of its own, so a router that stalls
//! or talks nonsense delays nothing but that call, and its failure shows
//! up as the tray's last error (tooltip, log), never as a crash. The D-Bus
//! side is only told when what it shows changed.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use headroom_client::{Client, Error, MonitorEvent, MonitorStream, Profiles, Status};
use ksni::Handle;
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

use super::menu::Action;
use super::sni::HeadroomTray;
use super::state::TrayState;
use super::terminal;
use crate::cli::connect;

/// How often a missing router is looked for again.
pub const RETRY: Duration = Duration::from_secs(1);
/// The longest any call to the router may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Events closer together than this are folded into one refresh.
const SETTLE: Duration = Duration::from_millis(100);

/// Runs `call` on a fresh connection under [`CALL_TIMEOUT`].
async fn with_router<T, F, Fut>(socket: &Option<PathBuf>, call: F) -> Result<T, String>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let attempt = async {
        let client = connect(socket.clone()).await?;
        call(client).await
    };
    match timeout(CALL_TIMEOUT, attempt).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "the router did not answer within {} s",
            CALL_TIMEOUT.as_secs()
        )),
    }
}

/// `GetStatus` and `ListProfiles`.
async fn snapshot(socket: &Option<PathBuf>) -> Result<(Status, Profiles), String> {
    with_router(socket, |mut c| async move {
        let status = c.get_status().await?;
        let profiles = c.list_profiles().await?;
        Ok((status, profiles))
    })
    .await
}

/// A snapshot and an `events` feed from a router that is there.
async fn subscribe(socket: &Option<PathBuf>) -> Result<(Status, Profiles, MonitorStream), String> {
    with_router(socket, |mut c| async move {
        // Subscribed first: nothing that happens after the snapshot is missed.
        let feed = c.monitor(&["events"]).await?;
        let status = c.get_status().await?;
        let profiles = c.list_profiles().await?;
        Ok((status, profiles, feed))
    })
    .await
}

/// Carries out one router action.
async fn perform(socket: Option<PathBuf>, action: Action) -> Result<(), String> {
    let what = format!("{action:?}");
    let result = with_router(&socket, |mut c| async move {
        match action {
            Action::SetBypass(on) => c.set_bypass(on).await,
            Action::UseProfile(name) => c.use_profile(&name).await.map(drop),
            Action::SetRoute { app, route, bus } => {
                c.set_route_to(&app, route, bus.as_deref()).await
            }
            Action::OpenMonitor | Action::Quit => Ok(()),
        }
    })
    .await;
    match &result {
        Ok(()) => tracing::info!("done: {what}"),
        Err(e) => tracing::warn!("{what} failed: {e}"),
    }
    result
}

/// Shows `state` if it differs from what the item shows now. `false`
/// once the item is gone (its bus connection ended).
async fn show(handle: &Handle<HeadroomTray>, shown: &mut TrayState, state: &TrayState) -> bool {
    if shown == state {
        return !handle.is_closed();
    }
    *shown = state.clone();
    let next = state.clone();
    handle.update(move |tray| tray.state = next).await.is_some()
}

/// Follows the router at `socket` and serves `actions` until Quit, or
/// until the process is asked to stop (SIGINT, SIGTERM): then `Ok`. `Err`
/// when the item's bus connection ended (the session bus went away), so a
/// supervisor can start the tray again.
pub async fn run(
    socket: Option<PathBuf>,
    handle: Handle<HeadroomTray>,
    mut actions: mpsc::UnboundedReceiver<Action>,
) -> Result<(), String> {
    let mut state = TrayState::default();
    let mut shown = state.clone();
    let mut feed: Option<MonitorStream> = None;
    let mut refresh_at: Option<Instant> = None;
    let (done_tx, mut done) = mpsc::unbounded_channel::<Result<(), String>>();
    let mut retry = tokio::time::interval(RETRY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut was_down_for: Option<String> = None;
    loop {
        tokio::select! {
            action = actions.recv() => match action {
                None | Some(Action::Quit) => break,
                Some(Action::OpenMonitor) => match terminal::open_monitor(socket.as_deref()) {
                    Ok(terminal) => tracing::info!("opened the monitor in {terminal}"),
                    Err(e) => {
                        tracing::warn!("{e}");
                        state.last_error = Some(e);
                    }
                },
                Some(action) => {
                    let (socket, done_tx) = (socket.clone(), done_tx.clone());
                    tokio::spawn(async move {
                        let _ = done_tx.send(perform(socket, action).await);
                    });
                }
            },
            Some(result) = done.recv() => {
                state.last_error = result.err();
                // The feed reports the change too; this also covers a
                // refused call, whose error must show at once.
                refresh_at.get_or_insert_with(Instant::now);
            }
            _ = retry.tick(), if feed.is_none() => match subscribe(&socket).await {
                Ok((status, profiles, f)) => {
                    tracing::info!("following the router: profile {}, {} stream(s)", status.profile, status.streams.len());
                    state.reachable(&status, &profiles);
                    feed = Some(f);
                    was_down_for = None;
                }
                Err(why) => {
                    if was_down_for.as_deref() != Some(&why) {
                        tracing::info!("no router: {why}; looking again every {} s", RETRY.as_secs());
                        was_down_for = Some(why.clone());
                    }
                    state.unreachable(why);
                }
            },
            item = async { feed.as_mut().expect("guarded").next().await }, if feed.is_some() => match item {
                Ok(Some(MonitorEvent::Meters(_) | MonitorEvent::Streams(_))) => {}
                Ok(Some(_)) => {
                    let soon = Instant::now() + SETTLE;
                    refresh_at.get_or_insert(soon);
                }
                Ok(None) | Err(_) => {
                    let why = match item {
                        Err(e) => e.to_string(),
                        _ => "the router stopped".into(),
                    };
                    tracing::info!("{why}; waiting for it to come back");
                    feed = None;
                    refresh_at = None;
                    state.unreachable(why.clone());
                    was_down_for = Some(why);
                    retry.reset();
                }
            },
            _ = async { tokio::time::sleep_until(refresh_at.expect("guarded")).await }, if refresh_at.is_some() => {
                refresh_at = None;
                match snapshot(&socket).await {
                    Ok((status, profiles)) if feed.is_some() => state.reachable(&status, &profiles),
                    Ok(_) => {}
                    Err(why) => {
                        tracing::warn!("could not read the router's state: {why}");
                        feed = None;
                        state.unreachable(why);
                    }
                }
            }
            _ = async { terminate.as_mut().expect("guarded").recv().await }, if terminate.is_some() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
        if !show(&handle, &mut shown, &state).await {
            return Err("the connection to the session bus ended".into());
        }
    }
    handle.shutdown().await;
    Ok(())
}
