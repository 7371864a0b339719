//! The `io.headroom.Router` types as they travel: each struct is one
//! varlink `type` or one method's parameters or reply, field for field as in
//! `io.headroom.Router.varlink`. The router serialises these and clients
//! deserialise them, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

/// Where a stream plays (`Route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Through headroom's processed sink.
    Processed,
    /// Straight to the real output.
    Bypass,
}

/// An app's output stream (`Stream`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    /// PipeWire node id.
    pub id: u32,
    /// `application.name`.
    pub app: Option<String>,
    /// `application.process.binary`.
    pub binary: Option<String>,
    pub route: Route,
    /// The rule that matched, the default route, or the bypass switch.
    pub reason: String,
    /// `audio.channels`; 0 when the stream does not say.
    pub channels: u32,
}

/// A sink the router routes to (`Sink`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sink {
    /// `node.name`, if known.
    pub name: Option<String>,
    /// PipeWire node id, while the sink is in the graph.
    pub node: Option<u32>,
}

/// Why a profile could not be used (`ProfileProblem`, and the parameters
/// of the `InvalidProfile` error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileProblem {
    pub file: String,
    /// 1-based; `None` when the problem is not at one place in the file.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
    pub message: String,
}

/// A profile on the search path (`ProfileEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileEntry {
    pub name: String,
    pub path: String,
}

/// One DSP parameter (`Parameter`). Numbers are the table's `f32` values
/// in their shortest decimal form (`-0.1`, not `-0.10000000149011612`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// Stable id, as in a profile's `[dsp]` table.
    pub id: String,
    pub name: String,
    /// Unit label; empty for on/off switches.
    pub unit: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// The value in use now.
    pub value: f64,
    /// Whether `SetParameter` changed it on top of the active profile.
    pub overridden: bool,
}

/// `GetStatus` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub profile: String,
    pub profile_path: Option<String>,
    pub bypass: bool,
    pub connected: bool,
    pub processed_sink: Sink,
    pub real_sink: Sink,
    pub streams: Vec<Stream>,
    pub profile_error: Option<ProfileProblem>,
}

/// `ListProfiles` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    /// The active profile as it was named (a name or a path).
    pub active: String,
    pub profiles: Vec<ProfileEntry>,
}

/// `UseProfile` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseProfileIn {
    pub name: String,
}

/// `UseProfile` and `ReloadProfiles` reply: the profile's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChanged {
    pub profile: String,
}

/// `ListStreams` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streams {
    pub streams: Vec<Stream>,
}

/// `GetParameters` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    pub parameters: Vec<Parameter>,
}

/// `SetParameter` parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetParameterIn {
    pub id: String,
    pub value: f64,
}

/// `SetBypass` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetBypassIn {
    pub enabled: bool,
}

/// A reply without fields (`SetParameter`, `SetBypass`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `org.varlink.service.GetInfo` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub url: String,
    pub interfaces: Vec<String>,
}

/// `org.varlink.service.GetInterfaceDescription` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetInterfaceDescriptionIn {
    pub interface: String,
}

/// `org.varlink.service.GetInterfaceDescription` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceDescription {
    pub description: String,
}
