//! The daemon's side of the control plane: answers [`Call`]s against the
//! router's [`State`], inside the daemon's loop. Every change a call makes
//! takes effect before its answer is sent (routing commands and DSP
//! settings are queued to the PipeWire thread by then). Internal errors
//! become interface errors here, through [`crate::wire`], and nowhere else.

use headroom_client::{
    Empty, Event, EventKind, LayerAChanged, Parameter, ParameterSet, Parameters, ProfileChanged,
    ProfileEntry, Profiles, RouteUnset, RouterError, Routes, SetParameterIn, Streams,
};
use headroom_dsp::{ParamId, PARAMS};
use headroom_profile::filter_chain::control_name;
use headroom_profile::{param, Profile, Route};
use serde::Serialize;
use serde_json::Value;

use super::{Answer, Call, Request};
use crate::state::State;
use crate::state_dir;
use crate::wire::{self, decimal, printable};

fn answer<T: Serialize>(reply: &T) -> Answer {
    // The wire types serialise to JSON objects without fail.
    Ok(serde_json::to_value(reply).unwrap_or(Value::Null))
}

/// Remembers the active profile for the next start (a failure is only
/// logged: the switch itself happened).
fn remember_profile(arg: &str) {
    if let Err(e) = state_dir::write(state_dir::ACTIVE_PROFILE, arg) {
        tracing::warn!("cannot remember the active profile: {e}");
    }
}

impl State {
    /// Answers one control call; the answer goes back on its oneshot (a
    /// client that left meanwhile is ignored).
    pub(crate) fn handle(&mut self, request: Request) {
        let result = match request.call {
            Call::GetStatus => answer(&self.status()),
            Call::ListProfiles => answer(&self.profiles()),
            Call::UseProfile { name, loaded } => self.use_profile(name, loaded),
            Call::ReloadProfiles => self.reload(),
            Call::ListStreams => answer(&Streams {
                streams: self.streams(),
            }),
            Call::GetParameters => answer(&self.parameters()),
            Call::SetParameter(set) => self.set_parameter(set),
            Call::SetRoute(set) => self.set_route(&set.app, wire::route_from_wire(set.route)),
            Call::UnsetRoute(unset) => self.unset_route(&unset.app),
            Call::SetLayerA(set) => self.set_layer_a(&set.app, set.enabled),
            Call::ListRoutes => answer(&self.routes()),
            Call::SetBypass(set) => {
                self.set_bypass(set.enabled);
                answer(&Empty {})
            }
        };
        let _ = request.reply.send(result);
    }

    fn set_bypass(&mut self, enabled: bool) {
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

    /// `UseProfile`: `loaded` was read off the loop by the connection.
    fn use_profile(&mut self, name: String, loaded: Result<Box<Profile>, RouterError>) -> Answer {
        let profile = *loaded?;
        tracing::info!(
            "switching to profile {} ({})",
            profile.name,
            printable(&name)
        );
        remember_profile(&name);
        let reply = ProfileChanged {
            profile: profile.name.clone(),
        };
        self.activate_profile(profile, name);
        answer(&reply)
    }

    fn reload(&mut self) -> Answer {
        match self.reload_profile() {
            Some(profile) => answer(&ProfileChanged { profile }),
            None => Err(self
                .profile_error
                .as_ref()
                .map_or(RouterError::NotConnected {}, wire::invalid_profile)),
        }
    }

    fn parameters(&self) -> Parameters {
        let values = self.effective_params();
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

    /// Checks the value against the table, saves it if asked (nothing
    /// changes if that fails), then sends only this control to the
    /// processed sink (the DSP smooths the change).
    fn set_parameter(&mut self, set: SetParameterIn) -> Answer {
        let SetParameterIn { id, value, save } = set;
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
        let saved_to = if save == Some(true) {
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
        self.write_controls(node, vec![(control_name(spec), value)]);
        self.events.send(Event {
            parameter: Some(id),
            value: Some(decimal(value)),
            ..Event::new(EventKind::ParameterChanged)
        });
        self.events.publish_ceiling(decimal(self.ceiling()));
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
            remember_profile(&saved.profile_arg);
            self.profile_arg = saved.profile_arg;
        }
        self.watch = crate::profile_watch::ProfileWatch::new(
            &self.profile_arg,
            self.search.clone(),
            Some(&saved.path),
        );
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
            routes: wire::user_routes(&self.user_routes),
            layer_a: wire::user_layer_a(&self.user_routes),
            file: self.user_routes.file(),
        }
    }

    /// `SetRoute`: saved first; only then are streams moved.
    fn set_route(&mut self, app: &str, route: Route) -> Answer {
        let changed = self.user_routes.set(app, route);
        self.routes_changed();
        changed?;
        tracing::info!("user route: {} → {route}", printable(app));
        answer(&Empty {})
    }

    /// `SetLayerA`: saved first; only then do the riders follow.
    fn set_layer_a(&mut self, app: &str, enabled: Option<bool>) -> Answer {
        let changed = self.user_routes.set_layer_a(app, enabled);
        self.routes_changed();
        let changed = changed?;
        if changed {
            let what = match enabled {
                Some(true) => "on",
                Some(false) => "off",
                None => "as the profile says",
            };
            tracing::info!("user choice: Layer A {what} for {}", printable(app));
        }
        answer(&LayerAChanged { changed })
    }

    fn unset_route(&mut self, app: &str) -> Answer {
        let removed = self.user_routes.unset(app);
        self.routes_changed();
        let removed = removed?;
        if removed {
            tracing::info!("user route for {} removed", printable(app));
        }
        answer(&RouteUnset { removed })
    }
}
