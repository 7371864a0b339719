//! What the file thread (`files.rs`) reports, folded into [`State`]: live
//! reloads of the profile and of `routes.toml`, and the outcome of reads
//! and writes the loop asked for, whose callers are answered from here
//! (through `varlink/control.rs`, where errors become wire errors).
//!
//! Reports about an earlier active profile (a reload or a save asked for
//! before a switch) are told apart by their generation and never undo a
//! later switch.

use headroom_profile::DspSettings;

use crate::files::{FileEvent, Reload};
use crate::state::State;

impl State {
    /// Folds in one report of the file thread.
    pub(crate) fn on_file_event(&mut self, event: FileEvent<State>) {
        match event {
            FileEvent::ProfileEdited { generation, loaded } => {
                if generation != self.profile_generation {
                    return;
                }
                match loaded {
                    Ok(new) => {
                        tracing::info!("reloaded profile {}", new.name);
                        if let Some(dropped) = dropped_settings(&self.profile.dsp, &new.dsp) {
                            tracing::warn!(
                                "profile {}: the edit no longer sets {dropped}, so they are \
                                 back at their defaults; if the file was cut short, restore it",
                                new.name
                            );
                        }
                        self.replace_profile(new);
                    }
                    Err(e) => self.profile_failed(e),
                }
            }
            FileEvent::ProfileLoaded {
                generation,
                loaded,
                why,
            } => {
                let outcome = if generation != self.profile_generation {
                    // Another profile was made active meanwhile: it stays.
                    Some(self.profile.name.clone())
                } else {
                    match loaded {
                        Ok(profile) => {
                            tracing::info!("reloaded profile {}", profile.name);
                            let name = profile.name.clone();
                            self.activate_profile(profile, self.profile_arg.clone());
                            Some(name)
                        }
                        Err(e) => {
                            // Announced again even if unchanged: it was asked for.
                            self.profile_error = None;
                            self.profile_failed(e);
                            None
                        }
                    }
                };
                match why {
                    Reload::Call(reply) => self.answer_reload(reply, outcome),
                    Reload::Signal => crate::sd_notify::notify("READY=1"),
                }
            }
            FileEvent::RoutesEdited(routes) => {
                tracing::info!(
                    "{} changed: {} user routes",
                    routes.file(),
                    routes.routes.len()
                );
                self.user_routes = routes;
                self.routes_changed();
            }
            FileEvent::RoutesSaved {
                routes,
                outcome,
                done,
            } => {
                self.user_routes = routes;
                self.routes_changed();
                done(self, outcome);
            }
            FileEvent::ParameterSaved {
                generation,
                saved,
                save,
            } => {
                self.parameter_saved(generation, saved, save);
                self.send_parameter_save();
            }
            FileEvent::DevicesChanged(file) => self.devices_changed(file),
            FileEvent::DeviceProfileLoaded { wanted, loaded } => {
                self.device_profile_loaded(wanted, loaded)
            }
            FileEvent::DeviceSaved {
                device,
                saved,
                reply,
                answer,
            } => self.device_saved(device, saved, reply, answer),
        }
    }
}

/// The `[dsp]` settings `old` made and `new` no longer does, as
/// `ceiling (was -2 dBTP, now -1)`, or `None` if none was dropped: a
/// profile cut short while being written can still be valid TOML.
fn dropped_settings(old: &DspSettings, new: &DspSettings) -> Option<String> {
    let dropped: Vec<String> = old
        .iter()
        .filter(|(id, _)| new.get(*id).is_none())
        .map(|(id, was)| {
            let spec = id.spec();
            format!("{} (was {was}, now {})", spec.key, spec.default)
        })
        .collect();
    (!dropped.is_empty()).then(|| dropped.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_dsp::ParamId;

    #[test]
    fn a_profile_cut_short_is_told_apart_from_an_edit() {
        let mut old = DspSettings::default();
        old.set(ParamId::LimiterCeiling, -2.0);
        old.set(ParamId::AgcTarget, -20.0);
        let mut new = DspSettings::default();
        new.set(ParamId::AgcTarget, -18.0);
        let dropped = dropped_settings(&old, &new).unwrap();
        assert!(dropped.starts_with("ceiling (was -2, now -1)"), "{dropped}");
        assert!(!dropped.contains("agc_target"), "{dropped}");
        // Changing or adding settings drops nothing.
        assert_eq!(dropped_settings(&new, &old), None);
    }
}
