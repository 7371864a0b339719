//! `headroom tray`: headroom's icon in the desktop's panel, as a
//! StatusNotifierItem (the protocol KDE, GNOME with the AppIndicator
//! extension, Xfce, Cinnamon, waybar and others show) with a
//! com.canonical.dbusmenu menu, on the D-Bus session bus.
//!
//! - [`state`]: what the router says, and the icon, status and tooltip that
//!   show it (pure);
//! - [`menu`]: the menu and the action each item asks for (pure);
//! - [`sni`]: both served through `ksni`;
//! - [`follower`]: the task that follows the router and performs actions,
//!   all through the varlink client, each call under a timeout;
//! - [`terminal`]: "Open monitor".
//!
//! Without a StatusNotifierWatcher (a desktop with no tray support yet)
//! the item is served all the same, the log says why nothing shows, and
//! it registers as soon as a watcher appears.

mod follower;
pub mod menu;
mod sni;
pub mod state;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use ksni::TrayMethods;

pub const TRAY_HELP: &str = "\
Examples:
  headroom tray                                # the icon, for this session
  systemctl --user enable --now headroom-tray  # … and at every login (systemd)
  RUST_LOG=debug headroom tray                 # its log in detail (D-Bus traffic too)

The icon shows at a glance whether you are protected:
  security-high    protecting (the active profile in the tooltip)
  security-low     the bypass switch is on: every app plays unprocessed
  dialog-error     NOT PROTECTED: the processed sink is down (the tooltip says why)
  dialog-warning   the router is not running
Its menu turns protection on and off, picks the profile, sends each playing
app through the limiter or straight to the device (saved, as `headroom route
set` does) and opens `headroom monitor` in a terminal ($TERMINAL, else
x-terminal-emulator, gnome-terminal, konsole, …). A left click opens the
monitor too.

It follows the router: greyed out while the router is not running, back as
soon as it is. It needs a D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS) and a
panel with StatusNotifierItem support; without one it waits for it and says
so in its log (journalctl --user -u headroom-tray).";

/// Runs the tray until Quit, SIGINT or SIGTERM.
pub fn run(socket: Option<PathBuf>) -> ExitCode {
    super::daemon_cmd::init_logging();
    let runtime = match super::client_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let (actions_tx, actions) = tokio::sync::mpsc::unbounded_channel();
        let tray = sni::HeadroomTray::new(actions_tx);
        // Treat a missing watcher as "not yet": the item is served, and
        // `watcher_offline` logs why nothing shows.
        let handle = match tray.assume_sni_available(true).spawn().await {
            Ok(handle) => handle,
            Err(e) => {
                tracing::error!(
                    "cannot put the icon on the session bus: {e} (is DBUS_SESSION_BUS_ADDRESS set? \
                     `headroom tray` runs inside a desktop session)"
                );
                return ExitCode::from(super::EXIT_FAILED);
            }
        };
        tracing::info!("headroom tray: serving the StatusNotifierItem on the session bus");
        match follower::run(socket, handle, actions).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}; the icon is gone");
                ExitCode::from(super::EXIT_FAILED)
            }
        }
    })
}
