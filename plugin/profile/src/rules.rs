//! Routing: a profile's `[[rules]]`, `default_route` and `multichannel`,
//! and the decision they make for one stream.
//!
//! ```toml
//! default_route = "processed"
//!
//! [[rules]]
//! binary = ["spotify", "ardour*"]     # any of these
//! route = "bypass"
//!
//! [[rules]]
//! app = "firefox"                     # application.name OR application.process.binary
//! role = "Music"                      # …and media.role
//! route = "bypass"
//! layer_a = { enabled = true }
//! ```
//!
//! A rule matches when *all* its match keys match (see [`MatchKey`]); a
//! pattern is a [`Glob`] (or an array of them, any of which may match)
//! compared with the whole value, ignoring case. A property the stream
//! lacks never matches. Rules are tried in order and the first match wins;
//! no match means `default_route`. A stream with more channels than a
//! stereo bus has, decided onto one, goes where the profile's
//! `multichannel` says instead (`"bypass"` when unset); a `layout =
//! "surround"` bus keeps it; `multichannel = "processed"` lets PipeWire
//! downmix it into the stereo sink it was decided onto.
//!
//! Everything here is pure: the router turns PipeWire properties into a
//! [`StreamInfo`] and acts on the [`Decision`].

use std::fmt;

use crate::buses::BusName;
use crate::error::quoted;
use crate::glob::{Glob, GlobError};
use crate::layer_a::{LayerAOverrides, LayerASettings};
use crate::{Location, Profile};

mod parse;

pub(crate) use parse::parse;

/// Channels of the processed sink (`headroom.processed` is stereo; see
/// [`crate::filter_chain`]).
pub const PROCESSED_SINK_CHANNELS: u32 = 2;

/// `default_route` when a profile does not set it: the safety net is on.
pub const DEFAULT_ROUTE: Route = Route::Processed;

/// `multichannel` when a profile does not set it: the processed sink is
/// stereo, so surround streams play untouched rather than downmixed.
pub const DEFAULT_MULTICHANNEL: Route = Route::Bypass;

/// Every key a `[[rules]]` entry may have: the match keys, `route` and
/// `layer_a`.
pub const RULE_KEYS: &[&str] = &["app", "name", "binary", "role", "node", "route", "layer_a"];

/// Where a stream plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// Through the default processed sink (AGC, compressor, limiter with
    /// the profile's `[dsp]`).
    Processed,
    /// Through a named processed bus (`[buses.NAME]`: its own sink, its
    /// own settings); processed like [`Route::Processed`].
    Bus(BusName),
    /// Straight to the user's real output device, untouched.
    Bypass,
}

