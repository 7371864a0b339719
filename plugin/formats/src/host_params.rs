//! The parameter table as nice-plug parameters (CLAP and VST3).
//!
//! Built at runtime from [`headroom_dsp::PARAMS`], so the host-visible ids,
//! names, ranges, defaults and units cannot drift from the table: the nice-plug
//! id of each parameter is the table's stable `key`; toggles are `BoolParam`s,
//! everything else a linear `FloatParam` over the table's range.

use std::collections::BTreeMap;
use std::sync::Arc;

use headroom_dsp::{ParamId, ParamSpec, ParamValues, PARAMS, PARAM_COUNT};
use nice_plug::prelude::*;

/// Version of the state layout this build writes, stored with the state
/// under [`STATE_VERSION_KEY`]. Bump it when a change needs a migration in
/// [`crate::nice::HeadroomPlugin::filter_state`].
pub const STATE_VERSION: u32 = 1;
/// Key of the state version among the persisted fields.
pub const STATE_VERSION_KEY: &str = "headroom_state_version";

/// One table row as a host parameter.
enum HostParam {
    Float(FloatParam),
    Toggle(BoolParam),
}

/// Every table parameter, in table order.
pub struct HostParams {
    params: Vec<HostParam>,
}

fn float_param(spec: &'static ParamSpec) -> FloatParam {
    FloatParam::new(
        spec.name,
        spec.default,
        FloatRange::Linear {
            min: spec.min,
            max: spec.max,
        },
    )
    .with_value_to_string(Arc::new(move |v| spec.format(v)))
    .with_string_to_value(Arc::new(move |text| parse_value(spec, text)))
}

/// Parses what a user typed into a host's field: a number, optionally
/// followed by the unit (`-3`, `-3 dBTP`, `4:1`).
pub fn parse_value(spec: &ParamSpec, text: &str) -> Option<f32> {
    let trimmed = text.trim();
    let label = spec.unit.label();
    let number = trimmed
        .strip_suffix(label)
        .filter(|_| !label.is_empty())
        .unwrap_or(trimmed)
        .trim();
    number.parse::<f32>().ok().filter(|v| v.is_finite())
}

impl HostParams {
    pub fn new() -> HostParams {
        let params = PARAMS
            .iter()
            .map(|spec| {
                if spec.is_toggle() {
                    HostParam::Toggle(
                        BoolParam::new(spec.name, spec.default >= 0.5)
                            .with_value_to_string(Arc::new(move |on| {
                                spec.format(if on { 1.0 } else { 0.0 })
                            }))
                            .with_string_to_value(Arc::new(|text| {
                                match text.trim().to_ascii_lowercase().as_str() {
                                    "on" | "1" | "true" | "yes" => Some(true),
                                    "off" | "0" | "false" | "no" => Some(false),
                                    _ => None,
                                }
                            })),
                    )
                } else {
                    HostParam::Float(float_param(spec))
                }
            })
            .collect();
        HostParams { params }
    }

    /// The current values, clamped by the table's rules. Real-time safe.
    pub fn values(&self) -> ParamValues {
        self.values_over(&ParamValues::default())
    }

    /// The current values on top of `previous`: a host value that is not a
    /// number is ignored (the previous value stays), everything else is
    /// clamped by the table's rules. Real-time safe.
    pub fn values_over(&self, previous: &ParamValues) -> ParamValues {
        let mut values = *previous;
        for (i, p) in self.params.iter().enumerate() {
            let v = match p {
                HostParam::Float(f) => f.value(),
                HostParam::Toggle(b) => {
                    if b.value() {
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            if !v.is_nan() {
                values.set(ParamId::ALL[i], v);
            }
        }
        values
    }
}

impl Default for HostParams {
    fn default() -> Self {
        Self::new()
    }
}

const _: () = assert!(PARAM_COUNT == PARAMS.len());

// SAFETY: the pointers handed out point into `self.params`, a Vec that is
// never resized after construction and lives as long as this object.
unsafe impl Params for HostParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        self.params
            .iter()
            .zip(PARAMS.iter())
            .map(|(p, spec)| {
                let ptr = match p {
                    HostParam::Float(f) => f.as_ptr(),
                    HostParam::Toggle(b) => b.as_ptr(),
                };
                (spec.key.to_string(), ptr, String::new())
            })
            .collect()
    }

    fn serialize_fields(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(STATE_VERSION_KEY.to_string(), STATE_VERSION.to_string())])
    }

    fn deserialize_fields(&self, serialized: &BTreeMap<String, String>) {
        match serialized.get(STATE_VERSION_KEY).map(|v| v.parse::<u32>()) {
            Some(Ok(v)) if v <= STATE_VERSION => {}
            Some(Ok(v)) => nice_log!(
                "headroom: state version {v} is newer than this build ({STATE_VERSION}); \
                 known parameters were loaded, others kept their defaults"
            ),
            _ => nice_log!("headroom: state has no version; loaded it as version 1"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_parameters_are_the_table() {
        let params = HostParams::new();
        let map = params.param_map();
        assert_eq!(map.len(), PARAMS.len());
        for ((id, ptr, group), spec) in map.iter().zip(PARAMS.iter()) {
            assert_eq!(id, spec.key);
            assert!(group.is_empty());
            // SAFETY: `params` outlives this loop.
            unsafe {
                assert_eq!(ptr.name(), spec.name);
                let default = ptr.default_plain_value();
                assert_eq!(default, spec.default, "{}", spec.key);
                // Normalised ↔ plain goes through float arithmetic.
                assert!(
                    (ptr.preview_plain(0.0) - spec.min).abs() < 1e-4,
                    "{}",
                    spec.key
                );
                assert!(
                    (ptr.preview_plain(1.0) - spec.max).abs() < 1e-4,
                    "{}",
                    spec.key
                );
                let text = ptr.normalized_value_to_string(ptr.preview_normalized(default), true);
                assert_eq!(text, spec.format(default), "{}", spec.key);
            }
        }
        assert_eq!(params.values(), ParamValues::default());
    }

    #[test]
    fn typed_values_parse_with_or_without_unit() {
        let ceiling = ParamId::LimiterCeiling.spec();
        assert_eq!(parse_value(ceiling, "-3"), Some(-3.0));
        assert_eq!(parse_value(ceiling, " -3.5 dBTP "), Some(-3.5));
        assert_eq!(parse_value(ceiling, "loud"), None);
        assert_eq!(parse_value(ceiling, "NaN"), None);
        assert_eq!(parse_value(ParamId::CompRatio.spec(), "4:1"), Some(4.0));
    }
}
