//! Named processed buses: `[buses.NAME]`, each its own processed sink with
//! its own DSP settings, chosen per app by `route = "NAME"`.
//!
//! ```toml
//! [dsp]                      # the default bus (route = "processed")
//! ceiling = -1.0
//!
//! [buses.voice]
//! description = "Calls"      # optional: shown as `headroom (Calls)`
//! layout = "stereo"          # optional: "stereo" (default) or "surround"
//! [buses.voice.dsp]          # on top of [dsp]: only what differs
//! agc_target = -18.0
//! ceiling = -2.0
//! [buses.voice.layer_a]      # on top of [layer_a], for streams on the bus
//! enabled = false
//! ```
//!
//! A bus inherits the profile's `[dsp]` and `[layer_a]` and overrides what
//! it sets; a rule's own `layer_a` overrides come on top of the bus's. A
//! bus name is [`BusName`]: lower-case letters, digits and `-`, so it is
//! safe in a PipeWire `node.name` and a file name.
//!
//! A `layout = "surround"` bus keeps every channel of a 5.1 or 7.1 stream
//! on a channel of its own (see [`Layout`]); a stereo bus takes them
//! downmixed by PipeWire before its limiter.

use std::fmt;

use toml::de::DeValue;
use toml::Spanned;

use crate::layer_a::{self, LayerAOverrides};
use crate::{in_file_order, parse_dsp, Context, DspSettings, Location, ProfileError, Section};

/// The keys of a `[buses.NAME]` table.
pub const BUS_KEYS: &[&str] = &["description", "layout", "dsp", "layer_a"];

/// A bus's channels (`layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Layout {
    /// Two channels, FL FR: a surround stream routed here is downmixed by
    /// PipeWire before the limiter.
    #[default]
    Stereo,
    /// Eight linked channels, FL FR FC LFE RL RR SL SR ([`SURROUND_POSITIONS`]):
    /// each channel of a 5.1 or 7.1 stream lands on its own, every one
    /// under the ceiling with one gain for all (the image does not
    /// shift). Mono and stereo streams play on FL FR.
    Surround,
}

/// The channel positions of a [`Layout::Surround`] bus, in the order of
/// the surround plugin's ports (`in_1`..`in_8`).
pub const SURROUND_POSITIONS: [&str; 8] = ["FL", "FR", "FC", "LFE", "RL", "RR", "SL", "SR"];

impl Layout {
    /// The `layout` value that means this.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Stereo => "stereo",
            Layout::Surround => "surround",
        }
    }

    /// How many channels the bus's sink has.
    pub fn channels(self) -> u32 {
        match self {
            Layout::Stereo => crate::rules::PROCESSED_SINK_CHANNELS,
            Layout::Surround => SURROUND_POSITIONS.len() as u32,
        }
    }
}

/// The most buses one profile may declare: each is a process of its own.
pub const MAX_BUSES: usize = 8;

/// A bus's name: 1 to [`BusName::MAX`] characters, a lower-case ASCII
/// letter first, then lower-case letters, digits or `-`; never one of
/// the fixed routes (`processed`, `bypass`) nor within two edits of one,
/// so a typo of a route (`bypas`) is an error, never a new bus. `Copy`, so a [`crate::Route`]
/// carrying one stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusName {
    len: u8,
    bytes: [u8; BusName::MAX],
}

/// Why a string is not a [`BusName`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusNameError {
    Empty,
    TooLong,
    /// Not a lower-case letter first, or a character other than
    /// lower-case letters, digits and `-`.
    BadCharacter,
    /// `processed` or `bypass` (the route named).
    Reserved(&'static str),
    /// Within two edits of `processed` or `bypass` (the route named): a
    /// typo of it, more likely than a new bus.
    NearRoute(&'static str),
}

impl fmt::Display for BusNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BusNameError::Empty => "a bus name cannot be empty",
            BusNameError::TooLong => "a bus name has at most 24 characters",
            BusNameError::BadCharacter => {
                "a bus name starts with a lower-case letter and has only lower-case letters, \
                 digits and `-`"
            }
            BusNameError::Reserved(route) => {
                return write!(f, "\"{route}\" is a route, not a bus name");
            }
            BusNameError::NearRoute(route) => {
                return write!(
                    f,
                    "a bus name cannot be within two edits of the route \"{route}\"; \
                     did you mean \"{route}\"?"
                );
            }
        })
    }
}

impl BusName {
    /// The longest bus name, in bytes (= characters: names are ASCII).
    pub const MAX: usize = 24;

