//! What each key does in the monitor: a pure function from the view and a
//! key to the view's change and, for keys that change the router, the
//! [`Action`] to ask it for. Actions run elsewhere (see `actions`), through
//! the varlink API, and report back to the events pane.

use headroom_client::Route;

use super::view::{MonitorView, Popup, Riding};

/// A key the monitor knows, from crossterm's events (see `tui`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Up,
    Down,
    Enter,
    Esc,
    Char(char),
}

/// A change the user asked the router for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `SetRoute`: `app` plays on `route` from now on (a user route);
    /// with `processed`, `bus` names one of the profile's buses.
    Route {
        app: String,
        route: Route,
        bus: Option<String>,
    },
    /// `SetLayerA`: Layer A rides `app` or leaves it alone, from now on.
    LayerA { app: String, enabled: bool },
    /// `SetBypass`.
    Bypass(bool),
    /// `ListProfiles`, to open the profile picker with the answer.
    ListProfiles,
    /// `UseProfile`.
    UseProfile(String),
}

/// What a key leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing for the router (the view may have changed).
    Nothing,
    Act(Action),
    Quit,
}

/// The route `r` moves a stream on to from `route` (as shown: a route,
/// or the name of the bus it plays on), through processed, each of the
/// profile's `buses` in turn, bypass, and round again; a held stream goes
/// to bypass, as from processed when there are no buses.
pub fn next_route(route: &str, buses: &[String]) -> (Route, Option<String>) {
    if route == Route::Held.as_str() {
        return (Route::Bypass, None);
    }
    let choices = crate::cli::route_choices::route_choices(buses);
    let now = match Route::from_name(route) {
        Some(route) => choices.iter().position(|(r, b)| *r == route && b.is_none()),
        None => choices
            .iter()
            .position(|(_, b)| b.as_deref() == Some(route)),
    };
    let next = now.map_or(0, |i| (i + 1) % choices.len());
    choices[next].clone()
}

/// Applies `key` to `view`; what the router should be asked, if anything.
/// Problems found without the router (no app selected, an app with no
/// name) go to the events pane.
pub fn handle(view: &mut MonitorView, key: Key) -> Outcome {
    if let Some(mut popup) = view.popup.take() {
        let (outcome, keep) = handle_popup(&mut popup, key);
        if keep {
            view.popup = Some(popup);
        }
        return outcome;
    }
    match key {
        Key::Char('q') | Key::Esc => Outcome::Quit,
        Key::Up | Key::Char('k') => {
            view.move_selection(-1);
            Outcome::Nothing
        }
        Key::Down | Key::Char('j') => {
            view.move_selection(1);
            Outcome::Nothing
        }
        Key::Char('?') => {
            view.popup = Some(Popup::Help);
            Outcome::Nothing
        }
        Key::Char('c') => {
            view.ceiling = Default::default();
            Outcome::Nothing
        }
        Key::Char('b') => Outcome::Act(Action::Bypass(!view.bypass)),
        Key::Char('p') => Outcome::Act(Action::ListProfiles),
        Key::Enter | Key::Char('r') => match selected_app(view) {
            Some((app, row_route)) => {
                let (route, bus) = next_route(&row_route, &view.bus_names);
                Outcome::Act(Action::Route { app, route, bus })
            }
            None => Outcome::Nothing,
        },
        Key::Char('l') => {
            let riding = view
                .selected_row()
                .map(|r| matches!(r.layer_a, Riding::On { .. }));
            match (selected_app(view), riding) {
                (Some((app, _)), Some(riding)) => Outcome::Act(Action::LayerA {
                    app,
                    enabled: !riding,
                }),
                _ => Outcome::Nothing,
            }
        }
        _ => Outcome::Nothing,
    }
}

/// The selected app's name for the router and its route as shown; says in
/// the events pane why there is none.
fn selected_app(view: &mut MonitorView) -> Option<(String, String)> {
    let Some(row) = view.selected_row() else {
        view.push_event("no app is playing: nothing to change".into());
        return None;
    };
    match &row.app_key {
        Some(app) => Some((app.clone(), row.route.clone())),
        None => {
            let text = format!(
                "{} has no application.name or binary: a route needs one (use a profile rule)",
                row.app
            );
            view.push_event(text);
            None
        }
    }
}

