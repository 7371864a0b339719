//! One client connection: NUL-framed JSON in, replies out, in order.
//! Guarantees: every call that is not `oneway` gets exactly one reply,
//! except a checked `Monitor` call, which turns the connection into its
//! feed ([`monitor`]) until the client hangs up; bad input gets an `org.varlink.service` error reply, never a silent
//! close; a connection holds at most [`MAX_MESSAGE_BYTES`] plus one read
//! buffer of memory; a message must arrive within [`MESSAGE_TIMEOUT`] of
//! its first byte; between calls the connection may be evicted to make
//! room for a new one (see `slots`).

use std::time::Duration;

use headroom_client::{
    GetInterfaceDescriptionIn, Info, InterfaceDescription, RouterError, ServiceError, INTERFACE,
    INTERFACE_DESCRIPTION, MAX_MESSAGE_BYTES,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use super::decode::{self, invalid};
use super::monitor::{self, Topics};
use super::slots::Slot;
use super::{frame, Call, Request, MESSAGE_TIMEOUT};
use crate::events::Hub;

/// The service interface every varlink service implements.
const SERVICE: &str = "org.varlink.service";

/// `org.varlink.service`'s definition, as the varlink specification gives it.
const SERVICE_DESCRIPTION: &str = "\
# The Varlink Service Interface is provided by every varlink service. It
# describes the service and the interfaces it implements.
interface org.varlink.service

# Get a list of all the interfaces a service provides and information
# about the implementation.
method GetInfo() -> (
  vendor: string,
  product: string,
  version: string,
  url: string,
  interfaces: []string
)

# Get the description of an interface that is implemented by this service.
method GetInterfaceDescription(interface: string) -> (description: string)

# The requested interface was not found.
error InterfaceNotFound (interface: string)

# The requested method was not found
error MethodNotFound (method: string)

# The interface defines the requested method, but the service does not
# implement it.
error MethodNotImplemented (method: string)

# One of the passed parameters is invalid.
error InvalidParameter (parameter: string)

# Client is denied access
error PermissionDenied ()

# Method is expected to be called with 'more' set to true, but wasn't
error ExpectedMore ()
";

/// How long a reply may take to write before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why reading a message stopped.
enum Framing {
    /// The peer closed between messages.
    Closed,
    /// Longer than [`MAX_MESSAGE_BYTES`] without a NUL.
    TooLong,
    /// The peer closed in the middle of a message (no NUL).
    Unterminated,
    /// Reading failed.
    Broken,
    /// Its first byte came more than [`MESSAGE_TIMEOUT`] ago.
    TooSlow,
    /// Asked to make room while waiting for a call.
    Evicted,
}

/// What a message needs.
enum Handled {
    Reply(Value),
    /// A `oneway` call: no reply.
    Silent,
    /// A checked `Monitor` call: the connection becomes a feed.
    Monitor(Topics),
}

/// Serves one connection until the client closes it or misbehaves.
pub(super) async fn serve(stream: UnixStream, slot: Slot, daemon: mpsc::Sender<Request>, hub: Hub) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    loop {
        let reply = match next_message(&mut reader, &slot).await {
            Ok(message) => match handle(&message, &daemon).await {
                Handled::Reply(reply) => reply,
                Handled::Silent => continue,
                Handled::Monitor(topics) => {
                    monitor::run(&mut reader, &mut write, topics, hub).await;
                    return;
                }
            },
            Err(Framing::TooLong | Framing::Unterminated | Framing::TooSlow) => {
                let _ = send(&mut write, &invalid("message")).await;
                return;
            }
            Err(Framing::Closed | Framing::Broken | Framing::Evicted) => return,
        };
        if send(&mut write, &reply).await.is_err() {
            return;
        }
    }
}

/// The next message without its NUL: idle (evictable) until its first
/// byte, then busy until it is answered.
async fn next_message<R>(reader: &mut BufReader<R>, slot: &Slot) -> Result<Vec<u8>, Framing>
where
    R: tokio::io::AsyncRead + Unpin,
{
    slot.idle();
    tokio::select! {
        _ = slot.evicted() => return Err(Framing::Evicted),
        ready = reader.fill_buf() => {
            ready.map_err(|_| Framing::Broken)?;
        }
    }
    slot.busy();
    tokio::time::timeout(MESSAGE_TIMEOUT, read_message(reader))
        .await
        .unwrap_or(Err(Framing::TooSlow))
}

