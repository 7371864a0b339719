//! The block as a file under `$XDG_RUNTIME_DIR/headroom/`, mapped shared.
//!
//! The writer reuses an existing file (same inode) rather than replacing it,
//! so a reader that mapped the block before a host restart keeps seeing the
//! new writer's updates.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::layout::{MeterBlock, MeterSnapshot, MeterValues, BLOCK_BYTES};

/// `<runtime_dir>/headroom/meters-<instance>`.
pub fn meter_path(runtime_dir: &Path, instance: u32) -> PathBuf {
    runtime_dir
        .join("headroom")
        .join(format!("meters-{instance}"))
}

/// `$XDG_RUNTIME_DIR` (absolute), or an error saying it is not set.
pub fn runtime_dir() -> io::Result<PathBuf> {
    headroom_files::runtime_dir()
}

/// A mapping of one block; unmapped on drop.
struct Mapping {
    ptr: NonNull<MeterBlock>,
}

// The block is nothing but atomics; sharing the mapping across threads is
// what it is for.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    fn map(file: &fs::File, writable: bool) -> io::Result<Mapping> {
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh shared mapping of a file at least BLOCK_BYTES long;
        // the result is checked before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                BLOCK_BYTES,
                prot,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            ptr: NonNull::new(ptr.cast()).expect("mmap never returns null on success"),
        })
    }

    fn block(&self) -> &MeterBlock {
        // SAFETY: mapped for BLOCK_BYTES ≥ size_of::<MeterBlock>(), page
        // aligned, and only ever accessed through atomics.
        unsafe { self.ptr.as_ref() }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: this mapping was created by `map` with this length.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), BLOCK_BYTES);
        }
    }
}

/// The audio side: owns a writable mapping. Create it off the audio thread;
/// [`MeterWriter::publish`] is then real-time safe.
pub struct MeterWriter {
    mapping: Mapping,
    path: PathBuf,
}

impl MeterWriter {
    /// Creates (or takes over) the block for `instance` under
    /// `$XDG_RUNTIME_DIR/headroom/`. Allocates and makes system calls.
    pub fn create(instance: u32) -> io::Result<MeterWriter> {
        Self::create_at(&meter_path(&runtime_dir()?, instance))
    }

    /// Creates (or takes over) the block at `path`; its directory is
    /// created 0700 if missing, the file is 0600.
    pub fn create_at(path: &Path) -> io::Result<MeterWriter> {
        if let Some(dir) = path.parent() {
            if !dir.is_dir() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)?;
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(path)?;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.set_len(BLOCK_BYTES as u64)?;
        let mapping = Mapping::map(&file, true)?;
        mapping.block().initialise(std::process::id());
        Ok(MeterWriter {
            mapping,
            path: path.to_path_buf(),
        })
    }

    /// Publishes one update. Real-time safe: atomic stores only.
    #[inline]
    pub fn publish(&self, values: &MeterValues) {
        self.mapping.block().publish(values);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The reading side, for the router, the monitor and tests: a read-only
/// mapping of a block some plugin instance writes.
pub struct MeterReader {
    mapping: Mapping,
    path: PathBuf,
}

impl MeterReader {
    /// Opens the block of `instance` under `$XDG_RUNTIME_DIR/headroom/`.
    pub fn open(instance: u32) -> io::Result<MeterReader> {
        Self::open_path(&meter_path(&runtime_dir()?, instance))
    }

    /// Opens the block at `path`. Fails if the file is shorter than a block.
    pub fn open_path(path: &Path) -> io::Result<MeterReader> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let len = file.metadata()?.len();
        if len < BLOCK_BYTES as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: {len} bytes is not a headroom meter block ({BLOCK_BYTES} bytes)",
                    path.display()
                ),
            ));
        }
        Ok(MeterReader {
            mapping: Mapping::map(&file, false)?,
            path: path.to_path_buf(),
        })
    }

    /// The latest consistent values, or `None` while no writer initialised
    /// the block.
    pub fn read(&self) -> Option<MeterSnapshot> {
        self.mapping.block().snapshot()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
