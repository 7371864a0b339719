//! The one boundary between the router's own types and the wire
//! (`io.headroom.Router`, the `headroom-client` types): every conversion,
//! and every internal error mapped to the interface error a client gets.
//! Nothing else in the router builds wire errors.

use headroom_client::{LayerA, Meters, ProfileProblem, RouterError, Stream, UserLayerA, UserRoute};
use headroom_profile::{BusName, Decision, ProfileError, Route};

use crate::device_profiles::Wanted;
use crate::devices_file::DevicesSaveError;
use crate::graph::StreamView;
use crate::layer_a::LayerAView;
use crate::overlay::{RoutesError, RoutesProblem, UserRoutes};
use crate::profile_save::SaveError;

/// `e` as the wire reports it: file, line and column when it has them,
/// and the message without the location it starts with.
pub(crate) fn problem(e: &ProfileError) -> ProfileProblem {
    let at = match e {
        ProfileError::Syntax { at, .. }
        | ProfileError::UnknownKey { at, .. }
        | ProfileError::MisplacedKey { at, .. }
        | ProfileError::WrongType { at, .. }
        | ProfileError::BadChoice { at, .. }
        | ProfileError::OutOfRange { at, .. }
        | ProfileError::BadPattern { at, .. }
        | ProfileError::IncompleteRule { at, .. }
        | ProfileError::Dsp { at, .. } => Some(at),
        _ => None,
    };
    let message = e.to_string();
    let (file, line, column) = match (at, e) {
        (Some(at), _) => (
            at.file.clone(),
            u32::try_from(at.line).ok(),
            u32::try_from(at.column).ok(),
        ),
        (None, ProfileError::Read { path, .. }) => (path.display().to_string(), None, None),
        (None, ProfileError::NotFound { name, .. }) => (name.clone(), None, None),
        (None, _) => (String::new(), None, None),
    };
    let message = match at {
        Some(at) => message
            .strip_prefix(&format!("{at}: "))
            .unwrap_or(&message)
            .to_string(),
        None => message,
    };
    ProfileProblem {
        file,
        line,
        column,
        message,
    }
}

/// The routes file's problem as the wire reports it.
pub(crate) fn routes_problem(p: &RoutesProblem) -> ProfileProblem {
    ProfileProblem {
        file: p.file.clone(),
        line: p.line,
        column: p.column,
        message: p.message.clone(),
    }
}

/// A devices-file problem as the wire reports it.
pub(crate) fn devices_problem(p: &headroom_profile::devices::DevicesProblem) -> ProfileProblem {
    ProfileProblem {
        file: p.file.clone(),
        line: p.line.and_then(|l| u32::try_from(l).ok()),
        column: p.column.and_then(|c| u32::try_from(c).ok()),
        message: p.message.clone(),
    }
}

/// The interface error for a `--for-device` save that failed.
pub(crate) fn devices_save_error(e: &DevicesSaveError) -> RouterError {
    match e {
        DevicesSaveError::Invalid(p) => RouterError::InvalidDevices(devices_problem(p)),
        DevicesSaveError::Write { file, message } => RouterError::SaveFailed {
            file: file.clone(),
            message: message.clone(),
        },
    }
}

/// Which device rule chose the active profile.
pub(crate) fn device_profile(w: &Wanted) -> headroom_client::DeviceProfile {
    headroom_client::DeviceProfile {
        device: w.device.clone(),
        profile: w.profile.clone(),
        rule: w.why.to_string(),
    }
}

/// The interface error for a profile that cannot be used.
pub(crate) fn invalid_profile(e: &ProfileError) -> RouterError {
    match e {
        ProfileError::NotFound {
            name, available, ..
        } => RouterError::ProfileNotFound {
            name: name.clone(),
            available: available.clone(),
        },
        e => RouterError::InvalidProfile(problem(e)),
    }
}

impl From<RoutesError> for RouterError {
    fn from(e: RoutesError) -> RouterError {
        match e {
            RoutesError::Invalid(p) => RouterError::InvalidRoutes(routes_problem(&p)),
            RoutesError::SaveFailed { file, message } => RouterError::SaveFailed { file, message },
        }
    }
}

impl From<SaveError> for RouterError {
    fn from(e: SaveError) -> RouterError {
        match e {
            SaveError::Profile(e) => invalid_profile(&e),
            SaveError::Failed { file, message } => RouterError::SaveFailed { file, message },
        }
    }
}

/// `route` as the wire's enum: every bus is `processed` there, its name
/// goes in a `bus` field beside it ([`bus`]), so clients that predate
/// buses read every route they did before.
pub(crate) fn route(route: Route) -> headroom_client::Route {
    match route {
        Route::Processed | Route::Bus(_) => headroom_client::Route::Processed,
        Route::Bypass => headroom_client::Route::Bypass,
    }
}

/// The wire's `bus` field for `route`.
pub(crate) fn bus(route: Route) -> Option<String> {
    route.bus().map(|b| b.to_string())
}

