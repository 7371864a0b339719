//! Everything that can go wrong finding, reading or checking a profile.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::glob::GlobError;
use crate::param::ParamError;

/// A place in a profile file, 1-based, as editors count (columns in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or `<string>` for text without a file).
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of byte offset `offset` in `text`.
    pub fn at(file: &str, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        // A span never splits a character, but be safe if one ever does.
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Which part of a profile an error is in; messages start with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The top level of the file.
    TopLevel,
    /// `[dsp]`.
    Dsp,
    /// `[layer_a]`.
    LayerA,
    /// A `[buses.NAME]` table.
    Bus,
    /// A `[buses.NAME.dsp]` table.
    BusDsp,
    /// A `[buses.NAME.layer_a]` table.
    BusLayerA,
    /// The `[[rules]]` entry with this number, counting from 1.
    Rule(u32),
    /// The `layer_a` overrides inside that rule.
    RuleLayerA(u32),
}

impl Section {
    /// The keys this part of a profile may have (none listed for `[dsp]`:
    /// its keys are the parameter table's, see [`crate::param::all_keys`]).
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Section::TopLevel => crate::TOP_LEVEL_KEYS,
            Section::Dsp | Section::BusDsp => &[],
            Section::Bus => crate::buses::BUS_KEYS,
            Section::BusLayerA => crate::layer_a::KEYS,
            Section::LayerA | Section::RuleLayerA(_) => crate::layer_a::KEYS,
            Section::Rule(_) => crate::rules::RULE_KEYS,
        }
    }
}

impl fmt::Display for Section {
    /// `[layer_a]`, `[[rules]] #2`, `[[rules]] #2 layer_a`; nothing for the top level.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::TopLevel => Ok(()),
            Section::Dsp => f.write_str("[dsp]"),
            Section::Bus => f.write_str("[buses.*]"),
            Section::BusDsp => f.write_str("[buses.*.dsp]"),
            Section::BusLayerA => f.write_str("[buses.*.layer_a]"),
            Section::LayerA => f.write_str("[layer_a]"),
            Section::Rule(n) => write!(f, "[[rules]] #{n}"),
            Section::RuleLayerA(n) => write!(f, "[[rules]] #{n} layer_a"),
        }
    }
}

/// What a `[[rules]]` entry lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulePart {
    /// None of `app`, `name`, `binary`, `role`, `node`.
    MatchKey,
    /// No `route`.
    Route,
}

/// Why a profile could not be used. Every variant names the file (or the
/// name that was looked up); those about content also name line:column, the
/// section, the field and the offending value.
#[derive(Debug)]
pub enum ProfileError {
    /// The file exists (or was named as a path) but could not be read.
    Read { path: PathBuf, source: io::Error },
    /// No profile of that name in any search directory.
    NotFound {
        name: String,
        /// Directories looked in, in search order.
        searched: Vec<PathBuf>,
        /// Profile names that do exist.
        available: Vec<String>,
        suggestion: Option<String>,
    },
    /// Not valid TOML.
    Syntax { at: Location, message: String },
    /// A key the schema does not have in that section (`[dsp]` keys are
    /// checked by the parameter table instead: see [`ProfileError::Dsp`]).
    UnknownKey {
        at: Location,
        section: Section,
        key: String,
        suggestion: Option<&'static str>,
    },
    /// A top-level key inside a table: in TOML every key after a `[header]`
    /// belongs to that table, so `default_route` written below `[dsp]` is
    /// part of `[dsp]`.
    MisplacedKey {
        at: Location,
        section: Section,
        key: String,
    },
    /// A field with the wrong kind of value (`name = 3`, `dsp = "loud"`).
    WrongType {
        at: Location,
        section: Section,
        field: String,
        /// What it must be: `a string`, `a number (-40.0 to -6.0 dBFS)`.
        expected: String,
        /// The value's TOML type and its text, e.g. `integer 3`.
        found: String,
    },
    /// A route that is neither a fixed route nor one of the profile's
    /// buses (`route = "voise"`).
    UnknownRoute {
        at: Location,
        section: Section,
        field: &'static str,
        /// The value as written, quotes included.
        found: String,
        /// The profile's buses, in file order.
        buses: Box<[String]>,
        suggestion: Option<Box<str>>,
    },
    /// A `[buses.NAME]` whose name cannot be a bus's.
    BadBusName {
        at: Location,
        name: String,
        error: crate::buses::BusNameError,
    },
    /// More buses than [`crate::buses::MAX_BUSES`].
    TooManyBuses { at: Location, max: usize },
    /// A string that must be one of a few words.
    BadChoice {
        at: Location,
        section: Section,
        field: &'static str,
        /// The value as written, quotes included.
        found: String,
        choices: &'static [&'static str],
        suggestion: Option<&'static str>,
    },
    /// A number outside its range (`[layer_a] target = 0`).
    OutOfRange {
        at: Location,
        section: Section,
        key: &'static str,
        value: f64,
        /// `-40.0 to -6.0 dBFS`
        bounds: String,
    },
    /// A match pattern that is not a valid glob; `at` points into it.
    BadPattern {
        at: Location,
        section: Section,
        field: &'static str,
        pattern: String,
        error: GlobError,
    },
    /// A `[[rules]]` entry without a match key or without a route.
    IncompleteRule {
        at: Location,
        /// The rule's number, counting from 1.
        rule: u32,
        missing: RulePart,
    },
    /// A `[dsp]` entry the parameter table refuses: unknown key, value out
    /// of range, or not a number.
    Dsp {
        at: Location,
        /// [`Section::Dsp`] or [`Section::BusDsp`].
        section: Section,
        error: ParamError,
    },
}