/// Keys while a box is open: the help closes on any key; the profile
/// picker moves, picks or cancels. Whether the box stays open.
fn handle_popup(popup: &mut Popup, key: Key) -> (Outcome, bool) {
    match popup {
        Popup::Help => (Outcome::Nothing, false),
        Popup::Profiles { names, cursor } => match key {
            Key::Up | Key::Char('k') => {
                *cursor = cursor.saturating_sub(1);
                (Outcome::Nothing, true)
            }
            Key::Down | Key::Char('j') => {
                *cursor = (*cursor + 1).min(names.len().saturating_sub(1));
                (Outcome::Nothing, true)
            }
            Key::Enter => match names.get(*cursor) {
                Some(name) => (Outcome::Act(Action::UseProfile(name.clone())), false),
                None => (Outcome::Nothing, false),
            },
            Key::Esc | Key::Char('q') | Key::Char('p') => (Outcome::Nothing, false),
            _ => (Outcome::Nothing, true),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::monitor::view::StreamRow;

    fn row(id: u32, app: Option<&str>, route: &str, riding: bool) -> StreamRow {
        StreamRow {
            id,
            app: app.unwrap_or("node").to_string(),
            app_key: app.map(str::to_string),
            route: route.into(),
            layer_a: if riding {
                Riding::On {
                    level_dbfs: Some(-20.0),
                    gain_db: 1.0,
                }
            } else {
                Riding::Off
            },
        }
    }

    fn view() -> MonitorView {
        MonitorView {
            connected: true,
            streams: vec![
                row(5, Some("Firefox"), "processed", false),
                row(9, Some("Spotify"), "bypass", true),
                row(12, None, "held", false),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn arrows_and_jk_select_and_stop_at_the_ends() {
        let mut v = view();
        assert_eq!(v.selected_row().unwrap().id, 5);
        assert_eq!(handle(&mut v, Key::Up), Outcome::Nothing);
        assert_eq!(v.selected_row().unwrap().id, 5);
        handle(&mut v, Key::Down);
        handle(&mut v, Key::Char('j'));
        handle(&mut v, Key::Char('j'));
        assert_eq!(v.selected_row().unwrap().id, 12);
        handle(&mut v, Key::Char('k'));
        assert_eq!(v.selected_row().unwrap().id, 9);
        // The selected stream goes: the selection falls back to the first.
        v.streams.remove(1);
        assert_eq!(v.selected_row().unwrap().id, 5);
    }

    #[test]
    fn r_cycles_the_route_and_l_flips_layer_a() {
        let mut v = view();
        let route = |app: &str, route| {
            Outcome::Act(Action::Route {
                app: app.into(),
                route,
                bus: None,
            })
        };
        assert_eq!(
            handle(&mut v, Key::Char('r')),
            route("Firefox", Route::Bypass)
        );
        assert_eq!(
            handle(&mut v, Key::Char('l')),
            Outcome::Act(Action::LayerA {
                app: "Firefox".into(),
                enabled: true
            })
        );
        handle(&mut v, Key::Down);
        assert_eq!(
            handle(&mut v, Key::Enter),
            route("Spotify", Route::Processed)
        );
        assert_eq!(
            handle(&mut v, Key::Char('l')),
            Outcome::Act(Action::LayerA {
                app: "Spotify".into(),
                enabled: false
            })
        );
        assert_eq!(next_route("held", &[]), (Route::Bypass, None));
    }

    #[test]
    fn with_buses_r_goes_through_each_bus_between_processed_and_bypass() {
        let buses = ["voice".to_string(), "surround".to_string()];
        let bus = |b: &str| (Route::Processed, Some(b.to_string()));
        assert_eq!(next_route("processed", &buses), bus("voice"));
        assert_eq!(next_route("voice", &buses), bus("surround"));
        assert_eq!(next_route("surround", &buses), (Route::Bypass, None));
        assert_eq!(next_route("bypass", &buses), (Route::Processed, None));
        assert_eq!(next_route("held", &buses), (Route::Bypass, None));
        // A bus the profile no longer has: back to the first choice.
        assert_eq!(next_route("gone", &buses), (Route::Processed, None));
        let mut v = view();
        v.bus_names = buses.to_vec();
        assert_eq!(
            handle(&mut v, Key::Char('r')),
            Outcome::Act(Action::Route {
                app: "Firefox".into(),
                route: Route::Processed,
                bus: Some("voice".into()),
            })
        );
    }

    #[test]
    fn a_stream_without_a_name_says_why_it_cannot_be_routed() {
        let mut v = view();
        v.selected = Some(12);
        assert_eq!(handle(&mut v, Key::Char('r')), Outcome::Nothing);
        assert!(v.events.back().unwrap().contains("has no application.name"));
        let mut empty = MonitorView::default();
        assert_eq!(handle(&mut empty, Key::Char('l')), Outcome::Nothing);
        assert!(empty.events.back().unwrap().contains("no app is playing"));
    }

    #[test]
    fn b_flips_the_switch_p_picks_a_profile_and_question_mark_helps() {
        let mut v = view();
        assert_eq!(
            handle(&mut v, Key::Char('b')),
            Outcome::Act(Action::Bypass(true))
        );
        v.bypass = true;
        assert_eq!(
            handle(&mut v, Key::Char('b')),
            Outcome::Act(Action::Bypass(false))
        );
        assert_eq!(
            handle(&mut v, Key::Char('p')),
            Outcome::Act(Action::ListProfiles)
        );
        v.popup = Some(Popup::Profiles {
            names: vec!["default".into(), "night".into()],
            cursor: 0,
        });
        // Keys go to the picker while it is open.
        assert_eq!(handle(&mut v, Key::Char('q')), Outcome::Nothing);
        assert_eq!(v.popup, None);
        v.popup = Some(Popup::Profiles {
            names: vec!["default".into(), "night".into()],
            cursor: 0,
        });
        handle(&mut v, Key::Down);
        handle(&mut v, Key::Down);
        assert_eq!(
            handle(&mut v, Key::Enter),
            Outcome::Act(Action::UseProfile("night".into()))
        );
        assert_eq!(v.popup, None);
        handle(&mut v, Key::Char('?'));
        assert_eq!(v.popup, Some(Popup::Help));
        assert_eq!(handle(&mut v, Key::Char('r')), Outcome::Nothing);
        assert_eq!(v.popup, None);
        assert_eq!(handle(&mut v, Key::Esc), Outcome::Quit);
    }

    #[test]
    fn c_clears_the_ceiling_indicator() {
        let mut v = view();
        v.ceiling.reached = 3;
        handle(&mut v, Key::Char('c'));
        assert_eq!(v.ceiling.reached, 0);
    }
}
