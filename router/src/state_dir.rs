//! What the router remembers between runs, under
//! `$XDG_STATE_HOME/headroom/` (default `~/.local/state/headroom/`).
//! Every write goes through a temp file and a rename.

use std::fs;
use std::io;
use std::path::PathBuf;

/// The state directory, if `XDG_STATE_HOME` or `HOME` is set.
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("headroom"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/headroom"))
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
    fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, format!("{value}\n"))?;
    fs::rename(&tmp, &path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// File holding the user's own output device (`node.name`).
pub const REAL_SINK: &str = "real-sink";

/// File holding the active profile (a name or a path), as last chosen.
pub const ACTIVE_PROFILE: &str = "active-profile";
