//! The LV2 port layouts: values that both the `lv2_descriptor` entry point
//! and the generated TTL read, so the binary and its description agree.
//!
//! Every plugin has the same shape, for its [`Layout`]'s `n` channels:
//! indices `0..n` audio inputs, `n..2n` audio outputs (channel order), then
//! one control input per row of the parameter table (symbol = the table's
//! `lv2_symbol`, in table order), then `meter_instance`, then the outputs:
//! `latency` and the meters in [`headroom_meters::Level`] order, then the
//! listener's volume inputs, one per channel (linear gain; PipeWire's
//! filter-chain feeds them from the processed sink's volume through
//! `capture.volumes`, see [`headroom_dsp::volume`]).
//!
//! - [`STEREO`] (`#stereo`): `in_l in_r out_l out_r`, params from 4,
//!   `volume_l volume_r`. Shipped configs name its ports by index: the
//!   indices never change, new ports are appended.
//! - [`SURROUND`] (`#surround`): `in_1..in_8`, `out_1..out_8` in the order
//!   FL FR FC LFE RL RR SL SR, params from 16, `volume_1..volume_8`.

use headroom_dsp::{ParamId, MAX_CHANNELS, PARAMS, PARAM_COUNT};
use headroom_meters::{Level, FLOOR_DB, LEVEL_COUNT};

/// The ports of one channel of a layout: `(symbol, name)` pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelPorts {
    pub input: (&'static str, &'static str),
    pub output: (&'static str, &'static str),
    pub volume: (&'static str, &'static str),
    /// The channel's `lv2:designation` in the port-groups vocabulary
    /// (`pg:left` …), or `None` to describe none.
    pub designation: Option<&'static str>,
}

/// One plugin's port layout: its channels (1 to [`MAX_CHANNELS`]), all
/// gain-linked. Indices are `const fn`s of the channel count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    pub channels: &'static [ChannelPorts],
}

/// The stereo plugin: its indices are a shipped contract (see the module docs).
pub const STEREO: Layout = Layout {
    channels: &[
        ChannelPorts {
            input: ("in_l", "Input left"),
            output: ("out_l", "Output left"),
            volume: ("volume_l", "Volume left"),
            designation: None,
        },
        ChannelPorts {
            input: ("in_r", "Input right"),
            output: ("out_r", "Output right"),
            volume: ("volume_r", "Volume right"),
            designation: None,
        },
    ],
};

/// One surround channel; `$n` is its 1-based number, `$pos` its position.
macro_rules! surround_channel {
    ($n:literal, $pos:literal, $designation:literal) => {
        ChannelPorts {
            input: (concat!("in_", $n), concat!("Input ", $n, " (", $pos, ")")),
            output: (concat!("out_", $n), concat!("Output ", $n, " (", $pos, ")")),
            volume: (
                concat!("volume_", $n),
                concat!("Volume ", $n, " (", $pos, ")"),
            ),
            designation: Some($designation),
        }
    };
}

/// The surround plugin: up to 7.1 in PipeWire's channel order. Hosts may
/// leave trailing channels unconnected (5.1 uses 1–6).
pub const SURROUND: Layout = Layout {
    channels: &[
        surround_channel!("1", "FL", "pg:left"),
        surround_channel!("2", "FR", "pg:right"),
        surround_channel!("3", "FC", "pg:center"),
        surround_channel!("4", "LFE", "pg:lowFrequencyEffects"),
        surround_channel!("5", "RL", "pg:rearLeft"),
        surround_channel!("6", "RR", "pg:rearRight"),
        surround_channel!("7", "SL", "pg:sideLeft"),
        surround_channel!("8", "SR", "pg:sideRight"),
    ],
};

const _: () = assert!(STEREO.channel_count() <= MAX_CHANNELS);
const _: () = assert!(SURROUND.channel_count() <= MAX_CHANNELS);

impl Layout {
    pub const fn channel_count(&self) -> usize {
        self.channels.len()
    }

    const fn n(&self) -> u32 {
        self.channels.len() as u32
    }

    /// Audio input of `channel` (0-based).
    pub const fn audio_in(&self, channel: u32) -> u32 {
        channel
    }

    /// Audio output of `channel` (0-based).
    pub const fn audio_out(&self, channel: u32) -> u32 {
        self.n() + channel
    }

