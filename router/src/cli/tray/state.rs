//! What the tray knows about the router, and how that looks at a glance:
//! the icon, the item's status and the tooltip. Pure: built from the
//! router's `GetStatus` and `ListProfiles` replies (or from the reason it
//! could not be reached), so every case is tested without a daemon or a bus.

use headroom_client::{Profiles, Route, Status};

/// The four states the icon tells apart, worst last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The router runs and apps meant to be processed are.
    Protecting,
    /// The bypass switch is on: every app plays straight to the device.
    Bypassed,
    /// The router runs but the processed sink is down (or the router lost
    /// PipeWire): processed apps wait silent or play unprotected.
    NotProtected { why: String },
    /// No router answers on the socket.
    RouterDown { why: String },
}

/// Icon names from the freedesktop Icon Naming Specification's status
/// context, which every icon theme (Adwaita, Breeze, Papirus, …) has.
pub mod icons {
    /// Protecting.
    pub const PROTECTING: &str = "security-high";
    /// The bypass switch is on (protection off by choice).
    pub const BYPASSED: &str = "security-low";
    /// The processed sink is down.
    pub const NOT_PROTECTED: &str = "dialog-error";
    /// The router is not running.
    pub const ROUTER_DOWN: &str = "dialog-warning";
}

/// How the StatusNotifierItem's `Status` property should read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// Shown normally.
    Active,
    /// Something the user should look at (panels may highlight it).
    NeedsAttention,
}

/// One app's streams, as the menu offers them: routed together, as
/// `SetRoute` routes by app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEntry {
    /// What `SetRoute` is given: `application.name`, else the binary;
    /// `None` when the stream names neither (it cannot be routed by name).
    pub key: Option<String>,
    /// What the menu shows.
    pub label: String,
    /// Where the rules send it (`processed` or `bypass`; a held stream is
    /// meant to be processed).
    pub wanted: Route,
    /// With `processed`: the named bus the rules send it through; `None`
    /// for the default processed bus.
    pub bus: Option<String>,
    /// How many of the app's streams play now.
    pub streams: usize,
}

/// Everything the tray shows. Equal values look the same on the bus, so
/// the D-Bus side is only told when this changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayState {
    /// `None` while no router answers (and the reason in [`Health`]).
    pub router: Option<RouterView>,
    /// Why the router is not reachable, while it is not.
    pub down_reason: String,
    /// The last action's error, until an action succeeds.
    pub last_error: Option<String>,
}

/// The router's side of [`TrayState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterView {
    /// The active profile's display name.
    pub profile: String,
    /// Profile names `UseProfile` takes, and the index of the active one.
    pub profiles: Vec<String>,
    pub active_profile: Option<usize>,
    pub bypass: bool,
    /// Why audio is not protected now, when it is not.
    pub not_protected: Option<String>,
    /// The active profile's stereo named buses (what an app's route may
    /// name in the menu).
    pub buses: Vec<String>,
    pub apps: Vec<AppEntry>,
}

impl Default for TrayState {
    fn default() -> Self {
        TrayState {
            router: None,
            down_reason: "looking for the router…".into(),
            last_error: None,
        }
    }
}

impl RouterView {
    /// The view of a reachable router from its replies.
    pub fn new(status: &Status, profiles: &Profiles) -> RouterView {
        let active_profile = profiles
            .profiles
            .iter()
            .position(|p| p.name == profiles.active || p.path == profiles.active);
        let not_protected = match (&status.processed_sink.problem, status.connected) {
            (Some(problem), _) => Some(problem.clone()),
            (None, false) => Some("the router is not connected to PipeWire".into()),
            (None, true) => None,
        };
        RouterView {
            profile: status.profile.clone(),
            profiles: profiles.profiles.iter().map(|p| p.name.clone()).collect(),
            active_profile,
            bypass: status.bypass,
            not_protected,
            buses: crate::cli::route_choices::pickable_buses(&status.buses),
            apps: apps(status),
        }
    }
}

