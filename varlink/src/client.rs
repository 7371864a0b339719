//! A small typed async client: one connection, one call at a time.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use crate::errors::{RouterError, ServiceError};
use crate::types::*;
use crate::{default_socket_path, INTERFACE};

/// The largest reply the client reads; a longer one is a protocol error.
pub const MAX_REPLY_BYTES: u64 = 16 << 20;

/// Why a call failed.
#[derive(Debug)]
pub enum Error {
    /// Connecting, writing or reading failed. [`Error::is_not_running`]
    /// tells whether the router is simply not there.
    Io { socket: PathBuf, source: io::Error },
    /// The reply was not a varlink reply, or did not match the method.
    Protocol(String),
    /// One of the interface's errors.
    Router(RouterError),
    /// One of `org.varlink.service`'s errors.
    Service(ServiceError),
    /// Any other error reply.
    Other { error: String, parameters: Value },
}

impl Error {
    /// Whether the router is not running (no socket, or nobody listening).
    pub fn is_not_running(&self) -> bool {
        matches!(self, Error::Io { source, .. }
            if matches!(source.kind(), io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { socket, source } if self.is_not_running() => write!(
                f,
                "the headroom router is not running (no one at {}): start it with \
                 `systemctl --user start headroom` or run `headroom daemon` ({source})",
                socket.display()
            ),
            Error::Io { socket, source } => write!(f, "{}: {source}", socket.display()),
            Error::Protocol(message) => write!(f, "unexpected reply from the router: {message}"),
            Error::Router(e) => e.fmt(f),
            Error::Service(e) => e.fmt(f),
            Error::Other { error, parameters } => write!(f, "{error} {parameters}"),
        }
    }
}

impl std::error::Error for Error {}

/// A connection to the router.
///
/// ```no_run
/// # async fn example() -> Result<(), headroom_client::Error> {
/// let mut router = headroom_client::Client::connect_default().await?;
/// let status = router.get_status().await?;
/// println!("profile {}, bypass {}", status.profile, status.bypass);
/// for stream in &status.streams {
///     println!("{:?} → {:?} ({})", stream.app, stream.route, stream.reason);
/// }
/// router.set_parameter("ceiling", -2.0).await?;
/// # Ok(())
/// # }
/// ```
pub struct Client {
    socket: PathBuf,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    /// Connects to the router listening at `socket`.
    pub async fn connect(socket: impl AsRef<Path>) -> Result<Client, Error> {
        let socket = socket.as_ref().to_path_buf();
        let stream = UnixStream::connect(&socket)
            .await
            .map_err(|source| Error::Io {
                socket: socket.clone(),
                source,
            })?;
        let (reader, writer) = stream.into_split();
        Ok(Client {
            socket,
            reader: BufReader::new(reader),
            writer,
        })
    }

    /// Connects to the router at [`default_socket_path`].
    pub async fn connect_default() -> Result<Client, Error> {
        let socket = default_socket_path().ok_or_else(|| Error::Io {
            socket: PathBuf::from("$XDG_RUNTIME_DIR/headroom"),
            source: io::Error::new(io::ErrorKind::NotFound, "XDG_RUNTIME_DIR is not set"),
        })?;
        Client::connect(socket).await
    }

    fn io(&self, source: io::Error) -> Error {
        Error::Io {
            socket: self.socket.clone(),
            source,
        }
    }

    /// Calls `method` (fully qualified) and returns the reply's parameters.
    pub async fn call_raw(&mut self, method: &str, parameters: Value) -> Result<Value, Error> {
        let call = serde_json::json!({"method": method, "parameters": parameters});
        self.send(&call).await?;
        let (parameters, _) = self.receive().await?;
        Ok(parameters)
    }

    /// Writes one NUL-terminated message.
    async fn send(&mut self, message: &Value) -> Result<(), Error> {
        let mut bytes = serde_json::to_vec(message).map_err(|e| Error::Protocol(e.to_string()))?;
        bytes.push(0);
        let written = self.writer.write_all(&bytes).await;
        written.map_err(|e| self.io(e))
    }

