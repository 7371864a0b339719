//! The daemon's side of the control plane: answers [`Call`]s against
//! [`State`], inside the daemon's loop. Every change a call makes takes
//! effect before its answer is sent (routing commands and DSP settings are
//! queued to the PipeWire thread by then).

use headroom_client::{
    Empty, Event, EventKind, LayerA, Parameter, ParameterSet, Parameters, ProfileChanged,
    ProfileEntry, ProfileProblem, Profiles, RouteUnset, RouterError, Routes, Sink, Status, Stream,
    Streams, UserRoute,
};
use headroom_dsp::{ParamId, PARAMS};
use headroom_profile::filter_chain::GRAPH_NODE;
use headroom_profile::{param, ProfileError, Route};
use serde::Serialize;
use serde_json::Value;

use super::{Answer, Call, Request};
use crate::daemon::{decide, State};
use crate::layer_a::LayerAView;
use crate::profile_watch::ProfileWatch;
use crate::pw::Command;
use crate::routing::Decision;
use crate::state_dir;

/// `e` as the wire reports it: file, line and column when it has them,
/// and the message without the location it starts with.
pub(crate) fn problem(e: &ProfileError) -> ProfileProblem {
    let at = match e {
        ProfileError::Syntax { at, .. }
        | ProfileError::UnknownKey { at, .. }
        | ProfileError::MisplacedKey { at, .. }
        | ProfileError::WrongType { at, .. }
        | ProfileError::BadChoice { at, .. }
        | ProfileError::OutOfRange { at, .. }
        | ProfileError::BadPattern { at, .. }
        | ProfileError::IncompleteRule { at, .. }
        | ProfileError::Dsp { at, .. } => Some(at),
        _ => None,
    };
    let message = e.to_string();
    match (at, e) {
        (Some(at), _) => ProfileProblem {
            file: at.file.clone(),
            line: u32::try_from(at.line).ok(),
            column: u32::try_from(at.column).ok(),
            message: message
                .strip_prefix(&format!("{at}: "))
                .unwrap_or(&message)
                .to_string(),
        },
        (None, ProfileError::Read { path, .. }) => ProfileProblem {
            file: path.display().to_string(),
            line: None,
            column: None,
            message,
        },
        (None, ProfileError::NotFound { name, .. }) => ProfileProblem {
            file: name.clone(),
            line: None,
            column: None,
            message,
        },
        (None, _) => ProfileProblem {
            file: String::new(),
            line: None,
            column: None,
            message,
        },
    }
}

/// The interface error for a profile that cannot be used.
pub(crate) fn invalid_profile(e: &ProfileError) -> RouterError {
    match e {
        ProfileError::NotFound {
            name, available, ..
        } => RouterError::ProfileNotFound {
            name: name.clone(),
            available: available.clone(),
        },
        e => RouterError::InvalidProfile(problem(e)),
    }
}

fn wire_route(route: Route) -> headroom_client::Route {
    match route {
        Route::Processed => headroom_client::Route::Processed,
        Route::Bypass => headroom_client::Route::Bypass,
    }
}

