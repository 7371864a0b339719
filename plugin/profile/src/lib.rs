//! Headroom profiles: named sets of settings in TOML.
//!
//! ```toml
//! name = "Night"                        # optional, defaults to the file name
//! description = "Quiet and even."       # optional
//! default_route = "processed"           # optional: "processed" (default), "bypass" or a bus
//! multichannel = "surround"             # optional: "bypass" (default), "processed" or a bus
//!
//! [layer_a]                             # optional: the per-app level rider's defaults
//! enabled = true
//! target = -23.0
//!
//! [[rules]]                             # optional, ordered: the first match wins
//! binary = ["spotify", "rhythmbox"]     # glob patterns, case-insensitive
//! route = "bypass"
//! layer_a = { enabled = false }         # optional overrides of [layer_a]
//!
//! [dsp]                                 # optional; keys are the parameter table's keys
//! agc_target = -24.0                    # numbers: integer or float, inside the range
//! ceiling = -3.0
//! comp_enabled = true                   # switches: true/false or 1/0
//!
//! [buses.surround]                      # optional: named buses (see [`buses`])
//! layout = "surround"                   # 5.1/7.1 with every channel kept
//! ```
//!
//! Every `[dsp]` key comes from [`headroom_dsp::PARAMS`]; keys a profile
//! leaves out keep the table's default. `[layer_a]`'s keys, units and
//! ranges come from [`layer_a`]; rules and routing are in [`rules`], which
//! also decides a stream's route ([`Profile::decide`]). Anything else is an
//! error that names the file, line:column, section, field and value —
//! unknown keys suggest the nearest valid one, out-of-range values name the
//! range and unit. Nothing is ever silently clamped or ignored.
//!
//! `profiles/README.md` in the repository documents the schema for users.
//!
//! # Extension point
//! The top level is closed: [`TOP_LEVEL_KEYS`] lists what a profile may
//! contain and [`Profile::parse`] dispatches on it in one `match`. A new
//! section is added by (1) naming it in [`TOP_LEVEL_KEYS`], (2) giving
//! [`Profile`] a field for it, and (3) adding a match arm that checks it the
//! way `parse_dsp`, [`layer_a`] and [`rules`] check theirs: a closed set of
//! keys per table ([`Section::keys`]), errors through `Context` so they
//! carry a [`Location`] and a [`Section`]. Until then such keys are
//! rejected, so no profile can rely on settings that nothing reads.

pub mod buses;
pub mod devices;
mod error;
pub mod filter_chain;
pub mod glob;
pub mod layer_a;
pub mod param;
pub mod rules;
mod search;
pub mod suggest;

use std::path::{Path, PathBuf};

use headroom_dsp::{ParamId, ParamValues, PARAM_COUNT};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub use buses::{Bus, BusName, BusNameError, Layout, SURROUND_POSITIONS};
pub use error::{Location, ProfileError, RulePart, Section};
pub use layer_a::{LayerAOverrides, LayerASettings};
pub use param::ParamError;
pub use rules::{Decision, MatchKey, Pattern, Reason, Route, Rule, StreamInfo};
pub use search::{is_path_like, SearchPath, PROFILES_DIR_ENV};

/// Keys a profile may have at its top level. See the crate docs for how a
/// new section joins this list.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "default_route",
    "multichannel",
    "layer_a",
    "rules",
    "dsp",
    "buses",
];

/// A checked profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Display name: the `name` field, or else the file name without `.toml`.
    pub name: String,
    pub description: Option<String>,
    /// Route for streams no rule matches (`default_route`).
    pub default_route: Route,
    /// Route for streams with more channels than the processed sink has
    /// (`multichannel`): [`Route::Bypass`] plays them untouched, while
    /// [`Route::Processed`] lets PipeWire downmix them into it.
    pub multichannel: Route,
    /// Layer A's defaults (`[layer_a]`), before any rule's overrides.
    pub layer_a: LayerASettings,
    /// `[[rules]]` in file order; the first that matches a stream decides.
    pub rules: Vec<Rule>,
    /// The `[dsp]` table: only what the file sets (the default bus's
    /// settings, which every named bus inherits).
    pub dsp: DspSettings,
    /// `[buses.NAME]` tables in file order: named processed buses, each
    /// its own sink (see [`buses`]).
    pub buses: Vec<Bus>,
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
}