    /// Reads one reply: its parameters and whether more replies follow
    /// (`continues`), or the error it carries.
    async fn receive(&mut self) -> Result<(Value, bool), Error> {
        let mut reply = Vec::new();
        let read = {
            let mut limited = (&mut self.reader).take(MAX_REPLY_BYTES);
            limited.read_until(0, &mut reply).await
        };
        let read = read.map_err(|e| self.io(e))?;
        if read == 0 {
            return Err(self.io(io::ErrorKind::UnexpectedEof.into()));
        }
        if reply.pop() != Some(0) {
            return Err(Error::Protocol(
                "the reply is unterminated or too long".into(),
            ));
        }
        let mut reply: Value = serde_json::from_slice(&reply)
            .map_err(|e| Error::Protocol(format!("the reply is not JSON: {e}")))?;
        let continues = reply.get("continues").and_then(Value::as_bool) == Some(true);
        let parameters = match reply.get_mut("parameters").map(Value::take) {
            Some(Value::Null) | None => Value::Object(Default::default()),
            Some(p) => p,
        };
        let Some(error) = reply.get("error").and_then(Value::as_str) else {
            return Ok((parameters, continues));
        };
        let tagged = serde_json::json!({"error": error, "parameters": parameters});
        if let Ok(e) = serde_json::from_value::<RouterError>(tagged.clone()) {
            return Err(Error::Router(e));
        }
        if let Ok(e) = serde_json::from_value::<ServiceError>(tagged) {
            return Err(Error::Service(e));
        }
        Err(Error::Other {
            error: error.to_string(),
            parameters,
        })
    }

    /// Calls `method` (fully qualified) with typed parameters and reply.
    pub async fn call<P: Serialize, R: DeserializeOwned>(
        &mut self,
        method: &str,
        parameters: &P,
    ) -> Result<R, Error> {
        let parameters =
            serde_json::to_value(parameters).map_err(|e| Error::Protocol(e.to_string()))?;
        let reply = self.call_raw(method, parameters).await?;
        serde_json::from_value(reply).map_err(|e| Error::Protocol(format!("{method}: {e}")))
    }

    async fn router<P: Serialize, R: DeserializeOwned>(
        &mut self,
        method: &str,
        parameters: &P,
    ) -> Result<R, Error> {
        self.call(&format!("{INTERFACE}.{method}"), parameters)
            .await
    }

    /// `org.varlink.service.GetInfo`.
    pub async fn get_info(&mut self) -> Result<Info, Error> {
        self.call("org.varlink.service.GetInfo", &Empty {}).await
    }

    /// `org.varlink.service.GetInterfaceDescription`: the interface's
    /// definition text.
    pub async fn get_interface_description(&mut self, interface: &str) -> Result<String, Error> {
        let reply: InterfaceDescription = self
            .call(
                "org.varlink.service.GetInterfaceDescription",
                &GetInterfaceDescriptionIn {
                    interface: interface.to_string(),
                },
            )
            .await?;
        Ok(reply.description)
    }

    /// `GetStatus`.
    pub async fn get_status(&mut self) -> Result<Status, Error> {
        self.router("GetStatus", &Empty {}).await
    }

    /// `ListProfiles`.
    pub async fn list_profiles(&mut self) -> Result<Profiles, Error> {
        self.router("ListProfiles", &Empty {}).await
    }

    /// `UseProfile`: returns the new profile's display name.
    pub async fn use_profile(&mut self, name: &str) -> Result<String, Error> {
        self.use_profile_for(name, false).await
    }

    /// `UseProfile`, with `for_device`: also saved in `devices.toml` for
    /// the output device in use now.
    pub async fn use_profile_for(&mut self, name: &str, for_device: bool) -> Result<String, Error> {
        let reply: ProfileChanged = self
            .router(
                "UseProfile",
                &UseProfileIn {
                    name: name.to_string(),
                    for_device: for_device.then_some(true),
                },
            )
            .await?;
        Ok(reply.profile)
    }

