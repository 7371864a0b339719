//! The holding sink: a silent null sink (`<processed sink>.hold`) that the
//! router keeps in the graph for as long as it is connected, so that the
//! processed sink's streams fail closed.
//!
//! When the processed sink's process dies, WirePlumber relinks its streams
//! at once to the best default it can find; the configured default (the
//! processed sink) is gone, so without this it would be the real device,
//! at full level, before the router could act. The holding sink's
//! `priority.session` ([`PRIORITY`]) beats any device WirePlumber would
//! pick from its history (at most 20 000 above the device's own priority)
//! but not the configured default (30 000 above), so it is chosen only
//! while the processed sink is missing; the router then targets held
//! streams at it until the processed sink is back.
//!
//! It is created on the router's own connection without `object.linger`:
//! it goes with the router (a crash included), never outliving it.

use pipewire as pw;
use pw::core::CoreRc;
use pw::node::Node;
use pw::properties::properties;

use crate::graph::HOLD_SUFFIX;

/// `priority.session` of the holding sink (see the module docs).
pub const PRIORITY: u32 = 29_000;

/// Creates the holding sink for the processed sink `processed_name`;
/// it lasts as long as the returned proxy and the connection.
pub fn create(core: &CoreRc, processed_name: &str) -> Result<Node, pw::Error> {
    let name = format!("{processed_name}{HOLD_SUFFIX}");
    let priority = PRIORITY.to_string();
    let props = properties! {
        "factory.name" => "support.null-audio-sink",
        "node.name" => name.as_str(),
        "node.description" => "headroom (holding: protection is restarting)",
        "media.class" => "Audio/Sink",
        "audio.position" => "[ FL FR ]",
        "priority.session" => priority.as_str(),
        "node.virtual" => "true",
        "object.linger" => "false",
    };
    core.create_object::<Node>("adapter", &props)
}