/// The playing apps, one entry per app name (in the order they first
/// appear), streams without a name each on their own.
fn apps(status: &Status) -> Vec<AppEntry> {
    let mut apps: Vec<AppEntry> = Vec::new();
    for stream in &status.streams {
        let key = stream.app.clone().or_else(|| stream.binary.clone());
        let wanted = match stream.wanted {
            Route::Held => Route::Processed,
            other => other,
        };
        if let Some(same) = apps.iter_mut().find(|a| {
            key.is_some()
                && a.key.as_deref().map(str::to_lowercase) == key.as_deref().map(str::to_lowercase)
        }) {
            same.streams += 1;
            continue;
        }
        apps.push(AppEntry {
            label: key.clone().unwrap_or_else(|| format!("node {}", stream.id)),
            key,
            wanted,
            bus: stream.bus.clone().filter(|_| wanted == Route::Processed),
            streams: 1,
        });
    }
    apps
}

impl TrayState {
    /// The router answered with these replies.
    pub fn reachable(&mut self, status: &Status, profiles: &Profiles) {
        self.router = Some(RouterView::new(status, profiles));
    }

    /// No router answers, for `why`.
    pub fn unreachable(&mut self, why: impl Into<String>) {
        self.router = None;
        self.down_reason = why.into();
    }

    pub fn health(&self) -> Health {
        match &self.router {
            None => Health::RouterDown {
                why: self.down_reason.clone(),
            },
            Some(r) if r.bypass => Health::Bypassed,
            Some(RouterView {
                not_protected: Some(why),
                ..
            }) => Health::NotProtected { why: why.clone() },
            Some(_) => Health::Protecting,
        }
    }