impl Route {
    /// The fixed routes a profile writes; any other value names a bus.
    pub const NAMES: [&'static str; 2] = ["processed", "bypass"];

    /// `"processed"`, `"bypass"` or the bus's name.
    pub fn as_str(&self) -> &str {
        match self {
            Route::Processed => Route::NAMES[0],
            Route::Bus(bus) => bus.as_str(),
            Route::Bypass => Route::NAMES[1],
        }
    }

    /// The route a value names (exactly, lower case): a fixed route, or
    /// else a bus if `name` is a valid [`BusName`] (whether the profile
    /// has that bus is checked where the profile is known).
    pub fn from_name(name: &str) -> Option<Route> {
        match name {
            "processed" => Some(Route::Processed),
            "bypass" => Some(Route::Bypass),
            _ => BusName::new(name).ok().map(Route::Bus),
        }
    }

    /// Whether the route goes through headroom's DSP (the default bus or
    /// a named one).
    pub fn is_processed(&self) -> bool {
        !matches!(self, Route::Bypass)
    }

    /// The named bus, for [`Route::Bus`].
    pub fn bus(&self) -> Option<BusName> {
        match self {
            Route::Bus(bus) => Some(*bus),
            _ => None,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the router knows about a stream, from its PipeWire node (joined
/// with its client's properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamInfo<'a> {
    /// `application.name`.
    pub app_name: Option<&'a str>,
    /// `application.process.binary`.
    pub binary: Option<&'a str>,
    /// `media.role`.
    pub role: Option<&'a str>,
    /// `node.name`.
    pub node_name: Option<&'a str>,
    /// `audio.channels`; 0 if unknown (never counts as multichannel).
    pub channels: u32,
}

/// A rule's match key: which stream properties its pattern is tried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKey {
    /// `app`: `application.name` OR `application.process.binary`, so clients
    /// that set only one of them (like `pw-cat`) are matchable.
    App,
    /// `name`: `application.name` only.
    Name,
    /// `binary`: `application.process.binary` only.
    Binary,
    /// `role`: `media.role`.
    Role,
    /// `node`: `node.name`.
    Node,
}

impl MatchKey {
    /// In the order the docs list them.
    pub const ALL: [MatchKey; 5] = [
        MatchKey::App,
        MatchKey::Name,
        MatchKey::Binary,
        MatchKey::Role,
        MatchKey::Node,
    ];

    /// The key a profile writes.
    pub fn key(self) -> &'static str {
        match self {
            MatchKey::App => "app",
            MatchKey::Name => "name",
            MatchKey::Binary => "binary",
            MatchKey::Role => "role",
            MatchKey::Node => "node",
        }
    }

    pub fn from_key(key: &str) -> Option<MatchKey> {
        MatchKey::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The PipeWire properties it reads; matching either is enough.
    pub fn properties(self) -> &'static [&'static str] {
        match self {
            MatchKey::App => &["application.name", "application.process.binary"],
            MatchKey::Name => &["application.name"],
            MatchKey::Binary => &["application.process.binary"],
            MatchKey::Role => &["media.role"],
            MatchKey::Node => &["node.name"],
        }
    }

    /// The stream's values for [`MatchKey::properties`].
    fn values<'a>(self, stream: &StreamInfo<'a>) -> [Option<&'a str>; 2] {
        match self {
            MatchKey::App => [stream.app_name, stream.binary],
            MatchKey::Name => [stream.app_name, None],
            MatchKey::Binary => [stream.binary, None],
            MatchKey::Role => [stream.role, None],
            MatchKey::Node => [stream.node_name, None],
        }
    }
}

/// The match key reading exactly PipeWire property `name`, if one does
/// alone (`media.role` → `role`): the suggestion for a rule that uses the
/// property's name as its key.
pub(crate) fn key_for_property(name: &str) -> Option<&'static str> {
    MatchKey::ALL
        .into_iter()
        .find(|k| k.properties() == [name])
        .map(MatchKey::key)
}

/// One or more globs; matches a value when any of them does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Vec<Glob>);

impl Pattern {
    /// `None` for an empty list, which could never match.
    pub fn new(globs: Vec<Glob>) -> Option<Pattern> {
        (!globs.is_empty()).then_some(Pattern(globs))
    }

    /// A single glob, checked.
    pub fn parse(glob: &str) -> Result<Pattern, GlobError> {
        Glob::new(glob).map(|g| Pattern(vec![g]))
    }

    /// Matches exactly `text`, ignoring case (glob characters in it are
    /// taken literally): what a user's "route this app" becomes. `None` for
    /// an empty `text`.
    pub fn literal(text: &str) -> Option<Pattern> {
        Glob::literal(text).map(|g| Pattern(vec![g]))
    }

    pub fn globs(&self) -> &[Glob] {
        &self.0
    }

    /// Whether any glob matches `value`; a missing value never matches.
    pub fn matches(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| self.0.iter().any(|g| g.matches(v)))
    }
}

impl fmt::Display for Pattern {
    /// As TOML: `"firefox"` or `["spotify", "ardour*"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => f.write_str(&quoted(one.as_str())),
            many => {
                let items: Vec<String> = many.iter().map(|g| quoted(g.as_str())).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

/// One routing rule: conditions that must all match, and what then happens.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Never empty; in the order written.
    conditions: Vec<(MatchKey, Pattern)>,
    route: Route,
    layer_a: LayerAOverrides,
    /// Where the rule was written, for rules from a file.
    at: Option<Location>,
}

impl Rule {
    /// A rule routing streams whose `key` matches `pattern`.
    pub fn new(key: MatchKey, pattern: Pattern, route: Route) -> Rule {
        Rule {
            conditions: vec![(key, pattern)],
            route,
            layer_a: LayerAOverrides::default(),
            at: None,
        }
    }

    /// Adds a condition that must match as well.
    pub fn and(mut self, key: MatchKey, pattern: Pattern) -> Rule {
        self.conditions.push((key, pattern));
        self
    }

    /// Sets the Layer A settings this rule overrides.
    pub fn with_layer_a(mut self, overrides: LayerAOverrides) -> Rule {
        self.layer_a = overrides;
        self
    }