/// `"text"`, escaped as a TOML basic string.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `"a" or "b"`, `"a", "b" or "c"`.
fn alternatives(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| quoted(c)).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `at: [section] ` before a message; just `at: ` at the top level.
        let head = |f: &mut fmt::Formatter<'_>, at: &Location, section: &Section| match section {
            Section::TopLevel => write!(f, "{at}: "),
            section => write!(f, "{at}: {section} "),
        };
        match self {
            ProfileError::Read { path, source } => {
                write!(f, "cannot read profile {}: {source}", path.display())
            }
            ProfileError::NotFound {
                name,
                searched,
                available,
                suggestion,
            } => {
                write!(f, "no profile named `{name}`")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
                write!(f, " (looked in: {})", dirs.join(", "))?;
                if !available.is_empty() {
                    write!(f, "; available: {}", available.join(", "))?;
                }
                Ok(())
            }
            ProfileError::Syntax { at, message } => {
                write!(f, "{at}: not valid TOML: {}", message.trim_end())
            }
            ProfileError::UnknownKey {
                at,
                section,
                key,
                suggestion,
            } => {
                head(f, at, section)?;
                write!(f, "unknown key `{key}`")?;
                match (suggestion, section) {
                    (Some(s), _) => write!(f, "; did you mean `{s}`?"),
                    (None, Section::TopLevel) => {
                        write!(f, " (a profile has: {})", section.keys().join(", "))
                    }
                    (None, _) => write!(f, " (valid: {})", section.keys().join(", ")),
                }
            }
            ProfileError::MisplacedKey { at, section, key } => {
                head(f, at, section)?;
                write!(
                    f,
                    "has `{key}`, which is a top-level key: keys after a [header] belong to \
                     that table, so move it above the first [header] of the file"
                )
            }
            ProfileError::WrongType {
                at,
                section,
                field,
                expected,
                found,
            } => {
                head(f, at, section)?;
                write!(f, "`{field}` must be {expected}, found {found}")
            }
            ProfileError::BadChoice {
                at,
                section,
                field,
                found,
                choices,
                suggestion,
            } => {
                head(f, at, section)?;
                write!(
                    f,
                    "`{field}` must be {}, found {found}",
                    alternatives(choices)
                )?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean {}?", quoted(s)),
                    None => Ok(()),
                }
            }
            ProfileError::UnknownRoute {
                at,
                section,
                field,
                found,
                buses,
                suggestion,
            } => {
                head(f, at, section)?;
                write!(
                    f,
                    "`{field}` must be \"processed\", \"bypass\" or a bus, found {found}"
                )?;
                if buses.is_empty() {
                    f.write_str(" (this profile has no [buses.NAME])")?;
                } else {
                    write!(f, " (this profile's buses: {})", buses.join(", "))?;
                }
                match suggestion {
                    Some(s) => write!(f, "; did you mean {}?", quoted(s)),
                    None => Ok(()),
                }
            }
            ProfileError::BadBusName { at, name, error } => {
                write!(f, "{at}: [buses.{name}]: {error}")
            }
            ProfileError::TooManyBuses { at, max } => {
                write!(f, "{at}: [buses] a profile has at most {max} buses")
            }
            ProfileError::OutOfRange {
                at,
                section,
                key,
                value,
                bounds,
            } => {
                head(f, at, section)?;
                write!(f, "{key} = {value} is out of range: must be {bounds}")
            }
            ProfileError::BadPattern {
                at,
                section,
                field,
                pattern,
                error,
            } => {
                head(f, at, section)?;
                write!(f, "`{field}` pattern {}: {error}", quoted(pattern))
            }
            ProfileError::IncompleteRule { at, rule, missing } => {
                head(f, at, &Section::Rule(*rule))?;
                match missing {
                    RulePart::MatchKey => write!(
                        f,
                        "has no match key: give at least one of {}",
                        crate::rules::MatchKey::ALL
                            .map(|k| format!("`{}`", k.key()))
                            .join(", ")
                    ),
                    RulePart::Route => write!(
                        f,
                        "has no `route`: add route = {}",
                        alternatives(&crate::rules::Route::NAMES)
                    ),
                }
            }
            ProfileError::Dsp { at, section, error } => write!(f, "{at}: {section} {error}"),
        }
    }
}

impl std::error::Error for ProfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileError::Read { source, .. } => Some(source),
            ProfileError::Dsp { error, .. } => Some(error),
            ProfileError::BadPattern { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let text = "a = 1\n[dsp]\nceiling = 3\n";
        assert_eq!(Location::at("f", text, 0).to_string(), "f:1:1");
        assert_eq!(Location::at("f", text, 6).to_string(), "f:2:1");
        let offset = text.find('3').unwrap();
        assert_eq!(Location::at("f", text, offset).to_string(), "f:3:11");
        // Multi-byte characters count as one column.
        let text = "name = \"Nacht–ruhe\" x";
        let offset = text.find('x').unwrap();
        assert_eq!(Location::at("f", text, offset).column, 21);
        // Past the end clamps instead of panicking.
        assert_eq!(Location::at("f", "ab", 99).to_string(), "f:1:3");
    }
}
