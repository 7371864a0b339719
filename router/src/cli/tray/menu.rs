//! The tray's menu as plain data: what each item says, whether it can be
//! used, and the [`Action`] a click asks for. Pure, so the menu is tested
//! without a bus; `sni` turns it into dbusmenu items.
//!
//! While no router answers, every item that needs one is disabled (greyed
//! out); "Open monitor" and "Quit" always work.

use headroom_client::Route;

use super::state::TrayState;

/// What a click asks the router (or the tray) to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `SetBypass`: `true` sends every app straight to the device.
    SetBypass(bool),
    /// `UseProfile` with this name.
    UseProfile(String),
    /// `SetRoute`: a user route for this app, as `headroom route set`
    /// saves; with `processed`, `bus` names one of the profile's buses.
    SetRoute {
        app: String,
        route: Route,
        bus: Option<String>,
    },
    /// `headroom monitor` in a terminal.
    OpenMonitor,
    /// End the tray.
    Quit,
}

/// One menu entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Text only (never clickable).
    Label(String),
    /// A check box.
    Check {
        label: String,
        checked: bool,
        enabled: bool,
        action: Action,
    },
    /// Radio items: one per option, the `selected` one marked.
    Radio {
        options: Vec<RadioOption>,
        selected: Option<usize>,
    },
    /// A submenu.
    Sub {
        label: String,
        enabled: bool,
        entries: Vec<Entry>,
    },
    /// A plain item.
    Item {
        label: String,
        action: Action,
    },
    Separator,
}

/// One radio item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadioOption {
    pub label: String,
    pub enabled: bool,
    /// What choosing it asks for.
    pub action: Action,
}

/// Label of the protection check box (checked: protecting).
pub const PROTECTION: &str = "Protection on";
pub const OPEN_MONITOR: &str = "Open monitor";
pub const QUIT: &str = "Quit";
/// The route radio items' labels, in this order; the profile's named
/// buses come between them, each as `bus <name>` ([`bus_label`]).
pub const ROUTE_LABELS: [(&str, Route); 2] = [
    ("processed (through the limiter)", Route::Processed),
    ("bypass (straight to the device)", Route::Bypass),
];

/// The radio item of named bus `bus`.
pub fn bus_label(bus: &str) -> String {
    format!("bus {bus} (its own settings)")
}

/// The whole menu for `state`.
pub fn build(state: &TrayState) -> Vec<Entry> {
    let router = state.router.as_ref();
    let up = router.is_some();
    let bypass = router.is_some_and(|r| r.bypass);
    let mut menu = vec![
        Entry::Label(state.headline()),
        Entry::Check {
            label: PROTECTION.into(),
            checked: up && !bypass,
            enabled: up,
            // Unchecking protection turns the bypass switch on.
            action: Action::SetBypass(!bypass),
        },
        Entry::Separator,
    ];
    let (profile_label, profiles) = match router {
        Some(r) => (
            format!("Profile: {}", r.profile),
            Entry::Radio {
                options: r
                    .profiles
                    .iter()
                    .map(|name| RadioOption {
                        label: name.clone(),
                        enabled: true,
                        action: Action::UseProfile(name.clone()),
                    })
                    .collect(),
                selected: r.active_profile,
            },
        ),
        None => (
            "Profile".into(),
            Entry::Label("(router not running)".into()),
        ),
    };
    menu.push(Entry::Sub {
        label: profile_label,
        enabled: up,
        entries: vec![profiles],
    });
    let apps: Vec<Entry> = match router {
        None => vec![Entry::Label("(router not running)".into())],
        Some(r) if r.apps.is_empty() => vec![Entry::Label("No app is playing".into())],
        Some(r) => r.apps.iter().map(|a| app_entry(a, &r.buses)).collect(),
    };
    let playing = router.map_or(0, |r| r.apps.len());
    menu.push(Entry::Sub {
        label: format!("Apps playing ({playing})"),
        enabled: up,
        entries: apps,
    });
    menu.extend([
        Entry::Separator,
        Entry::Item {
            label: OPEN_MONITOR.into(),
            action: Action::OpenMonitor,
        },
        Entry::Item {
            label: QUIT.into(),
            action: Action::Quit,
        },
    ]);
    menu
}