    pub fn icon_name(&self) -> &'static str {
        match self.health() {
            Health::Protecting => icons::PROTECTING,
            Health::Bypassed => icons::BYPASSED,
            Health::NotProtected { .. } => icons::NOT_PROTECTED,
            Health::RouterDown { .. } => icons::ROUTER_DOWN,
        }
    }

    /// Needs attention only while the router runs and cannot protect:
    /// a stopped router or the bypass switch are the user's own doing.
    pub fn attention(&self) -> Attention {
        match self.health() {
            Health::NotProtected { .. } => Attention::NeedsAttention,
            _ => Attention::Active,
        }
    }

    /// One line saying the state: the tooltip's title and the menu's
    /// first (inactive) line.
    pub fn headline(&self) -> String {
        match (self.health(), &self.router) {
            (Health::Protecting, Some(r)) => format!("headroom: protecting ({})", r.profile),
            (Health::Bypassed, _) => "headroom: bypass on (nothing is processed)".into(),
            (Health::NotProtected { .. }, _) => "headroom: NOT PROTECTED".into(),
            _ => "headroom: router not running".into(),
        }
    }

    /// The tooltip's text: why, the apps, the last error.
    pub fn details(&self) -> String {
        let mut lines = Vec::new();
        match (self.health(), &self.router) {
            (Health::RouterDown { why }, _) => {
                lines.push(why);
                lines.push("Start it with `systemctl --user start headroom`.".into());
            }
            (health, Some(r)) => {
                if let Health::NotProtected { why } = health {
                    lines.push(why);
                }
                lines.push(format!("profile {}", r.profile));
                let processed = r
                    .apps
                    .iter()
                    .filter(|a| a.wanted == Route::Processed)
                    .count();
                let bypassed = r.apps.len() - processed;
                lines.push(match (r.apps.len(), r.bypass) {
                    (0, _) => "no app is playing".into(),
                    (n, true) => format!("{n} app{} playing, all bypassed", plural(n)),
                    (_, false) => format!(
                        "{processed} app{} processed, {bypassed} bypassed",
                        plural(processed)
                    ),
                });
            }
            (_, None) => {}
        }
        if let Some(e) = &self.last_error {
            lines.push(format!("last action failed: {e}"));
        }
        lines.join("\n")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use headroom_client::{ProfileEntry, Sink, Stream};

    pub fn stream(id: u32, app: Option<&str>, route: Route, wanted: Route) -> Stream {
        Stream {
            id,
            app: app.map(str::to_string),
            binary: Some("pw-cat".into()),
            route,
            wanted,
            bus: None,
            reason: "default_route".into(),
            channels: 2,
            layer_a: None,
            playing_on: vec![],
            problem: None,
        }
    }

    pub fn status(bypass: bool, problem: Option<&str>, streams: Vec<Stream>) -> Status {
        let sink = |name: &str| Sink {
            name: Some(name.into()),
            node: Some(40),
            problem: None,
        };
        Status {
            profile: "Night".into(),
            profile_path: None,
            bypass,
            connected: true,
            processed_sink: Sink {
                problem: problem.map(str::to_string),
                ..sink("headroom.processed")
            },
            real_sink: sink("speakers"),
            buses: Vec::new(),
            streams,
            profile_error: None,
            routes_error: None,
            device_profile: None,
            devices_error: None,
        }
    }

    pub fn profiles() -> Profiles {
        let entry = |name: &str| ProfileEntry {
            name: name.into(),
            path: format!("/usr/share/headroom/profiles/{name}.toml"),
        };
        Profiles {
            active: "night".into(),
            profiles: vec![entry("default"), entry("night"), entry("voice-chat")],
        }
    }

    fn reachable(status: &Status) -> TrayState {
        let mut state = TrayState::default();
        state.reachable(status, &profiles());
        state
    }

    #[test]
    fn each_state_has_its_own_icon() {
        let protecting = reachable(&status(false, None, vec![]));
        let bypassed = reachable(&status(true, None, vec![]));
        let down_sink = reachable(&status(false, Some("the plugin cannot be loaded"), vec![]));
        let mut gone = protecting.clone();
        gone.unreachable("the headroom router is not running");
        let icons = [&protecting, &bypassed, &down_sink, &gone].map(|s| s.icon_name());
        assert_eq!(
            icons,
            [
                icons::PROTECTING,
                icons::BYPASSED,
                icons::NOT_PROTECTED,
                icons::ROUTER_DOWN
            ]
        );
        assert_eq!(down_sink.attention(), Attention::NeedsAttention);
        for calm in [&protecting, &bypassed, &gone] {
            assert_eq!(calm.attention(), Attention::Active);
        }
        assert!(down_sink.details().contains("the plugin cannot be loaded"));
        assert!(gone.details().contains("not running"), "{}", gone.details());
        assert!(gone.headline().contains("router not running"));
        assert!(protecting.headline().contains("protecting (Night)"));
    }

    #[test]
    fn bypass_wins_over_a_down_sink_and_a_lost_pipewire_is_not_protected() {
        assert_eq!(
            reachable(&status(true, Some("down"), vec![])).health(),
            Health::Bypassed
        );
        let mut offline = status(false, None, vec![]);
        offline.connected = false;
        assert!(matches!(
            reachable(&offline).health(),
            Health::NotProtected { why } if why.contains("PipeWire")
        ));
    }

    #[test]
    fn apps_are_grouped_by_name_and_a_held_stream_counts_as_processed() {
        let state = reachable(&status(
            false,
            None,
            vec![
                stream(1, Some("Firefox"), Route::Processed, Route::Processed),
                stream(2, Some("firefox"), Route::Processed, Route::Processed),
                stream(3, Some("Music"), Route::Bypass, Route::Bypass),
                stream(4, Some("Chat"), Route::Held, Route::Held),
                stream(5, None, Route::Processed, Route::Processed),
            ],
        ));
        let router = state.router.as_ref().unwrap();
        let shown: Vec<(&str, Route, usize)> = router
            .apps
            .iter()
            .map(|a| (a.label.as_str(), a.wanted, a.streams))
            .collect();
        assert_eq!(
            shown,
            [
                ("Firefox", Route::Processed, 2),
                ("Music", Route::Bypass, 1),
                ("Chat", Route::Processed, 1),
                ("pw-cat", Route::Processed, 1),
            ]
        );
        assert_eq!(router.active_profile, Some(1));
        assert!(
            state.details().contains("3 apps processed, 1 bypassed"),
            "{}",
            state.details()
        );
    }

    #[test]
    fn an_action_error_shows_in_the_tooltip_until_cleared() {
        let mut state = reachable(&status(false, None, vec![]));
        state.last_error = Some("no profile named `x`".into());
        assert!(state
            .details()
            .contains("last action failed: no profile named `x`"));
        state.last_error = None;
        assert!(!state.details().contains("failed"));
    }
}
