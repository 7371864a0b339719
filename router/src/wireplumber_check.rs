//! Whether WirePlumber runs with headroom's fragment
//! (`router/wireplumber/50-headroom.conf`, installed into a
//! `wireplumber.conf.d` directory), which stops it from saving and
//! replaying stream targets. Without it, WirePlumber saves the router's
//! moves as the app's and the role's target and replays them when the
//! next app starts, before the router acts: a processed app can start on
//! the speakers for a moment (measured: +22.7 dBTP in a burst of 20 apps).
//!
//! Checked once at start, by file and process start time only (no
//! WirePlumber API shows its loaded configuration); the answer is a
//! warning for the log, never a reason not to run.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The fragment's file name.
pub const FRAGMENT: &str = "50-headroom.conf";

/// Where WirePlumber 0.5 reads `wireplumber.conf.d` fragments from: the
/// XDG config home, `$XDG_CONFIG_DIRS`, `/etc`, `$XDG_DATA_DIRS` (by
/// default `/usr/local/share:/usr/share`).
fn fragment_dirs() -> Vec<PathBuf> {
    let list = |var: &str, default: &str| -> Vec<PathBuf> {
        let value = std::env::var(var).ok().filter(|v| !v.is_empty());
        value
            .as_deref()
            .unwrap_or(default)
            .split(':')
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .collect()
    };
    let mut bases = Vec::new();
    bases.extend(headroom_files::config_home());
    bases.extend(list("XDG_CONFIG_DIRS", "/etc/xdg"));
    bases.push("/etc".into());
    bases.extend(list("XDG_DATA_DIRS", "/usr/local/share:/usr/share"));
    bases
        .into_iter()
        .map(|b| b.join("wireplumber/wireplumber.conf.d"))
        .collect()
}

/// When this user's oldest running `wireplumber` of this session started,
/// if one runs: one whose `XDG_RUNTIME_DIR` is ours (another session of
/// the same user, a second seat or a test graph, has its own), or whose
/// environment cannot be read.
fn wireplumber_started() -> Option<SystemTime> {
    let ours = std::env::var_os("XDG_RUNTIME_DIR");
    crate::own_processes::own_processes()
        .filter(|p| {
            std::fs::read_to_string(p.dir.join("comm")).is_ok_and(|c| c.trim() == "wireplumber")
        })
        .filter(|p| match (&ours, std::fs::read(p.dir.join("environ"))) {
            (Some(ours), Ok(environ)) => runtime_dir_of(&environ) == Some(ours.as_encoded_bytes()),
            _ => true,
        })
        .filter_map(|p| p.meta.modified().ok())
        .min()
}

/// `XDG_RUNTIME_DIR` in a `/proc/<pid>/environ` (NUL-separated).
fn runtime_dir_of(environ: &[u8]) -> Option<&[u8]> {
    environ
        .split(|b| *b == 0)
        .find_map(|var| var.strip_prefix(b"XDG_RUNTIME_DIR="))
}

/// What to warn about, if anything.
pub fn problem() -> Option<String> {
    problem_in(&fragment_dirs(), wireplumber_started())
}

fn problem_in(dirs: &[PathBuf], started: Option<SystemTime>) -> Option<String> {
    let installed: Option<(&Path, SystemTime)> = dirs.iter().find_map(|d| {
        let path = d.join(FRAGMENT);
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        Some((d.as_path(), modified))
    });
    match (installed, started) {
        (None, _) => Some(format!(
            "WirePlumber has no {FRAGMENT} (looked in {}): it will save headroom's moves as \
             stream targets and replay them when apps start, so a processed app can start on \
             your device for a moment; install it (`cargo xtask install` or the package) and \
             restart WirePlumber",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Some((dir, modified)), Some(started)) if modified > started => Some(format!(
            "{FRAGMENT} in {} is newer than the running WirePlumber, which has not loaded it: \
             restart WirePlumber (`systemctl --user restart wireplumber`)",
            dir.display()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn missing_or_not_yet_loaded_fragments_are_told_apart() {
        let dir = std::env::temp_dir().join(format!("headroom-wpcheck-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let dirs = [dir.clone()];
        let missing = problem_in(&dirs, None).unwrap();
        assert!(missing.contains("has no 50-headroom.conf"), "{missing}");
        std::fs::write(dir.join(FRAGMENT), "stream.rules = []\n").unwrap();
        let written = std::fs::metadata(dir.join(FRAGMENT))
            .unwrap()
            .modified()
            .unwrap();
        let stale = problem_in(&dirs, Some(written - Duration::from_secs(60))).unwrap();
        assert!(stale.contains("restart WirePlumber"), "{stale}");
        assert_eq!(
            problem_in(&dirs, Some(written + Duration::from_secs(1))),
            None
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_runtime_dir_is_read_from_an_environment_block() {
        let environ = b"HOME=/root\0XDG_RUNTIME_DIR=/run/user/1000\0LANG=C\0";
        assert_eq!(runtime_dir_of(environ), Some(&b"/run/user/1000"[..]));
        assert_eq!(runtime_dir_of(b"HOME=/root\0"), None);
        assert_eq!(runtime_dir_of(b""), None);
    }
}
