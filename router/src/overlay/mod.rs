//! The user's own per-app routes (`SetRoute`/`UnsetRoute`), kept in
//! `$XDG_CONFIG_HOME/headroom/routes.toml` and tried before the active
//! profile's rules, so they outlive profile switches and restarts:
//!
//! ```toml
//! [[route]]
//! app = "Spotify"        # application.name OR application.process.binary
//! route = "bypass"       # "processed", "bypass" or a bus ("voice")
//!
//! [[layer_a]]            # SetLayerA: Layer A on or off for one app,
//! app = "Firefox"        # whatever the profile says (the route still
//! enabled = false        # comes from the rules)
//! ```
//!
//! `app` matches the whole value, ignoring case (glob characters are taken
//! literally); an app has at most one route here. Hand edits take effect
//! within a few polls ([`UserRoutes::poll`], as profiles do; the daemon
//! polls and saves on its file thread, `files.rs`). Every
//! change re-reads the file first, so hand edits are kept, and edits it
//! with `toml_edit`, so its comments stay; the result is written
//! atomically. A file that
//! cannot be read is never overwritten: the problem, located, is reported
//! (log, `GetStatus.routes_error`, `InvalidRoutes`) and no user routes
//! apply until it is fixed.

use std::path::{Path, PathBuf};

use headroom_profile::{LayerAOverrides, Location, MatchKey, Pattern, Route, Rule};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::profile_watch::{stamp, Settling};

/// The file's name inside the config directory.
pub const ROUTES_FILE: &str = "routes.toml";

/// What a new routes file starts with.
const HEADER: &str = "\
# Headroom's per-app routes, tried before any profile's rules; they stay
# across profile switches and restarts. The router edits this file when a
# client calls SetRoute, UnsetRoute or SetLayerA, keeping your comments. Each
# [[route]] has `app` (an application.name or application.process.binary, the
# whole value, ignoring case) and `route` (\"processed\", \"bypass\" or a bus of
# the profile, like \"voice\"; a bus the active profile lacks plays processed); each
# [[layer_a]] has `app` and `enabled` (true or false: Layer A rides the app or
# leaves it alone, whatever the profile says).
";

/// Why the routes file cannot be used: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutesProblem {
    pub file: String,
    /// 1-based; `None` when the problem is not at one place in the file.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for RoutesProblem {
    /// `routes.toml:3:9: [[route]] #1: …`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a change to the routes could not be made; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutesError {
    /// The file as it is now cannot be used; it is left as it is.
    Invalid(RoutesProblem),
    /// The file could not be written.
    SaveFailed { file: String, message: String },
}

impl std::fmt::Display for RoutesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoutesError::Invalid(problem) => write!(f, "{problem}"),
            RoutesError::SaveFailed { file, message } => write!(f, "{file}: {message}"),
        }
    }
}

/// One user route, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRoute {
    pub app: String,
    pub route: Route,
}

/// One user choice of Layer A for an app (`SetLayerA`), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLayerA {
    pub app: String,
    pub enabled: bool,
}

/// Everything the routes file holds, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoutesFile {
    pub routes: Vec<UserRoute>,
    pub layer_a: Vec<UserLayerA>,
}

/// The user's choices as rules for the router: `routes` are tried before
/// the profile's rules ([`headroom_profile::Profile::decide_with`]); the
/// first of `layer_a` matching a stream sets whether Layer A rides it, on
/// top of whatever decided its route.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlay {
    pub routes: Vec<Rule>,
    pub layer_a: Vec<Rule>,
}

/// The user routes in force, and where they live.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRoutes {
    /// `routes.toml`; `None` when neither `XDG_CONFIG_HOME` nor `HOME` is set.
    pub path: Option<PathBuf>,
    /// In file order: the order they are tried.
    pub routes: Vec<UserRoute>,
    /// The user's Layer A choices, in file order.
    pub layer_a: Vec<UserLayerA>,
    /// Why the file cannot be used, until it can.
    pub error: Option<RoutesProblem>,
    /// The file's version these routes (or this error) come from.
    version: Settling,
}

impl UserRoutes {
    /// The standard file (`$XDG_CONFIG_HOME/headroom/routes.toml`), loaded.
    pub fn from_env() -> UserRoutes {
        UserRoutes::load(headroom_files::headroom_config_dir().map(|d| d.join(ROUTES_FILE)))
    }

