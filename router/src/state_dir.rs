//! What the router remembers between runs, under
//! `$XDG_STATE_HOME/headroom/` (default `~/.local/state/headroom/`).
//! Every write is atomic ([`headroom_files::write_atomically`]).

use std::fs;
use std::io;
use std::path::PathBuf;

/// The state directory, if `XDG_STATE_HOME` or `HOME` is set (absolute).
pub fn dir() -> Option<PathBuf> {
    headroom_files::headroom_state_dir()
}

/// Reads `name` (trimmed), if present.
pub fn read(name: &str) -> Option<String> {
    let text = fs::read_to_string(dir()?.join(name)).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Writes `name` atomically.
pub fn write(name: &str, value: &str) -> io::Result<()> {
    let dir = dir().ok_or_else(|| io::Error::other("neither XDG_STATE_HOME nor HOME is set"))?;
    headroom_files::write_atomically(&dir.join(name), format!("{value}\n"))
}

/// File holding the user's own output device (`node.name`).
pub const REAL_SINK: &str = "real-sink";

/// File holding the active profile (a name or a path), as last chosen.
pub const ACTIVE_PROFILE: &str = "active-profile";