/// A table value (`f32`) as the decimal it was written as: `-0.1`, not
/// the `-0.10000000149011612` a plain widening gives.
pub(crate) fn decimal(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// Layer A as the wire shows it for a stream routed by `decision`. Level
/// and gain come from the running Layer A once there is one; until then
/// the settings with no level, no gain and the user's volume untouched.
/// Layer A's state for a stream: what the rider reports, or, for a stream
/// it has not taken on yet, the decided settings with nothing measured.
/// Levels and gains are rounded to 0.01 dB (finer is noise on the wire).
fn layer_a(decision: &Decision, view: Option<LayerAView>) -> LayerA {
    let centi = |db: f32| (f64::from(db) * 100.0).round() / 100.0;
    match view {
        Some(v) => LayerA {
            enabled: v.enabled,
            target: decimal(v.target_dbfs),
            level: v.level_dbfs.map(centi),
            gain: centi(v.gain_db),
            user_volume: decimal(v.user_volume),
        },
        None => LayerA {
            enabled: decision.layer_a.enabled,
            target: decimal(decision.layer_a.target_dbfs),
            level: None,
            gain: 0.0,
            user_volume: 1.0,
        },
    }
}

fn answer<T: Serialize>(reply: &T) -> Answer {
    // The wire types serialise to JSON objects without fail.
    Ok(serde_json::to_value(reply).unwrap_or(Value::Null))
}

impl State {
    /// Answers one control call; the answer goes back on its oneshot (a
    /// client that left meanwhile is ignored).
    pub(crate) fn handle(&mut self, request: Request) {
        let result = match request.call {
            Call::GetStatus => answer(&self.status()),
            Call::ListProfiles => answer(&self.profiles()),
            Call::UseProfile { name } => self.use_profile(name),
            Call::ReloadProfiles => self.reload(),
            Call::ListStreams => answer(&Streams {
                streams: self.streams(),
            }),
            Call::GetParameters => answer(&self.parameters()),
            Call::SetParameter { id, value, save } => self.set_parameter(id, value, save),
            Call::SetRoute { app, route } => self.set_route(&app, route),
            Call::UnsetRoute { app } => self.unset_route(&app),
            Call::ListRoutes => answer(&self.routes()),
            Call::SetBypass { enabled } => {
                if self.bypass != enabled {
                    tracing::info!(
                        "bypass {}",
                        if enabled {
                            "on: every stream to the real sink"
                        } else {
                            "off"
                        }
                    );
                    self.events.send(Event {
                        bypass: Some(enabled),
                        ..Event::new(EventKind::BypassChanged)
                    });
                }
                self.bypass = enabled;
                self.apply();
                answer(&Empty {})
            }
        };
        let _ = request.reply.send(result);
    }

    pub(crate) fn streams(&self) -> Vec<Stream> {
        self.graph
            .streams()
            .map(|s| {
                let decision = decide(&self.profile, &self.overlay, self.bypass, &s);
                Stream {
                    id: s.id,
                    layer_a: Some(layer_a(&decision, self.layer_a.layer_a_view(s.id))),
                    app: s.app_name,
                    binary: s.binary,
                    route: wire_route(decision.route),
                    reason: decision.reason,
                    channels: s.channels,
                }
            })
            .collect()
    }

    /// The processed sink and the real output, as status shows them.
    pub(crate) fn sinks(&self) -> (Sink, Sink) {
        let real = self.graph.real_sink();
        (
            Sink {
                name: Some(self.node_name.clone()),
                node: self.router.processed_sink(&self.graph),
            },
            Sink {
                name: real.and_then(|id| self.graph.node_name(id).map(str::to_string)),
                node: real,
            },
        )
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
            streams: self.streams(),
            profile_error: self.profile_error.clone(),
            routes_error: self.user_routes.error.clone(),
        }
    }

    fn profiles(&self) -> Profiles {
        Profiles {
            active: self.profile_arg.clone(),
            profiles: self
                .search
                .available()
                .into_iter()
                .filter_map(|name| {
                    let path = self.search.resolve(&name).ok()?;
                    Some(ProfileEntry {
                        name,
                        path: path.display().to_string(),
                    })
                })
                .collect(),
        }
    }

    fn use_profile(&mut self, name: String) -> Answer {
        let profile = self.search.load(&name).map_err(|e| invalid_profile(&e))?;
        tracing::info!("switching to profile {} ({name})", profile.name);
        if let Err(e) = state_dir::write(state_dir::ACTIVE_PROFILE, &name) {
            tracing::warn!("cannot remember the active profile: {e}");
        }
        self.watch = ProfileWatch::new(&name, self.search.clone(), profile.source.as_deref());
        self.profile_arg = name;
        let reply = ProfileChanged {
            profile: profile.name.clone(),
        };
        self.replace_profile(profile);
        answer(&reply)
    }

    fn reload(&mut self) -> Answer {
        match self.search.load(&self.profile_arg) {
            Ok(profile) => {
                tracing::info!("reloaded profile {}", profile.name);
                self.watch = ProfileWatch::new(
                    &self.profile_arg,
                    self.search.clone(),
                    profile.source.as_deref(),
                );
                let reply = ProfileChanged {
                    profile: profile.name.clone(),
                };
                self.replace_profile(profile);
                answer(&reply)
            }
            Err(e) => {
                tracing::warn!("{e}; keeping the last good profile ({})", self.profile.name);
                let problem = problem(&e);
                self.announce_profile_error(&problem);
                self.profile_error = Some(problem);
                Err(invalid_profile(&e))
            }
        }
    }

    fn parameters(&self) -> Parameters {
        let values = self.effective_profile().params();
        Parameters {
            parameters: PARAMS
                .iter()
                .map(|spec| Parameter {
                    id: spec.key.to_string(),
                    name: spec.name.to_string(),
                    unit: spec.unit.label().to_string(),
                    min: decimal(spec.min),
                    max: decimal(spec.max),
                    default: decimal(spec.default),
                    value: decimal(values.get(spec.id)),
                    overridden: self.overrides.get(spec.id).is_some(),
                })
                .collect(),
        }
    }

    /// Checks `value` against the table, saves it if asked (nothing changes
    /// if that fails), then sends only this control to the processed sink
    /// (the DSP smooths the change).
    fn set_parameter(&mut self, id: String, value: f64, save: bool) -> Answer {
        let Some(param) = ParamId::from_key(&id) else {
            return Err(RouterError::UnknownParameter { id });
        };
        let spec = param.spec();
        let value =
            param::check_number(spec, value).map_err(|_| RouterError::ParameterOutOfRange {
                id: id.clone(),
                min: decimal(spec.min),
                max: decimal(spec.max),
            })?;
        let node = self
            .router
            .processed_sink(&self.graph)
            .filter(|_| self.graph.is_synced())
            .ok_or(RouterError::NotConnected {})?;
        let saved_to = if save {
            Some(self.save_parameter(param, value)?)
        } else {
            self.overrides.set(param, value);
            None
        };
        tracing::info!(
            "set {id} = {}{}",
            spec.format(value),
            saved_to
                .as_ref()
                .map_or(String::new(), |f| format!(", saved in {f}"))
        );
        self.pw.send(Command::SetParams {
            node,
            params: vec![(format!("{GRAPH_NODE}:{}", spec.lv2_symbol), value)],
        });
        self.events.send(Event {
            parameter: Some(id),
            value: Some(decimal(value)),
            ..Event::new(EventKind::ParameterChanged)
        });
        self.publish_ceiling();
        answer(&ParameterSet { saved_to })
    }

    /// Writes `param = value` into the active profile's file (see
    /// [`crate::profile_save`]) and makes the saved file the active
    /// profile without a reload: the value becomes the profile's own (no
    /// longer an override), other overrides stay, and live reload starts
    /// from the written file, so it neither drops the value nor fires.
    fn save_parameter(&mut self, param: ParamId, value: f32) -> Result<String, RouterError> {
        let saved = crate::profile_save::save_parameter(
            &self.profile,
            &self.profile_arg,
            &self.search,
            param,
            value,
        )?;
        let moved = self.profile.source.as_deref() != Some(saved.path.as_path());
        if saved.profile_arg != self.profile_arg {
            if let Err(e) = state_dir::write(state_dir::ACTIVE_PROFILE, &saved.profile_arg) {
                tracing::warn!("cannot remember the active profile: {e}");
            }
            self.profile_arg = saved.profile_arg;
        }
        self.watch = ProfileWatch::new(&self.profile_arg, self.search.clone(), Some(&saved.path));
        let mut overrides = headroom_profile::DspSettings::default();
        for (id, v) in self.overrides.iter().filter(|&(id, _)| id != param) {
            overrides.set(id, v);
        }
        self.overrides = overrides;
        self.profile = saved.profile;
        self.profile_error = None;
        if moved {
            tracing::info!(
                "the shipped profile was copied to {}, which is active from now on",
                saved.path.display()
            );
            self.announce_profile();
        }
        Ok(saved.path.display().to_string())
    }

    fn routes(&self) -> Routes {
        Routes {
            routes: self
                .user_routes
                .routes
                .iter()
                .map(|r| UserRoute {
                    app: r.app.clone(),
                    route: wire_route(r.route),
                })
                .collect(),
            file: self.user_routes.file(),
        }
    }

    /// `SetRoute`: saved first; only then are streams moved.
    fn set_route(&mut self, app: &str, route: Route) -> Answer {
        let changed = self.user_routes.set(app, route);
        self.routes_changed();
        changed?;
        tracing::info!("user route: {app} → {route}");
        answer(&Empty {})
    }

    fn unset_route(&mut self, app: &str) -> Answer {
        let removed = self.user_routes.unset(app);
        self.routes_changed();
        let removed = removed?;
        if removed {
            tracing::info!("user route for {app} removed");
        }
        answer(&RouteUnset { removed })
    }

    /// Every router tick: a hand edit of the routes file, once settled,
    /// takes effect as `SetRoute` would.
    pub(crate) fn poll_user_routes(&mut self) {
        if self.user_routes.poll() {
            tracing::info!(
                "{} changed: {} user routes",
                self.user_routes.file(),
                self.user_routes.routes.len()
            );
            self.routes_changed();
        }
    }

    /// The routes file was read again (and maybe written): its rules
    /// replace the overlay and every stream is decided again.
    fn routes_changed(&mut self) {
        if self.user_routes.error.is_some() {
            self.user_routes.report();
        }
        let rules = self.user_routes.rules();
        if rules != self.overlay || self.user_routes.error.is_some() {
            self.events.send(Event {
                routes: Some(self.routes().routes),
                problem: self.user_routes.error.clone(),
                ..Event::new(EventKind::RoutesChanged)
            });
        }
        self.overlay = rules;
        self.apply();
    }
}