/// The parameters a profile sets; unset ones fall back to the table default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DspSettings([Option<f32>; PARAM_COUNT]);

impl DspSettings {
    /// The value the profile sets for `id`, if it sets one.
    pub fn get(&self, id: ParamId) -> Option<f32> {
        self.0[id as usize]
    }

    /// Sets `id` (the value is assumed checked; see [`param::check_number`]).
    pub fn set(&mut self, id: ParamId, value: f32) {
        self.0[id as usize] = Some(value);
    }

    /// `(id, value)` for every parameter the profile sets, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, f32)> + '_ {
        ParamId::ALL
            .iter()
            .filter_map(move |&id| self.get(id).map(|v| (id, v)))
    }

    /// Whether the profile sets nothing.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Overwrites the parameters this profile sets, leaving the rest.
    pub fn apply_to(&self, values: &mut ParamValues) {
        for (id, v) in self.iter() {
            values.set(id, v);
        }
    }

    /// The table defaults with this profile's settings on top.
    pub fn to_params(&self) -> ParamValues {
        let mut values = ParamValues::default();
        self.apply_to(&mut values);
        values
    }
}

/// The largest profile file read (shipped ones are about 2 KiB): a bigger
/// one, like a FIFO or a device, is a [`ProfileError::Read`] at once, so
/// naming the wrong file never stalls the router.
pub const MAX_PROFILE_BYTES: u64 = 256 * 1024;

impl Profile {
    /// Reads and checks the profile at `path` (a regular file of at most
    /// [`MAX_PROFILE_BYTES`]; never blocks on a FIFO or device).
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = headroom_files::read_small_text(path, MAX_PROFILE_BYTES).map_err(|source| {
            ProfileError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let mut profile = Profile::parse(&text, &path.display().to_string())?;
        if profile.source.is_none() {
            profile.source = Some(path.to_path_buf());
        }
        Ok(profile)
    }

    /// Checks profile text. `origin` names it in errors and, without a
    /// `name` field, gives the profile its name (its file stem).
    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let mut ctx = Context {
            text,
            origin,
            buses: Vec::new(),
        };
        let doc = DeTable::parse(text).map_err(|e| ProfileError::Syntax {
            at: ctx.at(e.span().map_or(0, |s| s.start)),
            message: e.message().to_string(),
        })?;
        // Buses first, wherever they are written: routes may name them.
        let buses = match doc.get_ref().get("buses") {
            Some(value) => buses::parse(&ctx, value)?,
            None => Vec::new(),
        };
        ctx.buses = buses.iter().map(|b| b.name).collect();
        let mut profile = Profile {
            name: Path::new(origin)
                .file_stem()
                .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned()),
            description: None,
            default_route: rules::DEFAULT_ROUTE,
            multichannel: rules::DEFAULT_MULTICHANNEL,
            layer_a: LayerASettings::default(),
            rules: Vec::new(),
            dsp: DspSettings::default(),
            buses,
            source: None,
        };
        for (key, value) in in_file_order(doc.get_ref()) {
            match key.get_ref().as_ref() {
                "name" => profile.name = ctx.string(key.get_ref(), value)?,
                "description" => profile.description = Some(ctx.string(key.get_ref(), value)?),
                "default_route" => {
                    profile.default_route = ctx.route(Section::TopLevel, "default_route", value)?
                }
                "multichannel" => {
                    profile.multichannel = ctx.route(Section::TopLevel, "multichannel", value)?
                }
                "layer_a" => {
                    profile.layer_a = layer_a::parse(&ctx, Section::LayerA, value)?
                        .apply_to(LayerASettings::default())
                }
                "rules" => profile.rules = rules::parse(&ctx, value)?,
                "dsp" => profile.dsp = parse_dsp(&ctx, Section::Dsp, value)?,
                "buses" => {} // read first, above
                // New top-level sections go here (see the crate docs).
                _ => return Err(ctx.unknown_key(Section::TopLevel, key)),
            }
        }
        Ok(profile)
    }

    /// The table defaults with this profile's `[dsp]` settings on top.
    pub fn params(&self) -> ParamValues {
        self.dsp.to_params()
    }

    /// The named bus `name`, if the profile declares it.
    pub fn bus(&self, name: BusName) -> Option<&Bus> {
        self.buses.iter().find(|b| b.name == name)
    }

    /// The layout of `route`'s sink: a named bus's own, stereo for the
    /// default processed bus (and for a bus the profile does not have).
    pub fn layout_of(&self, route: Route) -> Layout {
        route
            .bus()
            .and_then(|b| self.bus(b))
            .map_or(Layout::Stereo, |b| b.layout)
    }

    /// The names of the profile's buses, in file order.
    pub fn bus_names(&self) -> Vec<String> {
        self.buses.iter().map(|b| b.name.to_string()).collect()
    }

    /// The settings of `route`'s bus: the table defaults, `[dsp]`, then
    /// `overrides` (runtime settings, which stand for `[dsp]` edits),
    /// then the bus's own `[buses.NAME.dsp]`. For the default bus (and
    /// for a bus the profile lacks, which the default bus stands in for)
    /// that is `[dsp]` with `overrides`.
    pub fn params_for(&self, route: Route, overrides: &DspSettings) -> ParamValues {
        let mut values = self.params();
        overrides.apply_to(&mut values);
        if let Some(bus) = route.bus().and_then(|b| self.bus(b)) {
            bus.dsp.apply_to(&mut values);
        }
        values
    }
}

