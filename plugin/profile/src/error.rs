//! Everything that can go wrong finding, reading or checking a profile.

use std::fmt;
use std::io;
use std::path::PathBuf;

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

/// Why a profile could not be used. Every variant names the file (or the
/// name that was looked up); those about content also name line:column, the
/// field and the offending value.
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
    /// A top-level key the schema does not have.
    UnknownKey {
        at: Location,
        key: String,
        suggestion: Option<&'static str>,
    },
    /// A field with the wrong kind of value (`name = 3`, `dsp = "loud"`).
    WrongType {
        at: Location,
        field: String,
        expected: &'static str,
        /// The value's TOML type and its text, e.g. `integer 3`.
        found: String,
    },
    /// A `[dsp]` entry the parameter table refuses: unknown key, value out
    /// of range, or not a number.
    Dsp { at: Location, error: ParamError },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
                key,
                suggestion,
            } => {
                write!(f, "{at}: unknown key `{key}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, " (a profile has: {})", crate::TOP_LEVEL_KEYS.join(", ")),
                }
            }
            ProfileError::WrongType {
                at,
                field,
                expected,
                found,
            } => write!(f, "{at}: `{field}` must be {expected}, found {found}"),
            ProfileError::Dsp { at, error } => write!(f, "{at}: [dsp] {error}"),
        }
    }
}

impl std::error::Error for ProfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileError::Read { source, .. } => Some(source),
            ProfileError::Dsp { error, .. } => Some(error),
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
