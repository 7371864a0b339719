//! Layer A, the per-app level rider: its settings, their units, ranges and
//! defaults. This module is the single source of truth for them: the
//! profile's `[layer_a]` table, per-rule `layer_a = { … }` overrides, the
//! router's varlink API and `profiles/README.md` (checked by a test) all
//! follow these constants.
//!
//! Layer A measures each stream on a passive tap and rides that stream's own
//! volume toward [`TARGET`], never lowering it by more than [`MAX_CUT`] or
//! raising it by more than [`MAX_BOOST`].

use toml::de::DeValue;
use toml::Spanned;

use crate::{Context, ProfileError, Section};

/// A numeric Layer A setting: its profile key, unit, range and default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerANumber {
    /// The key in `[layer_a]` and in a rule's `layer_a = { … }`.
    pub key: &'static str,
    /// Unit label as messages and docs show it.
    pub unit: &'static str,
    /// Smallest accepted value (inclusive).
    pub min: f32,
    /// Largest accepted value (inclusive).
    pub max: f32,
    /// Value when no profile sets it.
    pub default: f32,
}

/// `target`: the level, in dBFS, that Layer A steers each stream toward, as
/// its detector measures it (short-term RMS-style level, not peak).
/// Range −40.0 to −6.0 dBFS, default −20.0 dBFS.
pub const TARGET: LayerANumber = LayerANumber {
    key: "target",
    unit: "dBFS",
    min: -40.0,
    max: -6.0,
    default: -20.0,
};

/// `max_cut`: the most, in dB, Layer A ever lowers a stream below the
/// user's own volume for it. Range 0.0 to 36.0 dB, default 12.0 dB.
pub const MAX_CUT: LayerANumber = LayerANumber {
    key: "max_cut",
    unit: "dB",
    min: 0.0,
    max: 36.0,
    default: 12.0,
};

/// `max_boost`: the most, in dB, Layer A ever raises a stream above the
/// user's own volume for it. Range 0.0 to 24.0 dB, default 6.0 dB.
pub const MAX_BOOST: LayerANumber = LayerANumber {
    key: "max_boost",
    unit: "dB",
    min: 0.0,
    max: 24.0,
    default: 6.0,
};

/// `enabled`: whether Layer A rides a stream at all. Default off: it changes
/// app volumes, so a profile asks for it explicitly.
pub const ENABLED_DEFAULT: bool = false;

/// Key of the on/off switch.
pub const ENABLED_KEY: &str = "enabled";

/// The numeric settings, in the order the docs list them.
pub const NUMBERS: [LayerANumber; 3] = [TARGET, MAX_CUT, MAX_BOOST];

/// Every key `[layer_a]` (and a rule's `layer_a`) may have.
pub const KEYS: &[&str] = &[ENABLED_KEY, TARGET.key, MAX_CUT.key, MAX_BOOST.key];

/// How a switch's accepted values read in messages and docs.
pub const SWITCH_BOUNDS: &str = "true/false (or 1/0)";

impl LayerANumber {
    /// The range with its unit: `-40.0 to -6.0 dBFS`.
    pub fn bounds(&self) -> String {
        format!("{:?} to {:?} {}", self.min, self.max, self.unit)
    }

    /// `value` as the `f32` the router uses, if it is inside the range
    /// (compared as `f32`, so a written `-6.0` is accepted for a maximum of
    /// −6.0). NaN and infinities are never inside.
    pub fn check(&self, value: f64) -> Option<f32> {
        let v = value as f32;
        (self.min <= v && v <= self.max).then_some(v)
    }
}

/// Layer A's effective settings for one stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerASettings {
    pub enabled: bool,
    /// See [`TARGET`].
    pub target_dbfs: f32,
    /// See [`MAX_CUT`].
    pub max_cut_db: f32,
    /// See [`MAX_BOOST`].
    pub max_boost_db: f32,
}

impl Default for LayerASettings {
    fn default() -> Self {
        LayerASettings {
            enabled: ENABLED_DEFAULT,
            target_dbfs: TARGET.default,
            max_cut_db: MAX_CUT.default,
            max_boost_db: MAX_BOOST.default,
        }
    }
}