    /// Loads `path`; a missing file is no routes, not an error.
    pub fn load(path: Option<PathBuf>) -> UserRoutes {
        let loaded = path.as_deref().and_then(stamp);
        let (file, error) = match path.as_deref().map(read) {
            None | Some(Ok(None)) => (RoutesFile::default(), None),
            Some(Ok(Some((_, file)))) => (file, None),
            Some(Err(problem)) => (RoutesFile::default(), Some(problem)),
        };
        UserRoutes {
            path,
            routes: file.routes,
            layer_a: file.layer_a,
            error,
            version: Settling::new(loaded),
        }
    }

    /// Call every poll (the daemon's file thread does): reads the file
    /// again once a hand edit has settled (its stamp unchanged for
    /// [`crate::profile_watch::SETTLE`]); whether the routes or the error changed.
    pub fn poll(&mut self) -> bool {
        let Some(path) = self.path.clone() else {
            return false;
        };
        if !self.version.settled(stamp(&path)) {
            return false;
        }
        let fresh = UserRoutes::load(Some(path));
        let changed = fresh.routes != self.routes
            || fresh.layer_a != self.layer_a
            || fresh.error != self.error;
        *self = fresh;
        changed
    }

    /// Logs what was loaded: how many routes, or why none apply.
    pub fn report(&self) {
        match &self.error {
            Some(problem) => tracing::warn!(
                "{problem} (fix the file, then try again; it was left as it is): \
                 no user routes apply until it is fixed"
            ),
            None if !self.routes.is_empty() => {
                tracing::info!("{} user routes from {}", self.routes.len(), self.file())
            }
            None => {}
        }
    }

    /// The file's name for messages.
    pub fn file(&self) -> String {
        self.path.as_ref().map_or_else(
            || format!("~/.config/headroom/{ROUTES_FILE}"),
            |p| p.display().to_string(),
        )
    }

    /// The routes as overlay rules for [`headroom_profile::Profile::decide_with`].
    pub fn rules(&self) -> Vec<Rule> {
        rules_of(&self.routes)
    }

    /// The routes and Layer A choices as rules (see [`Overlay`]).
    pub fn overlay(&self) -> Overlay {
        let layer_a = |enabled| LayerAOverrides {
            enabled: Some(enabled),
            ..Default::default()
        };
        Overlay {
            routes: self.rules(),
            layer_a: self
                .layer_a
                .iter()
                .filter_map(|c| {
                    let rule =
                        Rule::new(MatchKey::App, Pattern::literal(&c.app)?, Route::Processed);
                    Some(rule.with_layer_a(layer_a(c.enabled)))
                })
                .collect(),
        }
    }

    /// `app`'s Layer A choice, if it made one.
    pub fn layer_a_of(&self, app: &str) -> Option<bool> {
        self.layer_a
            .iter()
            .find(|c| c.app == app)
            .map(|c| c.enabled)
    }

    /// Sets whether Layer A rides `app` (`None`: as the profile says
    /// again) and saves the file; whether anything changed. On error
    /// nothing changed.
    pub fn set_layer_a(&mut self, app: &str, enabled: Option<bool>) -> Result<bool, RoutesError> {
        self.change(layer_a_setting(app, enabled))
    }

    /// `app`'s user route, if it has one.
    pub fn route_of(&self, app: &str) -> Option<Route> {
        self.routes.iter().find(|r| r.app == app).map(|r| r.route)
    }

    /// Routes `app` on `route` (replacing its route if it has one) and
    /// saves the file. On error nothing changed.
    pub fn set(&mut self, app: &str, route: Route) -> Result<(), RoutesError> {
        self.change(setting(app, route)).map(|_| ())
    }

    /// Removes `app`'s route; whether it had one. On error nothing changed.
    pub fn unset(&mut self, app: &str) -> Result<bool, RoutesError> {
        self.change(unsetting(app))
    }

