//! Which profile for which output device: the `devices.toml` file.
//!
//! ```toml
//! fallback = "default"            # optional: the profile when no rule matches
//!
//! [[device]]                      # ordered: the first match wins
//! form_factor = "headphone"       # device.form-factor
//! profile = "night"
//!
//! [[device]]
//! bus = "bluetooth"               # device.bus
//! properties = { "api.bluez5.profile" = "headset-head-unit*" }
//! profile = "voice-chat"
//!
//! [[device]]
//! name = "alsa_output.*hdmi*"     # node.name
//! description = ["*TV*", "*HDMI*"] # node.description
//! profile = "film"
//! ```
//!
//! Each condition is a glob pattern (or a non-empty array of them, any of
//! which may match), case-insensitive, as in a profile's rules; every
//! condition of a rule must match the device's properties, and a device
//! that lacks a property never matches a condition on it. `properties`
//! matches any other property by its PipeWire name. Only the check and the
//! choice live here; which device is "the output now" and when to switch
//! is the router's business. Errors name the file, line and column, and
//! what was expected, as profile errors do.

use std::fmt;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::quoted;
use crate::glob::{Glob, GlobError};
use crate::rules::Pattern;
use crate::{in_file_order, Location};

/// The file's name inside the config directory.
pub const DEVICES_FILE: &str = "devices.toml";

/// A device property a rule can name by a short key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKey {
    /// `node.name` (`name`).
    Name,
    /// `node.description` (`description`): what pavucontrol shows.
    Description,
    /// `device.form-factor` (`form_factor`): `headphone`, `headset`,
    /// `speaker`, `hdmi`, `internal` …
    FormFactor,
    /// `device.bus` (`bus`): `pci`, `usb`, `bluetooth` …
    Bus,
    /// Any other property, by its PipeWire name (`properties = { … }`).
    Property(String),
}

impl DeviceKey {
    /// The short keys a rule may use, and the property each means.
    pub const SHORT: [(&'static str, &'static str); 4] = [
        ("name", "node.name"),
        ("description", "node.description"),
        ("form_factor", "device.form-factor"),
        ("bus", "device.bus"),
    ];

    fn from_short(key: &str) -> Option<DeviceKey> {
        match key {
            "name" => Some(DeviceKey::Name),
            "description" => Some(DeviceKey::Description),
            "form_factor" => Some(DeviceKey::FormFactor),
            "bus" => Some(DeviceKey::Bus),
            _ => None,
        }
    }

    /// The PipeWire property this key matches.
    pub fn property(&self) -> &str {
        match self {
            DeviceKey::Name => "node.name",
            DeviceKey::Description => "node.description",
            DeviceKey::FormFactor => "device.form-factor",
            DeviceKey::Bus => "device.bus",
            DeviceKey::Property(name) => name,
        }
    }
}

/// One `[[device]]` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRule {
    /// Never empty; all must match.
    pub conditions: Vec<(DeviceKey, Pattern)>,
    /// The profile's name (or path), as `UseProfile` takes it.
    pub profile: String,
    /// Where the rule starts.
    pub at: Location,
    /// Where its `profile` value is, for "no such profile" errors.
    pub profile_at: Location,
}

impl DeviceRule {
    /// Whether every condition matches the device whose properties
    /// `property` looks up.
    pub fn matches<'p>(&self, property: &impl Fn(&str) -> Option<&'p str>) -> bool {
        self.conditions
            .iter()
            .all(|(key, pattern)| pattern.matches(property(key.property())))
    }

    /// `form_factor = "headphone" → night`, for status.
    pub fn describe(&self) -> String {
        let conditions: Vec<String> = self
            .conditions
            .iter()
            .map(|(key, pattern)| match key {
                DeviceKey::Property(name) => format!("{} = {pattern}", quoted(name)),
                short => {
                    let name = DeviceKey::SHORT
                        .iter()
                        .find(|(_, p)| *p == short.property())
                        .map_or("?", |(k, _)| *k);
                    format!("{name} = {pattern}")
                }
            })
            .collect();
        format!("{} → {}", conditions.join(", "), self.profile)
    }
}

