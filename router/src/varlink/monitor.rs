//! `Monitor`: a connection that subscribed stays in this loop until the
//! client hangs up or the router stops, sending `continues: true` replies.
//!
//! Guarantees:
//! - the subscription (events channel) exists before the `subscribed`
//!   reply is sent, so a client that waits for it misses nothing after;
//! - the daemon never waits for a subscriber: events go through a
//!   broadcast ring ([`crate::events::EVENT_QUEUE`]); a subscriber that
//!   falls behind (it does not read, so its socket fills and this task
//!   waits on the write) loses the oldest events and then gets one
//!   `lagged` reply with how many before the feed goes on;
//! - meters are read from the plugin's shared-memory block at most
//!   [`METERS_PER_SECOND`] times a second and sent only when they changed;
//!   stream levels at most [`STREAMS_PER_SECOND`] times a second, only
//!   when they changed;
//! - the `buses` topic reads each running bus's block (and the master
//!   limiter's) at the same rate, one `bus_meters` reply with all of them,
//!   sent only when one changed;
//! - a subscriber costs one task, one socket buffer and one mapping of
//!   each 4 KiB meter block it reads, whatever it does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use headroom_client::{
    BusMeters, Event, Meters, MonitorIn, MonitorReply, ServiceError, INTERFACE, MONITOR_TOPICS,
};
use headroom_meters::MeterReader;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::MissedTickBehavior;

use super::decode::{decode, invalid};
use super::frame;
use crate::events::{Hub, StageMeterBlock};

/// The most `meters` replies a second.
pub const METERS_PER_SECOND: u32 = 25;
/// The most `streams` replies a second.
pub const STREAMS_PER_SECOND: u32 = 10;
/// How often a missing meter block is looked for again.
const METER_REOPEN: Duration = Duration::from_secs(1);

/// The fully qualified method name.
pub(super) fn is_monitor(method: &str) -> bool {
    method
        .strip_prefix(INTERFACE)
        .and_then(|m| m.strip_prefix('.'))
        == Some("Monitor")
}

/// What a subscriber asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Topics {
    /// As given (duplicates dropped), for the `subscribed` reply.
    names: Vec<String>,
    events: bool,
    meters: bool,
    streams: bool,
    buses: bool,
}

/// Checks a Monitor call: `Err` is the error reply.
pub(super) fn check(
    call: &Map<String, Value>,
    parameters: &Map<String, Value>,
) -> Result<Topics, Value> {
    if call.get("more").and_then(Value::as_bool) != Some(true) {
        return Err(serde_json::to_value(ServiceError::ExpectedMore {}).unwrap_or_default());
    }
    let asked: MonitorIn = decode(parameters)?;
    let mut topics = Topics::default();
    for name in asked.topics.iter().map(String::as_str) {
        match name {
            "events" => topics.events = true,
            "meters" => topics.meters = true,
            "streams" => topics.streams = true,
            "buses" => topics.buses = true,
            _ => return Err(invalid("topics")),
        }
        if !topics.names.iter().any(|n| n == name) {
            topics.names.push(name.to_string());
        }
    }
    debug_assert!(topics
        .names
        .iter()
        .all(|n| MONITOR_TOPICS.contains(&n.as_str())));
    if topics.names.is_empty() {
        return Err(invalid("topics"));
    }
    Ok(topics)
}

/// Writes one `continues: true` reply. No timeout: a subscriber that
/// stops reading only holds up this task, and may resume (it then hears
/// how much it missed).
async fn send<W: AsyncWrite + Unpin>(write: &mut W, reply: MonitorReply) -> std::io::Result<()> {
    write
        .write_all(&frame(&json!({ "parameters": reply, "continues": true })))
        .await
}