    /// Re-reads the file, applies `change` to it, checks and writes the
    /// result, and takes it as the routes in force. This is the one way
    /// the file is saved: every kind of change is an edit of the whole
    /// document (see [`RoutesEdit`]). On error nothing changed.
    pub fn change<T>(
        &mut self,
        change: impl FnOnce(&mut toml_edit::DocumentMut) -> T,
    ) -> Result<T, RoutesError> {
        let Some(path) = self.path.clone() else {
            return Err(RoutesError::SaveFailed {
                file: self.file(),
                message: "neither XDG_CONFIG_HOME nor HOME is set".into(),
            });
        };
        let text = match read(&path) {
            Ok(Some((text, _))) => text,
            Ok(None) => HEADER.to_string() + "\n",
            Err(problem) => {
                self.routes.clear();
                self.layer_a.clear();
                self.error = Some(problem.clone());
                self.version.take(stamp(&path));
                return Err(RoutesError::Invalid(problem));
            }
        };
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
            // `read` parsed it a moment ago; only a concurrent edit gets here.
            RoutesError::Invalid(RoutesProblem {
                file: path.display().to_string(),
                line: None,
                column: None,
                message: format!("{e}"),
            })
        })?;
        let outcome = change(&mut doc);
        let new_text = doc.to_string();
        let file =
            parse(&new_text, &path.display().to_string()).map_err(|p| RoutesError::SaveFailed {
                file: path.display().to_string(),
                message: format!("the edit would not read back ({})", p.message),
            })?;
        if new_text != text {
            headroom_files::write_atomically(&path, &new_text).map_err(|e| {
                RoutesError::SaveFailed {
                    file: path.display().to_string(),
                    message: e.to_string(),
                }
            })?;
        }
        self.routes = file.routes;
        self.layer_a = file.layer_a;
        self.error = None;
        // Our own write is not a hand edit to pick up.
        self.version.take(stamp(&path));
        Ok(outcome)
    }
}

/// One change to the routes file, applied to its document as it is when
/// the change is saved (so hand edits made meanwhile are kept and changes
/// land in order); returns the change's own result (e.g. whether there
/// was a route to remove). Any new kind of user route setting is one more
/// of these, saved by [`UserRoutes::change`].
pub type RoutesEdit = Box<dyn FnOnce(&mut toml_edit::DocumentMut) -> bool + Send>;

/// The edit that routes `app` on `route` (its first entry updated, later
/// ones removed, else one appended); always `true`.
pub fn setting(app: &str, route: Route) -> RoutesEdit {
    let app = app.to_string();
    Box::new(move |doc| {
        edit::set(doc, edit::ROUTE, &app, route.as_str().into());
        true
    })
}

/// The edit that removes every route of `app`: whether there was one.
pub fn unsetting(app: &str) -> RoutesEdit {
    let app = app.to_string();
    Box::new(move |doc| edit::unset(doc, edit::ROUTE, &app))
}

/// The edit that sets `app`'s Layer A choice (`None` removes it):
/// whether the file changed.
pub fn layer_a_setting(app: &str, enabled: Option<bool>) -> RoutesEdit {
    let app = app.to_string();
    Box::new(move |doc| match enabled {
        Some(on) => {
            let before = doc.to_string();
            edit::set(doc, edit::LAYER_A, &app, on.into());
            doc.to_string() != before
        }
        None => edit::unset(doc, edit::LAYER_A, &app),
    })
}

/// `routes` as overlay rules, in order.
pub fn rules_of(routes: &[UserRoute]) -> Vec<Rule> {
    routes
        .iter()
        .filter_map(|r| Some(Rule::new(MatchKey::App, Pattern::literal(&r.app)?, r.route)))
        .collect()
}

/// The file's text and contents; `None` if it does not exist.
fn read(path: &Path) -> Result<Option<(String, RoutesFile)>, RoutesProblem> {
    let text = match headroom_files::read_small_text(path, headroom_profile::MAX_PROFILE_BYTES) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RoutesProblem {
                file: path.display().to_string(),
                line: None,
                column: None,
                message: format!("cannot read it: {e}"),
            })
        }
    };
    let file = parse(&text, &path.display().to_string())?;
    Ok(Some((text, file)))
}

