//! One LV2 plugin instance of either layout: port pointers, the chain,
//! meters. Every channel of the layout is gain-linked in one chain.

#[cfg(test)]
use headroom_dsp::ParamId;
use headroom_dsp::{Chain, ParamValues, MAX_CHANNELS, PARAMS, PARAM_COUNT};
use headroom_meters::{Ballistics, BlockReading, MeterValues, LEVEL_COUNT};

use super::ports::{Layout, Port, METER_INSTANCE_MAX};
use super::publisher::MeterPublisher;

/// Host buffers as connected by `connect_port`; any may be null. Sized for
/// the largest layout; channels past the instance's layout stay null.
struct Connections {
    audio_in: [*const f32; MAX_CHANNELS],
    audio_out: [*mut f32; MAX_CHANNELS],
    params: [*const f32; PARAM_COUNT],
    meter_instance: *const f32,
    latency: *mut f32,
    meters: [*mut f32; LEVEL_COUNT],
    volumes: [*const f32; MAX_CHANNELS],
}

/// The layout channels that `run` processes, in order: those whose output
/// is connected. Chain channel `i` is layout channel `channels[i]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Routing {
    channels: [usize; MAX_CHANNELS],
    count: usize,
}

pub struct Instance {
    layout: Layout,
    ports: Connections,
    /// One chain for all of the layout's channels (linked gain).
    chain: Chain,
    /// What the chain was last given, to call `set_params` only on change.
    applied: ParamValues,
    ballistics: Ballistics,
    publisher: MeterPublisher,
    /// Set by `activate`: the first `run` starts the chain at the control
    /// values it finds, without gliding from the defaults. Hosts may
    /// connect and set controls after `activate` (lv2file does).
    fresh: bool,
}

/// Reads a control port: `None` when unconnected or not a number.
///
/// # Safety
/// `port` is null or points at a live f32 (LV2 guarantees this during `run`).
unsafe fn read_control(port: *const f32) -> Option<f32> {
    port.as_ref().copied().filter(|v| !v.is_nan())
}

impl Instance {
    /// Allocates everything for `layout`'s channels; `None` for a sample
    /// rate the chain cannot run at.
    pub fn new(layout: Layout, sample_rate: f64) -> Option<Instance> {
        let chain = Chain::new(sample_rate as f32, layout.channel_count()).ok()?;
        let latency = chain.latency_samples() as u32;
        Some(Instance {
            layout,
            ports: Connections {
                audio_in: [std::ptr::null(); MAX_CHANNELS],
                audio_out: [std::ptr::null_mut(); MAX_CHANNELS],
                params: [std::ptr::null(); PARAM_COUNT],
                meter_instance: std::ptr::null(),
                latency: std::ptr::null_mut(),
                meters: [std::ptr::null_mut(); LEVEL_COUNT],
                volumes: [std::ptr::null(); MAX_CHANNELS],
            },
            applied: *chain.params(),
            ballistics: Ballistics::new(sample_rate as f32, latency),
            chain,
            publisher: MeterPublisher::start(),
            fresh: true,
        })
    }

    /// LV2 `connect_port`: remembers `data` for port `index` of the layout
    /// (indices past the layout are ignored). Real-time safe.
    pub fn connect(&mut self, index: u32, data: *mut f32) {
        let p = &mut self.ports;
        match Port::at(&self.layout, index) {
            Some(Port::AudioIn(c)) => p.audio_in[c] = data,
            Some(Port::AudioOut(c)) => p.audio_out[c] = data,
            Some(Port::Param(id)) => p.params[id as usize] = data,
            Some(Port::MeterInstance) => p.meter_instance = data,
            Some(Port::Latency) => p.latency = data,
            Some(Port::Meter(level)) => p.meters[level as usize] = data,
            Some(Port::Volume(c)) => p.volumes[c] = data,
            None => {}
        }
    }

    /// The requested meter instance, clamped to a valid id (0 = none).
    fn meter_instance(&self) -> u32 {
        // SAFETY: see `read_control`.
        match unsafe { read_control(self.ports.meter_instance) } {
            Some(v) if v >= 0.5 => (v.round().min(METER_INSTANCE_MAX as f32)) as u32,
            _ => 0,
        }
    }

