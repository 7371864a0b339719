//! The LV2 port layout: one list that both the `lv2_descriptor` entry point
//! and the generated TTL read, so the binary and its description agree.
//!
//! Indices: 0–3 audio (in_l, in_r, out_l, out_r), then one control input per
//! row of the parameter table (symbol = the table's `lv2_symbol`, in table
//! order), then `meter_instance`, then the outputs: `latency` and the meters
//! in [`headroom_meters::Level`] order, then the listener's volume inputs
//! `volume_l`/`volume_r` (linear gain; PipeWire's filter-chain feeds them
//! from the processed sink's volume through `capture.volumes`, see
//! [`headroom_dsp::volume`]). New ports are appended.

use headroom_dsp::{ParamId, PARAMS, PARAM_COUNT};
use headroom_meters::{Level, FLOOR_DB, LEVEL_COUNT};

pub const IN_L: u32 = 0;
pub const IN_R: u32 = 1;
pub const OUT_L: u32 = 2;
pub const OUT_R: u32 = 3;
/// Index of the first parameter port; parameter `id` sits at `PARAM_BASE + id`.
pub const PARAM_BASE: u32 = 4;
/// Which shared-memory block to publish meters to: 0 = none, n = `meters-n`.
pub const METER_INSTANCE: u32 = PARAM_BASE + PARAM_COUNT as u32;
/// Latency output (lv2:reportsLatency), samples.
pub const LATENCY: u32 = METER_INSTANCE + 1;
/// Index of the first meter output; meter `l` sits at `METER_BASE + l`.
pub const METER_BASE: u32 = LATENCY + 1;
/// The listener's volume on the left channel (linear); the right follows.
pub const VOLUME_L: u32 = METER_BASE + LEVEL_COUNT as u32;
pub const VOLUME_R: u32 = VOLUME_L + 1;
/// Total number of ports.
pub const PORT_COUNT: u32 = VOLUME_R + 1;

/// Symbols and names of the volume inputs, in channel order.
pub const VOLUMES: [(&str, &str); 2] = [("volume_l", "Volume left"), ("volume_r", "Volume right")];

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

/// What a port is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Port {
    AudioIn(&'static str, &'static str),
    AudioOut(&'static str, &'static str),
    Param(ParamId),
    MeterInstance,
    Latency,
    Meter(Level),
    /// The listener's volume on a channel (0 left, 1 right).
    Volume(usize),
}

impl Port {
    /// The port at `index`, if there is one.
    pub fn at(index: u32) -> Option<Port> {
        Some(match index {
            IN_L => Port::AudioIn("in_l", "Input left"),
            IN_R => Port::AudioIn("in_r", "Input right"),
            OUT_L => Port::AudioOut("out_l", "Output left"),
            OUT_R => Port::AudioOut("out_r", "Output right"),
            i if (PARAM_BASE..METER_INSTANCE).contains(&i) => {
                Port::Param(PARAMS[(i - PARAM_BASE) as usize].id)
            }
            METER_INSTANCE => Port::MeterInstance,
            LATENCY => Port::Latency,
            i if (METER_BASE..VOLUME_L).contains(&i) => {
                Port::Meter(METERS[(i - METER_BASE) as usize].0)
            }
            i if (VOLUME_L..PORT_COUNT).contains(&i) => Port::Volume((i - VOLUME_L) as usize),
            _ => return None,
        })
    }

    pub fn symbol(&self) -> &'static str {
        match self {
            Port::AudioIn(s, _) | Port::AudioOut(s, _) => s,
            Port::Param(id) => id.spec().lv2_symbol,
            Port::MeterInstance => "meter_instance",
            Port::Latency => "latency",
            Port::Meter(l) => METERS[*l as usize].1,
            Port::Volume(c) => VOLUMES[*c].0,
        }
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

    #[test]
    fn every_index_has_one_port_and_symbols_are_unique() {
        let symbols: Vec<_> = (0..PORT_COUNT)
            .map(|i| Port::at(i).expect("no gap").symbol())
            .collect();
        assert!(Port::at(PORT_COUNT).is_none());
        let mut sorted = symbols.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            symbols.len(),
            "duplicate symbols: {symbols:?}"
        );
        for (i, spec) in PARAMS.iter().enumerate() {
            assert_eq!(Port::at(PARAM_BASE + i as u32), Some(Port::Param(spec.id)));
        }
        for (i, (level, ..)) in METERS.iter().enumerate() {
            assert_eq!(*level as usize, i, "meters out of Level order");
        }
    }
}