/// Checks routes-file text; `origin` names it in problems.
pub fn parse(text: &str, origin: &str) -> Result<RoutesFile, RoutesProblem> {
    let problem = |offset: usize, message: String| {
        let at = Location::at(origin, text, offset);
        RoutesProblem {
            file: origin.to_string(),
            line: u32::try_from(at.line).ok(),
            column: u32::try_from(at.column).ok(),
            message,
        }
    };
    let doc = DeTable::parse(text).map_err(|e| {
        problem(
            e.span().map_or(0, |s| s.start),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let mut file = RoutesFile::default();
    for (key, value) in in_file_order(doc.get_ref()) {
        let name: &str = key.get_ref().as_ref();
        let kind = match name {
            "route" => Kind::Route,
            "layer_a" => Kind::LayerA,
            _ => {
                return Err(problem(
                    key.span().start,
                    format!(
                        "unknown key `{name}`: the file holds only [[route]] and [[layer_a]] tables"
                    ),
                ))
            }
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(problem(
                value.span().start,
                format!(
                    "`{name}` must be [[{name}]] tables, each with `app` and `{}`",
                    kind.field()
                ),
            ));
        };
        for (number, item) in (1..).zip(items.iter()) {
            let (app, setting) = parse_entry(item, kind, number, &problem)?;
            match setting {
                Setting::Route(route) => file.routes.push(UserRoute { app, route }),
                Setting::LayerA(enabled) => file.layer_a.push(UserLayerA { app, enabled }),
            }
        }
    }
    Ok(file)
}

/// Which table array an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Route,
    LayerA,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Route => "route",
            Kind::LayerA => "layer_a",
        }
    }

    /// The entry's key besides `app`.
    fn field(self) -> &'static str {
        match self {
            Kind::Route => "route",
            Kind::LayerA => "enabled",
        }
    }
}

/// What an entry sets for its app.
enum Setting {
    Route(Route),
    LayerA(bool),
}

fn parse_entry(
    item: &Spanned<DeValue<'_>>,
    kind: Kind,
    number: usize,
    problem: &impl Fn(usize, String) -> RoutesProblem,
) -> Result<(String, Setting), RoutesProblem> {
    let (table_name, field) = (kind.table(), kind.field());
    let DeValue::Table(table) = item.get_ref() else {
        return Err(problem(
            item.span().start,
            format!("[[{table_name}]] #{number}: must be a table with `app` and `{field}`"),
        ));
    };
    let (mut app, mut setting) = (None, None);
    for (key, value) in in_file_order(table) {
        let name: &str = key.get_ref().as_ref();
        let text = match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => None,
        };
        match (name, kind) {
            ("app", _) => match text {
                Some(s) if !s.trim().is_empty() => app = Some(s.to_string()),
                _ => {
                    return Err(problem(
                        value.span().start,
                        format!("[[{table_name}]] #{number}: `app` must be a non-empty string"),
                    ))
                }
            },
            ("route", Kind::Route) => match text.and_then(Route::from_name) {
                Some(route) => setting = Some(Setting::Route(route)),
                None => {
                    return Err(problem(
                        value.span().start,
                        match text.map(headroom_profile::BusName::new) {
                            Some(Err(why)) => format!(
                                "[[route]] #{number}: `route` must be \"processed\", \"bypass\" \
                                 or a bus's name, found {:?}: {why}",
                                text.unwrap_or_default()
                            ),
                            _ => format!(
                                "[[route]] #{number}: `route` must be \"processed\", \"bypass\" \
                                 or a bus's name (a string)"
                            ),
                        },
                    ))
                }
            },
            ("enabled", Kind::LayerA) => match value.get_ref() {
                DeValue::Boolean(on) => setting = Some(Setting::LayerA(*on)),
                _ => {
                    return Err(problem(
                        value.span().start,
                        format!("[[layer_a]] #{number}: `enabled` must be true or false"),
                    ))
                }
            },
            (other, _) => {
                return Err(problem(
                    key.span().start,
                    format!(
                    "[[{table_name}]] #{number}: unknown key `{other}` (use `app` and `{field}`)"
                ),
                ))
            }
        }
    }
    match (app, setting) {
        (Some(app), Some(setting)) => Ok((app, setting)),
        (None, _) => Err(problem(
            item.span().start,
            format!("[[{table_name}]] #{number}: `app` is missing"),
        )),
        (_, None) => Err(problem(
            item.span().start,
            format!("[[{table_name}]] #{number}: `{field}` is missing"),
        )),
    }
}

fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

mod edit;

#[cfg(test)]
mod tests;