    /// `ReloadProfiles`: returns the active profile's display name.
    pub async fn reload_profiles(&mut self) -> Result<String, Error> {
        let reply: ProfileChanged = self.router("ReloadProfiles", &Empty {}).await?;
        Ok(reply.profile)
    }

    /// `ListStreams`.
    pub async fn list_streams(&mut self) -> Result<Vec<Stream>, Error> {
        let reply: Streams = self.router("ListStreams", &Empty {}).await?;
        Ok(reply.streams)
    }

    /// `GetParameters`.
    pub async fn get_parameters(&mut self) -> Result<Vec<Parameter>, Error> {
        let reply: Parameters = self.router("GetParameters", &Empty {}).await?;
        Ok(reply.parameters)
    }

    /// `SetParameter`: the value runs until the next profile switch or
    /// reload (see [`Client::save_parameter`] to keep it).
    pub async fn set_parameter(&mut self, id: &str, value: f64) -> Result<(), Error> {
        let _: ParameterSet = self
            .router(
                "SetParameter",
                &SetParameterIn {
                    id: id.to_string(),
                    value,
                    save: None,
                },
            )
            .await?;
        Ok(())
    }

    /// `SetParameter` with `save: true`: sets the value and writes it into
    /// the active profile's file (a shipped profile is copied to the
    /// user's profiles first). Returns the file it was saved into.
    pub async fn save_parameter(&mut self, id: &str, value: f64) -> Result<PathBuf, Error> {
        let reply: ParameterSet = self
            .router(
                "SetParameter",
                &SetParameterIn {
                    id: id.to_string(),
                    value,
                    save: Some(true),
                },
            )
            .await?;
        reply
            .saved_to
            .map(PathBuf::from)
            .ok_or_else(|| Error::Protocol("SetParameter with save: no saved_to".into()))
    }

    /// `SetBypass`.
    pub async fn set_bypass(&mut self, enabled: bool) -> Result<(), Error> {
        let _: Empty = self.router("SetBypass", &SetBypassIn { enabled }).await?;
        Ok(())
    }

    /// `SetRoute`: plays `app` (its `application.name` or binary, ignoring
    /// case) on `route` from now on, across profiles and restarts.
    pub async fn set_route(&mut self, app: &str, route: Route) -> Result<(), Error> {
        self.set_route_to(app, route, None).await
    }

    /// `SetRoute` with a bus: `app` plays through the active profile's
    /// bus `bus` (with [`Route::Processed`]); `UnknownBus` if it has none.
    pub async fn set_route_to(
        &mut self,
        app: &str,
        route: Route,
        bus: Option<&str>,
    ) -> Result<(), Error> {
        let _: Empty = self
            .router(
                "SetRoute",
                &SetRouteIn {
                    app: app.to_string(),
                    route,
                    bus: bus.map(str::to_string),
                },
            )
            .await?;
        Ok(())
    }

    /// `SetLayerA`: Layer A rides `app` (`Some(true)`), leaves it alone
    /// (`Some(false)`) or does as the profile says (`None`) from now on;
    /// whether that changed anything.
    pub async fn set_layer_a(&mut self, app: &str, enabled: Option<bool>) -> Result<bool, Error> {
        let reply: LayerAChanged = self
            .router(
                "SetLayerA",
                &SetLayerAIn {
                    app: app.to_string(),
                    enabled,
                },
            )
            .await?;
        Ok(reply.changed)
    }

    /// `UnsetRoute`: whether `app` had a user route (now gone).
    pub async fn unset_route(&mut self, app: &str) -> Result<bool, Error> {
        let reply: RouteUnset = self
            .router(
                "UnsetRoute",
                &UnsetRouteIn {
                    app: app.to_string(),
                },
            )
            .await?;
        Ok(reply.removed)
    }

    /// `ListRoutes`.
    pub async fn list_routes(&mut self) -> Result<Routes, Error> {
        self.router("ListRoutes", &Empty {}).await
    }

