//! Checking one parameter setting against the table: the shared rules behind
//! a profile's `[dsp]` keys, `headroom-wav --set id=value` and (later) the
//! router's `SetParameter`.
//!
//! Unlike [`headroom_dsp::ParamSpec::clamp`], which the DSP applies silently,
//! everything here *rejects* a bad value with a message that names the key,
//! the value and the valid range: a typo in a profile should be fixed, not
//! quietly turned into something else.

use std::fmt;

use headroom_dsp::{ParamId, ParamSpec, Unit, PARAMS};

use crate::suggest::nearest;

/// Why a parameter setting was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamError {
    /// No parameter has this key.
    UnknownKey {
        key: String,
        /// The closest valid key, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The value is a number, but outside the parameter's range (or not 0/1
    /// for a switch).
    OutOfRange { key: &'static str, value: f64 },
    /// The value is not a number (or, for switches, not on/off).
    NotANumber { key: &'static str, found: String },
    /// Text that is not `id=value`.
    Malformed { text: String },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::UnknownKey { key, suggestion } => {
                write!(f, "unknown parameter `{key}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, " (valid: {})", all_keys().collect::<Vec<_>>().join(", ")),
                }
            }
            ParamError::OutOfRange { key, value } => {
                let spec = spec_of(key);
                write!(f, "{key} = {value} is out of range: {}", range_text(spec))
            }
            ParamError::NotANumber { key, found } => {
                let spec = spec_of(key);
                let expected = if spec.is_toggle() {
                    range_bounds(spec)
                } else {
                    format!("a number ({})", range_bounds(spec))
                };
                write!(f, "{key} expects {expected}, found {found}")
            }
            ParamError::Malformed { text } => {
                write!(f, "`{text}` is not id=value (example: ceiling=-1.5)")
            }
        }
    }
}

impl std::error::Error for ParamError {}

fn spec_of(key: &str) -> &'static ParamSpec {
    ParamId::from_key(key)
        .expect("ParamError keys come from the table")
        .spec()
}

/// Every parameter key, in table order.
pub fn all_keys() -> impl Iterator<Item = &'static str> {
    PARAMS.iter().map(|p| p.key)
}

/// The valid range with its unit: `-12.0 to -0.1 dBTP`, `1.0:1 to 20.0:1`,
/// `true/false (or 1/0)`.
pub fn range_bounds(spec: &ParamSpec) -> String {
    match spec.unit {
        Unit::Toggle => "true/false (or 1/0)".to_string(),
        Unit::Ratio => format!("{:?}:1 to {:?}:1", spec.min, spec.max),
        unit => format!("{:?} to {:?} {}", spec.min, spec.max, unit.label()),
    }
}

/// [`range_bounds`] as a requirement: `must be -12.0 to -0.1 dBTP`.
pub fn range_text(spec: &ParamSpec) -> String {
    format!("must be {}", range_bounds(spec))
}

/// Looks a parameter up by key, suggesting the nearest key when there is none.
pub fn lookup(key: &str) -> Result<&'static ParamSpec, ParamError> {
    ParamId::from_key(key)
        .map(ParamId::spec)
        .ok_or_else(|| ParamError::UnknownKey {
            key: key.to_string(),
            suggestion: nearest(key, all_keys()),
        })
}

/// Checks a numeric value: inside the range (compared as the `f32` the DSP
/// will use, so `-0.1` is accepted for a maximum of `-0.1`), and exactly 0 or
/// 1 for switches. NaN and infinities are always out of range.
pub fn check_number(spec: &'static ParamSpec, value: f64) -> Result<f32, ParamError> {
    let v = value as f32;
    let ok = if spec.is_toggle() {
        v == 0.0 || v == 1.0
    } else {
        spec.contains(v)
    };
    if ok {
        Ok(v)
    } else {
        Err(ParamError::OutOfRange {
            key: spec.key,
            value,
        })
    }
}

/// Parses a value written as text (command line, router requests): a number,
/// or for switches also `on`/`off`, `true`/`false`, `yes`/`no`.
pub fn parse_value(spec: &'static ParamSpec, text: &str) -> Result<f32, ParamError> {
    let trimmed = text.trim();
    if spec.is_toggle() {
        match trimmed.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => return Ok(1.0),
            "off" | "false" | "no" => return Ok(0.0),
            _ => {}
        }
    }
    match trimmed.parse::<f64>() {
        Ok(value) => check_number(spec, value),
        Err(_) => Err(ParamError::NotANumber {
            key: spec.key,
            found: format!("`{text}`"),
        }),
    }
}

/// Parses `id=value` (spaces around either side allowed).
pub fn parse_assignment(text: &str) -> Result<(ParamId, f32), ParamError> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(ParamError::Malformed {
            text: text.to_string(),
        });
    };
    let key = key.trim();
    if key.is_empty() || value.trim().is_empty() {
        return Err(ParamError::Malformed {
            text: text.to_string(),
        });
    }
    let spec = lookup(key)?;
    Ok((spec.id, parse_value(spec, value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_parse_and_check() {
        assert_eq!(
            parse_assignment("ceiling=-1.5"),
            Ok((ParamId::LimiterCeiling, -1.5))
        );
        assert_eq!(
            parse_assignment(" ceiling = -0.1 "),
            Ok((ParamId::LimiterCeiling, -0.1))
        );
        assert_eq!(
            parse_assignment("agc_enabled=off"),
            Ok((ParamId::AgcEnabled, 0.0))
        );
        assert_eq!(
            parse_assignment("comp_enabled=1"),
            Ok((ParamId::CompEnabled, 1.0))
        );
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let err = parse_assignment("celing=-1").unwrap_err();
        assert_eq!(
            err,
            ParamError::UnknownKey {
                key: "celing".into(),
                suggestion: Some("ceiling")
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown parameter `celing`; did you mean `ceiling`?"
        );
        let far = parse_assignment("zzzzzzzz=1").unwrap_err().to_string();
        assert!(far.contains("valid: input_gain, agc_enabled"), "{far}");
    }

    #[test]
    fn out_of_range_names_range_and_unit() {
        let err = parse_assignment("ceiling=0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ceiling = 0 is out of range: must be -12.0 to -0.1 dBTP"
        );
        let err = parse_assignment("comp_ratio=50").unwrap_err();
        assert_eq!(
            err.to_string(),
            "comp_ratio = 50 is out of range: must be 1.0:1 to 20.0:1"
        );
        let err = parse_assignment("agc_enabled=2").unwrap_err();
        assert!(err.to_string().contains("true/false (or 1/0)"), "{err}");
        assert!(parse_assignment("ceiling=NaN").is_err());
        assert!(parse_assignment("ceiling=inf").is_err());
    }

    #[test]
    fn malformed_text_is_named() {
        for text in ["ceiling", "=3", "ceiling=", ""] {
            assert_eq!(
                parse_assignment(text),
                Err(ParamError::Malformed { text: text.into() }),
                "{text:?}"
            );
        }
        let err = parse_assignment("ceiling=loud").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ceiling expects a number (-12.0 to -0.1 dBTP), found `loud`"
        );
    }
}
