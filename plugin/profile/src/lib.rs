//! Headroom profiles: named sets of settings in TOML.
//!
//! ```toml
//! name = "Night"                        # optional, defaults to the file name
//! description = "Quiet and even."       # optional
//!
//! [dsp]                                 # optional; keys are the parameter table's keys
//! agc_target = -24.0                    # numbers: integer or float, inside the range
//! ceiling = -3.0
//! comp_enabled = true                   # switches: true/false or 1/0
//! ```
//!
//! Every `[dsp]` key comes from [`headroom_dsp::PARAMS`]; keys a profile
//! leaves out keep the table's default. Anything else is an error that names
//! the file, line:column, field and value — unknown keys suggest the nearest
//! valid one, out-of-range values name the range and unit. Nothing is ever
//! silently clamped or ignored.
//!
//! `profiles/README.md` in the repository documents the schema for users.
//!
//! # Extension point
//! The top level is closed: [`TOP_LEVEL_KEYS`] lists what a profile may
//! contain and [`Profile::parse`] dispatches on it in one `match`. A later
//! section (the router's `[[rules]]`, `default_route`, `[layer_a]`) is added
//! by (1) naming it in [`TOP_LEVEL_KEYS`], (2) giving [`Profile`] a field
//! for it, and (3) adding a match arm that checks it the way
//! [`parse_dsp`] checks `[dsp]` — until then such keys are rejected, so no
//! profile can rely on settings that nothing reads.

mod error;
pub mod filter_chain;
pub mod param;
mod search;
pub mod suggest;

use std::path::{Path, PathBuf};

use headroom_dsp::{ParamId, ParamValues, PARAM_COUNT};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub use error::{Location, ProfileError};
pub use param::ParamError;
pub use search::{is_path_like, SearchPath, PROFILES_DIR_ENV};

/// Keys a profile may have at its top level. See the crate docs for how a
/// new section joins this list.
pub const TOP_LEVEL_KEYS: &[&str] = &["name", "description", "dsp"];

/// A checked profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Display name: the `name` field, or else the file name without `.toml`.
    pub name: String,
    pub description: Option<String>,
    /// The `[dsp]` table: only what the file sets.
    pub dsp: DspSettings,
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

impl Profile {
    /// Reads and checks the profile at `path`.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.to_path_buf(),
            source,
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
        let ctx = Context { text, origin };
        let doc = DeTable::parse(text).map_err(|e| ProfileError::Syntax {
            at: ctx.at(e.span().map_or(0, |s| s.start)),
            message: e.message().to_string(),
        })?;
        let mut profile = Profile {
            name: Path::new(origin)
                .file_stem()
                .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned()),
            description: None,
            dsp: DspSettings::default(),
            source: None,
        };
        for (key, value) in in_file_order(doc.get_ref()) {
            match key.get_ref().as_ref() {
                "name" => profile.name = ctx.string(key.get_ref(), value)?,
                "description" => profile.description = Some(ctx.string(key.get_ref(), value)?),
                "dsp" => profile.dsp = parse_dsp(&ctx, value)?,
                // New top-level sections go here (see the crate docs).
                other => {
                    return Err(ProfileError::UnknownKey {
                        at: ctx.at(key.span().start),
                        key: other.to_string(),
                        suggestion: suggest::nearest(other, TOP_LEVEL_KEYS.iter().copied()),
                    })
                }
            }
        }
        Ok(profile)
    }

    /// The table defaults with this profile's `[dsp]` settings on top.
    pub fn params(&self) -> ParamValues {
        self.dsp.to_params()
    }
}

/// What a checker needs to turn a span into a [`Location`].
struct Context<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Context<'_> {
    fn at(&self, offset: usize) -> Location {
        Location::at(self.origin, self.text, offset)
    }

    /// The value's TOML type and source text, for messages: `integer 3`.
    fn describe(&self, value: &Spanned<DeValue<'_>>) -> String {
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

    fn string(&self, field: &str, value: &Spanned<DeValue<'_>>) -> Result<String, ProfileError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(ProfileError::WrongType {
                at: self.at(value.span().start),
                field: field.to_string(),
                expected: "a string",
                found: self.describe(value),
            }),
        }
    }
}

/// Table entries sorted by where they appear, so the first error reported is
/// the first one in the file.
fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Checks the `[dsp]` table against the parameter table.
fn parse_dsp(ctx: &Context<'_>, value: &Spanned<DeValue<'_>>) -> Result<DspSettings, ProfileError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(ProfileError::WrongType {
            at: ctx.at(value.span().start),
            field: "dsp".to_string(),
            expected: "a table ([dsp] followed by key = value lines)",
            found: ctx.describe(value),
        });
    };
    let mut settings = DspSettings::default();
    for (key, value) in in_file_order(table) {
        let spec = param::lookup(key.get_ref()).map_err(|error| ProfileError::Dsp {
            at: ctx.at(key.span().start),
            error,
        })?;
        let at = || ctx.at(value.span().start);
        let not_a_number = || ProfileError::Dsp {
            at: at(),
            error: ParamError::NotANumber {
                key: spec.key,
                found: ctx.describe(value),
            },
        };
        let number = match value.get_ref() {
            DeValue::Boolean(b) if spec.is_toggle() => f64::from(u8::from(*b)),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .map(|v| v as f64)
                .map_err(|_| not_a_number())?,
            DeValue::Float(x) => x
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .map_err(|_| not_a_number())?,
            _ => return Err(not_a_number()),
        };
        let checked = param::check_number(spec, number)
            .map_err(|error| ProfileError::Dsp { at: at(), error })?;
        settings.set(spec.id, checked);
    }
    Ok(settings)
}

#[cfg(test)]
mod tests;
