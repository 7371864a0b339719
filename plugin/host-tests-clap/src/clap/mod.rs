//! A small CLAP host on `clack-host`: loads `headroom.clap`, instantiates the
//! plugin, and exposes what the tests need — descriptor, audio ports (and
//! port configurations), parameters, latency, state — plus block-wise
//! processing with parameter-value events.
//!
//! Threading: the tests drive one instance from one thread, so the "main"
//! and "audio" threads are the same thread. CLAP allows this (the plugin
//! asks the host, or compares with the thread that created it).

mod host;

use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::Ordering;

use clack_extensions::audio_ports::{AudioPortFlags, AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::latency::PluginLatency;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

pub use host::{
    Descriptor, MainThread, ParamChange, ParamDescription, PortConfig, PortDescription, Shared,
    TestHost,
};

/// The plugin's CLAP id (contract with `plugin/formats`).
pub const PLUGIN_ID: &str = "io.github.headroom-audio.headroom";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The plugin descriptors the CLAP file exports.
pub fn descriptors(path: &Path) -> Vec<Descriptor> {
    crate::pin_library(path);
    let entry = load_entry(path);
    let factory = entry
        .get_plugin_factory()
        .expect("the CLAP entry has no plugin factory");
    let list = factory
        .plugin_descriptors()
        .map(|d| Descriptor {
            id: d.id().map(|s| text(s.to_bytes())).unwrap_or_default(),
            name: d.name().map(|s| text(s.to_bytes())).unwrap_or_default(),
            vendor: d.vendor().map(|s| text(s.to_bytes())).unwrap_or_default(),
            version: d.version().map(|s| text(s.to_bytes())).unwrap_or_default(),
            features: d.features().map(|f| text(f.to_bytes())).collect(),
        })
        .collect();
    list
}

fn load_entry(path: &Path) -> PluginEntry {
    // SAFETY: loading a CLAP library runs its initialisers; this is exactly
    // what the tests are for, and the file is the project's own plugin.
    unsafe { PluginEntry::load(path) }
        .unwrap_or_else(|e| panic!("cannot load {} as a CLAP entry: {e:?}", path.display()))
}

/// One instance of the plugin, plus its audio processor once activated.
pub struct ClapPlugin {
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    instance: PluginInstance<TestHost>,
    _entry: PluginEntry,
    channels: usize,
    max_block: usize,
    /// Per-channel scratch of `max_block` frames (input and output).
    scratch_in: Vec<Vec<f32>>,
    scratch_out: Vec<Vec<f32>>,
    ports_in: AudioPorts,
    ports_out: AudioPorts,
}

impl ClapPlugin {
    /// Loads the CLAP file at `path` (kept mapped for the rest of the
    /// process, see [`crate::pin_library`]) and instantiates [`PLUGIN_ID`].
    pub fn load(path: &Path) -> ClapPlugin {
        crate::pin_library(path);
        Self::load_unpinned(path)
    }

    /// Like [`ClapPlugin::load`], but the library is unloaded when the last
    /// instance and entry are dropped, as a host that unloads plugins does.
    pub fn load_unpinned(path: &Path) -> ClapPlugin {
        let entry = load_entry(path);
        let host_info = HostInfo::new(
            "headroom-host-tests",
            "headroom",
            "https://github.com/headroom-audio/headroom",
            env!("CARGO_PKG_VERSION"),
        )
        .unwrap();
        let id = CString::new(PLUGIN_ID).unwrap();
        let instance = PluginInstance::<TestHost>::new(
            |_| Shared::default(),
            |shared| MainThread::new(shared),
            &entry,
            &id,
            &host_info,
        )
        .unwrap_or_else(|e| panic!("cannot instantiate {PLUGIN_ID}: {e:?}"));
        ClapPlugin {
            processor: None,
            instance,
            _entry: entry,
            channels: 0,
            max_block: 0,
            scratch_in: Vec::new(),
            scratch_out: Vec::new(),
            ports_in: AudioPorts::with_capacity(8, 1),
            ports_out: AudioPorts::with_capacity(8, 1),
        }
    }

    fn extension<E>(&self) -> Option<E>
    where
        E: clack_host::extensions::Extension<
            ExtensionSide = clack_host::extensions::PluginExtensionSide,
        >,
    {
        self.instance.plugin_shared_handle().get_extension::<E>()
    }

    /// Every line the plugin logged through the CLAP log extension.
    pub fn log(&self) -> Vec<String> {
        self.instance
            .access_shared_handler(|s| s.log.lock().unwrap().clone())
    }

    /// How often the plugin called `clap_host_latency.changed`.
    pub fn latency_changed_calls(&self) -> u32 {
        self.instance.access_handler(|m| m.latency_changed.get())
    }

    /// The parameters, in the plugin's order.
    pub fn params(&mut self) -> Vec<ParamDescription> {
        let ext: PluginParams = self.extension().expect("no CLAP params extension");
        let handle = self.instance.plugin_handle();
        let count = ext.count(&handle);
        (0..count)
            .map(|i| {
                let mut buffer = ParamInfoBuffer::new();
                let info = ext
                    .get_info(&handle, i, &mut buffer)
                    .unwrap_or_else(|| panic!("params.get_info({i}) failed"));
                ParamDescription {
                    id: info.id.get(),
                    name: text(info.name),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                    automatable: info.flags.contains(ParamInfoFlags::IS_AUTOMATABLE),
                }
            })
            .collect()
    }

    /// `clap_plugin_params.get_value`.
    pub fn param_value(&mut self, id: u32) -> Option<f64> {
        let ext: PluginParams = self.extension()?;
        ext.get_value(&self.instance.plugin_handle(), ClapId::new(id))
    }

    /// `clap_plugin_params.value_to_text`.
    pub fn value_to_text(&mut self, id: u32, value: f64) -> Option<String> {
        let ext: PluginParams = self.extension()?;
        let mut buffer = [0u8; 256];
        let t = ext
            .value_to_text(
                &self.instance.plugin_handle(),
                ClapId::new(id),
                value,
                &mut buffer,
            )
            .ok()?;
        Some(text(t))
    }

    /// `clap_plugin_params.text_to_value`.
    pub fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let ext: PluginParams = self.extension()?;
        let text = CString::new(text).ok()?;
        ext.text_to_value(&self.instance.plugin_handle(), ClapId::new(id), &text)
    }

    /// Sends parameter values through `clap_plugin_params.flush` (the way a
    /// host sets parameters while the plugin is not processing). Works
    /// whether or not the plugin is active.
    pub fn flush_params(&mut self, changes: &[(u32, f64)]) {
        let ext: PluginParams = self.extension().expect("no CLAP params extension");
        let mut events = EventBuffer::new();
        for &(id, value) in changes {
            events.push(&ParamValueEvent::new(
                0,
                ClapId::new(id),
                Pckn::match_all(),
                value,
            ));
        }
        let mut out = EventBuffer::new();
        let input = InputEvents::from_buffer(&events);
        let mut output = OutputEvents::from_buffer(&mut out);
        match &mut self.processor {
            Some(processor) => {
                ext.flush_active(&mut processor.plugin_handle(), &input, &mut output)
            }
            None => {
                let mut handle = self
                    .instance
                    .inactive_plugin_handle()
                    .expect("plugin is neither active nor inactive");
                ext.flush(&mut handle, &input, &mut output);
            }
        }
    }

    /// Audio ports of one direction.
    pub fn audio_ports(&mut self, is_input: bool) -> Vec<PortDescription> {
        let ext: PluginAudioPorts = self.extension().expect("no CLAP audio-ports extension");
        let handle = self.instance.plugin_handle();
        (0..ext.count(&handle, is_input))
            .map(|i| {
                let mut buffer = AudioPortInfoBuffer::new();
                let info = ext
                    .get(&handle, i, is_input, &mut buffer)
                    .unwrap_or_else(|| panic!("audio_ports.get({i}, {is_input}) failed"));
                PortDescription {
                    id: info.id.get(),
                    name: text(info.name),
                    channels: info.channel_count,
                    is_main: info.flags.contains(AudioPortFlags::IS_MAIN),
                    port_type: info.port_type.map(|t| text(t.0.to_bytes())),
                    in_place_pair: info.in_place_pair.map(|p| p.get()),
                }
            })
            .collect()
    }

    /// Audio-ports configurations (empty when the extension is absent).
    pub fn port_configs(&mut self) -> Vec<PortConfig> {
        let Some(ext) = self.extension::<PluginAudioPortsConfig>() else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        (0..ext.count(&handle))
            .filter_map(|i| {
                let mut buffer = AudioPortsConfigBuffer::new();
                let c = ext.get(&handle, i, &mut buffer)?;
                Some((
                    c.id.get(),
                    text(c.name),
                    c.main_input.map(|p| p.channel_count),
                    c.main_output.map(|p| p.channel_count),
                ))
            })
            .collect()
    }

    /// Selects an audio-ports configuration (plugin must be inactive).
    pub fn select_port_config(&mut self, id: u32) -> bool {
        let Some(ext) = self.extension::<PluginAudioPortsConfig>() else {
            return false;
        };
        ext.select(&self.instance.plugin_handle(), ClapId::new(id))
            .is_ok()
    }

    /// `clap_plugin_latency.get`; `None` if the plugin has no latency extension.
    pub fn latency(&mut self) -> Option<u32> {
        let ext: PluginLatency = self.extension()?;
        Some(ext.get(&self.instance.plugin_handle()))
    }

    /// `clap_plugin_state.save`; `None` if it failed.
    pub fn save_state(&mut self) -> Option<Vec<u8>> {
        let ext: PluginState = self.extension().expect("no CLAP state extension");
        let mut blob = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut blob).ok()?;
        Some(blob)
    }

    /// `clap_plugin_state.load`; whether the plugin accepted the blob.
    pub fn load_state(&mut self, blob: &[u8]) -> bool {
        let ext: PluginState = self.extension().expect("no CLAP state extension");
        let mut reader = blob;
        ext.load(&self.instance.plugin_handle(), &mut reader)
            .is_ok()
    }

    /// Activates at `sample_rate` for blocks of 1..=`max_block` frames with
    /// `channels` channels on the main ports, and starts processing.
    pub fn activate(
        &mut self,
        sample_rate: f64,
        max_block: usize,
        channels: usize,
    ) -> Result<(), String> {
        assert!(self.processor.is_none(), "already active");
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block as u32,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), config)
            .map_err(|e| format!("activate({sample_rate} Hz, {max_block}) failed: {e:?}"))?;
        let started = stopped
            .start_processing()
            .map_err(|e| format!("start_processing failed: {e:?}"))?;
        self.processor = Some(started);
        self.channels = channels;
        self.max_block = max_block;
        self.scratch_in = vec![vec![0.0; max_block]; channels];
        self.scratch_out = vec![vec![0.0; max_block]; channels];
        self.run_main_thread_callbacks();
        Ok(())
    }

    /// Stops processing and deactivates.
    pub fn deactivate(&mut self) {
        if let Some(processor) = self.processor.take() {
            self.instance.deactivate(processor.stop_processing());
        }
        self.run_main_thread_callbacks();
    }

    /// Whether the plugin asked for a restart (deactivate + activate).
    pub fn restart_requested(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.load(Ordering::SeqCst))
    }

    fn run_main_thread_callbacks(&mut self) {
        let requested = self
            .instance
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst));
        if requested {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Processes interleaved audio (of the activated channel count) in
    /// blocks whose sizes cycle through `block_sizes`, delivering each
    /// parameter change in the block that contains its frame (with the
    /// in-block time offset). Returns the interleaved output.
    pub fn process_interleaved(
        &mut self,
        input: &[f32],
        block_sizes: &[usize],
        changes: &[ParamChange],
    ) -> Vec<f32> {
        let channels = self.channels;
        assert!(channels > 0, "activate first");
        assert!(block_sizes.iter().all(|&b| b >= 1 && b <= self.max_block));
        let frames = input.len() / channels;
        let mut output = vec![0.0f32; input.len()];
        let mut start = 0;
        let mut sizes = block_sizes.iter().cycle();
        let mut events = EventBuffer::new();
        let mut out_events = EventBuffer::new();
        while start < frames {
            let n = (*sizes.next().unwrap()).min(frames - start);
            events.clear();
            for c in changes
                .iter()
                .filter(|c| c.frame >= start && c.frame < start + n)
            {
                events.push(&ParamValueEvent::new(
                    (c.frame - start) as u32,
                    ClapId::new(c.id),
                    Pckn::match_all(),
                    c.value,
                ));
            }
            for (ch, buf) in self.scratch_in.iter_mut().enumerate() {
                for (f, v) in buf[..n].iter_mut().enumerate() {
                    *v = input[(start + f) * channels + ch];
                }
            }
            out_events.clear();
            let processor = self.processor.as_mut().expect("activate first");
            let ins = self.ports_in.with_input_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    self.scratch_in
                        .iter_mut()
                        .map(|b| InputChannel::variable(&mut b[..n])),
                ),
            }]);
            let mut outs = self.ports_out.with_output_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    self.scratch_out.iter_mut().map(|b| &mut b[..n]),
                ),
            }]);
            processor
                .process(
                    &ins,
                    &mut outs,
                    &InputEvents::from_buffer(&events),
                    &mut OutputEvents::from_buffer(&mut out_events),
                    Some(start as u64),
                    None,
                )
                .unwrap_or_else(|e| panic!("process failed at frame {start}: {e:?}"));
            for (ch, buf) in self.scratch_out.iter().enumerate() {
                for (f, v) in buf[..n].iter().enumerate() {
                    output[(start + f) * channels + ch] = *v;
                }
            }
            start += n;
            self.run_main_thread_callbacks();
        }
        output
    }
}

impl Drop for ClapPlugin {
    fn drop(&mut self) {
        self.deactivate();
    }
}

impl ClapPlugin {
    /// The CLAP value for `plain` of table parameter `spec`, asked of the
    /// plugin itself (`text_to_value` on the table's own formatting), so
    /// the tests assume nothing about the plugin's value mapping.
    pub fn value_for(&mut self, spec: &headroom_dsp::ParamSpec, plain: f32) -> f64 {
        let id = crate::param_hash(spec.key);
        let text = spec.format(plain);
        self.text_to_value(id, &text)
            .unwrap_or_else(|| panic!("{}: text_to_value({text:?}) failed", spec.key))
    }
}
