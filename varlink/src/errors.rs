//! Error replies: the interface's own errors ([`RouterError`]) and the
//! `org.varlink.service` errors every varlink service shares
//! ([`ServiceError`]). On the wire an error reply is
//! `{"error": "<interface>.<Name>", "parameters": {…}}`; both enums
//! serialise to exactly that.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::ProfileProblem;

/// The errors `io.headroom.Router` declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "error", content = "parameters")]
pub enum RouterError {
    /// No profile of that name; `available` lists the ones there are.
    #[serde(rename = "io.headroom.Router.ProfileNotFound")]
    ProfileNotFound {
        name: String,
        available: Vec<String>,
    },
    /// The profile exists but cannot be used.
    #[serde(rename = "io.headroom.Router.InvalidProfile")]
    InvalidProfile(ProfileProblem),
    /// No DSP parameter has this id.
    #[serde(rename = "io.headroom.Router.UnknownParameter")]
    UnknownParameter { id: String },
    /// The value is outside the parameter's inclusive range.
    #[serde(rename = "io.headroom.Router.ParameterOutOfRange")]
    ParameterOutOfRange { id: String, min: f64, max: f64 },
    /// The processed sink is not in the graph now; nothing was changed.
    #[serde(rename = "io.headroom.Router.NotConnected")]
    NotConnected {},
    /// `routes.toml` cannot be read; it was left as it is.
    #[serde(rename = "io.headroom.Router.InvalidRoutes")]
    InvalidRoutes(ProfileProblem),
    /// A file could not be written; nothing was changed.
    #[serde(rename = "io.headroom.Router.SaveFailed")]
    SaveFailed { file: String, message: String },
    /// `devices.toml` cannot be used; it was left as it is.
    #[serde(rename = "io.headroom.Router.InvalidDevices")]
    InvalidDevices(ProfileProblem),
    /// There is no output device to save a profile for.
    #[serde(rename = "io.headroom.Router.NoOutputDevice")]
    NoOutputDevice {},
    /// The active profile has no bus of that name (`SetRoute`).
    #[serde(rename = "io.headroom.Router.UnknownBus")]
    UnknownBus {
        bus: String,
        profile: String,
        /// The buses the active profile has, in file order.
        buses: Vec<String>,
    },
}

impl fmt::Display for RouterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouterError::ProfileNotFound { name, available } => {
                write!(f, "no profile named `{name}`")?;
                if !available.is_empty() {
                    write!(f, " (available: {})", available.join(", "))?;
                }
                Ok(())
            }
            RouterError::InvalidProfile(p) => located(f, p),
            RouterError::InvalidRoutes(p) | RouterError::InvalidDevices(p) => {
                located(f, p)?;
                f.write_str(" (fix the file, then try again; it was left as it is)")
            }
            RouterError::SaveFailed { file, message } => {
                write!(f, "cannot save {file}: {message}; nothing was changed")
            }
            RouterError::UnknownParameter { id } => write!(f, "unknown parameter `{id}`"),
            RouterError::ParameterOutOfRange { id, min, max } => {
                write!(f, "{id} is out of range: must be {min:?} to {max:?}")
            }
            RouterError::UnknownBus {
                bus,
                profile,
                buses,
            } => {
                write!(f, "profile {profile} has no bus {bus}")?;
                if buses.is_empty() {
                    f.write_str(" (it has no [buses.NAME]: route to processed or bypass)")
                } else {
                    write!(f, " (its buses: {})", buses.join(", "))
                }
            }
            RouterError::NoOutputDevice {} => f.write_str(
                "no output device is in the graph right now, so there is none to save a \
                 profile for; nothing was changed",
            ),
            RouterError::NotConnected {} => f.write_str(
                "the processed sink is not in the PipeWire graph right now; nothing was changed",
            ),
        }
    }
}

impl std::error::Error for RouterError {}

/// `file:line:column: message`, leaving out what is not known.
fn located(f: &mut fmt::Formatter<'_>, p: &ProfileProblem) -> fmt::Result {
    f.write_str(&p.file)?;
    if let Some(line) = p.line {
        write!(f, ":{line}")?;
        if let Some(column) = p.column {
            write!(f, ":{column}")?;
        }
    }
    write!(f, ": {}", p.message)
}

/// The `org.varlink.service` errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", content = "parameters")]
pub enum ServiceError {
    /// The call names an interface the service does not have.
    #[serde(rename = "org.varlink.service.InterfaceNotFound")]
    InterfaceNotFound { interface: String },
    /// The interface has no such method (`method` is fully qualified).
    #[serde(rename = "org.varlink.service.MethodNotFound")]
    MethodNotFound { method: String },
    /// The interface declares the method but the service lacks it.
    #[serde(rename = "org.varlink.service.MethodNotImplemented")]
    MethodNotImplemented { method: String },
    /// A parameter is missing or has the wrong type; `parameter` names it.
    #[serde(rename = "org.varlink.service.InvalidParameter")]
    InvalidParameter { parameter: String },
    #[serde(rename = "org.varlink.service.PermissionDenied")]
    PermissionDenied {},
    /// The method must be called with `more`.
    #[serde(rename = "org.varlink.service.ExpectedMore")]
    ExpectedMore {},
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::InterfaceNotFound { interface } => {
                write!(f, "no interface `{interface}`")
            }
            ServiceError::MethodNotFound { method } => write!(f, "no method `{method}`"),
            ServiceError::MethodNotImplemented { method } => {
                write!(f, "method `{method}` is not implemented")
            }
            ServiceError::InvalidParameter { parameter } => {
                write!(f, "invalid or missing parameter `{parameter}`")
            }
            ServiceError::PermissionDenied {} => f.write_str("permission denied"),
            ServiceError::ExpectedMore {} => f.write_str("the method must be called with `more`"),
        }
    }
}

impl std::error::Error for ServiceError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_serialise_as_varlink_error_replies() {
        assert_eq!(
            serde_json::to_value(RouterError::NotConnected {}).unwrap(),
            json!({"error": "io.headroom.Router.NotConnected", "parameters": {}})
        );
        let range = RouterError::ParameterOutOfRange {
            id: "ceiling".into(),
            min: -12.0,
            max: -0.1,
        };
        let wire = serde_json::to_value(&range).unwrap();
        assert_eq!(
            wire,
            json!({"error": "io.headroom.Router.ParameterOutOfRange",
                   "parameters": {"id": "ceiling", "min": -12.0, "max": -0.1}})
        );
        assert_eq!(serde_json::from_value::<RouterError>(wire).unwrap(), range);
        assert_eq!(
            serde_json::to_value(ServiceError::InvalidParameter {
                parameter: "enabled".into()
            })
            .unwrap(),
            json!({"error": "org.varlink.service.InvalidParameter",
                   "parameters": {"parameter": "enabled"}})
        );
    }

    #[test]
    fn every_error_is_declared_in_the_interface() {
        for name in [
            "ProfileNotFound",
            "InvalidProfile",
            "UnknownParameter",
            "ParameterOutOfRange",
            "NotConnected",
            "InvalidRoutes",
            "SaveFailed",
            "InvalidDevices",
            "NoOutputDevice",
            "UnknownBus",
        ] {
            assert!(
                crate::INTERFACE_DESCRIPTION.contains(&format!("\nerror {name} (")),
                "{name}"
            );
        }
    }
}
