//! The parameter table: the single source of truth for every control headroom
//! exposes. Plugin formats (nice-plug params, the generated LV2 TTL), profiles
//! (`[dsp]` keys) and the varlink `SetParameter` call all derive from or are
//! checked against [`PARAMS`].
//!
//! Stability: a parameter's `id` and `lv2_symbol` never change once shipped;
//! renaming one is a breaking change for saved DAW sessions, profiles and
//! scripts. New parameters are appended.

/// What a value means; decides display and how a host shows the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Decibels relative to the signal (gain, gain reduction, knee width).
    Db,
    /// Decibels relative to full scale, sample peak.
    Dbfs,
    /// Decibels relative to full scale, true peak (ITU-R BS.1770 inter-sample peak).
    Dbtp,
    /// Loudness units relative to full scale (K-weighted, ITU-R BS.1770).
    Lufs,
    /// Milliseconds.
    Ms,
    /// Decibels per second (rate of gain change).
    DbPerSecond,
    /// Compression ratio `n:1`.
    Ratio,
    /// On/off switch: 0.0 is off, 1.0 is on.
    Toggle,
}

impl Unit {
    /// Short unit label for display (empty for toggles and ratios).
    pub fn label(self) -> &'static str {
        match self {
            Unit::Db => "dB",
            Unit::Dbfs => "dBFS",
            Unit::Dbtp => "dBTP",
            Unit::Lufs => "LUFS",
            Unit::Ms => "ms",
            Unit::DbPerSecond => "dB/s",
            Unit::Ratio => ":1",
            Unit::Toggle => "",
        }
    }
}

/// Stable index of a parameter in [`PARAMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum ParamId {
    InputGain,
    AgcEnabled,
    AgcTarget,
    AgcMaxBoost,
    AgcMaxCut,
    AgcSpeed,
    AgcGate,
    CompEnabled,
    CompThreshold,
    CompRatio,
    CompKnee,
    CompAttack,
    CompRelease,
    CompMakeup,
    LimiterCeiling,
    LimiterRelease,
}

/// Number of parameters in the table.
pub const PARAM_COUNT: usize = 16;

/// One row of the parameter table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    pub id: ParamId,
    /// Stable string id: profile `[dsp]` key, varlink id, nice-plug param id.
    pub key: &'static str,
    /// LV2 port symbol (a valid C identifier).
    pub lv2_symbol: &'static str,
    /// Human-readable name for hosts and UIs.
    pub name: &'static str,
    pub unit: Unit,
    /// Inclusive range; values outside are clamped by the DSP.
    pub min: f32,
    pub max: f32,
    pub default: f32,
    /// One-line explanation shown in `--help`, TTL `rdfs:comment` and docs.
    pub doc: &'static str,
}

impl ParamSpec {
    /// `value` forced into the range (NaN becomes the default; toggles snap to 0 or 1).
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            return self.default;
        }
        let v = value.clamp(self.min, self.max);
        if self.unit == Unit::Toggle {
            if v >= 0.5 {
                1.0
            } else {
                0.0
            }
        } else {
            v
        }
    }

    /// Whether `value` lies inside the range (NaN never does).
    pub fn contains(&self, value: f32) -> bool {
        value >= self.min && value <= self.max
    }

    /// Whether this parameter is an on/off switch.
    pub fn is_toggle(&self) -> bool {
        self.unit == Unit::Toggle
    }

    /// The value formatted with its unit, e.g. `-1.0 dBTP`, `3.0:1`, `on`.
    pub fn format(&self, value: f32) -> String {
        match self.unit {
            Unit::Toggle => if value >= 0.5 { "on" } else { "off" }.to_string(),
            Unit::Ratio => format!("{value:.1}:1"),
            unit => format!("{value:.1} {}", unit.label()),
        }
    }
}

/// The lowest true-peak ceiling a caller may set, dBTP.
pub const CEILING_MIN_DBTP: f32 = -12.0;
/// The highest true-peak ceiling headroom ever allows, dBTP: whatever a host,
/// profile or the router asks for, the limiter never aims above this.
pub const CEILING_MAX_DBTP: f32 = -0.1;

macro_rules! row {
    ($id:ident, $key:literal, $name:literal, $unit:ident, $min:expr, $max:expr, $default:expr, $doc:literal) => {
        ParamSpec {
            id: ParamId::$id,
            key: $key,
            lv2_symbol: $key,
            name: $name,
            unit: Unit::$unit,
            min: $min,
            max: $max,
            default: $default,
            doc: $doc,
        }
    };
}