/// Receives from the events channel, if subscribed (else never).
async fn next_event(events: &mut Option<broadcast::Receiver<Event>>) -> Result<Event, RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Feeds `topics` to the client until it hangs up or the router stops.
pub(super) async fn run<R, W>(
    reader: &mut BufReader<R>,
    write: &mut W,
    topics: Topics,
    mut hub: Hub,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut events = topics.events.then(|| hub.events.subscribe());
    let subscribed = MonitorReply {
        subscribed: Some(topics.names.clone()),
        ..Default::default()
    };
    if send(write, subscribed).await.is_err() {
        return;
    }
    if topics.streams {
        let streams = hub.streams.borrow_and_update().clone();
        let reply = MonitorReply {
            streams: Some(streams),
            ..Default::default()
        };
        if send(write, reply).await.is_err() {
            return;
        }
    }
    let mut meter_tick = tokio::time::interval(Duration::from_secs(1) / METERS_PER_SECOND);
    meter_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut streams_tick = tokio::time::interval(Duration::from_secs(1) / STREAMS_PER_SECOND);
    streams_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut bus_tick = tokio::time::interval(Duration::from_secs(1) / METERS_PER_SECOND);
    bus_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut meters = MeterFeed::at(hub.meters.clone());
    let mut buses = BusFeed::default();
    loop {
        let reply = tokio::select! {
            read = reader.fill_buf() => match read {
                // Hung up. Anything it sends meanwhile is not a call it may
                // make (the Monitor call is still running): ignored.
                Ok([]) | Err(_) => return,
                Ok(bytes) => {
                    let n = bytes.len();
                    reader.consume(n);
                    continue;
                }
            },
            event = next_event(&mut events) => match event {
                Ok(event) => MonitorReply { event: Some(event), ..Default::default() },
                Err(RecvError::Lagged(missed)) => MonitorReply { lagged: Some(missed), ..Default::default() },
                Err(RecvError::Closed) => return,
            },
            _ = meter_tick.tick(), if topics.meters => {
                match meters.changed(*hub.ceiling.borrow()) {
                    Some(m) => MonitorReply { meters: Some(m), ..Default::default() },
                    None => continue,
                }
            },
            _ = bus_tick.tick(), if topics.buses => {
                let blocks = hub.buses.borrow().clone();
                match buses.changed(&blocks) {
                    Some(b) => MonitorReply { bus_meters: Some(b), ..Default::default() },
                    None => continue,
                }
            },
            _ = streams_tick.tick(), if topics.streams => {
                if !hub.streams.has_changed().unwrap_or(false) {
                    continue;
                }
                let streams = hub.streams.borrow_and_update().clone();
                MonitorReply { streams: Some(streams), ..Default::default() }
            },
        };
        if send(write, reply).await.is_err() {
            return;
        }
    }
}

/// Every running bus's meter block (and the master's) as one subscriber
/// reads them.
#[derive(Default)]
struct BusFeed {
    feeds: BTreeMap<PathBuf, MeterFeed>,
    last: Vec<BusMeters>,
}

impl BusFeed {
    /// The meters of `blocks` if any changed since last sent (an empty
    /// list once, when the last bus stopped).
    fn changed(&mut self, blocks: &[StageMeterBlock]) -> Option<Vec<BusMeters>> {
        self.feeds
            .retain(|path, _| blocks.iter().any(|b| &b.path == path));
        let now: Vec<BusMeters> = blocks
            .iter()
            .filter_map(|block| {
                let feed = self
                    .feeds
                    .entry(block.path.clone())
                    .or_insert_with(|| MeterFeed::at(block.path.clone()));
                Some(BusMeters {
                    bus: block.bus.clone(),
                    sink: block.sink.clone(),
                    meters: feed.read(block.ceiling)?,
                })
            })
            .collect();
        if now == self.last {
            return None;
        }
        self.last = now.clone();
        Some(now)
    }
}

/// The meter block as one subscriber reads it.
struct MeterFeed {
    path: std::path::PathBuf,
    reader: Option<MeterReader>,
    /// When opening last failed.
    tried: Option<tokio::time::Instant>,
    last: Option<Meters>,
}

impl MeterFeed {
    /// The meters if they changed since last sent.
    fn changed(&mut self, ceiling: f64) -> Option<Meters> {
        let meters = self.read(ceiling)?;
        if self.last.as_ref() == Some(&meters) {
            return None;
        }
        self.last = Some(meters.clone());
        Some(meters)
    }