    /// Records where the rule was written (shown in status).
    pub fn at(mut self, location: Location) -> Rule {
        self.at = Some(location);
        self
    }

    /// The conditions, in the order written; all must match.
    pub fn conditions(&self) -> &[(MatchKey, Pattern)] {
        &self.conditions
    }

    pub fn route(&self) -> Route {
        self.route
    }

    pub fn layer_a(&self) -> &LayerAOverrides {
        &self.layer_a
    }

    /// Where the rule was written, for rules from a file.
    pub fn location(&self) -> Option<&Location> {
        self.at.as_ref()
    }

    /// Whether every condition matches `stream`.
    pub fn matches(&self, stream: &StreamInfo<'_>) -> bool {
        self.conditions.iter().all(|(key, pattern)| {
            key.values(stream)
                .into_iter()
                .any(|value| pattern.matches(value))
        })
    }

    /// A one-line summary for status output:
    /// `binary = "spotify", role = "Music" → bypass`, followed by
    /// `, layer_a = { enabled = true }` when the rule overrides Layer A.
    pub fn describe(&self) -> String {
        let conditions: Vec<String> = self
            .conditions
            .iter()
            .map(|(key, pattern)| format!("{} = {pattern}", key.key()))
            .collect();
        let mut text = format!("{} → {}", conditions.join(", "), self.route);
        if !self.layer_a.is_empty() {
            text.push_str(&format!(", layer_a = {{ {} }}", self.layer_a.describe()));
        }
        text
    }
}

/// Why a stream got its route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A rule passed to [`Profile::decide_with`] (the user's overlay) matched.
    Overlay {
        /// Position in the overlay, from 0.
        index: usize,
        /// [`Rule::describe`].
        summary: String,
    },
    /// A rule of the profile matched.
    Rule {
        /// Position in [`Profile::rules`], from 0 (`[[rules]] #1` is 0).
        index: usize,
        /// [`Rule::describe`].
        summary: String,
    },
    /// No rule matched: the profile's `default_route`.
    DefaultRoute,
    /// The stream has more channels than the processed sink, and the
    /// profile's `multichannel` sends such streams elsewhere (`"bypass"`
    /// or a bus) than `instead` would have.
    Multichannel {
        channels: u32,
        to: Route,
        instead: Box<Reason>,
    },
    /// `instead` named bus `bus`, which the active profile does not have
    /// (a user route kept from another profile): the default processed
    /// bus stands in, never the real output.
    NoSuchBus { bus: BusName, instead: Box<Reason> },
    /// The bypass switch (`SetBypass`) is on: every stream goes straight
    /// to the real output and Layer A is off.
    BypassSwitch,
    /// The app pinned the stream to the device it chose
    /// (`node.dont-move = true`): it is left where it plays, never moved
    /// or cut off.
    Pinned,
    /// `instead` sent the stream to the processed sink, which is not in
    /// the graph: it is held silent (on the router's holding sink) until
    /// the sink is back, never played unprotected on the real output (the
    /// router says why the sink is down).
    ProcessedSinkDown { instead: Box<Reason> },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Overlay { index, summary } => write!(f, "user rule #{}: {summary}", index + 1),
            Reason::Rule { index, summary } => write!(f, "rule #{}: {summary}", index + 1),
            Reason::DefaultRoute => f.write_str("no rule matched: default_route"),
            Reason::Multichannel {
                channels,
                to,
                instead,
            } => write!(
                f,
                "{channels} channels, more than a stereo bus's \
                 {PROCESSED_SINK_CHANNELS}: multichannel = \"{to}\" (instead of {instead})"
            ),
            Reason::NoSuchBus { bus, instead } => write!(
                f,
                "the profile has no bus {bus}: through the default processed bus ({instead})"
            ),
            Reason::BypassSwitch => f.write_str("bypass switch is on (SetBypass)"),
            Reason::Pinned => {
                f.write_str("pinned by the app (node.dont-move): left on the device it chose")
            }
            Reason::ProcessedSinkDown { instead } => write!(
                f,
                "the processed sink is down: held silent until it is back ({instead})"
            ),
        }
    }
}

/// A verdict on one stream: the profile's ([`Profile::decide_with`]), or
/// the router's when its own state overrides the rules
/// ([`Decision::bypass_switch`], [`Decision::processed_sink_down`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub route: Route,
    pub reason: Reason,
    /// `[layer_a]` with the matching rule's overrides on top.
    pub layer_a: LayerASettings,
}

