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
    /// Only where a stream plays now: meant for the processed sink, which
    /// is down, so it waits silent on the holding sink (fail closed).
    /// Never a route to set.
    Held,
}

impl Route {
    /// The value as the wire spells it: `"processed"`, `"bypass"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Processed => "processed",
            Route::Bypass => "bypass",
            Route::Held => "held",
        }
    }

    /// The route to set that `text` spells (exactly, as on the wire):
    /// `processed` or `bypass`.
    pub fn from_name(text: &str) -> Option<Route> {
        [Route::Processed, Route::Bypass]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An app's output stream (`Stream`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    /// PipeWire node id.
    pub id: u32,
    /// `application.name`.
    pub app: Option<String>,
    /// `application.process.binary`.
    pub binary: Option<String>,
    /// Where the router sends it now.
    pub route: Route,
    /// Where the rules send it: differs from `route` while the processed
    /// sink is down (a processed stream then plays on the real output).
    pub wanted: Route,
    /// The named processed bus the rules send it through; `None` for the
    /// default processed bus and for bypass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// The rule that matched, the default route, the bypass switch, or
    /// the processed sink being down.
    pub reason: String,
    /// `audio.channels`; 0 when the stream does not say.
    pub channels: u32,
    /// Layer A for this stream; `None` when the router does not run it.
    #[serde(default)]
    pub layer_a: Option<LayerA>,
    /// `node.name` of each sink its links reach now, as the graph shows
    /// them; empty while it is not linked.
    pub playing_on: Vec<String>,
    /// Why it does not play where `route` says, or plays unprotected
    /// although the rules meant it to be processed; `None` when all is
    /// as decided.
    pub problem: Option<String>,
}

/// Layer A's view of one stream (`LayerA`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerA {
    /// Whether Layer A rides this stream's level.
    pub enabled: bool,
    /// The level it steers toward, dBFS.
    pub target: f64,
    /// The stream's measured level, dBFS; `None` until measured.
    pub level: Option<f64>,
    /// The gain Layer A applies now, dB.
    pub gain: f64,
    /// The user's own volume on the stream, linear.
    pub user_volume: f64,
}

/// A user route (`UserRoute`): streams whose `application.name` or
/// `application.process.binary` is `app` (ignoring case) play on `route`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoute {
    pub app: String,
    pub route: Route,
    /// The named bus of a processed route; `None`: the default bus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
}

/// A user choice of Layer A (`UserLayerA`): Layer A rides streams whose
/// `application.name` or binary is `app` (ignoring case) when `enabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLayerA {
    pub app: String,
    pub enabled: bool,
}

/// A sink the router routes to (`Sink`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sink {
    /// `node.name`, if known.
    pub name: Option<String>,
    /// PipeWire node id, while the sink is in the graph.
    pub node: Option<u32>,
    /// Why the sink is not there (for the processed sink: why audio is
    /// not protected now); `None` while it is.
    pub problem: Option<String>,
}

/// A bus's channels (`BusLayout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BusLayout {
    /// Two channels: what apps are routed to by name.
    #[default]
    Stereo,
    /// Eight linked channels, for 5.1 and 7.1 streams (the profile's
    /// `multichannel` sends them there).
    Surround,
}

/// A named processed bus of the active profile (`Bus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bus {
    /// As rules and `SetRoute` name it.
    pub name: String,
    /// Its sink's `node.name`.
    pub sink: String,
    /// Its sink's `node.description` (`headroom (voice)`).
    pub description: String,
    /// PipeWire node id of its sink; `None` while the bus is idle.
    pub node: Option<u32>,
    /// How many streams are routed to it now.
    pub streams: u32,
    /// Why its streams play through the default processed sink for now.
    pub problem: Option<String>,
    /// Its sink's own meters; `None` while the bus is idle or before its
    /// sink has published any (a router without them sends none).
    #[serde(default)]
    pub meters: Option<Meters>,
    /// Its sink's channels (stereo from a router that does not say).
    #[serde(default)]
    pub layout: BusLayout,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub profile: String,
    pub profile_path: Option<String>,
    pub bypass: bool,
    pub connected: bool,
    pub processed_sink: Sink,
    pub real_sink: Sink,
    /// The active profile's named buses (empty from a router without).
    #[serde(default)]
    pub buses: Vec<Bus>,
    pub streams: Vec<Stream>,
    pub profile_error: Option<ProfileProblem>,
    /// Why `routes.toml` cannot be used, until it can.
    #[serde(default)]
    pub routes_error: Option<ProfileProblem>,
    /// The device rule (`devices.toml`) that chose the active profile,
    /// while it stands.
    #[serde(default)]
    pub device_profile: Option<DeviceProfile>,
    /// Why `devices.toml` as it is now cannot be used (its last good
    /// rules stay in force), until it can.
    #[serde(default)]
    pub devices_error: Option<ProfileProblem>,
}

