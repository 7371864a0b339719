//! This user's running processes, as `/proc` lists them: what the
//! supervisor scans for leftover processed sinks and the WirePlumber check
//! for the session manager's start time. Read once per daemon start,
//! never on a hot path.

use std::fs::{self, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// One process of this user: its pid, its `/proc/<pid>` directory and
/// that directory's metadata (made when the process started).
pub(crate) struct OwnProcess {
    pub pid: libc::pid_t,
    pub dir: PathBuf,
    pub meta: Metadata,
}

/// Every process of this user visible in `/proc` now (none if `/proc`
/// cannot be read).
pub(crate) fn own_processes() -> impl Iterator<Item = OwnProcess> {
    // SAFETY: getuid(2) cannot fail.
    let uid = unsafe { libc::getuid() };
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(move |entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let meta = entry.metadata().ok()?;
            (meta.uid() == uid).then(|| OwnProcess {
                pid,
                dir: entry.path(),
                meta,
            })
        })
}