    /// Index of the first parameter port; parameter `id` sits at
    /// `param_base() + id`.
    pub const fn param_base(&self) -> u32 {
        2 * self.n()
    }

    /// Which shared-memory block to publish meters to: 0 = none, n = `meters-n`.
    pub const fn meter_instance(&self) -> u32 {
        self.param_base() + PARAM_COUNT as u32
    }

    /// Latency output (lv2:reportsLatency), samples.
    pub const fn latency(&self) -> u32 {
        self.meter_instance() + 1
    }

    /// Index of the first meter output; meter `l` sits at `meter_base() + l`.
    pub const fn meter_base(&self) -> u32 {
        self.latency() + 1
    }

    /// The listener's volume on the first channel (linear); the others follow.
    pub const fn volume_base(&self) -> u32 {
        self.meter_base() + LEVEL_COUNT as u32
    }

    /// Total number of ports.
    pub const fn port_count(&self) -> u32 {
        self.volume_base() + self.n()
    }
}

pub const IN_L: u32 = STEREO.audio_in(0);
pub const IN_R: u32 = STEREO.audio_in(1);
pub const OUT_L: u32 = STEREO.audio_out(0);
pub const OUT_R: u32 = STEREO.audio_out(1);
/// The stereo plugin's [`Layout::param_base`].
pub const PARAM_BASE: u32 = STEREO.param_base();
/// The stereo plugin's [`Layout::meter_instance`].
pub const METER_INSTANCE: u32 = STEREO.meter_instance();
/// The stereo plugin's [`Layout::latency`].
pub const LATENCY: u32 = STEREO.latency();
/// The stereo plugin's [`Layout::meter_base`].
pub const METER_BASE: u32 = STEREO.meter_base();
/// The listener's volume on the left channel (linear); the right follows.
pub const VOLUME_L: u32 = STEREO.volume_base();
pub const VOLUME_R: u32 = VOLUME_L + 1;
/// Total number of the stereo plugin's ports.
pub const PORT_COUNT: u32 = STEREO.port_count();

/// Largest `meter_instance` value.
pub const METER_INSTANCE_MAX: u32 = 65_535;

/// Symbols and names of the meter outputs, in [`Level`] order.
pub const METERS: [(Level, &str, &str, &str); LEVEL_COUNT] = [
    (Level::InputPeak, "input_peak", "Input peak", "dBFS"),
    (Level::OutputPeak, "output_peak", "Output peak", "dBFS"),
    (
        Level::OutputTruePeak,
        "output_true_peak",
        "Output true peak",
        "dBTP",
    ),
    (Level::AgcGain, "agc_gain", "AGC gain", "dB"),
    (
        Level::CompressorGr,
        "comp_gr",
        "Compressor gain reduction",
        "dB",
    ),
    (
        Level::LimiterGr,
        "limiter_gr",
        "Limiter gain reduction",
        "dB",
    ),
    (
        Level::ShortTermLoudness,
        "short_term_lufs",
        "Short-term loudness",
        "LUFS",
    ),
];

/// What a port is; channels are 0-based indices into the layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Port {
    AudioIn(usize),
    AudioOut(usize),
    Param(ParamId),
    MeterInstance,
    Latency,
    Meter(Level),
    /// The listener's volume on a channel.
    Volume(usize),
}

impl Port {
    /// The port at `index` of `layout`, if there is one.
    pub fn at(layout: &Layout, index: u32) -> Option<Port> {
        let channels = 0..layout.n();
        let in_range = |base: u32| {
            index
                .checked_sub(base)
                .filter(|c| channels.contains(c))
                .map(|c| c as usize)
        };
        Some(if let Some(c) = in_range(layout.audio_in(0)) {
            Port::AudioIn(c)
        } else if let Some(c) = in_range(layout.audio_out(0)) {
            Port::AudioOut(c)
        } else if (layout.param_base()..layout.meter_instance()).contains(&index) {
            Port::Param(PARAMS[(index - layout.param_base()) as usize].id)
        } else if index == layout.meter_instance() {
            Port::MeterInstance
        } else if index == layout.latency() {
            Port::Latency
        } else if (layout.meter_base()..layout.volume_base()).contains(&index) {
            Port::Meter(METERS[(index - layout.meter_base()) as usize].0)
        } else if let Some(c) = in_range(layout.volume_base()) {
            Port::Volume(c)
        } else {
            return None;
        })
    }

