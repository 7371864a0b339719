//! Client for headroom's `io.headroom.Router` varlink interface.
//!
//! The router daemon (`headroom daemon`) serves the interface on a unix
//! socket at `$XDG_RUNTIME_DIR/headroom/io.headroom.Router`
//! ([`default_socket_path`]). [`INTERFACE_DESCRIPTION`] is the interface
//! definition, the source of truth for the wire; [`types`] and [`errors`]
//! are its types field for field, shared by the router and every Rust
//! client. [`Client`] is a small typed async client (tokio).
//!
//! Varlink in one paragraph: a call is a JSON object
//! `{"method": "io.headroom.Router.GetStatus", "parameters": {…}}`
//! followed by a NUL byte; the reply is `{"parameters": {…}}` or
//! `{"error": "io.headroom.Router.ProfileNotFound", "parameters": {…}}`,
//! also NUL-terminated. Any varlink tool speaks it, e.g.
//! `varlinkctl call $XDG_RUNTIME_DIR/headroom/io.headroom.Router
//! io.headroom.Router.GetStatus '{}'` or
//! `python3 -m varlink.cli call unix:$XDG_RUNTIME_DIR/headroom/io.headroom.Router/io.headroom.Router.GetStatus '{}'`.
//!
//! ```no_run
//! # async fn example() -> Result<(), headroom_client::Error> {
//! use headroom_client::{Client, Error, RouterError};
//!
//! let mut router = Client::connect_default().await?;
//! router.set_bypass(true).await?; // kill switch: everything to the speakers
//! match router.set_parameter("ceiling", 3.0).await {
//!     Err(Error::Router(RouterError::ParameterOutOfRange { min, max, .. })) => {
//!         eprintln!("the ceiling must be {min} to {max}");
//!     }
//!     other => other?,
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Per-app routes outlive profile switches and restarts, a parameter can
//! be saved into the active profile, and [`Client::monitor`] opens a live
//! feed ([`MonitorStream`]) of events, meters and stream levels:
//!
//! ```no_run
//! # async fn example() -> Result<(), headroom_client::Error> {
//! use headroom_client::{Client, EventKind, MonitorEvent, Route};
//!
//! let mut router = Client::connect_default().await?;
//! router.set_route("spotify", Route::Bypass).await?; // music untouched, always
//! let file = router.save_parameter("ceiling", -2.0).await?;
//! println!("ceiling saved in {}", file.display());
//!
//! let mut feed = router.monitor(&["events"]).await?;
//! while let Some(MonitorEvent::Event(event)) = feed.next().await? {
//!     if event.kind == EventKind::StreamAdded {
//!         let stream = event.stream.expect("stream events carry the stream");
//!         println!("{:?} plays {:?} ({})", stream.app, stream.route, stream.reason);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod client;
pub mod errors;
pub mod types;

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod idl_rules_tests;

use std::path::PathBuf;

pub use client::{Client, Error, MonitorEvent, MonitorStream};
pub use errors::{RouterError, ServiceError};
pub use types::*;

/// The interface name.
pub const INTERFACE: &str = "io.headroom.Router";

/// The interface definition (`io.headroom.Router.varlink`), as
/// `org.varlink.service.GetInterfaceDescription` returns it.
pub const INTERFACE_DESCRIPTION: &str = include_str!("../io.headroom.Router.varlink");

/// The socket's file name inside `$XDG_RUNTIME_DIR/headroom/`.
pub const SOCKET_NAME: &str = "io.headroom.Router";

/// The largest message (call or reply, without its NUL) the router
/// accepts; a longer call gets an error reply and the connection closes.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// `$XDG_RUNTIME_DIR/headroom/io.headroom.Router`, if `XDG_RUNTIME_DIR` is
/// set (to an absolute path, as everywhere in headroom).
pub fn default_socket_path() -> Option<PathBuf> {
    Some(
        headroom_files::headroom_runtime_dir()
            .ok()?
            .join(SOCKET_NAME),
    )
}

/// Every method of `io.headroom.Router`, in the interface file's order.
pub const METHODS: [&str; 13] = [
    "GetStatus",
    "ListProfiles",
    "UseProfile",
    "ReloadProfiles",
    "ListStreams",
    "GetParameters",
    "SetParameter",
    "SetBypass",
    "SetRoute",
    "UnsetRoute",
    "SetLayerA",
    "ListRoutes",
    "Monitor",
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_method_the_client_calls_is_declared() {
        for method in super::METHODS {
            assert!(
                super::INTERFACE_DESCRIPTION.contains(&format!("\nmethod {method}(")),
                "{method}"
            );
        }
        // And no method is declared that the list lacks.
        assert_eq!(
            super::INTERFACE_DESCRIPTION.matches("\nmethod ").count(),
            super::METHODS.len()
        );
    }
}