    /// Which channels to process: those whose output is connected to a
    /// buffer of its own. Channels sharing one output buffer are left out,
    /// all of them: two mutable views of one buffer cannot be processed as
    /// two channels, and a shared buffer is a host's discard buffer
    /// (PipeWire's filter-chain connects every output it does not use to
    /// one such buffer).
    fn routing(&self) -> Routing {
        let outputs = &self.ports.audio_out[..self.layout.channel_count()];
        let mut routing = Routing {
            channels: [0; MAX_CHANNELS],
            count: 0,
        };
        for (c, &output) in outputs.iter().enumerate() {
            let shared = outputs.iter().filter(|&&o| o == output).count() > 1;
            if !output.is_null() && !shared {
                routing.channels[routing.count] = c;
                routing.count += 1;
            }
        }
        routing
    }

    /// LV2 `activate` (not real-time): clears audio state, and sets up the
    /// meter block if one is asked for.
    pub fn activate(&mut self) {
        self.read_params(&self.routing());
        self.chain.reset();
        self.fresh = true;
        self.publisher.prepare(self.meter_instance());
    }

    /// Control values into the chain: clamped by the table, NaN ignored
    /// (the previous value stays); each routed channel's volume onto its
    /// chain channel. Real-time safe.
    fn read_params(&mut self, routing: &Routing) {
        let mut values = self.applied;
        for (i, &port) in self.ports.params.iter().enumerate() {
            // SAFETY: see `read_control`.
            if let Some(v) = unsafe { read_control(port) } {
                values.set(PARAMS[i].id, v);
            }
        }
        if values != self.applied {
            self.chain.set_params(&values);
            self.applied = values;
        }
        for (chain_channel, &c) in routing.channels[..routing.count].iter().enumerate() {
            // SAFETY: see `read_control`. Unconnected is unity; NaN keeps
            // the last volume (the chain ignores it).
            let volume = unsafe { self.ports.volumes[c].as_ref() }
                .copied()
                .unwrap_or(1.0);
            self.chain.set_volume(chain_channel, volume);
        }
    }

    /// LV2 `run`. Real-time safe: no allocation, no locks, no system calls.
    ///
    /// Channels with an output buffer of their own are processed together
    /// (one gain for all); an unconnected input counts as silence, so its
    /// output is written as silence. Channels whose output is unconnected
    /// or shared (see `routing`) are left out.
    ///
    /// # Safety
    /// Connected audio ports point at `frames` valid samples; an input may
    /// alias its own channel's output (in-place processing), as LV2 allows.
    pub unsafe fn run(&mut self, frames: usize) {
        crate::alloc_canary();
        let routing = self.routing();
        self.read_params(&routing);
        if self.fresh {
            // Snap to the controls as they are now (real-time safe).
            self.chain.reset();
            self.fresh = false;
        }
        let p = &self.ports;
        if routing.count > 0 {
            let mut audio: [&mut [f32]; MAX_CHANNELS] = Default::default();
            for (slot, &c) in audio.iter_mut().zip(&routing.channels[..routing.count]) {
                let (input, output) = (p.audio_in[c], p.audio_out[c]);
                if input.is_null() {
                    std::ptr::write_bytes(output, 0, frames);
                } else if !std::ptr::eq(input, output) {
                    std::ptr::copy(input, output, frames);
                }
                *slot = std::slice::from_raw_parts_mut(output, frames);
            }
            self.chain.reset_meter_peaks();
            self.chain.process(&mut audio[..routing.count]);
        }
        self.write_outputs(frames);
    }

    fn write_outputs(&mut self, frames: usize) {
        let m = self.chain.meters();
        let reading = BlockReading {
            input_peak: m.input_peak_max,
            output_peak: m.output_peak_max,
            output_true_peak: m.output_true_peak_max,
            agc_gain_db: m.agc_gain_db,
            comp_gr_db: m.comp_gr_db,
            limiter_gr_db: m.limiter_gr_max_db,
            short_term_lufs: m.short_term_lufs,
        };
        let values: MeterValues = self.ballistics.update(frames, &reading);
        let p = &self.ports;
        // SAFETY: connected output control ports point at a live f32.
        unsafe {
            if let Some(latency) = p.latency.as_mut() {
                *latency = self.chain.latency_samples() as f32;
            }
            for (&port, v) in p.meters.iter().zip(values.levels) {
                if let Some(out) = port.as_mut() {
                    *out = v;
                }
            }
        }
        self.publisher.publish(self.meter_instance(), &values);
    }

