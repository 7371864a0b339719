//! The control plane: `io.headroom.Router` served over varlink on a unix
//! socket (see [`socket`] for where, and systemd socket activation).
//!
//! # Why the protocol is hand-rolled
//! Varlink's wire format is small: each message is one JSON object ended
//! by a NUL byte; a call is `{"method", "parameters", "more", "oneway"}`,
//! a reply `{"parameters", "error", "continues"}`. `zlink` 0.8 would
//! decode parameters into typed structs and close the connection when that
//! fails, so a client that sends a string where a bool belongs gets no
//! reply at all. Framing and dispatch here are ~300 lines of tokio and
//! serde_json and give full control over bad input:
//! - every call's parameters are decoded once, into the `headroom-client`
//!   `*In` type the interface declares ([`decode`]), so a missing or
//!   mistyped parameter gets `org.varlink.service.InvalidParameter` naming
//!   it (the path serde stopped at), an unknown method
//!   `MethodNotFound`, an unknown interface `InterfaceNotFound`, and the
//!   connection stays open;
//! - a message that is not a JSON object (or has no string `method`) gets
//!   `InvalidParameter {"parameter": "method"}`, and the connection stays
//!   open: NUL framing does not depend on the JSON inside;
//! - a message over [`MAX_MESSAGE_BYTES`] or one cut off without its NUL
//!   gets `InvalidParameter {"parameter": "message"}` and the connection
//!   closes; memory per connection stays below that limit plus one read
//!   buffer.
//!
//! The wire types come from the `headroom-client` crate, so the server and
//! its clients share one definition, and `io.headroom.Router.varlink` is
//! served verbatim by `GetInterfaceDescription`.
//!
//! # Shape
//! Each connection is its own task ([`connection`]); it decodes a call and
//! sends the daemon a [`Request`] with a oneshot for the answer. The
//! daemon's event loop owns all state and answers requests between graph
//! events ([`control`]): it never waits for a client, so a slow or stalled
//! client only stalls its own task. A `Monitor` call turns its connection
//! into a feed ([`monitor`]) fed by the daemon's broadcast of events
//! ([`crate::events`]) and the plugin's meter block: the daemon never
//! waits for a subscriber either.

mod connection;
pub(crate) mod control;
mod decode;
mod monitor;
mod slots;
pub mod socket;

use std::time::Duration;

use headroom_client::{
    RouterError, SetBypassIn, SetLayerAIn, SetParameterIn, SetRouteIn, UnsetRouteIn,
};
use serde_json::Value;
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

use crate::events::Hub;

pub use headroom_client::MAX_MESSAGE_BYTES;

/// The most connections kept at once. One more makes the connection that
/// has waited longest for its next call close (see `slots`), so a client
/// is never locked out by idle or stalled ones.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a call may take to arrive once its first byte has: a client
/// that trickles its message is answered `InvalidParameter "message"` and
/// closed, so it holds no connection for long.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(5);

/// How many decoded calls may wait for the daemon before connection tasks
/// wait to send theirs.
pub const REQUEST_QUEUE: usize = 64;

/// A call on `io.headroom.Router`, its parameters decoded into the wire
/// types the interface declares ([`decode`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    GetStatus,
    /// `ListProfiles`, with the profiles on the search path already
    /// found by the connection's task off the event loop ([`connection`]).
    ListProfiles {
        found: Vec<headroom_client::ProfileEntry>,
    },
    /// `UseProfile`, with the profile already read and checked by the
    /// connection's task off the event loop ([`connection`]): the daemon
    /// never waits on a file a client names.
    UseProfile {
        name: String,
        /// Also save it in `devices.toml` for the output device in use.
        for_device: bool,
        loaded: Result<Box<headroom_profile::Profile>, RouterError>,
    },
    ReloadProfiles,
    ListStreams,
    GetParameters,
    SetParameter(SetParameterIn),
    SetBypass(SetBypassIn),
    /// `app` is not blank (checked while decoding).
    SetRoute(SetRouteIn),
    /// `app` is not blank (checked while decoding).
    UnsetRoute(UnsetRouteIn),
    /// `app` is not blank (checked while decoding).
    SetLayerA(SetLayerAIn),
    ListRoutes,
}

/// `message` framed for the wire: its JSON followed by the NUL that ends
/// every varlink message.
pub(crate) fn frame(message: &Value) -> Vec<u8> {
    // A `Value` always serialises.
    let mut bytes = serde_json::to_vec(message).unwrap_or_default();
    bytes.push(0);
    bytes
}

/// What the daemon answers: the reply's `parameters`, or an interface error.
pub type Answer = Result<Value, RouterError>;

/// Where a call's answer goes.
pub type Reply = oneshot::Sender<Answer>;

/// A call on its way to the daemon, with where the answer goes.
#[derive(Debug)]
pub struct Request {
    pub call: Call,
    pub reply: Reply,
}

/// The channel calls reach the daemon through.
pub fn channel() -> (mpsc::Sender<Request>, mpsc::Receiver<Request>) {
    mpsc::channel(REQUEST_QUEUE)
}

/// Accepts connections forever, one task each; never waits for a place
/// (past [`MAX_CONNECTIONS`], the longest-idle connection makes room).
/// `Monitor` feeds come from `hub`, without a round trip to the daemon.
pub async fn serve(listener: UnixListener, daemon: mpsc::Sender<Request>, hub: Hub) {
    let slots = slots::Slots::default();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let slot = slots.admit(MAX_CONNECTIONS);
                let daemon = daemon.clone();
                let hub = hub.clone();
                tokio::spawn(connection::serve(stream, slot, daemon, hub));
            }
            Err(e) => {
                // Out of file descriptors, most likely: wait, do not spin.
                tracing::warn!("cannot accept a varlink connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