/// The whole file, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceRules {
    /// In file order: the order they are tried.
    pub rules: Vec<DeviceRule>,
    /// The profile when no rule matches; `None`: keep whatever is active.
    pub fallback: Option<String>,
    /// Where `fallback` is, for "no such profile" errors.
    pub fallback_at: Option<Location>,
}

/// Why a profile was chosen for a device.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceWhy {
    /// `[[device]]` number `number` (from 1) matched.
    Rule {
        number: usize,
        summary: String,
        at: Location,
    },
    /// No rule matched: the file's `fallback`.
    Fallback,
}

impl fmt::Display for DeviceWhy {
    /// `devices.toml:4 [[device]] #1: form_factor = "headphone" → night`,
    /// or `no device rule matched: fallback`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceWhy::Rule {
                number,
                summary,
                at,
            } => write!(f, "{}:{} [[device]] #{number}: {summary}", at.file, at.line),
            DeviceWhy::Fallback => f.write_str("no device rule matched: fallback"),
        }
    }
}

impl DeviceRules {
    /// The profile for the device whose properties `property` looks up,
    /// and why; `None` when no rule matches and there is no fallback.
    pub fn choose<'p>(
        &self,
        property: impl Fn(&str) -> Option<&'p str>,
    ) -> Option<(&str, DeviceWhy)> {
        for (number, rule) in (1..).zip(&self.rules) {
            if rule.matches(&property) {
                let why = DeviceWhy::Rule {
                    number,
                    summary: rule.describe(),
                    at: rule.at.clone(),
                };
                return Some((rule.profile.as_str(), why));
            }
        }
        self.fallback
            .as_deref()
            .map(|profile| (profile, DeviceWhy::Fallback))
    }

    /// Every profile the file names, with where: for checking that each
    /// exists before the file is taken.
    pub fn profiles(&self) -> impl Iterator<Item = (&str, &Location)> {
        self.rules
            .iter()
            .map(|r| (r.profile.as_str(), &r.profile_at))
            .chain(self.fallback.as_deref().zip(self.fallback_at.as_ref()))
    }
}

/// Why a devices file cannot be used: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicesProblem {
    pub file: String,
    /// 1-based; `None` when the problem is not at one place in the file.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    pub message: String,
}

impl DevicesProblem {
    /// A problem at `at`.
    pub fn at(at: &Location, message: String) -> DevicesProblem {
        DevicesProblem {
            file: at.file.clone(),
            line: Some(at.line),
            column: Some(at.column),
            message,
        }
    }
}