impl Decision {
    /// The bypass switch's verdict: the real output, Layer A off (nothing
    /// of the stream is touched).
    pub fn bypass_switch(layer_a: LayerASettings) -> Decision {
        Decision {
            route: Route::Bypass,
            reason: Reason::BypassSwitch,
            layer_a: LayerASettings {
                enabled: false,
                ..layer_a
            },
        }
    }

    /// A stream the app pinned: it plays on `route` (where its links go)
    /// and stays there; Layer A as `layer_a` (riding its volume never
    /// moves it).
    pub fn pinned(route: Route, layer_a: LayerASettings) -> Decision {
        Decision {
            route,
            reason: Reason::Pinned,
            layer_a,
        }
    }

    /// This decision while the processed sink is down: a processed stream
    /// keeps its route and is held silent meanwhile (fail closed: never
    /// the real output at full level; Layer A as decided); a bypassed one
    /// is unchanged.
    pub fn processed_sink_down(self) -> Decision {
        match self.route {
            Route::Bypass => self,
            route => Decision {
                route,
                reason: Reason::ProcessedSinkDown {
                    instead: Box::new(self.reason),
                },
                layer_a: self.layer_a,
            },
        }
    }

    /// Whether the stream is held silent while the processed sink is down.
    pub fn is_held(&self) -> bool {
        matches!(self.reason, Reason::ProcessedSinkDown { .. })
    }

    /// The route the rules chose, before the router's fallbacks (the same
    /// as `route`: a held stream keeps its route).
    pub fn wanted(&self) -> Route {
        self.route
    }
}

impl fmt::Display for Decision {
    /// `bypass (rule #2: binary = "spotify" → bypass)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.route, self.reason)
    }
}

impl Profile {
    /// Where `stream` plays, and why: see the module docs.
    pub fn decide(&self, stream: &StreamInfo<'_>) -> Decision {
        self.decide_with(&[], stream)
    }

    /// [`Profile::decide`] with `overlay` rules tried before the profile's
    /// own (the user's per-app choices, which outlive profile switches).
    /// Their Layer A overrides apply on top of the profile's `[layer_a]`
    /// too, and `multichannel` still applies to what they decide.
    pub fn decide_with(&self, overlay: &[Rule], stream: &StreamInfo<'_>) -> Decision {
        let first = |rules: &[Rule]| rules.iter().position(|r| r.matches(stream));
        let matched = match first(overlay) {
            Some(index) => Some((
                &overlay[index],
                Reason::Overlay {
                    index,
                    summary: overlay[index].describe(),
                },
            )),
            None => first(&self.rules).map(|index| {
                let rule = &self.rules[index];
                (
                    rule,
                    Reason::Rule {
                        index,
                        summary: rule.describe(),
                    },
                )
            }),
        };
        let (mut route, mut reason, overrides) = match matched {
            Some((rule, reason)) => (rule.route, reason, Some(rule.layer_a)),
            None => (self.default_route, Reason::DefaultRoute, None),
        };
        if let Route::Bus(bus) = route {
            if self.bus(bus).is_none() {
                route = Route::Processed;
                reason = Reason::NoSuchBus {
                    bus,
                    instead: Box::new(reason),
                };
            }
        }
        // A surround bus takes any channel count (past its 8, PipeWire
        // downmixes before its limiter); a stereo one only up to 2.
        let fits = |route: Route| {
            stream.channels <= PROCESSED_SINK_CHANNELS
                || self.layout_of(route) == crate::Layout::Surround
        };
        if route.is_processed()
            && !fits(route)
            && self.multichannel != Route::Processed
            && self.multichannel != route
        {
            reason = Reason::Multichannel {
                channels: stream.channels,
                to: self.multichannel,
                instead: Box::new(reason),
            };
            route = self.multichannel;
        }
        // [layer_a], then the bus's, then the rule's.
        let mut layer_a = self.layer_a;
        if let Some(bus) = route.bus().and_then(|b| self.bus(b)) {
            layer_a = bus.layer_a.apply_to(layer_a);
        }
        if let Some(overrides) = overrides {
            layer_a = overrides.apply_to(layer_a);
        }
        Decision {
            route,
            reason,
            layer_a,
        }
    }
}

#[cfg(test)]
mod tests;