    /// The port's `(symbol, name)` in `layout`.
    pub fn symbol_and_name(&self, layout: &Layout) -> (&'static str, &'static str) {
        match self {
            Port::AudioIn(c) => layout.channels[*c].input,
            Port::AudioOut(c) => layout.channels[*c].output,
            Port::Volume(c) => layout.channels[*c].volume,
            Port::Param(id) => (id.spec().lv2_symbol, id.spec().name),
            Port::MeterInstance => ("meter_instance", "Meter instance"),
            Port::Latency => ("latency", "Latency"),
            Port::Meter(l) => {
                let (_, symbol, name, _) = METERS[*l as usize];
                (symbol, name)
            }
        }
    }

    pub fn symbol(&self, layout: &Layout) -> &'static str {
        self.symbol_and_name(layout).0
    }

    /// Range a meter output can show: (min, max).
    pub fn meter_range(level: Level) -> (f32, f32) {
        match level {
            Level::AgcGain => (-36.0, 36.0),
            Level::CompressorGr | Level::LimiterGr => (0.0, 60.0),
            _ => (FLOOR_DB, 30.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_one_port_per_index(layout: &Layout) {
        let count = layout.port_count();
        let symbols: Vec<_> = (0..count)
            .map(|i| Port::at(layout, i).expect("no gap").symbol(layout))
            .collect();
        assert!(Port::at(layout, count).is_none());
        let mut sorted = symbols.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            symbols.len(),
            "duplicate symbols: {symbols:?}"
        );
        for (i, spec) in PARAMS.iter().enumerate() {
            assert_eq!(
                Port::at(layout, layout.param_base() + i as u32),
                Some(Port::Param(spec.id))
            );
        }
        for c in 0..layout.n() {
            assert_eq!(Port::at(layout, c), Some(Port::AudioIn(c as usize)));
            assert_eq!(
                Port::at(layout, layout.n() + c),
                Some(Port::AudioOut(c as usize))
            );
            assert_eq!(
                Port::at(layout, layout.volume_base() + c),
                Some(Port::Volume(c as usize))
            );
        }
        for (i, (level, ..)) in METERS.iter().enumerate() {
            assert_eq!(*level as usize, i, "meters out of Level order");
        }
    }

    #[test]
    fn every_index_has_one_port_and_symbols_are_unique() {
        assert_one_port_per_index(&STEREO);
    }

    #[test]
    fn every_surround_index_has_one_port_and_symbols_are_unique() {
        assert_one_port_per_index(&SURROUND);
        assert_eq!(SURROUND.port_count(), 16 + PARAM_COUNT as u32 + 2 + 7 + 8);
        let inputs: Vec<_> = (0..8).map(|i| Port::AudioIn(i).symbol(&SURROUND)).collect();
        assert_eq!(
            inputs,
            ["in_1", "in_2", "in_3", "in_4", "in_5", "in_6", "in_7", "in_8"]
        );
        assert_eq!(
            Port::AudioOut(3).symbol_and_name(&SURROUND),
            ("out_4", "Output 4 (LFE)")
        );
        assert_eq!(
            Port::Volume(7).symbol_and_name(&SURROUND),
            ("volume_8", "Volume 8 (SR)")
        );
    }

    /// The shipped filter-chain config and the host tests address the
    /// stereo plugin by these numbers.
    #[test]
    fn stereo_indices_are_unchanged() {
        assert_eq!((IN_L, IN_R, OUT_L, OUT_R), (0, 1, 2, 3));
        // With the 16 parameters of the table as shipped.
        assert_eq!(PARAM_COUNT, 16);
        assert_eq!(PARAM_BASE, 4);
        assert_eq!(METER_INSTANCE, 20);
        assert_eq!(LATENCY, 21);
        assert_eq!(METER_BASE, 22);
        assert_eq!((VOLUME_L, VOLUME_R), (29, 30));
        assert_eq!(PORT_COUNT, 31);
        let symbols: Vec<_> = (0..PORT_COUNT)
            .map(|i| Port::at(&STEREO, i).unwrap().symbol(&STEREO))
            .collect();
        assert_eq!(symbols[..4], ["in_l", "in_r", "out_l", "out_r"]);
        assert_eq!(symbols[METER_INSTANCE as usize], "meter_instance");
        assert_eq!(symbols[LATENCY as usize], "latency");
        assert_eq!(symbols[VOLUME_L as usize..], ["volume_l", "volume_r"]);
    }
}
