//! What `headroom-wav` can fail at, and the exit code each failure gets.

use std::fmt;
use std::path::PathBuf;

use headroom_profile::ProfileError;

/// Exit codes, documented in `--help`. Scripts may rely on them.
pub mod exit_code {
    /// Everything worked.
    pub const OK: i32 = 0;
    /// A measurement failed unexpectedly (a bug: please report it).
    pub const INTERNAL: i32 = 1;
    /// Bad command line: unknown option, malformed or out-of-range `--set`.
    pub const USAGE: i32 = 2;
    /// The input file is missing, unreadable, corrupt, truncated or in an unsupported format.
    pub const INPUT: i32 = 3;
    /// The output file could not be written (nothing is left behind).
    pub const OUTPUT: i32 = 4;
    /// The profile was not found or is invalid.
    pub const PROFILE: i32 = 5;
    /// `selftest`: at least one check failed.
    pub const SELFTEST: i32 = 6;
}

/// A failure, with everything the message needs to name.
#[derive(Debug)]
pub enum WavError {
    /// The input file cannot be used.
    Input { path: PathBuf, problem: String },
    /// The output file cannot be written.
    Output { path: PathBuf, problem: String },
    /// `--profile` failed (boxed: profile errors carry locations and
    /// suggestions, and would make every `Result` here large).
    Profile(Box<ProfileError>),
    /// Something that should not fail did (e.g. the loudness meter refused
    /// a format it was checked to support).
    Internal(String),
}

impl WavError {
    pub fn input(path: impl Into<PathBuf>, problem: impl fmt::Display) -> WavError {
        WavError::Input {
            path: path.into(),
            problem: problem.to_string(),
        }
    }

    pub fn output(path: impl Into<PathBuf>, problem: impl fmt::Display) -> WavError {
        WavError::Output {
            path: path.into(),
            problem: problem.to_string(),
        }
    }

    /// The process exit code for this failure (see [`exit_code`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            WavError::Input { .. } => exit_code::INPUT,
            WavError::Output { .. } => exit_code::OUTPUT,
            WavError::Profile(_) => exit_code::PROFILE,
            WavError::Internal(_) => exit_code::INTERNAL,
        }
    }
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::Input { path, problem } => write!(f, "{}: {problem}", path.display()),
            WavError::Output { path, problem } => {
                write!(f, "{}: cannot write output: {problem}", path.display())
            }
            WavError::Profile(e) => write!(f, "profile: {e}"),
            WavError::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for WavError {}

impl From<ProfileError> for WavError {
    fn from(e: ProfileError) -> Self {
        WavError::Profile(Box::new(e))
    }
}
