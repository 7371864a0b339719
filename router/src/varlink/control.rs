//! The daemon's side of the control plane: answers [`Call`]s against
//! [`State`], inside the daemon's loop. Every change a call makes takes
//! effect before its answer is sent (routing commands and DSP settings are
//! queued to the PipeWire thread by then).

use headroom_client::{
    Empty, Parameter, Parameters, ProfileChanged, ProfileEntry, ProfileProblem, Profiles,
    RouterError, Sink, Status, Stream, Streams,
};
use headroom_dsp::{ParamId, PARAMS};
use headroom_profile::filter_chain::GRAPH_NODE;
use headroom_profile::{param, ProfileError, Route};
use serde::Serialize;
use serde_json::Value;

use super::{Answer, Call, Request};
use crate::daemon::{decide, State};
use crate::profile_watch::ProfileWatch;
use crate::pw::Command;
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
fn profile_error(e: &ProfileError) -> RouterError {
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
fn decimal(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
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
            Call::SetParameter { id, value } => self.set_parameter(id, value),
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
                }
                self.bypass = enabled;
                self.apply();
                answer(&Empty {})
            }
        };
        let _ = request.reply.send(result);
    }

    fn streams(&self) -> Vec<Stream> {
        self.graph
            .streams()
            .map(|s| {
                let decision = decide(&self.profile, &self.overlay, self.bypass, &s);
                Stream {
                    id: s.id,
                    app: s.app_name,
                    binary: s.binary,
                    route: wire_route(decision.route),
                    reason: decision.reason,
                    channels: s.channels,
                }
            })
            .collect()
    }

    fn status(&self) -> Status {
        let real = self.graph.real_sink();
        Status {
            profile: self.profile.name.clone(),
            profile_path: self
                .profile
                .source
                .as_ref()
                .map(|p| p.display().to_string()),
            bypass: self.bypass,
            connected: self.graph.is_synced(),
            processed_sink: Sink {
                name: Some(self.node_name.clone()),
                node: self.router.processed_sink(&self.graph),
            },
            real_sink: Sink {
                name: real.and_then(|id| self.graph.node_name(id).map(str::to_string)),
                node: real,
            },
            streams: self.streams(),
            profile_error: self.profile_error.clone(),
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
        let profile = self.search.load(&name).map_err(|e| profile_error(&e))?;
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
                self.profile_error = Some(problem(&e));
                Err(profile_error(&e))
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

    /// Checks `value` against the table, then sends only this control to
    /// the processed sink (the DSP smooths the change).
    fn set_parameter(&mut self, id: String, value: f64) -> Answer {
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
        tracing::info!("set {id} = {}", spec.format(value));
        self.overrides.set(param, value);
        self.pw.send(Command::SetParams {
            node,
            params: vec![(format!("{GRAPH_NODE}:{}", spec.lv2_symbol), value)],
        });
        answer(&Empty {})
    }
}
