//! Host-side CLAP callbacks (log, latency, params, state, audio ports)
//! and the plain descriptions the test host hands back.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use clack_extensions::audio_ports::{AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags,
};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_host::prelude::*;

/// Host callbacks that may come from any thread.
#[derive(Default)]
pub struct Shared {
    pub(super) callback_requested: AtomicBool,
    pub(super) restart_requested: AtomicBool,
    pub(super) flush_requested: AtomicBool,
    /// Everything the plugin logged, as `"[severity] message"`.
    pub(super) log: Mutex<Vec<String>>,
}

impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        let line = format!("[{severity:?}] {message}");
        eprintln!("plugin log: {line}");
        self.log.lock().unwrap().push(line);
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Host callbacks on the main thread; counts what the plugin told us.
pub struct MainThread<'a> {
    _shared: &'a Shared,
    pub(super) latency_changed: Cell<u32>,
    pub(super) params_rescanned: Cell<u32>,
    pub(super) marked_dirty: Cell<u32>,
}

impl<'a> MainThread<'a> {
    pub(super) fn new(shared: &'a Shared) -> Self {
        MainThread {
            _shared: shared,
            latency_changed: Cell::new(0),
            params_rescanned: Cell::new(0),
            marked_dirty: Cell::new(0),
        }
    }
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {
        self.latency_changed.set(self.latency_changed.get() + 1);
    }
}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.params_rescanned.set(self.params_rescanned.get() + 1);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {
        self.marked_dirty.set(self.marked_dirty.get() + 1);
    }
}

impl HostAudioPortsImpl for MainThread<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        true
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {}
}

/// The host type handed to clack.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostAudioPorts>();
    }
}

/// One entry of the plugin factory.
#[derive(Debug, Clone)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

/// What `clap_plugin_params.get_info` said about one parameter.
#[derive(Debug, Clone)]
pub struct ParamDescription {
    pub id: u32,
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub stepped: bool,
    pub automatable: bool,
}

/// What `clap_plugin_audio_ports.get` said about one port.
#[derive(Debug, Clone)]
pub struct PortDescription {
    pub id: u32,
    pub name: String,
    pub channels: u32,
    pub is_main: bool,
    /// `"stereo"`, `"mono"`, … (CLAP port type), if given.
    pub port_type: Option<String>,
    pub in_place_pair: Option<u32>,
}

/// One audio-ports configuration: `(id, name, main input channels, main output channels)`.
pub type PortConfig = (u32, String, Option<u32>, Option<u32>);

/// A parameter change at `frame` (counted from the start of a processing run).
#[derive(Debug, Clone, Copy)]
pub struct ParamChange {
    pub frame: usize,
    pub id: u32,
    /// The CLAP value (nice-plug: normalized 0..1 for continuous parameters).
    pub value: f64,
}
