//! The daemon's side of the control plane: answers [`Call`]s against the
//! router's [`State`], inside the daemon's loop. Every change a call makes
//! takes effect before its answer is sent (routing commands and DSP
//! settings are queued to the PipeWire thread by then). Calls that read or
//! write a file (`ReloadProfiles`, `SetRoute`, `UnsetRoute`, `SetParameter`
//! with `save`) hand it to the file thread (`files.rs`) and are answered
//! once it reports back (`file_events.rs`), after the write; every other
//! call is answered meanwhile. Internal errors become interface errors
//! here, through [`crate::wire`], and nowhere else.

use headroom_client::{
    Empty, Event, EventKind, LayerAChanged, Parameter, ParameterSet, Parameters, ProfileChanged,
    Profiles, RouteUnset, RouterError, Routes, SetParameterIn, Streams,
};
use headroom_dsp::{ParamId, PARAMS};
use headroom_profile::filter_chain::control_name;
use headroom_profile::{param, BusName, Profile, Route};
use serde::Serialize;
use serde_json::Value;

use super::{Answer, Call, Reply, Request};
use crate::files::{ParameterSave, Reload};
use crate::overlay::RoutesError;
use crate::profile_save::{SaveError, Saved};
use crate::state::State;
use crate::state_dir;
use crate::wire::{self, decimal, printable};

fn answer<T: Serialize>(reply: &T) -> Answer {
    // The wire types serialise to JSON objects without fail.
    Ok(serde_json::to_value(reply).unwrap_or(Value::Null))
}

impl State {
    /// Answers one control call; the answer goes back on its oneshot (a
    /// client that left meanwhile is ignored), at once or, for calls that
    /// wait on a file, once the file thread reports back.
    pub(crate) fn handle(&mut self, request: Request) {
        let Request { call, reply } = request;
        let result = match call {
            Call::GetStatus => answer(&self.status()),
            Call::ListProfiles { found } => answer(&Profiles {
                active: self.profile_arg.clone(),
                profiles: found,
            }),
            Call::UseProfile {
                name,
                for_device,
                loaded,
            } => match self.use_profile(name, loaded) {
                Ok((changed, name)) if for_device => {
                    return self.save_for_device(name, changed, reply)
                }
                Ok((changed, _)) => answer(&changed),
                Err(e) => Err(e),
            },
            Call::ReloadProfiles => return self.reload_profile(Reload::Call(reply)),
            Call::ListStreams => answer(&Streams {
                streams: self.streams(),
            }),
            Call::GetParameters => answer(&self.parameters()),
            Call::SetParameter(set) => match self.set_parameter(set) {
                Ok(Some((param, value))) => {
                    return self.save_parameter(ParameterSave {
                        param,
                        value,
                        reply,
                    })
                }
                Ok(None) => answer(&ParameterSet { saved_to: None }),
                Err(e) => Err(e),
            },
            Call::SetRoute(set) => {
                // Checked as a name while decoding; here against the profile.
                let bus = set.bus.as_deref().and_then(|b| BusName::new(b).ok());
                match bus.filter(|&b| self.profile.bus(b).is_none()) {
                    Some(missing) => Err(RouterError::UnknownBus {
                        bus: missing.to_string(),
                        profile: self.profile.name.clone(),
                        buses: self.profile.bus_names(),
                    }),
                    None => {
                        return self.set_route(
                            set.app,
                            wire::route_from_wire(set.route, bus),
                            reply,
                        )
                    }
                }
            }
            Call::UnsetRoute(unset) => return self.unset_route(unset.app, reply),
            Call::SetLayerA(set) => return self.set_layer_a(set.app, set.enabled, reply),
            Call::ListRoutes => answer(&self.routes()),
            Call::SetBypass(set) => {
                self.set_bypass(set.enabled);
                answer(&Empty {})
            }
        };
        let _ = reply.send(result);
    }

