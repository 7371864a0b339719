//! The PipeWire thread's body: connect, watch, obey, reconnect.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pipewire as pw;
use pw::client::Client;
use pw::context::ContextRc;
use pw::core::CoreRc;
use pw::device::Device;
use pw::main_loop::MainLoopRc;
use pw::metadata::Metadata;
use pw::node::Node;
use pw::proxy::Listener;
use pw::registry::{GlobalObject, RegistryRc};
use pw::spa::param::ParamType;
use pw::spa::utils::dict::DictRef;
use pw::types::ObjectType;
use tokio::sync::mpsc::UnboundedSender;

use super::{Command, GraphEvent, Props};

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
    hold_for: Option<&str>,
) {
    pw::init();
    let commands = Rc::new(RefCell::new(Some(commands)));
    let mut delay = RECONNECT_FIRST;
    let stop = || stopping.load(Ordering::Acquire);
    while !stop() {
        let end = match Connection::open(&events, hold_for) {
            Ok(connection) => connection.run(&commands),
            Err(reason) => End::Lost(reason),
        };
        match end {
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
    devices: HashMap<u32, Device>,
    listeners: HashMap<u32, Box<dyn Listener>>,
}

/// One connection to PipeWire and everything bound on it. Fields drop in
/// order: proxies and taps before the registry, the core, the context and
/// the loop they live on.
struct Connection {
    bound: RefCell<Bound>,
    /// The holding sink ([`super::hold`]), for as long as the connection.
    _hold: Option<Node>,
    /// `node.name` of the processed sink, whose controls are watched.
    processed_name: Option<String>,
    /// The `default` metadata, once bound: where targets and the default
    /// sink are written.
    metadata: RefCell<Option<Metadata>>,
    taps: RefCell<super::tap::Taps>,
    /// Why the loop stopped, once it has.
    end: RefCell<Option<End>>,
    /// The round trip whose `done` ends the initial burst ([`GraphEvent::Synced`]).
    sync_seq: Cell<Option<i32>>,
    /// The round trip a `Quit` waits for, so commands sent before it reach
    /// the server before the connection closes.
    quit_seq: Cell<Option<i32>>,
    events: UnboundedSender<GraphEvent>,
    registry: RegistryRc,
    core: CoreRc,
    _context: ContextRc,
    main_loop: MainLoopRc,
}

impl Connection {
    /// Connects; `Err` says why not.
    fn open(
        events: &UnboundedSender<GraphEvent>,
        hold_for: Option<&str>,
    ) -> Result<Rc<Connection>, String> {
        let main_loop =
            MainLoopRc::new(None).map_err(|e| format!("cannot create a PipeWire loop: {e}"))?;
        let context = ContextRc::new(&main_loop, None)
            .map_err(|e| format!("cannot create a PipeWire context: {e}"))?;
        let core = context
            .connect_rc(None)
            .map_err(|e| format!("cannot connect to PipeWire: {e}"))?;
        let registry = core
            .get_registry_rc()
            .map_err(|e| format!("cannot get the PipeWire registry: {e}"))?;
        let hold = hold_for.and_then(|name| {
            super::hold::create(&core, name)
                .inspect_err(|e| {
                    tracing::warn!(
                        "cannot create the holding sink ({e}): while the processed sink is down, \
                     its streams are left to the session manager"
                    )
                })
                .ok()
        });
        Ok(Rc::new(Connection {
            bound: RefCell::new(Bound::default()),
            _hold: hold,
            processed_name: hold_for.map(str::to_string),
            metadata: RefCell::new(None),
            taps: RefCell::new(super::tap::Taps::default()),
            end: RefCell::new(None),
            sync_seq: Cell::new(None),
            quit_seq: Cell::new(None),
            events: events.clone(),
            registry,
            core,
            _context: context,
            main_loop,
        }))
    }

    fn send(&self, event: GraphEvent) {
        let _ = self.events.send(event);
    }

    /// Ends the loop for `why`.
    fn stop(&self, why: End) {
        *self.end.borrow_mut() = Some(why);
        self.main_loop.quit();
    }

    /// Runs the loop until the connection ends or a `Quit` arrives; the
    /// command receiver is lent to the loop and handed back in `commands`.
    fn run(self: Rc<Self>, commands: &Rc<RefCell<Option<pw::channel::Receiver<Command>>>>) -> End {
        self.send(GraphEvent::Connected);
        let weak = Rc::downgrade(&self);
        let (on_error, on_done, on_global) = (weak.clone(), weak.clone(), weak.clone());
        let _core_listener = self
            .core
            .add_listener_local()
            .error(move |id, _seq, res, message| {
                if let Some(c) = on_error.upgrade() {
                    c.on_core_error(id, res, message);
                }
            })
            .done(move |id, seq| {
                if let Some(c) = on_done.upgrade() {
                    c.on_done(id, seq.seq());
                }
            })
            .register();
        let _registry_listener = self
            .registry
            .add_listener_local()
            .global(move |global| {
                if let Some(c) = on_global.upgrade() {
                    c.on_global(global);
                }
            })
            .global_remove(with(&weak, |c, id| c.on_global_remove(id)))
            .register();
        // A round trip: its `done` marks the end of the initial burst.
        if let Ok(seq) = self.core.sync(0) {
            self.sync_seq.set(Some(seq.seq()));
        }
        let Some(receiver) = commands.borrow_mut().take() else {
            return End::Quit;
        };
        let attached = receiver.attach(
            self.main_loop.loop_(),
            with(&weak, |c, command| c.on_command(command)),
        );
        self.main_loop.run();
        // Taps hold streams on this connection's core: they end with it.
        self.taps.borrow_mut().clear();
        *commands.borrow_mut() = Some(attached.deattach());
        let end = self.end.borrow_mut().take();
        end.unwrap_or_else(|| End::Lost("the PipeWire loop stopped".into()))
    }

    /// Only a broken pipe on the core itself ends the connection; other
    /// errors are harmless races (ENOENT: an object went away while it was
    /// bound or touched).
    fn on_core_error(&self, id: u32, res: i32, message: &str) {
        if id == 0 && res == -libc::EPIPE {
            self.stop(End::Lost(format!("PipeWire: {message} ({res})")));
        } else if res != -libc::ENOENT {
            tracing::warn!("PipeWire error on object {id}: {message} ({res})");
        }
    }

    fn on_done(&self, id: u32, seq: i32) {
        if id == 0 && self.sync_seq.get() == Some(seq) {
            self.send(GraphEvent::Synced);
        }
        if id == 0 && self.quit_seq.get() == Some(seq) {
            self.main_loop.quit();
        }
    }

    fn on_global(&self, global: &GlobalObject<&DictRef>) {
        match global.type_ {
            ObjectType::Node => self.bind_node(global),
            ObjectType::Client => self.bind_client(global),
            ObjectType::Device => self.bind_device(global),
            ObjectType::Link => self.announce_link(global),
            ObjectType::Metadata => self.bind_metadata(global),
            _ => {}
        }
    }

    fn on_global_remove(&self, id: u32) {
        let mut b = self.bound.borrow_mut();
        b.listeners.remove(&id);
        b.nodes.remove(&id);
        b.clients.remove(&id);
        b.devices.remove(&id);
        self.send(GraphEvent::Removed { id });
    }

    /// A node: its properties as they change; for app streams also the
    /// negotiated Format (their own channel count: their ports follow the
    /// sink they are linked to) and Props (the volumes Layer A rides on).
    fn bind_node(&self, global: &GlobalObject<&DictRef>) {
        let Ok(node) = self.registry.bind::<Node, _>(global) else {
            return;
        };
        let id = global.id;
        let name = global.props.and_then(|p| p.get("node.name"));
        let is_processed = name.is_some() && name == self.processed_name.as_deref();
        let (tx, tx_param) = (self.events.clone(), self.events.clone());
        let listener = node
            .add_listener_local()
            .info(move |info| {
                // State changes come as info too; only props matter here.
                if info.change_mask().contains(pw::node::NodeChangeMask::PROPS) {
                    let props = props_of(info.props());
                    let _ = tx.send(GraphEvent::Node { id, props });
                }
            })
            .param(move |_seq, kind, _index, _next, pod| {
                let event = pod.and_then(|pod| match is_processed {
                    true => sink_param_event(id, kind, pod),
                    false => param_event(id, kind, pod),
                });
                if let Some(event) = event {
                    let _ = tx_param.send(event);
                }
            })
            .register();
        let is_stream = global
            .props
            .and_then(|p| p.get("media.class"))
            .is_some_and(|c| c == "Stream/Output/Audio");
        if is_stream {
            node.subscribe_params(&[ParamType::Format, ParamType::Props]);
        } else if is_processed {
            node.subscribe_params(&[ParamType::Props]);
        }
        let mut b = self.bound.borrow_mut();
        b.nodes.insert(id, node);
        b.listeners.insert(id, Box::new(listener));
    }

    fn bind_client(&self, global: &GlobalObject<&DictRef>) {
        let Ok(client) = self.registry.bind::<Client, _>(global) else {
            return;
        };
        let id = global.id;
        let tx = self.events.clone();
        let listener = client
            .add_listener_local()
            .info(move |info| {
                if info
                    .change_mask()
                    .contains(pw::client::ClientChangeMask::PROPS)
                {
                    let props = props_of(info.props());
                    let _ = tx.send(GraphEvent::Client { id, props });
                }
            })
            .register();
        let mut b = self.bound.borrow_mut();
        b.clients.insert(id, client);
        b.listeners.insert(id, Box::new(listener));
    }

    /// A device: its properties (`device.form-factor`, `device.bus`, …),
    /// which its nodes refer to by `device.id`.
    fn bind_device(&self, global: &GlobalObject<&DictRef>) {
        let Ok(device) = self.registry.bind::<Device, _>(global) else {
            return;
        };
        let id = global.id;
        let tx = self.events.clone();
        let listener = device
            .add_listener_local()
            .info(move |info| {
                if info
                    .change_mask()
                    .contains(pw::device::DeviceChangeMask::PROPS)
                {
                    let props = props_of(info.props());
                    let _ = tx.send(GraphEvent::Device { id, props });
                }
            })
            .register();
        let mut b = self.bound.borrow_mut();
        b.devices.insert(id, device);
        b.listeners.insert(id, Box::new(listener));
    }

    fn announce_link(&self, global: &GlobalObject<&DictRef>) {
        let node = |key: &str| {
            global
                .props
                .and_then(|p| p.get(key))
                .and_then(|v| v.parse::<u32>().ok())
        };
        if let (Some(output_node), Some(input_node)) =
            (node("link.output.node"), node("link.input.node"))
        {
            self.send(GraphEvent::Link {
                id: global.id,
                output_node,
                input_node,
            });
        }
    }

    /// The `default` metadata (targets, the default sink); others are
    /// not ours to watch.
    fn bind_metadata(&self, global: &GlobalObject<&DictRef>) {
        let is_default = global
            .props
            .and_then(|p| p.get("metadata.name"))
            .is_some_and(|n| n == "default");
        if !is_default {
            return;
        }
        let Ok(metadata) = self.registry.bind::<Metadata, _>(global) else {
            return;
        };
        let tx = self.events.clone();
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
        self.bound
            .borrow_mut()
            .listeners
            .insert(global.id, Box::new(listener));
        *self.metadata.borrow_mut() = Some(metadata);
    }

    fn on_command(&self, command: Command) {
        match command {
            Command::Quit => {
                *self.end.borrow_mut() = Some(End::Quit);
                match self.core.sync(0) {
                    Ok(seq) => self.quit_seq.set(Some(seq.seq())),
                    Err(_) => self.main_loop.quit(),
                }
            }
            Command::SetTarget { node, serial } => self.set_target(node, serial),
            Command::SetDefaultSink { name } => {
                if let Some(metadata) = self.metadata.borrow().as_ref() {
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
                self.registry.destroy_global(id);
            }
            Command::SetParams { node, params } => {
                if let Some(node) = self.bound.borrow().nodes.get(&node) {
                    crate::params_pod::set_params(node, &params);
                }
            }
            Command::StartTap {
                node,
                serial,
                meter,
            } => self
                .taps
                .borrow_mut()
                .start(&self.core, node, serial, meter),
            Command::StopTap { node } => self.taps.borrow_mut().stop(node),
            Command::SetSoftVolumes { node, volumes } => {
                if let Some(node) = self.bound.borrow().nodes.get(&node) {
                    crate::params_pod::set_soft_volumes(node, &volumes);
                }
            }
        }
    }

    /// `target.object` of `node` on the `default` metadata.
    fn set_target(&self, node: u32, serial: Option<u64>) {
        if let Some(metadata) = self.metadata.borrow().as_ref() {
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
}

/// A stream node's `Format` (its channel count) or `Props` (its volumes)
/// as a graph event.
fn param_event(id: u32, kind: ParamType, pod: &pw::spa::pod::Pod) -> Option<GraphEvent> {
    match kind {
        ParamType::Format => {
            audio_channels(pod).map(|channels| GraphEvent::Channels { id, channels })
        }
        ParamType::Props => {
            crate::params_pod::channel_volumes(pod).map(|channel_volumes| GraphEvent::Volumes {
                id,
                channel_volumes,
                soft_volumes: crate::params_pod::soft_volumes(pod),
            })
        }
        _ => None,
    }
}

/// The processed sink's controls, from its `Props`.
fn sink_param_event(id: u32, kind: ParamType, pod: &pw::spa::pod::Pod) -> Option<GraphEvent> {
    (kind == ParamType::Props)
        .then(|| crate::params_pod::controls(pod))
        .flatten()
        .map(|controls| GraphEvent::SinkControls { id, controls })
}

/// A callback that calls `f` on the connection while it lives (listeners
/// hold only a weak reference, so they never keep it alive).
fn with<A>(weak: &Weak<Connection>, f: impl Fn(&Connection, A) + 'static) -> impl Fn(A) + 'static {
    let weak = weak.clone();
    move |arg| {
        if let Some(connection) = weak.upgrade() {
            f(&connection, arg);
        }
    }
}