/// The table, indexed by `ParamId as usize`.
pub const PARAMS: [ParamSpec; PARAM_COUNT] = [
    row!(InputGain, "input_gain", "Input gain", Db, -24.0, 24.0, 0.0,
        "Gain applied before everything else."),
    row!(AgcEnabled, "agc_enabled", "AGC", Toggle, 0.0, 1.0, 1.0,
        "Automatic gain control: rides the K-weighted loudness toward the target."),
    row!(AgcTarget, "agc_target", "AGC target", Lufs, -36.0, -6.0, -18.0,
        "Loudness the AGC steers toward (short-term, K-weighted, all channels summed)."),
    row!(AgcMaxBoost, "agc_max_boost", "AGC max boost", Db, 0.0, 36.0, 24.0,
        "Most the AGC will ever raise the level."),
    row!(AgcMaxCut, "agc_max_cut", "AGC max cut", Db, 0.0, 36.0, 18.0,
        "Most the AGC will ever lower the level."),
    row!(AgcSpeed, "agc_speed", "AGC speed", DbPerSecond, 0.5, 20.0, 4.0,
        "Fastest rate at which the AGC raises gain; it lowers gain at twice this rate."),
    row!(AgcGate, "agc_gate", "AGC gate", Lufs, -80.0, -20.0, -50.0,
        "100 ms blocks quieter than this are ignored: the gain holds, so silence and noise floors are never pumped up."),
    row!(CompEnabled, "comp_enabled", "Compressor", Toggle, 0.0, 1.0, 1.0,
        "Soft-knee feed-forward compressor, all channels linked."),
    row!(CompThreshold, "comp_threshold", "Compressor threshold", Dbfs, -60.0, 0.0, -12.0,
        "Level (peak of all channels) above which the compressor reduces gain."),
    row!(CompRatio, "comp_ratio", "Compressor ratio", Ratio, 1.0, 20.0, 3.0,
        "Input dB above threshold per output dB above threshold."),
    row!(CompKnee, "comp_knee", "Compressor knee", Db, 0.0, 24.0, 6.0,
        "Width of the soft knee centred on the threshold (0 is a hard knee)."),
    row!(CompAttack, "comp_attack", "Compressor attack", Ms, 0.1, 200.0, 10.0,
        "Time constant of gain reduction rising (63% of a step)."),
    row!(CompRelease, "comp_release", "Compressor release", Ms, 5.0, 2000.0, 150.0,
        "Time constant of gain reduction falling back (63% of a step)."),
    row!(CompMakeup, "comp_makeup", "Compressor makeup", Db, 0.0, 24.0, 0.0,
        "Gain added after the compressor."),
    row!(LimiterCeiling, "ceiling", "Ceiling", Dbtp, CEILING_MIN_DBTP, CEILING_MAX_DBTP, -1.0,
        "True-peak ceiling: the output never exceeds it, measured with inter-sample peaks."),
    row!(LimiterRelease, "limiter_release", "Limiter release", Ms, 5.0, 1000.0, 80.0,
        "Time constant of the limiter's gain recovering after a peak."),
];

impl ParamId {
    /// Every id, in table order.
    pub const ALL: [ParamId; PARAM_COUNT] = {
        let mut ids = [ParamId::InputGain; PARAM_COUNT];
        let mut i = 0;
        while i < PARAM_COUNT {
            ids[i] = PARAMS[i].id;
            i += 1;
        }
        ids
    };

    /// This parameter's row in [`PARAMS`].
    pub fn spec(self) -> &'static ParamSpec {
        &PARAMS[self as usize]
    }

    /// Looks a parameter up by its stable string id.
    pub fn from_key(key: &str) -> Option<ParamId> {
        PARAMS.iter().find(|p| p.key == key).map(|p| p.id)
    }
}

/// A full set of parameter values, always within range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamValues([f32; PARAM_COUNT]);

impl Default for ParamValues {
    fn default() -> Self {
        let mut v = [0.0; PARAM_COUNT];
        for p in &PARAMS {
            v[p.id as usize] = p.default;
        }
        ParamValues(v)
    }
}

impl ParamValues {
    /// The value of `id`.
    pub fn get(&self, id: ParamId) -> f32 {
        self.0[id as usize]
    }

    /// Sets `id`, clamping into its range (see [`ParamSpec::clamp`]).
    pub fn set(&mut self, id: ParamId, value: f32) {
        self.0[id as usize] = id.spec().clamp(value);
    }

    /// `(id, value)` pairs in table order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, f32)> + '_ {
        ParamId::ALL.iter().map(move |&id| (id, self.get(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_id_and_consistent() {
        for (i, p) in PARAMS.iter().enumerate() {
            assert_eq!(p.id as usize, i, "{} is out of order", p.key);
            assert!(p.min < p.max, "{}: empty range", p.key);
            assert!(p.contains(p.default), "{}: default outside range", p.key);
            assert!(
                p.lv2_symbol
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !p.lv2_symbol.starts_with(|c: char| c.is_ascii_digit()),
                "{}: LV2 symbol must be a C identifier",
                p.key
            );
            assert_eq!(ParamId::from_key(p.key), Some(p.id));
        }
        let mut keys: Vec<_> = PARAMS.iter().map(|p| p.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PARAM_COUNT, "duplicate keys");
    }

    #[test]
    fn ceiling_is_clamped_whatever_the_caller_sets() {
        let mut v = ParamValues::default();
        assert_eq!(v.get(ParamId::LimiterCeiling), -1.0);
        for wild in [0.0, 3.0, f32::INFINITY, 1e30] {
            v.set(ParamId::LimiterCeiling, wild);
            assert_eq!(v.get(ParamId::LimiterCeiling), CEILING_MAX_DBTP);
        }
        v.set(ParamId::LimiterCeiling, f32::NEG_INFINITY);
        assert_eq!(v.get(ParamId::LimiterCeiling), CEILING_MIN_DBTP);
        v.set(ParamId::LimiterCeiling, f32::NAN);
        assert_eq!(v.get(ParamId::LimiterCeiling), -1.0);
    }

    #[test]
    fn toggles_snap() {
        let spec = ParamId::AgcEnabled.spec();
        assert_eq!(spec.clamp(0.7), 1.0);
        assert_eq!(spec.clamp(0.2), 0.0);
        assert_eq!(spec.format(1.0), "on");
    }
}