    /// Remembers the active profile for the next start (a failure is only
    /// logged: the switch itself happened).
    fn remember_profile(&self, arg: &str) {
        self.remember(state_dir::ACTIVE_PROFILE, arg);
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

    /// `UseProfile`: `loaded` was read off the loop by the connection.
    /// A profile picked by hand holds until the output device changes
    /// (the device's rule no longer explains it). The reply, and the name
    /// as asked.
    fn use_profile(
        &mut self,
        name: String,
        loaded: Result<Box<Profile>, RouterError>,
    ) -> Result<(ProfileChanged, String), RouterError> {
        let profile = *loaded?;
        tracing::info!(
            "switching to profile {} ({})",
            profile.name,
            printable(&name)
        );
        self.remember_profile(&name);
        let reply = ProfileChanged {
            profile: profile.name.clone(),
        };
        self.devices.overridden();
        self.activate_profile(profile, name.clone());
        Ok((reply, name))
    }

    /// `UseProfile` with `for_device`: the profile (already active) is
    /// saved in `devices.toml` for the output device in use, and the
    /// reply waits for the write.
    fn save_for_device(&mut self, profile: String, changed: ProfileChanged, reply: Reply) {
        let device = self
            .graph
            .real_sink()
            .and_then(|id| self.graph.node_name(id))
            .map(str::to_string);
        let Some(device) = device else {
            let _ = reply.send(Err(RouterError::NoOutputDevice {}));
            return;
        };
        self.files.send(crate::files::FileJob::SaveForDevice {
            device,
            profile,
            reply,
            answer: answer(&changed),
        });
    }

    /// A `--for-device` save is done: answered with the `UseProfile`
    /// reply, or with why it could not be saved.
    pub(crate) fn device_saved(
        &mut self,
        device: String,
        saved: Result<(), crate::devices_file::DevicesSaveError>,
        reply: Reply,
        answered: Answer,
    ) {
        let result = match saved {
            Ok(()) => {
                tracing::info!(
                    "profile {} saved for output device {}",
                    printable(&self.profile_arg),
                    printable(&device)
                );
                answered
            }
            Err(e) => {
                tracing::warn!(
                    "cannot save profile {} for output device {}: {e}",
                    printable(&self.profile_arg),
                    printable(&device)
                );
                Err(wire::devices_save_error(&e))
            }
        };
        let _ = reply.send(result);
    }

    /// `ReloadProfiles` was read: `loaded` is the name of the profile now
    /// active, or `None` when the file cannot be used (`profile_error`
    /// says why).
    pub(crate) fn answer_reload(&mut self, reply: Reply, loaded: Option<String>) {
        let answered = match loaded {
            Some(profile) => answer(&ProfileChanged { profile }),
            None => Err(self
                .profile_error
                .as_ref()
                .map_or(RouterError::NotConnected {}, wire::invalid_profile)),
        };
        let _ = reply.send(answered);
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

    /// Checks the value against the table. Without `save` it takes effect
    /// now, as an override; with `save` it is returned, to be written
    /// first ([`State::save_parameter`]; nothing changes if that fails).
    fn set_parameter(
        &mut self,
        set: SetParameterIn,
    ) -> Result<Option<(ParamId, f32)>, RouterError> {
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
        self.router
            .processed_sink(&self.graph)
            .filter(|_| self.graph.is_synced())
            .ok_or(RouterError::NotConnected {})?;
        if save == Some(true) {
            return Ok(Some((param, value)));
        }
        self.overrides.set(param, value);
        self.parameter_changed(param, value, None);
        Ok(None)
    }

    /// `param` is `value` now (saved in `saved_to`): logged, sent as the
    /// one control that changed to the processed sink (the DSP smooths it;
    /// a sink that is gone gets it with every setting when it is back) and
    /// announced.
    fn parameter_changed(&mut self, param: ParamId, value: f32, saved_to: Option<&str>) {
        let spec = param.spec();
        tracing::info!(
            "set {} = {}{}",
            spec.key,
            spec.format(value),
            saved_to.map_or(String::new(), |f| format!(", saved in {f}"))
        );
        if let Some(node) = self.router.processed_sink(&self.graph) {
            self.write_controls(node, vec![(control_name(spec), value)]);
        }
        // Each bus gets the value it runs with: its own setting wins.
        for (bus, node) in self.bus_sinks() {
            let own = self.profile.params_for(Route::Bus(bus), &self.overrides);
            self.write_controls(node, vec![(control_name(spec), own.get(param))]);
        }
        if param == ParamId::LimiterCeiling {
            self.push_master_settings(true);
        }
        self.events.send(Event {
            parameter: Some(spec.key.to_string()),
            value: Some(decimal(value)),
            ..Event::new(EventKind::ParameterChanged)
        });
        self.events.publish_ceiling(decimal(self.ceiling()));
    }

    /// A `SetParameter` save was written (or failed, and nothing changed):
    /// the saved file becomes the active profile without a reload (the
    /// value becomes the profile's own, no longer an override; other
    /// overrides stay; the file thread's live reload already starts from
    /// the written file), and the caller is answered. A save of a profile
    /// that is no longer active is only reported: the later switch stays.
    pub(crate) fn parameter_saved(
        &mut self,
        generation: u64,
        saved: Result<Saved, SaveError>,
        save: ParameterSave,
    ) {
        let ParameterSave {
            param,
            value,
            reply,
        } = save;
        let saved = match saved {
            Ok(saved) => saved,
            Err(e) => {
                let _ = reply.send(Err(e.into()));
                return;
            }
        };
        let saved_to = saved.path.display().to_string();
        if generation != self.profile_generation {
            tracing::info!(
                "{} = {} saved in {saved_to}, which is no longer the active profile",
                param.spec().key,
                param.spec().format(value)
            );
            let _ = reply.send(answer(&ParameterSet {
                saved_to: Some(saved_to),
            }));
            return;
        }
        let moved = self.profile.source.as_deref() != Some(saved.path.as_path());
        if saved.profile_arg != self.profile_arg {
            self.remember_profile(&saved.profile_arg);
            self.profile_arg = saved.profile_arg;
        }
        let mut overrides = headroom_profile::DspSettings::default();
        for (id, v) in self.overrides.iter().filter(|&(id, _)| id != param) {
            overrides.set(id, v);
        }
        self.overrides = overrides;
        self.profile = saved.profile;
        self.profile_error = None;
        if moved {
            tracing::info!(
                "the shipped profile was copied to {saved_to}, which is active from now on"
            );
            self.announce_profile();
        }
        self.parameter_changed(param, value, Some(&saved_to));
        let _ = reply.send(answer(&ParameterSet {
            saved_to: Some(saved_to),
        }));
    }

    fn routes(&self) -> Routes {
        Routes {
            routes: wire::user_routes(&self.user_routes),
            layer_a: wire::user_layer_a(&self.user_routes),
            file: self.user_routes.file(),
        }
    }

    /// `SetRoute`: saved first; only then are streams moved and the
    /// caller answered.
    fn set_route(&mut self, app: String, route: Route, reply: Reply) {
        self.edit_routes(crate::overlay::setting(&app, route), reply, move |_| {
            tracing::info!("user route: {} → {route}", printable(&app));
            answer(&Empty {})
        });
    }

    /// `UnsetRoute`: as `SetRoute`.
    fn unset_route(&mut self, app: String, reply: Reply) {
        self.edit_routes(crate::overlay::unsetting(&app), reply, move |removed| {
            if removed {
                tracing::info!("user route for {} removed", printable(&app));
            }
            answer(&RouteUnset { removed })
        });
    }

    /// `SetLayerA`: as `SetRoute`; the riders follow once it is saved.
    fn set_layer_a(&mut self, app: String, enabled: Option<bool>, reply: Reply) {
        let edit = crate::overlay::layer_a_setting(&app, enabled);
        self.edit_routes(edit, reply, move |changed| {
            if changed {
                let what = match enabled {
                    Some(true) => "on",
                    Some(false) => "off",
                    None => "as the profile says",
                };
                tracing::info!("user choice: Layer A {what} for {}", printable(&app));
            }
            answer(&LayerAChanged { changed })
        });
    }

    /// Saves `edit` into `routes.toml` on the file thread; once written,
    /// the routes are in force (see `file_events.rs`) and the caller gets
    /// `answered(the edit's result)`, or the error that kept the file as
    /// it was.
    fn edit_routes(
        &mut self,
        edit: crate::overlay::RoutesEdit,
        reply: Reply,
        answered: impl FnOnce(bool) -> Answer + Send + 'static,
    ) {
        self.files.send(crate::files::FileJob::EditRoutes {
            edit,
            done: Box::new(move |_, outcome: Result<bool, RoutesError>| {
                let _ = reply.send(outcome.map_err(RouterError::from).and_then(answered));
            }),
        });
    }
}
