//! The PipeWire side: one thread running PipeWire's main loop, which owns
//! every proxy (PipeWire objects never leave it). It reports what happens in
//! the graph as [`GraphEvent`]s on a tokio channel and carries out
//! [`Command`]s sent through a `pipewire::channel`.
//!
//! When the connection breaks (PipeWire restarted or stopped) the thread
//! sends [`GraphEvent::Disconnected`] and reconnects with back-off; after a
//! reconnect every id is new, so the receiver must forget the old graph.

mod connection;
pub mod hold;
mod tap;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use crate::layer_a::detector::LevelMeter;

/// Properties of a PipeWire object, as strings.
pub type Props = BTreeMap<String, String>;

/// Something changed in the graph.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphEvent {
    /// Connected (again): everything known before is gone.
    Connected,
    /// The connection broke; a reconnect is under way.
    Disconnected { reason: String },
    /// A node appeared or its properties changed (full property set).
    Node { id: u32, props: Props },
    /// A stream node's negotiated format has this many channels.
    Channels { id: u32, channels: u32 },
    /// A client appeared or its properties changed.
    Client { id: u32, props: Props },
    /// A device (a sound card, a Bluetooth headset) appeared or its
    /// properties changed.
    Device { id: u32, props: Props },
    /// A link between an output port of `output_node` and an input port of
    /// `input_node`.
    Link {
        id: u32,
        output_node: u32,
        input_node: u32,
    },
    /// An object (of any kind above) is gone.
    Removed { id: u32 },
    /// A property on the `default` metadata changed (`value` None: removed).
    Metadata {
        subject: u32,
        key: String,
        value: Option<String>,
    },
    /// A stream node's `channelVolumes` (the user's volume, one linear
    /// value per channel) and `softVolumes` (what its converter applies),
    /// reported when its `Props` change.
    Volumes {
        id: u32,
        channel_volumes: Vec<f32>,
        soft_volumes: Option<Vec<f32>>,
    },
    /// The processed sink's filter-chain controls (`headroom:ceiling`, …)
    /// as its `Props` report them: after the router's own writes and after
    /// anyone else's (`pw-cli set-param`).
    SinkControls {
        id: u32,
        controls: Vec<(String, f32)>,
    },
    /// Everything that existed at connect time has been reported.
    Synced,
}

/// Something to do in the graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Route stream node `node` to the node with `object.serial` `serial`
    /// (None: clear, let the session manager choose) via `target.object`
    /// on the `default` metadata.
    SetTarget { node: u32, serial: Option<u64> },
    /// Make `name` the configured default sink
    /// (`default.configured.audio.sink` on the `default` metadata).
    SetDefaultSink { name: String },
    /// Remove a link.
    DestroyLink { id: u32 },
    /// Set `Props` `params` (name/value pairs) on a node (filter-chain
    /// controls, `"headroom:ceiling"` …).
    SetParams {
        node: u32,
        params: Vec<(String, f32)>,
    },
    /// Start Layer A's passive tap on stream node `node` (whose
    /// `object.serial` is `serial`), measuring into `meter`. Taps end with
    /// the connection: after a reconnect they must be started again.
    StartTap {
        node: u32,
        serial: u64,
        meter: Arc<LevelMeter>,
    },
    /// Stop the tap on `node` (if any).
    StopTap { node: u32 },
    /// Set `Props` `softVolumes` on stream node `node`: the volume its
    /// converter applies, without touching `channelVolumes`.
    SetSoftVolumes { node: u32, volumes: Vec<f32> },
    /// Stop the thread.
    Quit,
}

/// Handle to the PipeWire thread.
pub struct PwThread {
    commands: pipewire::channel::Sender<Command>,
    /// Set when the thread must end: read between reconnect attempts, when
    /// no PipeWire loop runs to receive [`Command::Quit`].
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PwThread {
    /// Starts the thread; events arrive on the returned receiver.
    /// Starts the thread; on every connection it keeps the holding sink
    /// for the processed sink named `hold_for`, if given ([`hold`]).
    pub fn start(hold_for: Option<&str>) -> (PwThread, mpsc::UnboundedReceiver<GraphEvent>) {
        let hold_for = hold_for.map(str::to_string);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (commands_tx, commands_rx) = pipewire::channel::channel();
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("headroom-pw".into())
            .spawn(move || connection::run(events_tx, commands_rx, stop, hold_for.as_deref()))
            .expect("spawning the PipeWire thread");
        (
            PwThread {
                commands: commands_tx,
                stopping,
                thread: Some(thread),
            },
            events_rx,
        )
    }

    /// Queues a command; false if the thread is gone.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }
}

impl Drop for PwThread {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        let _ = self.commands.send(Command::Quit);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