    /// `Monitor` on a connection of its own (this one stays free for
    /// calls). Returns once the router confirmed the subscription: every
    /// event from then on reaches the stream. `topics` are any of
    /// [`MONITOR_TOPICS`].
    pub async fn monitor(&self, topics: &[&str]) -> Result<MonitorStream, Error> {
        MonitorStream::connect(&self.socket, topics).await
    }
}

/// One thing a [`MonitorStream`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    /// Something happened (topic `events`); boxed, as it is the largest.
    Event(Box<Event>),
    /// The processed sink's meters (topic `meters`).
    Meters(Meters),
    /// Every stream's levels (topic `streams`).
    Streams(Vec<StreamLevels>),
    /// Each running named bus's meters and the master limiter's (topic
    /// `buses`).
    BusMeters(Vec<BusMeters>),
    /// This many events were dropped because the client read too slowly;
    /// the feed goes on.
    Lagged(u64),
}

/// A `Monitor` feed on its own connection; see [`Client::monitor`].
///
/// ```no_run
/// # async fn example() -> Result<(), headroom_client::Error> {
/// use headroom_client::{Client, MonitorEvent};
///
/// let router = Client::connect_default().await?;
/// let mut feed = router.monitor(&["events", "meters"]).await?;
/// while let Some(item) = feed.next().await? {
///     match item {
///         MonitorEvent::Event(e) => println!("{:?}: {:?}", e.kind, e.stream),
///         MonitorEvent::Meters(m) => println!("out {:.1} dBTP", m.output_true_peak),
///         MonitorEvent::Lagged(n) => eprintln!("missed {n} events"),
///         MonitorEvent::Streams(_) | MonitorEvent::BusMeters(_) => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct MonitorStream {
    connection: Client,
    ended: bool,
}

impl MonitorStream {
    /// Connects to the router at `socket` and subscribes to `topics`.
    pub async fn connect(
        socket: impl AsRef<Path>,
        topics: &[&str],
    ) -> Result<MonitorStream, Error> {
        let mut connection = Client::connect(socket).await?;
        let call = serde_json::json!({
            "method": format!("{INTERFACE}.Monitor"),
            "parameters": MonitorIn { topics: topics.iter().map(|t| t.to_string()).collect() },
            "more": true,
        });
        connection.send(&call).await?;
        let (first, continues) = connection.receive().await?;
        let first: MonitorReply =
            serde_json::from_value(first).map_err(|e| Error::Protocol(format!("Monitor: {e}")))?;
        if first.subscribed.is_none() || !continues {
            return Err(Error::Protocol(
                "Monitor did not start with a `subscribed` reply".into(),
            ));
        }
        Ok(MonitorStream {
            connection,
            ended: false,
        })
    }

    /// The next item; `Ok(None)` once the router ended the feed (it
    /// stopped, or sent a last reply).
    pub async fn next(&mut self) -> Result<Option<MonitorEvent>, Error> {
        loop {
            if self.ended {
                return Ok(None);
            }
            let (parameters, continues) = match self.connection.receive().await {
                Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::UnexpectedEof => {
                    self.ended = true;
                    return Ok(None);
                }
                other => other?,
            };
            self.ended = !continues;
            let reply: MonitorReply = serde_json::from_value(parameters)
                .map_err(|e| Error::Protocol(format!("Monitor: {e}")))?;
            let item = if let Some(e) = reply.event {
                MonitorEvent::Event(Box::new(e))
            } else if let Some(m) = reply.meters {
                MonitorEvent::Meters(m)
            } else if let Some(s) = reply.streams {
                MonitorEvent::Streams(s)
            } else if let Some(b) = reply.bus_meters {
                MonitorEvent::BusMeters(b)
            } else if let Some(n) = reply.lagged {
                MonitorEvent::Lagged(n)
            } else {
                // A reply with nothing this client knows: a newer router.
                continue;
            };
            return Ok(Some(item));
        }
    }
}