/// An app's submenu: radio items for processed, each of the profile's
/// `buses`, and bypass, the app's route selected.
fn app_entry(app: &super::state::AppEntry, buses: &[String]) -> Entry {
    let label = if app.streams > 1 {
        format!("{} ({} streams)", app.label, app.streams)
    } else {
        app.label.clone()
    };
    let Some(key) = &app.key else {
        // Neither application.name nor binary: nothing to route by.
        return Entry::Label(format!("{label} (unnamed, cannot be routed)"));
    };
    let choices = crate::cli::route_choices::route_choices(buses);
    let selected = choices
        .iter()
        .position(|(route, bus)| *route == app.wanted && *bus == app.bus);
    let text = |route: Route, bus: &Option<String>| match bus {
        Some(bus) => bus_label(bus),
        None => ROUTE_LABELS
            .iter()
            .find(|(_, r)| *r == route)
            .map_or_else(|| route.to_string(), |(text, _)| text.to_string()),
    };
    Entry::Sub {
        label,
        enabled: true,
        entries: vec![Entry::Radio {
            options: choices
                .into_iter()
                .map(|(route, bus)| RadioOption {
                    label: text(route, &bus),
                    enabled: true,
                    action: Action::SetRoute {
                        app: key.clone(),
                        route,
                        bus,
                    },
                })
                .collect(),
            selected,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::tests::{profiles, status, stream};
    use super::*;

    fn find<'a>(entries: &'a [Entry], label: &str) -> Option<&'a Entry> {
        entries.iter().find_map(|e| match e {
            Entry::Check { label: l, .. } | Entry::Item { label: l, .. } if l == label => Some(e),
            Entry::Sub { label: l, .. } if l.starts_with(label) => Some(e),
            Entry::Sub { entries, .. } => find(entries, label),
            _ => None,
        })
    }

    fn up(bypass: bool) -> TrayState {
        let mut state = TrayState::default();
        state.reachable(
            &status(
                bypass,
                None,
                vec![
                    stream(1, Some("Browser"), Route::Processed, Route::Processed),
                    stream(2, Some("Music Player"), Route::Bypass, Route::Bypass),
                ],
            ),
            &profiles(),
        );
        state
    }

    #[test]
    fn the_protection_box_is_checked_while_protecting_and_flips_the_bypass_switch() {
        for (bypass, checked) in [(false, true), (true, false)] {
            let menu = build(&up(bypass));
            assert_eq!(
                find(&menu, PROTECTION),
                Some(&Entry::Check {
                    label: PROTECTION.into(),
                    checked,
                    enabled: true,
                    action: Action::SetBypass(!bypass),
                })
            );
        }
    }

    #[test]
    fn profiles_are_radio_items_with_the_active_one_selected() {
        let menu = build(&up(false));
        let Some(Entry::Sub { label, entries, .. }) = find(&menu, "Profile") else {
            panic!("{menu:#?}")
        };
        assert_eq!(label, "Profile: Night");
        let Entry::Radio { options, selected } = &entries[0] else {
            panic!("{entries:?}")
        };
        assert_eq!(*selected, Some(1));
        assert_eq!(options[2].action, Action::UseProfile("voice-chat".into()));
    }

    #[test]
    fn each_app_offers_processed_and_bypass_with_its_route_selected() {
        let menu = build(&up(false));
        let Some(Entry::Sub { label, .. }) = find(&menu, "Apps playing") else {
            panic!("{menu:#?}")
        };
        assert_eq!(label, "Apps playing (2)");
        let Some(Entry::Sub { entries, .. }) = find(&menu, "Music Player") else {
            panic!("{menu:#?}")
        };
        let Entry::Radio { options, selected } = &entries[0] else {
            panic!("{entries:?}")
        };
        assert_eq!(*selected, Some(1), "Music Player is bypassed");
        assert_eq!(
            options[0].action,
            Action::SetRoute {
                app: "Music Player".into(),
                route: Route::Processed,
                bus: None,
            }
        );
    }

    #[test]
    fn with_buses_each_app_offers_each_stereo_bus_too() {
        let mut on_voice = stream(3, Some("Caller"), Route::Processed, Route::Processed);
        on_voice.bus = Some("voice".into());
        let mut status = status(
            false,
            None,
            vec![
                on_voice,
                stream(4, Some("Browser"), Route::Processed, Route::Processed),
            ],
        );
        for (name, layout) in [
            ("voice", headroom_client::BusLayout::Stereo),
            ("media", headroom_client::BusLayout::Stereo),
            ("surround", headroom_client::BusLayout::Surround),
        ] {
            status
                .buses
                .push(crate::cli::route_choices::idle_bus(name, layout));
        }
        let mut state = TrayState::default();
        state.reachable(&status, &profiles());
        let menu = build(&state);
        let radio = |app: &str| {
            let Some(Entry::Sub { entries, .. }) = find(&menu, app) else {
                panic!("{menu:#?}")
            };
            let Entry::Radio { options, selected } = &entries[0] else {
                panic!("{entries:?}")
            };
            (options.clone(), *selected)
        };
        let (options, selected) = radio("Caller");
        let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
        // Not the surround bus: surround streams reach it by the profile.
        assert_eq!(
            labels,
            [
                ROUTE_LABELS[0].0,
                &bus_label("voice"),
                &bus_label("media"),
                ROUTE_LABELS[1].0
            ]
        );
        assert_eq!(selected, Some(1), "the caller plays on the voice bus");
        assert_eq!(
            options[2].action,
            Action::SetRoute {
                app: "Caller".into(),
                route: Route::Processed,
                bus: Some("media".into()),
            }
        );
        assert_eq!(
            radio("Browser").1,
            Some(0),
            "the browser on the default bus"
        );
    }

    #[test]
    fn without_a_router_everything_but_monitor_and_quit_is_greyed_out() {
        let mut state = up(false);
        state.unreachable("gone");
        let menu = build(&state);
        for entry in &menu {
            match entry {
                Entry::Check { enabled, .. } | Entry::Sub { enabled, .. } => {
                    assert!(!enabled, "{entry:?}")
                }
                Entry::Item { label, .. } => {
                    assert!([OPEN_MONITOR, QUIT].contains(&label.as_str()))
                }
                Entry::Label(_) | Entry::Separator => {}
                Entry::Radio { .. } => panic!("no radio items without a router: {entry:?}"),
            }
        }
        assert!(matches!(&menu[0], Entry::Label(l) if l.contains("router not running")));
    }
}