    /// Checks `name` (see [`BusName`]).
    pub fn new(name: &str) -> Result<BusName, BusNameError> {
        let raw = name.as_bytes();
        let Some(&first) = raw.first() else {
            return Err(BusNameError::Empty);
        };
        if raw.len() > BusName::MAX {
            return Err(BusNameError::TooLong);
        }
        let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if !first.is_ascii_lowercase() || !raw.iter().all(|&b| ok(b)) {
            return Err(BusNameError::BadCharacter);
        }
        if let Some(route) = crate::Route::NAMES
            .iter()
            .find(|route| crate::suggest::edit_distance(name, route) <= 2)
        {
            return Err(if name == *route {
                BusNameError::Reserved(route)
            } else {
                BusNameError::NearRoute(route)
            });
        }
        let mut bytes = [0; BusName::MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(BusName {
            len: raw.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from checked ASCII.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for BusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BusName({:?})", self.as_str())
    }
}

/// One `[buses.NAME]` table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub name: BusName,
    /// `description`: what the sink is called in volume controls,
    /// `headroom (<description>)`; the name when unset.
    pub description: Option<String>,
    /// `layout`: stereo unless the bus says `"surround"`.
    pub layout: Layout,
    /// `[buses.NAME.dsp]`: only what the bus sets, on top of `[dsp]`.
    pub dsp: DspSettings,
    /// `[buses.NAME.layer_a]`: on top of `[layer_a]`.
    pub layer_a: LayerAOverrides,
    /// Where the table starts.
    pub at: Location,
}

impl Bus {
    /// `headroom (voice)`: the processed sink's `node.description`.
    pub fn sink_description(&self) -> String {
        format!(
            "headroom ({})",
            self.description.as_deref().unwrap_or(self.name.as_str())
        )
    }
}

/// Checks the top-level `buses` table.
pub(crate) fn parse(
    ctx: &Context<'_>,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<Bus>, ProfileError> {
    let DeValue::Table(table) = value.get_ref() else {
        let expected = "a table of buses: write each as a [buses.NAME] table";
        return Err(ctx.wrong_type(Section::TopLevel, "buses", expected, value));
    };
    let mut buses = Vec::new();
    for (key, value) in in_file_order(table) {
        let text: &str = key.get_ref().as_ref();
        let at = ctx.at(key.span().start);
        let name = BusName::new(text).map_err(|error| ProfileError::BadBusName {
            at: at.clone(),
            name: text.to_string(),
            error,
        })?;
        if buses.len() == MAX_BUSES {
            return Err(ProfileError::TooManyBuses { at, max: MAX_BUSES });
        }
        buses.push(parse_bus(ctx, name, at, value)?);
    }
    Ok(buses)
}

fn parse_bus(
    ctx: &Context<'_>,
    name: BusName,
    at: Location,
    value: &Spanned<DeValue<'_>>,
) -> Result<Bus, ProfileError> {
    let DeValue::Table(table) = value.get_ref() else {
        let expected = "a table ([buses.NAME] followed by key = value lines)";
        return Err(ctx.wrong_type(Section::TopLevel, "buses", expected, value));
    };
    let mut bus = Bus {
        name,
        description: None,
        layout: Layout::default(),
        dsp: DspSettings::default(),
        layer_a: LayerAOverrides::default(),
        at,
    };
    for (key, value) in in_file_order(table) {
        match key.get_ref().as_ref() {
            "description" => match value.get_ref() {
                DeValue::String(s) => bus.description = Some(s.to_string()),
                _ => return Err(ctx.wrong_type(Section::Bus, "description", "a string", value)),
            },
            "layout" => {
                bus.layout = match value.get_ref() {
                    DeValue::String(s) if s.as_ref() == "stereo" => Layout::Stereo,
                    DeValue::String(s) if s.as_ref() == "surround" => Layout::Surround,
                    _ => {
                        let expected = r#""stereo" or "surround" (up to 7.1, every channel kept)"#;
                        return Err(ctx.wrong_type(Section::Bus, "layout", expected, value));
                    }
                }
            }
            "dsp" => bus.dsp = parse_dsp(ctx, Section::BusDsp, value)?,
            "layer_a" => bus.layer_a = layer_a::parse(ctx, Section::BusLayerA, value)?,
            _ => return Err(ctx.unknown_key(Section::Bus, key)),
        }
    }
    Ok(bus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_names_are_safe_in_node_and_file_names() {
        assert_eq!(BusName::new("voice").unwrap().as_str(), "voice");
        assert_eq!(BusName::new("media-2").unwrap().to_string(), "media-2");
        assert_eq!(BusName::new(""), Err(BusNameError::Empty));
        assert_eq!(BusName::new("Voice"), Err(BusNameError::BadCharacter));
        assert_eq!(BusName::new("2nd"), Err(BusNameError::BadCharacter));
        assert_eq!(BusName::new("a.b"), Err(BusNameError::BadCharacter));
        assert_eq!(BusName::new("a b"), Err(BusNameError::BadCharacter));
        assert_eq!(
            BusName::new("bypass"),
            Err(BusNameError::Reserved("bypass"))
        );
        assert_eq!(
            BusName::new("bypas"),
            Err(BusNameError::NearRoute("bypass"))
        );
        assert_eq!(
            BusName::new("procesed"),
            Err(BusNameError::NearRoute("processed"))
        );
        assert!(BusName::new("voice").is_ok() && BusName::new("music").is_ok());
        assert_eq!(BusName::new(&"x".repeat(25)), Err(BusNameError::TooLong));
        assert!(BusName::new(&"x".repeat(24)).is_ok());
    }
}
