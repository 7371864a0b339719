//! Where the control socket lives and how it is opened.
//!
//! The socket is `$XDG_RUNTIME_DIR/headroom/io.headroom.Router`: the
//! directory is made (or corrected to) mode 0700 and the socket is 0600,
//! so only the user can connect. A socket file left by a router that died
//! is replaced; a socket someone still answers on is an error (another
//! router is running). Under systemd socket activation (`LISTEN_PID` is
//! this process and `LISTEN_FDS` ≥ 1) the first passed descriptor is used
//! instead and the socket file is systemd's to manage.

use std::fs;
use std::io;
use std::os::fd::FromRawFd;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

/// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
const LISTEN_FDS_START: i32 = 3;

/// The socket file this process created, removed when this is dropped
/// (nothing under socket activation: the file is systemd's).
#[derive(Debug)]
pub struct SocketFile(Option<PathBuf>);

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

/// Opens the control socket at `path` (by default
/// `$XDG_RUNTIME_DIR/headroom/io.headroom.Router`), or takes the one
/// systemd passed. A missing directory is made with mode 0700; an existing
/// one is set to 0700 only when it is headroom's own (`private_dir`), so a
/// `--socket` elsewhere never changes a shared directory. The socket is
/// 0600 either way. Must run inside the tokio runtime.
pub fn open(path: &Path, private_dir: bool) -> Result<(UnixListener, SocketFile), String> {
    if let Some(listener) = from_systemd()? {
        let listener = into_tokio(listener).map_err(|e| format!("socket from systemd: {e}"))?;
        tracing::info!("control socket: the one systemd passed (socket activation)");
        return Ok((listener, SocketFile(None)));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .and_then(|()| {
            if private_dir {
                fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            } else {
                Ok(())
            }
        })
        .map_err(|e| format!("cannot make {} (mode 0700): {e}", dir.display()))?;
    let path = path.to_path_buf();
    if fs::symlink_metadata(&path).is_ok() {
        if StdStream::connect(&path).is_ok() {
            return Err(format!(
                "another headroom router is already answering at {}",
                path.display()
            ));
        }
        fs::remove_file(&path)
            .map_err(|e| format!("cannot remove the stale socket {}: {e}", path.display()))?;
    }
    let listener = StdListener::bind(&path)
        .and_then(|l| {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            Ok(l)
        })
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    // The guard exists before anything else can fail, so the file never stays behind.
    let file = SocketFile(Some(path.clone()));
    tracing::info!("control socket: {}", path.display());
    let listener = into_tokio(listener).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((listener, file))
}

fn into_tokio(listener: StdListener) -> io::Result<UnixListener> {
    listener.set_nonblocking(true)?;
    UnixListener::from_std(listener)
}

/// The listening socket systemd passed to this process, if any.
fn from_systemd() -> Result<Option<StdListener>, String> {
    let ours = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
        == Some(std::process::id());
    let count = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|n| n.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if !ours || count < 1 {
        return Ok(None);
    }
    let fd = LISTEN_FDS_START;
    // SAFETY: fstat and fcntl only inspect and flag descriptor 3, which
    // systemd passed to this process for us to own.
    let is_socket = unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut stat) == 0 && (stat.st_mode & libc::S_IFMT) == libc::S_IFSOCK
    };
    if !is_socket {
        return Err(format!(
            "LISTEN_FDS is set but descriptor {fd} is not a socket"
        ));
    }
    // The filter-chain child must not inherit it.
    // SAFETY: as above.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    // SAFETY: the descriptor is a socket passed to us, owned from here on.
    Ok(Some(unsafe { StdListener::from_raw_fd(fd) }))
}
