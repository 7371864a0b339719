//! The systemd user units shipped in `router/systemd/`: `headroom.service`
//! (Type=notify, started with PipeWire) and `headroom.socket` (the control
//! socket, so a client's first call starts the router). The service's
//! `ExecStart` names the installed binary and LV2 directory: [`render`]
//! fills them in.

use std::path::Path;

/// The service template; `@BINDIR@` and `@LV2DIR@` are placeholders.
pub const SERVICE_TEMPLATE: &str = include_str!("../systemd/headroom.service");
/// The socket unit, used as is.
pub const SOCKET: &str = include_str!("../systemd/headroom.socket");

/// `(file name, contents)` of both units, for a `headroom` binary in
/// `bin_dir` and `headroom.lv2` in `lv2_dir`.
pub fn render(bin_dir: &Path, lv2_dir: &Path) -> [(&'static str, String); 2] {
    let service = SERVICE_TEMPLATE
        .replace("@BINDIR@", &bin_dir.display().to_string())
        .replace("@LV2DIR@", &lv2_dir.display().to_string());
    [
        ("headroom.service", service),
        ("headroom.socket", SOCKET.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_placeholder_is_filled() {
        let [(_, service), _] = super::render("/opt/bin".as_ref(), "/opt/lv2".as_ref());
        assert!(!service.contains('@'), "{service}");
        assert!(service.contains("ExecStart=/opt/bin/headroom daemon --lv2-path /opt/lv2"));
    }
}
