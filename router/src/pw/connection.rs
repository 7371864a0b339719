//! The PipeWire thread's body: connect, watch, obey, reconnect.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pipewire as pw;
use pw::client::Client;
use pw::metadata::Metadata;
use pw::node::Node;
use pw::proxy::Listener;
use pw::spa::param::ParamType;
use pw::types::ObjectType;
use tokio::sync::mpsc::UnboundedSender;

use super::{Command, GraphEvent, Props};
use crate::layer_a::tap::Taps;

/// Back-off between reconnect attempts: doubles from the first to the last.
const RECONNECT_FIRST: Duration = Duration::from_millis(100);
const RECONNECT_MAX: Duration = Duration::from_secs(2);

fn props_of(dict: Option<&pw::spa::utils::dict::DictRef>) -> Props {
    dict.map(|d| {
        d.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
    .unwrap_or_default()
}

/// The channel count of a raw audio `Format` pod.
fn audio_channels(pod: &pw::spa::pod::Pod) -> Option<u32> {
    use pw::spa::param::format::{MediaSubtype, MediaType};
    let (media, sub) = pw::spa::param::format_utils::parse_format(pod).ok()?;
    if media != MediaType::Audio || sub != MediaSubtype::Raw {
        return None;
    }
    let mut info = pw::spa::param::audio::AudioInfoRaw::new();
    info.parse(pod).ok()?;
    Some(info.channels()).filter(|&c| c > 0)
}

/// Why one connection ended.
enum End {
    Quit,
    Lost(String),
}

/// How often a back-off wait looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(20);

/// Runs until a `Quit` command (while connected) or `stopping` (at any
/// time, also while PipeWire is down); reconnects whenever the connection
/// breaks.
pub fn run(
    events: UnboundedSender<GraphEvent>,
    commands: pw::channel::Receiver<Command>,
    stopping: Arc<AtomicBool>,
) {
    pw::init();
    let commands = Rc::new(RefCell::new(Some(commands)));
    let mut delay = RECONNECT_FIRST;
    let stop = || stopping.load(Ordering::Acquire);
    while !stop() {
        match connect_once(&events, &commands) {
            End::Quit => break,
            End::Lost(reason) => {
                if events.send(GraphEvent::Disconnected { reason }).is_err() {
                    break;
                }
            }
        }
        let until = std::time::Instant::now() + delay;
        while !stop() && std::time::Instant::now() < until {
            std::thread::sleep(STOP_POLL);
        }
        delay = (delay * 2).min(RECONNECT_MAX);
        if commands.borrow().is_none() {
            break;
        }
    }
}

/// Proxies must outlive their listeners' use; both are kept per global id.
#[derive(Default)]
struct Bound {
    nodes: HashMap<u32, Node>,
    clients: HashMap<u32, Client>,
    listeners: HashMap<u32, Box<dyn Listener>>,
}

fn connect_once(
    events: &UnboundedSender<GraphEvent>,
    commands: &Rc<RefCell<Option<pw::channel::Receiver<Command>>>>,
) -> End {
    let main_loop = match pw::main_loop::MainLoopRc::new(None) {
        Ok(l) => l,
        Err(e) => return End::Lost(format!("cannot create a PipeWire loop: {e}")),
    };
    let context = match pw::context::ContextRc::new(&main_loop, None) {
        Ok(c) => c,
        Err(e) => return End::Lost(format!("cannot create a PipeWire context: {e}")),
    };
    let core = match context.connect_rc(None) {
        Ok(c) => c,
        Err(e) => return End::Lost(format!("cannot connect to PipeWire: {e}")),
    };
    let registry = match core.get_registry_rc() {
        Ok(r) => r,
        Err(e) => return End::Lost(format!("cannot get the PipeWire registry: {e}")),
    };
    let _ = events.send(GraphEvent::Connected);

    let end: Rc<RefCell<Option<End>>> = Rc::new(RefCell::new(None));
    let bound = Rc::new(RefCell::new(Bound::default()));
    let default_metadata: Rc<RefCell<Option<Metadata>>> = Rc::new(RefCell::new(None));
    let taps = Rc::new(RefCell::new(Taps::default()));

    // Core errors on id 0 mean the connection is gone.
    let ml = main_loop.downgrade();
    let end_err = end.clone();
    let sync_seq = Rc::new(Cell::new(None::<i32>));
    let sync_seen = sync_seq.clone();
    // A Quit waits for a round trip, so commands sent before it reach the
    // server before the connection closes.
    let quit_seq = Rc::new(Cell::new(None::<i32>));
    let quit_seen = quit_seq.clone();
    let ml_done = main_loop.downgrade();
    let events_done = events.clone();
    let _core_listener = core
        .add_listener_local()
        .error(move |id, _seq, res, message| {
            // Only a broken pipe on the core itself ends the connection;
            // other errors (e.g. ENOENT for an object that went away while
            // we touched it) are harmless races.
            if id == 0 && res == -libc::EPIPE {
                *end_err.borrow_mut() = Some(End::Lost(format!("PipeWire: {message} ({res})")));
                if let Some(ml) = ml.upgrade() {
                    ml.quit();
                }
            } else if res != -libc::ENOENT {
                // ENOENT: an object went away while we bound or touched it.
                tracing::warn!("PipeWire error on object {id}: {message} ({res})");
            }
        })
        .done(move |id, seq| {
            if id == 0 && sync_seen.get() == Some(seq.seq()) {
                let _ = events_done.send(GraphEvent::Synced);
            }
            if id == 0 && quit_seen.get() == Some(seq.seq()) {
                if let Some(ml) = ml_done.upgrade() {
                    ml.quit();
                }
            }
        })
        .register();

    let weak_registry = registry.downgrade();
    let events_global = events.clone();
    let bound_global = bound.clone();
    let metadata_global = default_metadata.clone();
    let _registry_listener = registry
        .add_listener_local()
        .global(move |global| {
            let Some(registry) = weak_registry.upgrade() else {
                return;
            };
            let id = global.id;
            match global.type_ {
                ObjectType::Node => {
                    let Ok(node) = registry.bind::<Node, _>(global) else {
                        return;
                    };
                    let tx = events_global.clone();
                    let tx_param = events_global.clone();
                    let listener = node
                        .add_listener_local()
                        .info(move |info| {
                            // State changes come as info too; only props matter here.
                            if !info.change_mask().contains(pw::node::NodeChangeMask::PROPS) {
                                return;
                            }
                            let _ = tx.send(GraphEvent::Node {
                                id,
                                props: props_of(info.props()),
                            });
                        })
                        .param(move |_seq, kind, _index, _next, pod| match kind {
                            ParamType::Format => {
                                if let Some(channels) = pod.and_then(audio_channels) {
                                    let _ = tx_param.send(GraphEvent::Channels { id, channels });
                                }
                            }
                            ParamType::Props => {
                                if let Some(channel_volumes) =
                                    pod.and_then(crate::params_pod::channel_volumes)
                                {
                                    let _ = tx_param.send(GraphEvent::Volumes {
                                        id,
                                        channel_volumes,
                                    });
                                }
                            }
                            _ => {}
                        })
                        .register();
                    // A stream's own channel count is in its negotiated
                    // Format (its ports follow the sink it is linked to);
                    // its volumes (Layer A's base) are in its Props.
                    let is_stream = global
                        .props
                        .and_then(|p| p.get("media.class"))
                        .is_some_and(|c| c == "Stream/Output/Audio");
                    if is_stream {
                        node.subscribe_params(&[ParamType::Format, ParamType::Props]);
                    }
                    let mut b = bound_global.borrow_mut();
                    b.nodes.insert(id, node);
                    b.listeners.insert(id, Box::new(listener));
                }
                ObjectType::Client => {
                    let Ok(client) = registry.bind::<Client, _>(global) else {
                        return;
                    };
                    let tx = events_global.clone();
                    let listener = client
                        .add_listener_local()
                        .info(move |info| {
                            if !info
                                .change_mask()
                                .contains(pw::client::ClientChangeMask::PROPS)
                            {
                                return;
                            }
                            let _ = tx.send(GraphEvent::Client {
                                id,
                                props: props_of(info.props()),
                            });
                        })
                        .register();
                    let mut b = bound_global.borrow_mut();
                    b.clients.insert(id, client);
                    b.listeners.insert(id, Box::new(listener));
                }
                ObjectType::Link => {
                    let props = global.props;
                    let node = |key: &str| {
                        props
                            .and_then(|p| p.get(key))
                            .and_then(|v| v.parse::<u32>().ok())
                    };
                    if let (Some(output_node), Some(input_node)) =
                        (node("link.output.node"), node("link.input.node"))
                    {
                        let _ = events_global.send(GraphEvent::Link {
                            id,
                            output_node,
                            input_node,
                        });
                    }
                }
                ObjectType::Metadata => {
                    let is_default = global
                        .props
                        .and_then(|p| p.get("metadata.name"))
                        .is_some_and(|n| n == "default");
                    if !is_default {
                        return;
                    }
                    let Ok(metadata) = registry.bind::<Metadata, _>(global) else {
                        return;
                    };
                    let tx = events_global.clone();
                    let listener = metadata
                        .add_listener_local()
                        .property(move |subject, key, _type, value| {
                            if let Some(key) = key {
                                let _ = tx.send(GraphEvent::Metadata {
                                    subject,
                                    key: key.to_string(),
                                    value: value.map(str::to_string),
                                });
                            }
                            0
                        })
                        .register();
                    bound_global
                        .borrow_mut()
                        .listeners
                        .insert(id, Box::new(listener));
                    *metadata_global.borrow_mut() = Some(metadata);
                }
                _ => {}
            }
        })
        .global_remove({
            let events = events.clone();
            let bound = bound.clone();
            move |id| {
                let mut b = bound.borrow_mut();
                b.listeners.remove(&id);
                b.nodes.remove(&id);
                b.clients.remove(&id);
                let _ = events.send(GraphEvent::Removed { id });
            }
        })
        .register();

    // Ask for a round trip: its `done` marks the end of the initial burst.
    if let Ok(seq) = core.sync(0) {
        sync_seq.set(Some(seq.seq()));
    }

    // Commands: the receiver is moved into the loop and handed back after.
    let Some(receiver) = commands.borrow_mut().take() else {
        return End::Quit;
    };
    let ml = main_loop.downgrade();
    let end_cmd = end.clone();
    let metadata_cmd = default_metadata.clone();
    let registry_cmd = registry.clone();
    let bound_cmd = bound.clone();
    let core_cmd = core.clone();
    let quit_seq_cmd = quit_seq.clone();
    let taps_cmd = taps.clone();
    let attached = receiver.attach(main_loop.loop_(), move |command| match command {
        Command::Quit => {
            *end_cmd.borrow_mut() = Some(End::Quit);
            match core_cmd.sync(0) {
                Ok(seq) => quit_seq_cmd.set(Some(seq.seq())),
                Err(_) => {
                    if let Some(ml) = ml.upgrade() {
                        ml.quit();
                    }
                }
            }
        }
        Command::SetTarget { node, serial } => {
            if let Some(metadata) = metadata_cmd.borrow().as_ref() {
                let value = serial.map(|s| s.to_string());
                metadata.set_property(
                    node,
                    "target.object",
                    value.as_ref().map(|_| "Spa:Id"),
                    value.as_deref(),
                );
                // The older key, still read by some clients and WirePlumber
                // scripts: keep it from pointing elsewhere.
                metadata.set_property(node, "target.node", None, None);
            }
        }
        Command::SetDefaultSink { name } => {
            if let Some(metadata) = metadata_cmd.borrow().as_ref() {
                let value = serde_json::json!({ "name": name }).to_string();
                metadata.set_property(
                    0,
                    "default.configured.audio.sink",
                    Some("Spa:String:JSON"),
                    Some(&value),
                );
            }
        }
        Command::DestroyLink { id } => {
            registry_cmd.destroy_global(id);
        }
        Command::SetParams { node, params } => {
            if let Some(node) = bound_cmd.borrow().nodes.get(&node) {
                crate::params_pod::set_params(node, &params);
            }
        }
        Command::StartTap {
            node,
            serial,
            meter,
        } => taps_cmd.borrow_mut().start(&core_cmd, node, serial, meter),
        Command::StopTap { node } => taps_cmd.borrow_mut().stop(node),
        Command::SetSoftVolumes { node, volumes } => {
            if let Some(node) = bound_cmd.borrow().nodes.get(&node) {
                crate::params_pod::set_soft_volumes(node, &volumes);
            }
        }
    });

    main_loop.run();
    // Taps hold streams on this connection's core: they end with it.
    taps.borrow_mut().clear();

    *commands.borrow_mut() = Some(attached.deattach());
    let end = end.borrow_mut().take();
    end.unwrap_or_else(|| End::Lost("the PipeWire loop stopped".into()))
}