/// What a checker needs to turn a span into a [`Location`], and the
/// errors every section shares.
pub(crate) struct Context<'a> {
    text: &'a str,
    origin: &'a str,
    /// The profile's buses: what a route may name besides the fixed ones.
    buses: Vec<BusName>,
}

/// A key as the TOML parser gives it, with its span.
pub(crate) type Key<'i> = Spanned<toml::de::DeString<'i>>;

impl Context<'_> {
    pub(crate) fn at(&self, offset: usize) -> Location {
        Location::at(self.origin, self.text, offset)
    }

    /// The location of byte `offset` inside string `value`'s contents, when
    /// the source spells the string out verbatim (no escapes); else the
    /// string's start.
    pub(crate) fn at_in_string(&self, value: &Spanned<DeValue<'_>>, offset: usize) -> Location {
        let span = value.span();
        let raw = self.text.get(span.clone()).unwrap_or("");
        let verbatim = match value.get_ref() {
            DeValue::String(s) => {
                raw.len() == s.len() + 2 && raw.get(1..raw.len() - 1) == Some(s.as_ref())
            }
            _ => false,
        };
        if verbatim {
            self.at(span.start + 1 + offset)
        } else {
            self.at(span.start)
        }
    }

    /// The value's TOML type and source text, for messages: `integer 3`.
    pub(crate) fn describe(&self, value: &Spanned<DeValue<'_>>) -> String {
        let span = value.span();
        let snippet = self.text.get(span.clone()).unwrap_or("").trim();
        let snippet: String = if snippet.chars().count() > 40 {
            snippet.chars().take(37).chain("...".chars()).collect()
        } else {
            snippet.to_string()
        };
        let kind = value.get_ref().type_str();
        if snippet.is_empty() || matches!(value.get_ref(), DeValue::Table(_)) {
            kind.to_string()
        } else {
            format!("{kind} {snippet}")
        }
    }

    pub(crate) fn wrong_type(
        &self,
        section: Section,
        field: &str,
        expected: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> ProfileError {
        ProfileError::WrongType {
            at: self.at(value.span().start),
            section,
            field: field.to_string(),
            expected: expected.to_string(),
            found: self.describe(value),
        }
    }

    /// The error for `key`, which `section` does not have: a top-level key
    /// that ended up inside a table is named as such, anything else gets
    /// the nearest valid key as a suggestion.
    pub(crate) fn unknown_key(&self, section: Section, key: &Key<'_>) -> ProfileError {
        let at = self.at(key.span().start);
        let name: &str = key.get_ref().as_ref();
        if section != Section::TopLevel && TOP_LEVEL_KEYS.contains(&name) {
            return ProfileError::MisplacedKey {
                at,
                section,
                key: name.to_string(),
            };
        }
        let suggestion = match section {
            Section::Rule(_) => rules::key_for_property(name),
            _ => None,
        }
        .or_else(|| suggest::nearest(name, section.keys().iter().copied()));
        ProfileError::UnknownKey {
            at,
            section,
            key: name.to_string(),
            suggestion,
        }
    }

    fn string(&self, field: &str, value: &Spanned<DeValue<'_>>) -> Result<String, ProfileError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong_type(Section::TopLevel, field, "a string", value)),
        }
    }

    /// A TOML integer or float as `f64` (`None` for anything else).
    pub(crate) fn number(&self, value: &DeValue<'_>) -> Option<f64> {
        match value {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|v| v as f64),
            DeValue::Float(x) => x.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        }
    }

    /// A route value: `"processed"`, `"bypass"` or one of the profile's
    /// buses.
    pub(crate) fn route(
        &self,
        section: Section,
        field: &'static str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Route, ProfileError> {
        let DeValue::String(text) = value.get_ref() else {
            let expected = r#"a string: "processed", "bypass" or a bus's name"#;
            return Err(self.wrong_type(section, field, expected, value));
        };
        let route = Route::from_name(text);
        let known = match route {
            Some(Route::Bus(bus)) => self.buses.contains(&bus),
            other => other.is_some(),
        };
        match route {
            Some(route) if known => Ok(route),
            _ => {
                let buses: Vec<String> = self.buses.iter().map(|b| b.to_string()).collect();
                let choices = Route::NAMES
                    .iter()
                    .map(|s| s.to_string())
                    .chain(buses.iter().cloned());
                Err(ProfileError::UnknownRoute {
                    at: self.at(value.span().start),
                    section,
                    field,
                    found: error::quoted(text),
                    suggestion: suggest::nearest_owned(text, choices).map(String::into_boxed_str),
                    buses: buses.into_boxed_slice(),
                })
            }
        }
    }
}

