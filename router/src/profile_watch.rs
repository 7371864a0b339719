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

/// A polled file's version as last taken, and a newer one waiting to
/// settle: the one settle rule every live-reloaded file follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Settling {
    /// The version last taken (read or written by us).
    loaded: Option<Stamp>,
    /// A new version seen, and when: read once it has settled.
    pending: Option<(Option<Stamp>, Instant)>,
}

impl Settling {
    /// `loaded` is the version taken now.
    pub(crate) fn new(loaded: Option<Stamp>) -> Settling {
        Settling {
            loaded,
            pending: None,
        }
    }

    /// Call every poll with the file's stamp `now`: true once a version
    /// other than the one taken has stayed unchanged for [`SETTLE`]; it
    /// is the one taken from then on.
    pub(crate) fn settled(&mut self, now: Option<Stamp>) -> bool {
        if now == self.loaded {
            self.pending = None;
            return false;
        }
        match &self.pending {
            Some((seen, since)) if *seen == now => {
                if since.elapsed() < SETTLE {
                    return false;
                }
            }
            _ => {
                self.pending = Some((now, Instant::now()));
                return false;
            }
        }
        self.pending = None;
        self.loaded = now;
        true
    }

    /// Our own write (or read) made `version` the one taken: it is never
    /// reported as a change.
    pub(crate) fn take(&mut self, version: Option<Stamp>) {
        self.loaded = version;
        self.pending = None;
    }
}

pub struct ProfileWatch {
    arg: String,
    search: SearchPath,
    /// What the active profile was loaded from.
    version: Settling,
}

impl ProfileWatch {
    /// Watches profile `arg` (a name or a path), whose current contents
    /// were loaded from `loaded_from`.
    pub fn new(arg: &str, search: SearchPath, loaded_from: Option<&Path>) -> ProfileWatch {
        ProfileWatch {
            arg: arg.to_string(),
            search,
            version: Settling::new(loaded_from.and_then(stamp)),
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
        if !self.version.settled(now) {
            return None;
        }
        Some(self.search.load(&self.arg))
    }
}