/// The next message without its NUL.
async fn read_message<R>(reader: &mut BufReader<R>) -> Result<Vec<u8>, Framing>
where
    R: tokio::io::AsyncRead + Unpin,
{
    let mut message = Vec::new();
    loop {
        let buffer = reader.fill_buf().await.map_err(|_| Framing::Broken)?;
        if buffer.is_empty() {
            return Err(if message.is_empty() {
                Framing::Closed
            } else {
                Framing::Unterminated
            });
        }
        let (take, done) = match buffer.iter().position(|&b| b == 0) {
            Some(end) => (end, true),
            None => (buffer.len(), false),
        };
        if message.len() + take > MAX_MESSAGE_BYTES {
            return Err(Framing::TooLong);
        }
        message.extend_from_slice(&buffer[..take]);
        reader.consume(if done { take + 1 } else { take });
        if done {
            return Ok(message);
        }
    }
}

async fn send<W: AsyncWrite + Unpin>(write: &mut W, reply: &Value) -> std::io::Result<()> {
    match tokio::time::timeout(WRITE_TIMEOUT, write.write_all(&frame(reply))).await {
        Ok(result) => result,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// What one message needs.
async fn handle(message: &[u8], daemon: &mpsc::Sender<Request>) -> Handled {
    let Ok(Value::Object(call)) = serde_json::from_slice::<Value>(message) else {
        return Handled::Reply(invalid("method"));
    };
    let oneway = call.get("oneway").and_then(Value::as_bool) == Some(true);
    let Some(method) = call.get("method").and_then(Value::as_str) else {
        return Handled::Reply(invalid("method"));
    };
    let empty = Map::new();
    let parameters = match call.get("parameters") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(p)) => p,
        Some(_) => return Handled::Reply(invalid("parameters")),
    };
    let reply = if monitor::is_monitor(method) {
        match monitor::check(&call, parameters) {
            // A oneway Monitor would be a feed nobody reads.
            Ok(_) if oneway => return Handled::Silent,
            Ok(topics) => return Handled::Monitor(topics),
            Err(refusal) => refusal,
        }
    } else {
        dispatch(method, parameters, daemon)
            .await
            .unwrap_or_else(|refusal| refusal)
    };
    if oneway {
        Handled::Silent
    } else {
        Handled::Reply(reply)
    }
}

/// A successful reply carrying `parameters`.
fn ok<T: Serialize>(parameters: &T) -> Value {
    json!({ "parameters": parameters })
}

/// An error reply (`{"error": …, "parameters": …}`).
fn error<E: Serialize>(error: &E) -> Value {
    serde_json::to_value(error).unwrap_or_else(|_| invalid("method"))
}