/// Table entries sorted by where they appear, so the first error reported is
/// the first one in the file.
pub(crate) fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Key<'i>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Checks a `[dsp]` table (`section`: the profile's or a bus's) against
/// the parameter table.
pub(crate) fn parse_dsp(
    ctx: &Context<'_>,
    section: Section,
    value: &Spanned<DeValue<'_>>,
) -> Result<DspSettings, ProfileError> {
    let DeValue::Table(table) = value.get_ref() else {
        let expected = "a table ([dsp] followed by key = value lines)";
        return Err(ctx.wrong_type(Section::TopLevel, "dsp", expected, value));
    };
    let mut settings = DspSettings::default();
    for (key, value) in in_file_order(table) {
        if TOP_LEVEL_KEYS.contains(&key.get_ref().as_ref()) {
            return Err(ctx.unknown_key(section, key));
        }
        let spec = param::lookup(key.get_ref()).map_err(|error| ProfileError::Dsp {
            at: ctx.at(key.span().start),
            section,
            error,
        })?;
        let at = || ctx.at(value.span().start);
        let not_a_number = || ProfileError::Dsp {
            at: at(),
            section,
            error: ParamError::NotANumber {
                key: spec.key,
                found: ctx.describe(value),
            },
        };
        let number = match value.get_ref() {
            DeValue::Boolean(b) if spec.is_toggle() => f64::from(u8::from(*b)),
            other => ctx.number(other).ok_or_else(not_a_number)?,
        };
        let checked = param::check_number(spec, number).map_err(|error| ProfileError::Dsp {
            at: at(),
            section,
            error,
        })?;
        settings.set(spec.id, checked);
    }
    Ok(settings)
}

#[cfg(test)]
mod tests;
