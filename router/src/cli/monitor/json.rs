//! `headroom monitor --json`: the `Monitor` feed as line-delimited JSON,
//! one object per reply, for scripts and status bars. Each line is the
//! reply's `parameters` as the interface defines them: `{"event": …}`,
//! `{"meters": …}`, `{"streams": […]}`, `{"bus_meters": […]}` or
//! `{"lagged": n}`.

use std::io::Write;
use std::path::PathBuf;

use headroom_client::{Error, MonitorEvent};
use serde_json::json;

use crate::cli::connect;

/// The line printed for `reply`.
pub fn line(reply: &MonitorEvent) -> String {
    let value = match reply {
        MonitorEvent::Event(e) => json!({ "event": e }),
        MonitorEvent::Meters(m) => json!({ "meters": m }),
        MonitorEvent::Streams(s) => json!({ "streams": s }),
        MonitorEvent::BusMeters(b) => json!({ "bus_meters": b }),
        MonitorEvent::Lagged(n) => json!({ "lagged": n }),
    };
    value.to_string()
}

/// Prints the feed of `topics` until the router stops (then the error:
/// the caller maps it to exit code 3) or stdout closes (success).
pub async fn run(socket: Option<PathBuf>, topics: &[&str]) -> Result<(), Error> {
    let path = socket
        .clone()
        .or_else(headroom_client::default_socket_path)
        .unwrap_or_default();
    let client = connect(socket).await?;
    let mut feed = client.monitor(topics).await?;
    let stdout = std::io::stdout();
    while let Some(reply) = feed.next().await? {
        let mut out = stdout.lock();
        // A closed pipe (`| head`) ends the monitor quietly.
        if writeln!(out, "{}", line(&reply))
            .and_then(|()| out.flush())
            .is_err()
        {
            return Ok(());
        }
    }
    // The router went away: the same "not running" as at the start.
    Err(Error::Io {
        socket: path,
        source: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "the router stopped"),
    })
}
