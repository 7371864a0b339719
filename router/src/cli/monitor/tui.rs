//! The full-screen monitor: one tokio loop that reads the router's
//! `Monitor` feed, folds it into the view and redraws, at most
//! [`FRAME`] apart and only when something changed (so it is idle while
//! nothing moves). Keys come from a small thread reading the terminal;
//! [`keys::handle`] turns them into view changes and actions, which run as
//! tasks of their own ([`actions::perform`]) and report to the events
//! pane, so a slow or absent router never freezes the screen. When the
//! router is absent or restarts, the screen says so and the monitor
//! reconnects every [`RETRY`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use headroom_client::{Error, MonitorStream};
use tokio::sync::mpsc;

use super::keys::{self, Key, Outcome};
use super::view::{self, MonitorView, Popup};
use super::{actions, feed};
use crate::cli::connect;

/// Shortest time between two frames: 10 fps while data moves, which keeps
/// the monitor under 1 % of a core (BENCHMARKS.md). Nothing is missed
/// between frames: every meter update reaches the held peaks and the
/// ceiling indicator.
pub const FRAME: Duration = Duration::from_millis(100);
/// How often a missing router is looked for again.
pub const RETRY: Duration = Duration::from_secs(1);
/// How often held peaks are let fall while no meter update comes.
pub const HOLD_TICK: Duration = Duration::from_millis(100);

/// What the key thread reports.
enum Input {
    Key(Key),
    Quit,
    Redraw,
}

/// Reads the terminal until `stop` is set or the receiver is gone.
fn read_keys(tx: mpsc::UnboundedSender<Input>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let input = match event::read() {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Input::Quit,
                KeyCode::Char(c) => Input::Key(Key::Char(c)),
                KeyCode::Up => Input::Key(Key::Up),
                KeyCode::Down => Input::Key(Key::Down),
                KeyCode::Enter => Input::Key(Key::Enter),
                KeyCode::Esc => Input::Key(Key::Esc),
                _ => continue,
            },
            Ok(TermEvent::Resize(..)) => Input::Redraw,
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(input).is_err() {
            return;
        }
    }
}

/// Connects, fetches the status and subscribes to every topic.
async fn subscribe(
    socket: &Option<PathBuf>,
    view: &mut MonitorView,
) -> Result<MonitorStream, Error> {
    let mut client = connect(socket.clone()).await?;
    let status = client.get_status().await?;
    let feed = client.monitor(&headroom_client::MONITOR_TOPICS).await?;
    feed::apply_status(view, &status);
    view.push_event(format!(
        "connected: profile {}, {} app{} playing",
        status.profile,
        status.streams.len(),
        if status.streams.len() == 1 { "" } else { "s" }
    ));
    Ok(feed)
}

fn not_running_text(e: &Error) -> String {
    format!("{e}\n\nRetrying every second; q quits.")
}

/// Runs the screen until the user quits. Restores the terminal on every
/// way out (also on panic, through ratatui's hook).
pub async fn run(socket: Option<PathBuf>) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (keys_tx, mut keys) = mpsc::unbounded_channel();
    let keys_thread = {
        let stop = stop.clone();
        std::thread::spawn(move || read_keys(keys_tx, stop))
    };
    let mut view = MonitorView::default();
    let mut feed: Option<MonitorStream> = None;
    let mut dirty = true;
    let mut frame = tokio::time::interval(FRAME);
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut retry = tokio::time::interval(RETRY);
    let mut hold_tick = tokio::time::interval(HOLD_TICK);
    hold_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (done_tx, mut done) = mpsc::unbounded_channel::<actions::Done>();
    let result = loop {
        tokio::select! {
            input = keys.recv() => match input {
                Some(Input::Redraw) => dirty = true,
                Some(Input::Key(key)) => {
                    match keys::handle(&mut view, key) {
                        Outcome::Quit => break Ok(()),
                        Outcome::Nothing => {}
                        Outcome::Act(action) => {
                            let (socket, tx) = (socket.clone(), done_tx.clone());
                            tokio::spawn(async move {
                                let _ = tx.send(actions::perform(socket, action).await);
                            });
                        }
                    }
                    dirty = true;
                }
                Some(Input::Quit) | None => break Ok(()),
            },
            Some(outcome) = done.recv() => {
                if let Some((names, active)) = outcome.profiles {
                    let cursor = names.iter().position(|n| *n == active).unwrap_or(0);
                    view.popup = Some(Popup::Profiles { names, cursor });
                } else {
                    view.push_event(outcome.text);
                }
                dirty = true;
            }
            _ = hold_tick.tick() => {
                if view.holds.tick(Instant::now()) {
                    dirty = true;
                }
            }
            _ = retry.tick(), if feed.is_none() => {
                match subscribe(&socket, &mut view).await {
                    Ok(f) => feed = Some(f),
                    Err(e) => feed::apply_disconnected(&mut view, &not_running_text(&e)),
                }
                dirty = true;
            }
            reply = async { feed.as_mut().expect("guarded").next().await }, if feed.is_some() => {
                match reply {
                    Ok(Some(reply)) => feed::apply(&mut view, &reply, Instant::now()),
                    Ok(None) => {
                        feed = None;
                        feed::apply_disconnected(&mut view, "The router stopped. Waiting for it to come back; q quits.");
                    }
                    Err(e) => {
                        feed = None;
                        feed::apply_disconnected(&mut view, &not_running_text(&e));
                    }
                }
                dirty = true;
            }
            _ = frame.tick(), if dirty => {
                if let Err(e) = terminal.draw(|f| view::render(f, &view)) {
                    break Err(e);
                }
                dirty = false;
            }
        }
    };
    stop.store(true, Ordering::Relaxed);
    ratatui::restore();
    let _ = keys_thread.join();
    result
}