/// Decodes and runs one call; `Err` carries an error reply.
async fn dispatch(
    method: &str,
    parameters: &Map<String, Value>,
    daemon: &mpsc::Sender<Request>,
) -> Result<Value, Value> {
    let not_found = || {
        error(&ServiceError::MethodNotFound {
            method: method.to_string(),
        })
    };
    let Some((interface, name)) = method.rsplit_once('.') else {
        return Err(not_found());
    };
    if interface == SERVICE {
        return match name {
            "GetInfo" => Ok(ok(&Info {
                vendor: "Headroom".into(),
                product: "headroom-router".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                url: env!("CARGO_PKG_REPOSITORY").into(),
                interfaces: vec![SERVICE.into(), INTERFACE.into()],
            })),
            "GetInterfaceDescription" => {
                let asked: GetInterfaceDescriptionIn = decode::decode(parameters)?;
                let description = match asked.interface.as_str() {
                    INTERFACE => INTERFACE_DESCRIPTION,
                    SERVICE => SERVICE_DESCRIPTION,
                    _ => {
                        return Err(error(&ServiceError::InterfaceNotFound {
                            interface: asked.interface.clone(),
                        }))
                    }
                };
                Ok(ok(&InterfaceDescription {
                    description: description.into(),
                }))
            }
            _ => Err(not_found()),
        };
    }
    if interface != INTERFACE {
        return Err(error(&ServiceError::InterfaceNotFound {
            interface: interface.to_string(),
        }));
    }
    let Some(mut call) = decode::call(name, parameters)? else {
        return Err(not_found());
    };
    // A file the client names, or a directory listing, is read here, on a
    // blocking thread, never on the daemon's loop.
    if let Call::ListProfiles { found } = &mut call {
        *found = tokio::task::spawn_blocking(|| {
            let search = headroom_profile::SearchPath::from_env();
            search
                .available()
                .into_iter()
                .filter_map(|name| {
                    let path = search.resolve(&name).ok()?;
                    Some(headroom_client::ProfileEntry {
                        name,
                        path: path.display().to_string(),
                    })
                })
                .collect()
        })
        .await
        .unwrap_or_default();
    }
    if let Call::UseProfile { name, loaded, .. } = &mut call {
        let asked = name.clone();
        *loaded = tokio::task::spawn_blocking(move || {
            headroom_profile::SearchPath::from_env()
                .load(&asked)
                .map(Box::new)
                .map_err(|e| crate::wire::invalid_profile(&e))
        })
        .await
        .unwrap_or(Err(RouterError::NotConnected {}));
    }
    let (reply, answer) = oneshot::channel();
    // The daemon only goes away while the router stops.
    let stopping = || error(&RouterError::NotConnected {});
    daemon
        .send(Request { call, reply })
        .await
        .map_err(|_| stopping())?;
    match answer.await {
        Ok(Ok(parameters)) => Ok(ok(&parameters)),
        Ok(Err(e)) => Err(error(&e)),
        Err(_) => Err(stopping()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn reply(message: &str) -> Option<Value> {
        // No daemon behind: only calls that never reach it are tested here.
        let (daemon, _requests) = mpsc::channel(1);
        match handle(message.as_bytes(), &daemon).await {
            Handled::Reply(reply) => Some(reply),
            Handled::Silent => None,
            Handled::Monitor(topics) => panic!("{message} started a feed of {topics:?}"),
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn check(cases: &[(&str, &str, Value)]) {
        let rt = rt();
        for (message, error, parameters) in cases {
            let got = rt.block_on(reply(message)).unwrap();
            assert_eq!(
                got,
                json!({"error": format!("org.varlink.service.{error}"), "parameters": parameters}),
                "{message}"
            );
        }
    }

    #[test]
    fn bad_calls_get_service_errors_naming_the_parameter() {
        let cases = [
            (
                "{not json",
                "InvalidParameter",
                json!({"parameter": "method"}),
            ),
            ("[1,2]", "InvalidParameter", json!({"parameter": "method"})),
            (
                r#"{"method":"io.headroom.Router.UseProfile","parameters":{}}"#,
                "InvalidParameter",
                json!({"parameter": "name"}),
            ),
            (
                r#"{"method":"io.headroom.Router.SetBypass","parameters":{"enabled":"yes"}}"#,
                "InvalidParameter",
                json!({"parameter": "enabled"}),
            ),
            (
                r#"{"method":"io.headroom.Router.SetParameter","parameters":{"id":"ceiling","value":"-3"}}"#,
                "InvalidParameter",
                json!({"parameter": "value"}),
            ),
        ];
        check(&cases);
    }

    #[test]
    fn unknown_methods_and_malformed_calls_get_service_errors() {
        let cases = [
            (
                r#"{"method":"io.headroom.Router.Fly"}"#,
                "MethodNotFound",
                json!({"method": "io.headroom.Router.Fly"}),
            ),
            (
                r#"{"method":"com.example.Thing.Do"}"#,
                "InterfaceNotFound",
                json!({"interface": "com.example.Thing"}),
            ),
            (
                r#"{"method":"io.headroom.Router.GetStatus","parameters":7}"#,
                "InvalidParameter",
                json!({"parameter": "parameters"}),
            ),
            (
                r#"{"method":"io.headroom.Router.SetParameter","parameters":{"id":"ceiling","value":-3,"save":"yes"}}"#,
                "InvalidParameter",
                json!({"parameter": "save"}),
            ),
            (
                r#"{"method":"io.headroom.Router.SetRoute","parameters":{"app":"  ","route":"bypass"}}"#,
                "InvalidParameter",
                json!({"parameter": "app"}),
            ),
            (
                r#"{"method":"io.headroom.Router.SetRoute","parameters":{"app":"x","route":"Bypass"}}"#,
                "InvalidParameter",
                json!({"parameter": "route"}),
            ),
            (
                r#"{"method":"io.headroom.Router.UnsetRoute","parameters":{}}"#,
                "InvalidParameter",
                json!({"parameter": "app"}),
            ),
            (
                r#"{"method":"io.headroom.Router.Monitor","parameters":{"topics":["events"]}}"#,
                "ExpectedMore",
                json!({}),
            ),
            (
                r#"{"method":"io.headroom.Router.Monitor","more":true,"parameters":{"topics":["nope"]}}"#,
                "InvalidParameter",
                json!({"parameter": "topics"}),
            ),
        ];
        check(&cases);
    }

    #[test]
    fn oneway_calls_get_no_reply_and_info_needs_no_daemon() {
        let rt = rt();
        assert_eq!(
            rt.block_on(reply(
                r#"{"method":"org.varlink.service.GetInfo","oneway":true}"#
            )),
            None
        );
        let info = rt
            .block_on(reply(r#"{"method":"org.varlink.service.GetInfo"}"#))
            .unwrap();
        assert_eq!(info["parameters"]["product"], "headroom-router");
        assert!(info.get("error").is_none());
    }
}
