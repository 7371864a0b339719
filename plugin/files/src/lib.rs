//! Where headroom's files live and how they are written, for every
//! headroom program (router, CLI, plugin, `headroom-wav`, xtask): one rule
//! for the XDG directories and one atomic write. Depends on std (and libc for one open flag).
//!
//! # Directories
//! Per the XDG Base Directory specification, an `XDG_*` variable counts
//! only when it is set to an **absolute** path; a relative or empty value
//! is ignored as if unset, and the fallback under `$HOME` is used
//! (`$HOME` must be absolute too). `XDG_RUNTIME_DIR` has no fallback.
//!
//! # Writes
//! [`write_atomically`] and [`write_private`] (whole contents at once) and
//! [`AtomicFile`] (a stream, for large outputs) replace a file so that, even
//! after a crash or power loss, it holds either its old or its new
//! contents: a temp file in the same directory is written and fsynced,
//! renamed over the target, and the directory is fsynced. Modes are set
//! explicitly, never left to the process umask.
//!
//! # Reads
//! [`read_small_text`] reads a file the user may have pointed anywhere
//! (a profile, the routes file) without ever blocking on it: a FIFO, a
//! device or a directory is refused at once, and so is a file over the
//! given size, before any of it is read.

mod streaming;

pub use streaming::AtomicFile;

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The whole text of the regular file at `path`, if it is at most
/// `max_bytes` long. Never blocks: it is opened non-blocking and checked
/// (`fstat`) before reading, so a FIFO, socket, device or directory is an
/// error (`InvalidInput`, saying what it is), as are a file over
/// `max_bytes` (`FileTooLarge`, with its size) and text that is not UTF-8.
pub fn read_small_text(path: &Path, max_bytes: u64) -> io::Result<String> {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a device"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        ));
    }
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it is {size} bytes; at most {max_bytes} are read"),
        )
    };
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    // It may grow between fstat and read: read one byte past the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is not UTF-8 text: {e}"),
        )
    })
}

/// The value of `var` as a directory, if it is set and absolute.
fn absolute_var(var: &str) -> Option<PathBuf> {
    absolute(std::env::var_os(var))
}

fn absolute(value: Option<OsString>) -> Option<PathBuf> {
    value.map(PathBuf::from).filter(|p| p.is_absolute())
}

/// `$XDG_CONFIG_HOME`, else `$HOME/.config`.
pub fn config_home() -> Option<PathBuf> {
    absolute_var("XDG_CONFIG_HOME").or_else(|| Some(absolute_var("HOME")?.join(".config")))
}

/// `$XDG_STATE_HOME`, else `$HOME/.local/state`.
pub fn state_home() -> Option<PathBuf> {
    absolute_var("XDG_STATE_HOME").or_else(|| Some(absolute_var("HOME")?.join(".local/state")))
}

/// `$XDG_DATA_HOME`, else `$HOME/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    absolute_var("XDG_DATA_HOME").or_else(|| Some(absolute_var("HOME")?.join(".local/share")))
}

/// `$XDG_RUNTIME_DIR` (no fallback: without it there is no safe place for
/// sockets and shared memory).
pub fn runtime_dir() -> io::Result<PathBuf> {
    absolute_var("XDG_RUNTIME_DIR").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "XDG_RUNTIME_DIR is not set to an absolute path (it is set by the login session; \
             export it, e.g. XDG_RUNTIME_DIR=/run/user/$(id -u))",
        )
    })
}

/// `<config_home>/headroom`.
pub fn headroom_config_dir() -> Option<PathBuf> {
    Some(config_home()?.join("headroom"))
}

/// `<state_home>/headroom`.
pub fn headroom_state_dir() -> Option<PathBuf> {
    Some(state_home()?.join("headroom"))
}

/// `$XDG_RUNTIME_DIR/headroom`.
pub fn headroom_runtime_dir() -> io::Result<PathBuf> {
    Ok(runtime_dir()?.join("headroom"))
}

/// Replaces `path` with `contents` atomically (see the crate docs). The
/// parent directory is created if missing. An existing file keeps its
/// permissions; a new one is 0644 (settings, not secrets). On failure
/// the temp file is removed and `path` is untouched.
pub fn write_atomically(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let mode = fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    write_with_mode(path, contents.as_ref(), mode)
}

/// [`write_atomically`], always leaving the file 0600 (readable by its
/// owner only), whatever it was before and whatever the umask.
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    write_with_mode(path, contents.as_ref(), 0o600)
}

fn write_with_mode(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have narrowed `mode`: set it exactly.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("headroom-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn small_reads_refuse_fifos_directories_and_big_files_without_blocking() {
        let dir = scratch("small");
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo.toml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo(3) on a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Nobody writes the FIFO: a blocking open would hang here.
        let e = read_small_text(&fifo, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = read_small_text(&dir, 1024).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");

        let big = dir.join("big.toml");
        fs::write(&big, vec![b'#'; 2048]).unwrap();
        let e = read_small_text(&big, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("2048 bytes"), "{e}");
        assert_eq!(read_small_text(&big, 2048).unwrap().len(), 2048);

        let binary = dir.join("binary.toml");
        fs::write(&binary, [0xff, 0xfe]).unwrap();
        let e = read_small_text(&binary, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn replaces_the_file_whole_and_keeps_its_mode() {
        let dir = scratch("keep");
        let path = dir.join("sub/routes.toml");
        write_atomically(&path, "one\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\n");
        assert_eq!(mode(&path), 0o644);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&path, "two\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(mode(&path), 0o600);
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["routes.toml"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn private_files_are_0600_even_if_they_were_wider() {
        let dir = scratch("private");
        let path = dir.join("filter-chain.conf");
        write_atomically(&path, "x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        write_private(&path, "y").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "y");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp() {
        let dir = scratch("fail");
        // A directory where the file should be: the rename fails.
        let path = dir.join("taken");
        fs::create_dir_all(path.join("inside")).unwrap();
        assert!(write_atomically(&path, "new").is_err());
        assert!(path.join("inside").is_dir());
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["taken"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_absolute_values_count() {
        assert_eq!(absolute(Some("relative/dir".into())), None);
        assert_eq!(absolute(Some("".into())), None);
        assert_eq!(absolute(None), None);
        assert_eq!(
            absolute(Some("/run/user/1000".into())),
            Some(PathBuf::from("/run/user/1000"))
        );
    }
}
