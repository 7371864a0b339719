//! Live reload of the active profile.
//!
//! Polls the file the profile name resolves to (re-resolving each time, so
//! a user override created in `~/.config/headroom/profiles/` takes over) on
//! every poll of the daemon's file thread (`files.rs`, every 100 ms; never
//! on the event loop), and reloads once its (inode, size, mtime) stamp has
//! been stable for [`SETTLE`]. Polling sees every way editors save — in
//! place, or a new file renamed over the old one — and costs a few `stat`
//! calls a second. A saved edit takes effect within about 300 ms.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use headroom_profile::{Profile, ProfileError, SearchPath};

/// How long a changed file must stay unchanged before it is read: an
/// editor's save is done by then, a half-written file is not read.
pub const SETTLE: Duration = Duration::from_millis(100);

/// What tells a file's versions apart without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    path: PathBuf,
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        path: path.to_path_buf(),
        inode: meta.ino(),
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

pub struct ProfileWatch {
    arg: String,
    search: SearchPath,
    /// What the active profile was loaded from.
    loaded: Option<Stamp>,
    /// A change seen, and when; read once it has settled.
    pending: Option<(Option<Stamp>, Instant)>,
}

impl ProfileWatch {
    /// Watches profile `arg` (a name or a path), whose current contents
    /// were loaded from `loaded_from`.
    pub fn new(arg: &str, search: SearchPath, loaded_from: Option<&Path>) -> ProfileWatch {
        ProfileWatch {
            arg: arg.to_string(),
            search,
            loaded: loaded_from.and_then(stamp),
            pending: None,
        }
    }

    /// Call every poll. Returns a reload result when the profile's file
    /// changed and has settled: the new profile, or why it cannot be used
    /// (the caller keeps the last good one).
    pub fn poll(&mut self) -> Option<Result<Profile, ProfileError>> {
        let now = self
            .search
            .resolve(&self.arg)
            .ok()
            .and_then(|path| stamp(&path));
        if now == self.loaded {
            self.pending = None;
            return None;
        }
        match &self.pending {
            Some((seen, since)) if *seen == now => {
                if since.elapsed() < SETTLE {
                    return None;
                }
            }
            _ => {
                self.pending = Some((now, Instant::now()));
                return None;
            }
        }
        self.pending = None;
        self.loaded = now;
        Some(self.search.load(&self.arg))
    }
}