/// Which device rule chose the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceProfile {
    /// The output device's `node.name`.
    pub device: String,
    /// The profile the rule names (as UseProfile takes it).
    pub profile: String,
    /// The rule, where it is: `devices.toml:4 [[device]] #1: form_factor =
    /// "headphone" → night`, or `no device rule matched: fallback`.
    pub rule: String,
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
    /// Also save the profile for the output device in use now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_device: Option<bool>,
}

/// `UseProfile` and `ReloadProfiles` reply: the profile's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChanged {
    pub profile: String,
}

/// `ListStreams` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Also write the value into the active profile's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<bool>,
}

/// `SetParameter` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ParameterSet {
    /// The file the value was saved into; `None` without `save`.
    #[serde(default)]
    pub saved_to: Option<String>,
}

/// `SetBypass` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetBypassIn {
    pub enabled: bool,
}

/// `SetLayerA` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLayerAIn {
    pub app: String,
    /// `None` forgets the choice.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `SetLayerA` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerAChanged {
    pub changed: bool,
}

/// `SetRoute` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRouteIn {
    pub app: String,
    /// The router checks it by hand: a bad value gets `InvalidParameter
    /// route`, as for any varlink enum.
    pub route: Route,
    /// With `Processed`: one of the active profile's buses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
}

/// `UnsetRoute` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsetRouteIn {
    pub app: String,
}

/// `UnsetRoute` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteUnset {
    /// Whether the app had a user route.
    pub removed: bool,
}

/// `ListRoutes` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routes {
    /// In the order they are tried (user rule #1 first).
    pub routes: Vec<UserRoute>,
    /// The user's Layer A choices (empty from a router that has none).
    #[serde(default)]
    pub layer_a: Vec<UserLayerA>,
    /// The file they are saved in.
    pub file: String,
}

/// `Monitor` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorIn {
    pub topics: Vec<String>,
}

/// What a Monitor [`Event`] is about (`EventKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    StreamAdded,
    StreamRemoved,
    StreamRerouted,
    ProfileChanged,
    ProfileError,
    BypassChanged,
    ParameterChanged,
    RoutesChanged,
    SinkChanged,
    Connected,
    Disconnected,
    UserMoved,
}

/// Something that happened (`Event`). Only the fields [`EventKind`]'s
/// documentation names are set; the others are left off the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<Stream>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<ProfileProblem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_sink: Option<Sink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_sink: Option<Sink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<UserRoute>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_a: Option<Vec<UserLayerA>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Route>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
    /// With `ProfileChanged`: the new profile's named buses, as
    /// `GetStatus` shows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buses: Option<Vec<Bus>>,
}

impl Event {
    /// An event of `kind` with no fields set.
    pub fn new(kind: EventKind) -> Event {
        Event {
            kind,
            stream: None,
            profile: None,
            profile_path: None,
            problem: None,
            bypass: None,
            parameter: None,
            value: None,
            processed_sink: None,
            real_sink: None,
            reason: None,
            routes: None,
            layer_a: None,
            app: None,
            route: None,
            undo: None,
            buses: None,
        }
    }
}

/// The processed sink's bus meters (`Meters`): levels dBFS/dBTP, gains
/// dB (reductions positive), loudness LUFS; silence reads -120.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meters {
    pub input_peak: f64,
    pub output_peak: f64,
    pub output_true_peak: f64,
    /// The limiter's ceiling in use, dBTP.
    pub ceiling: f64,
    pub agc_gain: f64,
    pub compressor_gr: f64,
    pub limiter_gr: f64,
    pub short_term_loudness: f64,
    /// Audio blocks processed so far; moves while audio plays.
    pub blocks: u64,
}

/// One named bus's meters, or the master limiter's (`BusMeters`), for
/// the `buses` topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusMeters {
    /// The bus as rules name it; `None` for the master limiter.
    pub bus: Option<String>,
    /// Its sink's `node.name`.
    pub sink: String,
    pub meters: Meters,
}

/// One stream's levels (`StreamLevels`), for the `streams` topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamLevels {
    pub id: u32,
    pub app: Option<String>,
    pub route: Route,
    /// With `processed`: the named bus it plays through; `None` for the
    /// default processed bus (and from a router without buses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    pub layer_a: Option<LayerA>,
}

/// One `Monitor` reply: exactly one field is set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MonitorReply {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meters: Option<Meters>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<StreamLevels>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus_meters: Option<Vec<BusMeters>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lagged: Option<u64>,
}

/// The `Monitor` topics, as `topics` names them.
pub const MONITOR_TOPICS: [&str; 4] = ["events", "meters", "streams", "buses"];

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