    /// The chain's current value of `id` (for tests).
    #[cfg(test)]
    pub fn param(&self, id: ParamId) -> f32 {
        self.applied.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::super::ports::{self, STEREO};
    use super::*;

    #[test]
    fn nan_and_wild_control_values_never_reach_the_chain_unclamped() {
        let mut inst = Instance::new(STEREO, 48_000.0).unwrap();
        let mut controls = [f32::NAN; PARAM_COUNT];
        controls[ParamId::LimiterCeiling as usize] = 6.0;
        for (i, control) in controls.iter_mut().enumerate() {
            inst.connect(ports::PARAM_BASE + i as u32, control);
        }
        let mut buf = [[0.5f32; 64]; 2];
        let [l, r] = &mut buf;
        inst.connect(ports::IN_L, l.as_mut_ptr());
        inst.connect(ports::OUT_L, l.as_mut_ptr());
        inst.connect(ports::IN_R, r.as_mut_ptr());
        inst.connect(ports::OUT_R, r.as_mut_ptr());
        unsafe { inst.run(64) };
        assert_eq!(inst.param(ParamId::LimiterCeiling), -0.1);
        // NaN keeps the default.
        assert_eq!(inst.param(ParamId::AgcTarget), -18.0);
        assert!(buf.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn output_ports_carry_latency_and_meters() {
        let mut inst = Instance::new(STEREO, 48_000.0).unwrap();
        let mut latency = -1.0f32;
        let mut meters = [f32::NAN; LEVEL_COUNT];
        inst.connect(ports::LATENCY, &mut latency);
        for (i, m) in meters.iter_mut().enumerate() {
            inst.connect(ports::METER_BASE + i as u32, m);
        }
        let left: [f32; 480] = std::array::from_fn(|n| 2.0 * (n as f32 * 0.05).sin());
        let mut input = [left, left.map(|v| -v)];
        let mut output = [[0.0f32; 480]; 2];
        inst.connect(ports::IN_L, input[0].as_mut_ptr());
        inst.connect(ports::IN_R, input[1].as_mut_ptr());
        inst.connect(ports::OUT_L, output[0].as_mut_ptr());
        inst.connect(ports::OUT_R, output[1].as_mut_ptr());
        inst.activate();
        for _ in 0..20 {
            unsafe { inst.run(480) };
        }
        let expected = Chain::new(48_000.0, 2).unwrap().latency_samples() as f32;
        assert_eq!(latency, expected);
        use headroom_meters::Level;
        let level = |l: Level| meters[l as usize];
        // Input is 2.0 (+6 dBFS) and never touched: the plugin is not in place.
        assert!((level(Level::InputPeak) - 6.02).abs() < 0.1, "{meters:?}");
        assert!(input[0].iter().any(|v| v.abs() > 1.9));
        assert!(level(Level::OutputTruePeak) <= -1.0 + 1e-3, "{meters:?}");
        assert!(level(Level::LimiterGr) >= 0.0, "{meters:?}");
        assert!(level(Level::CompressorGr) > 1.0, "{meters:?}");
        assert!(level(Level::AgcGain) < 0.0, "{meters:?}");
        assert!(meters.iter().all(|m| m.is_finite()));
    }

    #[test]
    fn volume_ports_scale_each_channel_after_the_limiter() {
        // Two instances on the same hot input, one at unity, one with the
        // left volume at 0.5 and the right muted.
        let run = |volumes: Option<[f32; 2]>| {
            let mut inst = Instance::new(STEREO, 48_000.0).unwrap();
            let mut volumes = volumes;
            if let Some(v) = volumes.as_mut() {
                inst.connect(ports::VOLUME_L, &mut v[0]);
                inst.connect(ports::VOLUME_R, &mut v[1]);
            }
            let left: [f32; 480] = std::array::from_fn(|n| 2.0 * (n as f32 * 0.05).sin());
            let mut input = [left, left];
            let mut output = [[0.0f32; 480]; 2];
            inst.connect(ports::IN_L, input[0].as_mut_ptr());
            inst.connect(ports::IN_R, input[1].as_mut_ptr());
            inst.connect(ports::OUT_L, output[0].as_mut_ptr());
            inst.connect(ports::OUT_R, output[1].as_mut_ptr());
            inst.activate();
            for _ in 0..20 {
                unsafe { inst.run(480) };
            }
            output
        };
        let unity = run(None);
        let turned = run(Some([0.5, 0.0]));
        for (u, t) in unity[0].iter().zip(&turned[0]) {
            assert!((u * 0.5 - t).abs() < 1e-6, "left: {u} at half is not {t}");
        }
        assert!(turned[1].iter().all(|&v| v == 0.0), "right is muted");
        assert!(
            unity[0].iter().any(|v| v.abs() > 0.01),
            "the unity run is silent"
        );
    }
}

#[cfg(test)]
#[path = "instance_surround_tests.rs"]
mod surround_tests;