/// The route a wire enum and `bus` field name (the bus already checked by
/// the caller: see `decode.rs`).
pub(crate) fn route_from_wire(route: headroom_client::Route, bus: Option<BusName>) -> Route {
    match (route, bus) {
        (headroom_client::Route::Bypass, _) => Route::Bypass,
        (_, Some(bus)) => Route::Bus(bus),
        // `held` is refused while decoding SetRoute.
        (headroom_client::Route::Processed | headroom_client::Route::Held, None) => {
            Route::Processed
        }
    }
}

/// The user routes in force, in the order they are tried.
pub(crate) fn user_routes(routes: &UserRoutes) -> Vec<UserRoute> {
    routes
        .routes
        .iter()
        .map(|r| UserRoute {
            app: r.app.clone(),
            route: route(r.route),
            bus: bus(r.route),
        })
        .collect()
}

/// The user's Layer A choices for the wire, in file order.
pub(crate) fn user_layer_a(routes: &UserRoutes) -> Vec<UserLayerA> {
    routes
        .layer_a
        .iter()
        .map(|c| UserLayerA {
            app: c.app.clone(),
            enabled: c.enabled,
        })
        .collect()
}

/// A table value (`f32`) as the decimal it was written as: `-0.1`, not
/// the `-0.10000000149011612` a plain widening gives.
pub(crate) fn decimal(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// A bus's layout as the wire names it.
pub(crate) fn bus_layout(layout: headroom_profile::Layout) -> headroom_client::BusLayout {
    match layout {
        headroom_profile::Layout::Stereo => headroom_client::BusLayout::Stereo,
        headroom_profile::Layout::Surround => headroom_client::BusLayout::Surround,
    }
}

/// A sink's meter block as the wire carries it, with the ceiling its
/// limiter runs with (dBTP). No `-0.0` on the wire (a gain reduction of
/// nothing reads 0).
pub(crate) fn meters(snapshot: &headroom_meters::MeterSnapshot, ceiling: f64) -> Meters {
    let db = |v: f32| if v == 0.0 { 0.0 } else { decimal(v) };
    Meters {
        input_peak: db(snapshot.input_peak_db),
        output_peak: db(snapshot.output_peak_db),
        output_true_peak: db(snapshot.output_true_peak_db),
        ceiling,
        agc_gain: db(snapshot.agc_gain_db),
        compressor_gr: db(snapshot.comp_gr_db),
        limiter_gr: db(snapshot.limiter_gr_db),
        short_term_loudness: db(snapshot.short_term_lufs),
        blocks: snapshot.updates,
    }
}

/// Layer A's state for a stream: what the rider reports, or, for a stream
/// it has not taken on yet, the decided settings with nothing measured.
/// Levels and gains are rounded to 0.01 dB (finer is noise on the wire).
fn layer_a(decision: &Decision, view: Option<LayerAView>) -> LayerA {
    let centi = |db: f32| (f64::from(db) * 100.0).round() / 100.0;
    match view {
        Some(v) => LayerA {
            enabled: v.enabled,
            target: decimal(v.target_dbfs),
            level: v.level_dbfs.map(centi),
            gain: centi(v.gain_db),
            user_volume: decimal(v.user_volume),
        },
        None => LayerA {
            enabled: decision.layer_a.enabled,
            target: decimal(decision.layer_a.target_dbfs),
            level: None,
            gain: 0.0,
            user_volume: 1.0,
        },
    }
}

/// What the graph shows of a stream: the `node.name` of each sink its
/// links reach, and what is wrong with that, if anything.
pub(crate) struct Playing {
    pub sinks: Vec<String>,
    pub problem: Option<String>,
}

/// A decided stream as status and the Monitor feed show it.
pub(crate) fn stream(
    s: &StreamView,
    decision: &Decision,
    playing: Playing,
    view: Option<LayerAView>,
) -> Stream {
    Stream {
        id: s.id,
        app: s.app_name.clone(),
        binary: s.binary.clone(),
        route: if decision.is_held() {
            headroom_client::Route::Held
        } else {
            route(decision.route)
        },
        wanted: route(decision.wanted()),
        bus: bus(decision.route),
        reason: decision.reason.to_string(),
        channels: s.channels,
        layer_a: Some(layer_a(decision, view)),
        playing_on: playing.sinks,
        problem: playing.problem,
    }
}

/// `text` with control characters escaped (`\n`, `\u{1b}`), so a value a
/// client or an app chose cannot forge log lines or terminal sequences.
pub(crate) fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` as one word for a POSIX shell, for commands the router tells
/// the user to run: bare when it is plain, else in single quotes (control
/// characters escaped as [`printable`] does, so a log line stays one line).
pub(crate) fn shell_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@+=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", printable(text).replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quoted("Firefox"), "Firefox");
        assert_eq!(shell_quoted("Google Chrome"), "'Google Chrome'");
        assert_eq!(shell_quoted("it's"), "'it'\\''s'");
        assert_eq!(shell_quoted("a\nb"), "'a\\nb'");
        assert_eq!(shell_quoted(""), "''");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("Spotify"), "Spotify");
        assert_eq!(printable("a\nINFO forged"), "a\\nINFO forged");
        assert_eq!(printable("x\u{1b}[31m"), "x\\u{1b}[31m");
    }

    #[test]
    fn decimals_read_as_written() {
        assert_eq!(decimal(-0.1), -0.1);
        assert_eq!(decimal(-1.0), -1.0);
    }
}
