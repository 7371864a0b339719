//! systemd readiness notification (`sd_notify(3)`), without libsystemd:
//! one datagram to `$NOTIFY_SOCKET` (a path, or `@name` for the abstract
//! namespace). Does nothing when the variable is unset, i.e. when not run
//! by systemd with `Type=notify`.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Sends `state` (e.g. `"READY=1"`) to the service manager, if there is one.
/// Failures are logged, never fatal: the daemon works without systemd.
pub fn notify(state: &str) {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET").filter(|t| !t.is_empty()) else {
        return;
    };
    let target = target.to_string_lossy().into_owned();
    let sent = (|| {
        let addr = match target.strip_prefix('@') {
            Some(name) => SocketAddr::from_abstract_name(name.as_bytes())?,
            None => SocketAddr::from_pathname(&target)?,
        };
        let socket = UnixDatagram::unbound()?;
        socket.send_to_addr(state.as_bytes(), &addr)
    })();
    if let Err(e) = sent {
        tracing::warn!("cannot notify systemd at {target} ({state}): {e}");
    }
}

/// `RELOADING=1` with the `MONOTONIC_USEC` that systemd (≥ 253) wants
/// with it: the time the reload started, CLOCK_MONOTONIC in µs.
pub fn reloading() -> String {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let usec = now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000;
    format!("RELOADING=1\nMONOTONIC_USEC={usec}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_the_state_to_the_socket_named_by_notify_socket() {
        let dir = std::env::temp_dir().join(format!("headroom-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify");
        let _ = std::fs::remove_file(&path);
        let listener = UnixDatagram::bind(&path).unwrap();
        // SAFETY (of the test): no other test in this binary reads NOTIFY_SOCKET.
        std::env::set_var("NOTIFY_SOCKET", &path);
        notify("READY=1");
        std::env::remove_var("NOTIFY_SOCKET");
        let mut buffer = [0u8; 64];
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"READY=1");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
