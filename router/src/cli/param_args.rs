//! `headroom get`/`set` arguments checked against the parameter table
//! before the router is asked: a mistyped id gets "did you mean", a value
//! that is not a number is a usage error (exit code 2), and a value out of
//! range is refused (exit code 1) with the range in the parameter's unit.

use headroom_dsp::{ParamSpec, PARAMS};
use headroom_profile::suggest;

use super::{EXIT_REFUSED, EXIT_USAGE};

/// Why an argument cannot be used: the message and the exit code.
#[derive(Debug, PartialEq)]
pub struct ArgError {
    pub message: String,
    pub code: u8,
}

fn usage(message: String) -> ArgError {
    ArgError {
        message,
        code: EXIT_USAGE,
    }
}

/// The table row for `id`, or a usage error naming the nearest ids.
pub fn spec(id: &str) -> Result<&'static ParamSpec, ArgError> {
    if let Some(spec) = PARAMS.iter().find(|s| s.key == id) {
        return Ok(spec);
    }
    let hint = match suggest::nearest(id, PARAMS.iter().map(|s| s.key)) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    };
    Err(usage(format!(
        "no DSP parameter `{id}`{hint} (`headroom get` lists them all)"
    )))
}

/// `value` for parameter `spec`: a number in its unit, or on/off
/// (true/false, yes/no, 1/0) for a switch, inside its range.
pub fn value(spec: &'static ParamSpec, text: &str) -> Result<f64, ArgError> {
    let range = if spec.is_toggle() {
        "on or off".to_string()
    } else {
        let unit = spec.unit.label();
        let space = if unit.is_empty() || unit.starts_with(':') {
            ""
        } else {
            " "
        };
        format!("{:?} to {:?}{space}{unit}", spec.min, spec.max)
    };
    let number = match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(1.0),
        "off" | "false" | "no" => Some(0.0),
        number => number.parse::<f64>().ok().filter(|v| v.is_finite()),
    };
    let Some(number) = number else {
        return Err(usage(format!(
            "`{text}` is not a value for {} ({range})",
            spec.key
        )));
    };
    if headroom_profile::param::check_number(spec, number).is_err() {
        return Err(ArgError {
            message: format!("{} must be {range}, not {text}", spec.key),
            code: EXIT_REFUSED,
        });
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_get_did_you_mean_and_values_their_unit() {
        let e = spec("celing").unwrap_err();
        assert_eq!(e.code, EXIT_USAGE);
        assert!(
            e.message.contains("did you mean `ceiling`?"),
            "{}",
            e.message
        );
        let e = spec("agc").unwrap_err();
        assert!(e.message.contains("agc_"), "{}", e.message);

        let ceiling = spec("ceiling").unwrap();
        assert_eq!(value(ceiling, "-2"), Ok(-2.0));
        let e = value(ceiling, "abc").unwrap_err();
        assert_eq!(e.code, EXIT_USAGE);
        assert!(e.message.contains("-12.0 to -0.1 dBTP"), "{}", e.message);
        let e = value(ceiling, "3").unwrap_err();
        assert_eq!(e.code, EXIT_REFUSED);
        assert_eq!(e.message, "ceiling must be -12.0 to -0.1 dBTP, not 3");

        let agc = spec("agc_enabled").unwrap();
        assert_eq!(value(agc, "on"), Ok(1.0));
        assert_eq!(value(agc, "OFF"), Ok(0.0));
        assert!(value(agc, "0.5").unwrap_err().message.contains("on or off"));
    }
}