/// Settings a rule changes for the streams it matches; `None` keeps the
/// profile's `[layer_a]` value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerAOverrides {
    pub enabled: Option<bool>,
    pub target_dbfs: Option<f32>,
    pub max_cut_db: Option<f32>,
    pub max_boost_db: Option<f32>,
}

impl LayerAOverrides {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == LayerAOverrides::default()
    }

    /// `base` with these overrides on top.
    pub fn apply_to(&self, base: LayerASettings) -> LayerASettings {
        LayerASettings {
            enabled: self.enabled.unwrap_or(base.enabled),
            target_dbfs: self.target_dbfs.unwrap_or(base.target_dbfs),
            max_cut_db: self.max_cut_db.unwrap_or(base.max_cut_db),
            max_boost_db: self.max_boost_db.unwrap_or(base.max_boost_db),
        }
    }

    /// The overrides as TOML `key = value` pairs, in [`KEYS`] order:
    /// `enabled = true, target = -23.0`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(on) = self.enabled {
            parts.push(format!("{ENABLED_KEY} = {on}"));
        }
        let numbers = [self.target_dbfs, self.max_cut_db, self.max_boost_db];
        for (spec, value) in NUMBERS.iter().zip(numbers) {
            if let Some(v) = value {
                parts.push(format!("{} = {v:?}", spec.key));
            }
        }
        parts.join(", ")
    }

    fn number_mut(&mut self, key: &str) -> Option<&mut Option<f32>> {
        match key {
            k if k == TARGET.key => Some(&mut self.target_dbfs),
            k if k == MAX_CUT.key => Some(&mut self.max_cut_db),
            k if k == MAX_BOOST.key => Some(&mut self.max_boost_db),
            _ => None,
        }
    }
}

/// Checks a `[layer_a]` table (`section` [`Section::LayerA`]) or a rule's
/// `layer_a = { … }` ([`Section::RuleLayerA`]).
pub(crate) fn parse(
    ctx: &Context<'_>,
    section: Section,
    value: &Spanned<DeValue<'_>>,
) -> Result<LayerAOverrides, ProfileError> {
    let DeValue::Table(table) = value.get_ref() else {
        let expected = match section {
            Section::LayerA => "a table ([layer_a] followed by key = value lines)",
            _ => "a table, like layer_a = { enabled = true, target = -23.0 }",
        };
        let field_section = match section {
            Section::RuleLayerA(n) => Section::Rule(n),
            _ => Section::TopLevel,
        };
        return Err(ctx.wrong_type(field_section, "layer_a", expected, value));
    };
    let mut overrides = LayerAOverrides::default();
    for (key, value) in crate::in_file_order(table) {
        let name = key.get_ref().as_ref();
        let at = || ctx.at(value.span().start);
        if name == ENABLED_KEY {
            let on = match value.get_ref() {
                DeValue::Boolean(b) => *b,
                other => match ctx.number(other) {
                    Some(n) if n == 0.0 || n == 1.0 => n == 1.0,
                    Some(n) => {
                        return Err(ProfileError::OutOfRange {
                            at: at(),
                            section,
                            key: ENABLED_KEY,
                            value: n,
                            bounds: SWITCH_BOUNDS.to_string(),
                        })
                    }
                    None => return Err(ctx.wrong_type(section, name, SWITCH_BOUNDS, value)),
                },
            };
            overrides.enabled = Some(on);
            continue;
        }
        let Some(spec) = NUMBERS.iter().find(|n| n.key == name) else {
            return Err(ctx.unknown_key(section, key));
        };
        let Some(number) = ctx.number(value.get_ref()) else {
            let expected = format!("a number ({})", spec.bounds());
            return Err(ctx.wrong_type(section, spec.key, &expected, value));
        };
        let checked = spec.check(number).ok_or_else(|| ProfileError::OutOfRange {
            at: at(),
            section,
            key: spec.key,
            value: number,
            bounds: spec.bounds(),
        })?;
        *overrides
            .number_mut(spec.key)
            .expect("every NUMBERS key has a field") = Some(checked);
    }
    Ok(overrides)
}
