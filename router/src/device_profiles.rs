//! Per-device profiles: which profile the user's output device asks for
//! (`devices.toml`, [`headroom_profile::devices`]), decided each time the
//! real output changes. Pure: the state feeds it the graph and the rules
//! and acts on what it answers, so every case is tested without PipeWire.
//!
//! A switch is asked for only when the *device* changes (or the rules do),
//! never again for the same device: a profile the user picks by hand while
//! on a device stays until the device changes. At start there is no
//! previous device, so the device present now decides, whatever was
//! active when the router last stopped.

use headroom_profile::devices::{DeviceRules, DeviceWhy};

use crate::graph::Graph;

/// What the device rules want for the output now.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    /// The output device's `node.name`.
    pub device: String,
    /// The profile to use (a name or a path, as `UseProfile` takes it).
    pub profile: String,
    /// Which rule chose it (or the fallback), for status and the log.
    pub why: DeviceWhy,
}

/// The device rules in force and the device they last decided for.
#[derive(Debug, Default)]
pub struct DeviceProfiles {
    rules: DeviceRules,
    /// The output device the rules last decided for (see [`identity`]);
    /// `None` before the first decision (at start, and after the rules
    /// change).
    decided_for: Option<String>,
    /// What they decided, while it stands.
    pub current: Option<Wanted>,
}

impl DeviceProfiles {
    /// Takes new rules (the file was loaded or changed): the device present
    /// is decided for afresh.
    pub fn set_rules(&mut self, rules: DeviceRules) {
        self.rules = rules;
        self.decided_for = None;
        // What the old rules chose no longer explains anything.
        self.current = None;
    }

    /// The rules in force.
    pub fn rules(&self) -> &DeviceRules {
        &self.rules
    }

    /// Call when the real output may have changed: the profile to switch
    /// to, when the output is a device not decided for yet and a rule (or
    /// the fallback) names a profile. `real_sink` is the output's node id.
    pub fn on_output(&mut self, graph: &Graph, real_sink: Option<u32>) -> Option<Wanted> {
        let sink = real_sink?;
        let device = graph.node_name(sink)?.to_string();
        let identity = identity(graph, sink, &device);
        if self.decided_for.as_deref() == Some(identity.as_str()) {
            return None;
        }
        self.decided_for = Some(identity);
        let chosen = self
            .rules
            .choose(|key| graph.device_property(sink, key))
            .map(|(profile, why)| Wanted {
                device,
                profile: profile.to_string(),
                why,
            });
        self.current = chosen.clone();
        chosen
    }

    /// The user picked a profile by hand: the device's rule no longer
    /// explains what is active (status stops citing it), until the device
    /// changes.
    pub fn overridden(&mut self) {
        self.current = None;
    }
}

/// Properties that make the same `node.name` another device for the rules:
/// a Bluetooth headset switched between music (A2DP) and calls (HSP/HFP),
/// a card switched to another profile.
const PROFILE_KEYS: [&str; 2] = ["api.bluez5.profile", "device.profile.name"];

/// What tells devices apart for the rules: the `node.name`, and the
/// device's profile where it has one.
fn identity(graph: &Graph, sink: u32, name: &str) -> String {
    let mut identity = name.to_string();
    for key in PROFILE_KEYS {
        if let Some(value) = graph.device_property(sink, key) {
            identity.push_str(&format!("\n{key}={value}"));
        }
    }
    identity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pw::{GraphEvent, Props};

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn graph() -> Graph {
        let mut g = Graph::default();
        g.apply(&GraphEvent::Connected);
        g.apply(&GraphEvent::Device {
            id: 30,
            props: props(&[("device.form-factor", "headphone")]),
        });
        for (id, name, device) in [(40, "speakers", None), (41, "phones", Some("30"))] {
            let mut p = props(&[("node.name", name), ("media.class", "Audio/Sink")]);
            if let Some(d) = device {
                p.insert("device.id".into(), d.into());
            }
            g.apply(&GraphEvent::Node { id, props: p });
        }
        g
    }

    fn rules() -> DeviceRules {
        headroom_profile::devices::parse(
            "fallback = \"default\"\n[[device]]\nform_factor = \"headphone\"\nprofile = \"night\"\n",
            "devices.toml",
        )
        .unwrap()
    }

    #[test]
    fn each_new_device_is_decided_for_once() {
        let g = graph();
        let mut d = DeviceProfiles::default();
        d.set_rules(rules());
        let phones = d.on_output(&g, Some(41)).unwrap();
        assert_eq!(
            (phones.device.as_str(), phones.profile.as_str()),
            ("phones", "night")
        );
        assert!(matches!(phones.why, DeviceWhy::Rule { number: 1, .. }));
        // The same device again (a reconnect, a hand-picked profile): nothing.
        assert_eq!(d.on_output(&g, Some(41)), None);
        let speakers = d.on_output(&g, Some(40)).unwrap();
        assert_eq!(speakers.profile, "default");
        assert_eq!(speakers.why, DeviceWhy::Fallback);
        assert_eq!(d.current.as_ref(), Some(&speakers));
        d.overridden();
        assert_eq!(d.current, None);
        // The headset switched to its call profile: the same node.name, but
        // another device for the rules.
        let mut g = g;
        g.apply(&GraphEvent::Device {
            id: 30,
            props: props(&[
                ("device.form-factor", "headphone"),
                ("api.bluez5.profile", "headset-head-unit"),
            ]),
        });
        assert!(d.on_output(&g, Some(41)).is_some());
        assert_eq!(d.on_output(&g, Some(41)), None);
        // No output, or one not in the graph: nothing to decide.
        assert_eq!(d.on_output(&g, None), None);
        assert_eq!(d.on_output(&g, Some(99)), None);
    }

    #[test]
    fn new_rules_decide_for_the_device_present_again() {
        let g = graph();
        let mut d = DeviceProfiles::default();
        d.set_rules(rules());
        assert!(d.on_output(&g, Some(41)).is_some());
        d.set_rules(rules());
        assert_eq!(d.current, None, "the old rules' choice is gone");
        assert_eq!(d.on_output(&g, Some(41)).unwrap().profile, "night");
        // No rules at all: nothing is ever asked for.
        let mut none = DeviceProfiles::default();
        assert_eq!(none.on_output(&g, Some(41)), None);
    }
}