impl fmt::Display for DevicesProblem {
    /// `devices.toml:3:9: [[device]] #1: …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DevicesProblem {}

/// What a `[[device]]` may hold besides the short keys.
const RULE_KEYS: &str = "name, description, form_factor, bus, properties, profile";

/// Checks devices-file text; `origin` names it in problems.
pub fn parse(text: &str, origin: &str) -> Result<DeviceRules, DevicesProblem> {
    let at = |offset: usize| Location::at(origin, text, offset);
    let problem = |offset: usize, message: String| DevicesProblem::at(&at(offset), message);
    let doc = DeTable::parse(text).map_err(|e| {
        problem(
            e.span().map_or(0, |s| s.start),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let mut rules = DeviceRules::default();
    for (key, value) in in_file_order(doc.get_ref()) {
        let name: &str = key.get_ref().as_ref();
        match name {
            "fallback" => {
                rules.fallback = Some(profile_name(value, "fallback", &problem)?);
                rules.fallback_at = Some(at(value.span().start));
            }
            "device" => {
                let DeValue::Array(items) = value.get_ref() else {
                    return Err(problem(
                        value.span().start,
                        "`device` must be [[device]] tables, each with conditions and `profile`"
                            .into(),
                    ));
                };
                for (number, item) in (1..).zip(items.iter()) {
                    rules.rules.push(parse_rule(item, number, &at, &problem)?);
                }
            }
            other => {
                return Err(problem(
                    key.span().start,
                    format!(
                        "unknown key `{other}`: the file holds `fallback` and [[device]] tables"
                    ),
                ))
            }
        }
    }
    Ok(rules)
}

fn profile_name(
    value: &Spanned<DeValue<'_>>,
    field: &str,
    problem: &impl Fn(usize, String) -> DevicesProblem,
) -> Result<String, DevicesProblem> {
    match value.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Ok(s.to_string()),
        _ => Err(problem(
            value.span().start,
            format!("{field}: expected a profile's name (as `headroom profile list` shows)"),
        )),
    }
}

fn parse_rule(
    item: &Spanned<DeValue<'_>>,
    number: usize,
    at: &impl Fn(usize) -> Location,
    problem: &impl Fn(usize, String) -> DevicesProblem,
) -> Result<DeviceRule, DevicesProblem> {
    let section = format!("[[device]] #{number}");
    let DeValue::Table(table) = item.get_ref() else {
        return Err(problem(
            item.span().start,
            format!("{section}: must be a table with conditions and `profile`"),
        ));
    };
    let mut conditions = Vec::new();
    let mut profile = None;
    for (key, value) in in_file_order(table) {
        let name: &str = key.get_ref().as_ref();
        if let Some(device_key) = DeviceKey::from_short(name) {
            conditions.push((device_key, pattern(value, &section, name, problem)?));
            continue;
        }
        match name {
            "profile" => {
                let field = format!("{section}: `profile`");
                profile = Some((
                    profile_name(value, &field, problem)?,
                    at(value.span().start),
                ));
            }
            "properties" => {
                let DeValue::Table(properties) = value.get_ref() else {
                    return Err(problem(
                        value.span().start,
                        format!(
                            "{section}: `properties` must be a table of property = pattern, \
                             like {{ \"api.bluez5.profile\" = \"a2dp-sink\" }}"
                        ),
                    ));
                };
                for (property, pattern_value) in in_file_order(properties) {
                    let property: &str = property.get_ref().as_ref();
                    let pattern = pattern(pattern_value, &section, property, problem)?;
                    conditions.push((DeviceKey::Property(property.to_string()), pattern));
                }
            }
            other => {
                return Err(problem(
                    key.span().start,
                    format!("{section}: unknown key `{other}` (a rule holds {RULE_KEYS})"),
                ))
            }
        }
    }
    if conditions.is_empty() {
        return Err(problem(
            item.span().start,
            format!(
                "{section}: no condition: name at least one of {RULE_KEYS} (besides `profile`)"
            ),
        ));
    }
    let Some((profile, profile_at)) = profile else {
        return Err(problem(
            item.span().start,
            format!("{section}: `profile` is missing"),
        ));
    };
    Ok(DeviceRule {
        conditions,
        profile,
        at: at(item.span().start),
        profile_at,
    })
}

/// A glob string or a non-empty array of them.
fn pattern(
    value: &Spanned<DeValue<'_>>,
    section: &str,
    field: &str,
    problem: &impl Fn(usize, String) -> DevicesProblem,
) -> Result<Pattern, DevicesProblem> {
    let expected =
        || format!("{section}: `{field}` must be a pattern string or a non-empty array of them");
    let glob = |item: &Spanned<DeValue<'_>>| {
        let DeValue::String(text) = item.get_ref() else {
            return Err(problem(item.span().start, expected()));
        };
        Glob::new(text).map_err(|error| {
            let offset = match error {
                GlobError::Empty => 0,
                _ => error.offset() + 1,
            };
            problem(
                item.span().start + offset,
                format!("{section}: `{field}` = {}: {error}", quoted(text)),
            )
        })
    };
    let globs = match value.get_ref() {
        DeValue::String(_) => vec![glob(value)?],
        DeValue::Array(items) => items.iter().map(glob).collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    Pattern::new(globs).ok_or_else(|| problem(value.span().start, expected()))
}

#[cfg(test)]
mod tests;