    /// The meters now, if the block is there.
    fn read(&mut self, ceiling: f64) -> Option<Meters> {
        self.open()?;
        let snapshot = self.reader.as_ref()?.read()?;
        Some(crate::wire::meters(&snapshot, ceiling))
    }

    fn open(&mut self) -> Option<()> {
        if self.reader.is_some() {
            return Some(());
        }
        if self.tried.is_some_and(|t| t.elapsed() < METER_REOPEN) {
            return None;
        }
        self.tried = Some(tokio::time::Instant::now());
        self.reader = MeterReader::open_path(&self.path).ok();
        self.reader.as_ref().map(|_| ())
    }
}

impl MeterFeed {
    fn at(path: std::path::PathBuf) -> MeterFeed {
        MeterFeed {
            path,
            reader: None,
            tried: None,
            last: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(call: Value) -> Result<Topics, Value> {
        let call = call.as_object().unwrap().clone();
        let parameters = call
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        check(&call, &parameters)
    }

    #[test]
    fn topics_are_checked_and_more_is_required() {
        let ok = checked(
            json!({"more": true, "parameters": {"topics": ["meters", "events", "meters"]}}),
        )
        .unwrap();
        assert_eq!(ok.names, ["meters", "events"]);
        assert!(ok.meters && ok.events && !ok.streams);
        assert_eq!(
            checked(json!({"parameters": {"topics": ["events"]}})).unwrap_err(),
            json!({"error": "org.varlink.service.ExpectedMore", "parameters": {}})
        );
        for bad in [json!(["weather"]), json!([]), json!("events"), json!([1])] {
            assert_eq!(
                checked(json!({"more": true, "parameters": {"topics": bad}})).unwrap_err(),
                invalid("topics"),
                "{bad}"
            );
        }
        assert!(is_monitor("io.headroom.Router.Monitor"));
        assert!(!is_monitor("io.headroom.Router.MonitorX"));
        assert!(
            checked(json!({"more": true, "parameters": {"topics": ["buses"]}}))
                .unwrap()
                .buses
        );
    }

    #[tokio::test]
    async fn bus_meters_are_sent_when_they_change_and_once_when_the_last_bus_stops() {
        let dir = std::env::temp_dir().join(format!("headroom-bus-feed-{}", std::process::id()));
        let block = |name: &str, bus: Option<&str>, ceiling: f64| StageMeterBlock {
            bus: bus.map(str::to_string),
            sink: format!("headroom.processed.{name}"),
            path: dir.join(name),
            ceiling,
        };
        let voice = block("bus.voice", Some("voice"), -12.0);
        let master = block("master", None, -1.0);
        let mut feed = BusFeed::default();
        // No block written yet: nothing to send.
        assert_eq!(feed.changed(std::slice::from_ref(&voice)), None);
        let writer = headroom_meters::MeterWriter::create_at(&voice.path).unwrap();
        let master_writer = headroom_meters::MeterWriter::create_at(&master.path).unwrap();
        let mut values = headroom_meters::MeterValues {
            sample_rate: 48_000.0,
            ..Default::default()
        };
        values.levels[headroom_meters::Level::OutputTruePeak as usize] = -12.5;
        writer.publish(&values);
        master_writer.publish(&values);
        // A block missing at first is looked for again after a second.
        feed.feeds.clear();
        let blocks = [voice.clone(), master.clone()];
        let sent = feed.changed(&blocks).expect("both buses' meters");
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].bus.as_deref(), Some("voice"));
        assert_eq!(sent[0].meters.ceiling, -12.0);
        assert_eq!(sent[0].meters.output_true_peak, -12.5);
        assert_eq!(sent[1].bus, None);
        assert_eq!(sent[1].sink, "headroom.processed.master");
        assert_eq!(feed.changed(&blocks), None, "nothing changed");
        writer.publish(&values);
        assert!(feed.changed(&blocks).is_some(), "the voice bus moved on");
        assert_eq!(feed.changed(&[]), Some(Vec::new()));
        assert_eq!(feed.changed(&[]), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
