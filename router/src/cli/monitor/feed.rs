//! Folding what the router says into the [`MonitorView`]: its status
//! (on connect) and each `Monitor` reply. Pure, so every case is tested
//! without a daemon.

use headroom_client::{
    Event, EventKind, LayerA, Meters, MonitorEvent, Route, Status, StreamLevels,
};

use std::time::Instant;

use crate::cli::route_choices::pickable_buses;

use super::view::{BusLine, BusMeters, MonitorView, Riding, StreamRow, MASTER_LABEL};

fn app_text(app: &Option<String>, id: u32) -> String {
    app.clone().unwrap_or_else(|| format!("node {id}"))
}

/// How a row shows a route: the bus's name for a stream on a named bus.
fn route_text(route: Route, bus: Option<&str>) -> String {
    match bus.filter(|_| route == Route::Processed) {
        Some(bus) => bus.to_string(),
        None => route.to_string(),
    }
}

/// A stream's row: its route (a named bus's name for a stream on one),
/// its level and gain shown only where Layer A rides it; `binary` names
/// it for the router when it has no `application.name`.
fn row(
    id: u32,
    app: &Option<String>,
    binary: Option<&str>,
    (route, bus): (Route, Option<&str>),
    layer_a: Option<&LayerA>,
) -> StreamRow {
    StreamRow {
        id,
        app: app_text(app, id),
        app_key: app.clone().or_else(|| binary.map(str::to_string)),
        route: route_text(route, bus),
        layer_a: match layer_a.filter(|l| l.enabled) {
            Some(l) => Riding::On {
                level_dbfs: l.level.map(|l| l as f32),
                gain_db: l.gain as f32,
            },
            None => Riding::Off,
        },
    }
}

/// Starts the view afresh from `GetStatus` (after every (re)connect).
pub fn apply_status(view: &mut MonitorView, status: &Status) {
    view.connected = true;
    view.notice = None;
    view.profile = status.profile.clone();
    view.bypass = status.bypass;
    view.bus_names = pickable_buses(&status.buses);
    // Until the `buses` topic says more (the master is not in status).
    view.buses = status
        .buses
        .iter()
        .filter_map(|b| {
            Some(BusLine {
                label: b.name.clone(),
                meters: bus_meters(b.meters.as_ref()?),
            })
        })
        .collect();
    view.streams = status
        .streams
        .iter()
        .map(|s| {
            row(
                s.id,
                &s.app,
                s.binary.as_deref(),
                (s.route, s.bus.as_deref()),
                s.layer_a.as_ref(),
            )
        })
        .collect();
}

/// Shows that the router is gone, keeping nothing stale on screen.
pub fn apply_disconnected(view: &mut MonitorView, why: &str) {
    *view = MonitorView {
        events: std::mem::take(&mut view.events),
        ceiling: view.ceiling,
        selected: view.selected,
        notice: Some(why.to_string()),
        ..Default::default()
    };
}

/// Folds one `Monitor` reply in, seen at `now`.
pub fn apply(view: &mut MonitorView, reply: &MonitorEvent, now: Instant) {
    match reply {
        MonitorEvent::Meters(m) => view.take_meters(bus_meters(m), now),
        MonitorEvent::Streams(levels) => apply_levels(view, levels),
        MonitorEvent::BusMeters(buses) => {
            view.buses = buses
                .iter()
                .map(|b| BusLine {
                    label: b.bus.clone().unwrap_or_else(|| MASTER_LABEL.to_string()),
                    meters: bus_meters(&b.meters),
                })
                .collect();
        }
        MonitorEvent::Lagged(n) => {
            view.push_event(format!("(the monitor fell behind: {n} updates skipped)"))
        }
        MonitorEvent::Event(event) => apply_event(view, event),
    }
}

fn bus_meters(m: &Meters) -> BusMeters {
    BusMeters {
        input_peak_db: m.input_peak as f32,
        output_peak_db: m.output_peak as f32,
        output_true_peak_db: m.output_true_peak as f32,
        ceiling_db: m.ceiling as f32,
        agc_gain_db: m.agc_gain as f32,
        comp_gr_db: m.compressor_gr as f32,
        limiter_gr_db: m.limiter_gr as f32,
        short_term_lufs: m.short_term_loudness as f32,
    }
}

/// The rows follow the levels; a row's binary (which levels do not carry)
/// is kept from before.
fn apply_levels(view: &mut MonitorView, levels: &[StreamLevels]) {
    let keys: Vec<(u32, Option<String>)> = view
        .streams
        .iter()
        .map(|r| (r.id, r.app_key.clone()))
        .collect();
    view.streams = levels
        .iter()
        .map(|s| {
            let known = keys.iter().find(|(id, _)| *id == s.id);
            let binary = known.and_then(|(_, key)| key.as_deref());
            row(
                s.id,
                &s.app,
                binary,
                (s.route, s.bus.as_deref()),
                s.layer_a.as_ref(),
            )
        })
        .collect();
}

fn apply_event(view: &mut MonitorView, event: &Event) {
    let text = match event.kind {
        EventKind::StreamAdded | EventKind::StreamRemoved | EventKind::StreamRerouted => {
            apply_stream_event(view, event)
        }
        EventKind::ProfileChanged => {
            if let Some(p) = &event.profile {
                view.profile = p.clone();
            }
            if let Some(buses) = &event.buses {
                view.bus_names = pickable_buses(buses);
            }
            format!("profile {}", view.profile)
        }
        EventKind::BypassChanged => {
            view.bypass = event.bypass.unwrap_or(view.bypass);
            format!("bypass {}", if view.bypass { "on" } else { "off" })
        }
        _ => event_text(event),
    };
    view.push_event(text);
}

/// A stream came, went or moved: the rows follow; the events pane line.
fn apply_stream_event(view: &mut MonitorView, event: &Event) -> String {
    let Some(s) = &event.stream else {
        return "a stream changed".into();
    };
    let to = match s.bus.as_deref().filter(|_| s.route == Route::Processed) {
        Some(bus) => format!("bus {bus}"),
        None => s.route.to_string(),
    };
    let moved = format!("{} → {to} ({})", app_text(&s.app, s.id), s.reason);
    match event.kind {
        EventKind::StreamAdded => {
            if !view.streams.iter().any(|r| r.id == s.id) {
                view.streams.push(row(
                    s.id,
                    &s.app,
                    s.binary.as_deref(),
                    (s.route, s.bus.as_deref()),
                    s.layer_a.as_ref(),
                ));
            }
            format!("new: {moved}")
        }
        EventKind::StreamRemoved => {
            view.streams.retain(|r| r.id != s.id);
            format!("gone: {}", app_text(&s.app, s.id))
        }
        _ => {
            if let Some(shown) = view.streams.iter_mut().find(|r| r.id == s.id) {
                shown.route = route_text(s.route, s.bus.as_deref());
            }
            format!("moved: {moved}")
        }
    }
}

/// The events pane line for an event that changes nothing on screen.
fn event_text(event: &Event) -> String {
    match event.kind {
        EventKind::ProfileError => match &event.problem {
            Some(p) => format!(
                "profile error: {}{}: {} (last good profile kept)",
                p.file,
                p.line.map_or(String::new(), |l| format!(":{l}")),
                p.message
            ),
            None => "profile error".into(),
        },
        EventKind::ParameterChanged => format!(
            "{} = {}",
            event.parameter.as_deref().unwrap_or("?"),
            event.value.map_or("?".into(), |v| v.to_string())
        ),
        EventKind::SinkChanged => {
            let name = |s: &Option<headroom_client::Sink>| {
                s.as_ref()
                    .and_then(|s| s.name.clone())
                    .unwrap_or_else(|| "none".into())
            };
            let processed = match &event.processed_sink {
                Some(headroom_client::Sink { node: Some(_), .. }) => "up".to_string(),
                Some(headroom_client::Sink {
                    problem: Some(problem),
                    ..
                }) => format!("NOT PROTECTED: {problem}"),
                _ => "down".to_string(),
            };
            format!(
                "output: {} (processed sink: {processed})",
                name(&event.real_sink)
            )
        }
        EventKind::RoutesChanged => format!(
            "your routes: {}",
            event.routes.as_ref().map_or("?".into(), |routes| {
                if routes.is_empty() {
                    "none".to_string()
                } else {
                    routes
                        .iter()
                        .map(|r| format!("{} → {}", r.app, r.route))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            })
        ),
        EventKind::UserMoved => format!(
            "you moved {}: {} from now on (undo: {})",
            event.app.as_deref().unwrap_or("?"),
            event.route.map_or("?".into(), |r| r.to_string()),
            event.undo.as_deref().unwrap_or("?")
        ),
        EventKind::Connected => "router connected to PipeWire".into(),
        EventKind::Disconnected => format!(
            "router lost PipeWire ({}); reconnecting",
            event.reason.as_deref().unwrap_or("?")
        ),
        _ => format!("{:?}", event.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_client::{LayerA, Stream};

    fn stream(id: u32, app: &str, route: Route) -> Stream {
        Stream {
            id,
            app: Some(app.into()),
            binary: None,
            route,
            wanted: route,
            bus: None,
            reason: "rule #1".into(),
            channels: 2,
            layer_a: None,
            playing_on: Vec::new(),
            problem: None,
        }
    }

    #[test]
    fn events_keep_the_rows_and_the_title_current() {
        let mut view = MonitorView::default();
        let mut added = Event::new(EventKind::StreamAdded);
        added.stream = Some(stream(7, "Firefox", Route::Processed));
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(added)),
            Instant::now(),
        );
        assert_eq!(view.streams.len(), 1);
        let mut moved = Event::new(EventKind::StreamRerouted);
        moved.stream = Some(stream(7, "Firefox", Route::Bypass));
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(moved)),
            Instant::now(),
        );
        assert_eq!(view.streams[0].route, "bypass");
        let mut bypass = Event::new(EventKind::BypassChanged);
        bypass.bypass = Some(true);
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(bypass)),
            Instant::now(),
        );
        assert!(view.bypass);
        let mut gone = Event::new(EventKind::StreamRemoved);
        gone.stream = Some(stream(7, "Firefox", Route::Bypass));
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(gone)),
            Instant::now(),
        );
        assert!(view.streams.is_empty());
        assert_eq!(
            view.events.back().map(String::as_str),
            Some("gone: Firefox")
        );
    }

    #[test]
    fn levels_show_only_where_layer_a_rides() {
        let mut view = MonitorView::default();
        let ridden = StreamLevels {
            id: 1,
            app: Some("Game".into()),
            route: Route::Bypass,
            bus: None,
            layer_a: Some(LayerA {
                enabled: true,
                target: -20.0,
                level: Some(-21.0),
                gain: -4.0,
                user_volume: 1.0,
            }),
        };
        let plain = StreamLevels {
            id: 2,
            app: None,
            route: Route::Processed,
            bus: Some("voice".into()),
            layer_a: Some(LayerA {
                enabled: false,
                target: -20.0,
                level: None,
                gain: 0.0,
                user_volume: 1.0,
            }),
        };
        apply(
            &mut view,
            &MonitorEvent::Streams(vec![ridden, plain]),
            Instant::now(),
        );
        assert_eq!(
            view.streams[0].layer_a,
            Riding::On {
                level_dbfs: Some(-21.0),
                gain_db: -4.0
            }
        );
        assert_eq!(view.streams[1].app, "node 2");
        assert_eq!(view.streams[1].app_key, None);
        assert_eq!(view.streams[1].layer_a, Riding::Off);
        // A stream on a named bus shows the bus as its route.
        assert_eq!(view.streams[0].route, "bypass");
        assert_eq!(view.streams[1].route, "voice");
    }

    #[test]
    fn a_profile_change_brings_its_stereo_bus_names_for_r() {
        let mut view = MonitorView::default();
        let bus = crate::cli::route_choices::idle_bus;
        let changed = Event {
            profile: Some("Voice chat".into()),
            buses: Some(vec![
                bus("voice", headroom_client::BusLayout::Stereo),
                bus("surround", headroom_client::BusLayout::Surround),
            ]),
            ..Event::new(EventKind::ProfileChanged)
        };
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(changed)),
            Instant::now(),
        );
        assert_eq!(view.profile, "Voice chat");
        // The surround bus is for surround streams, not an app's pick.
        assert_eq!(view.bus_names, ["voice"]);
        let plain = Event {
            profile: Some("Night".into()),
            buses: Some(Vec::new()),
            ..Event::new(EventKind::ProfileChanged)
        };
        apply(
            &mut view,
            &MonitorEvent::Event(Box::new(plain)),
            Instant::now(),
        );
        assert!(view.bus_names.is_empty());
    }

    #[test]
    fn bus_meters_replace_the_bus_lines_the_master_named_apart() {
        let meters = |tp: f64, ceiling: f64| headroom_client::Meters {
            input_peak: 0.0,
            output_peak: tp,
            output_true_peak: tp,
            ceiling,
            agc_gain: 0.0,
            compressor_gr: 0.0,
            limiter_gr: 1.5,
            short_term_loudness: -20.0,
            blocks: 7,
        };
        let mut view = MonitorView::default();
        let reply = MonitorEvent::BusMeters(vec![
            headroom_client::BusMeters {
                bus: Some("voice".into()),
                sink: "headroom.processed.bus.voice".into(),
                meters: meters(-12.5, -12.0),
            },
            headroom_client::BusMeters {
                bus: None,
                sink: "headroom.processed.master".into(),
                meters: meters(-1.5, -1.0),
            },
        ]);
        apply(&mut view, &reply, Instant::now());
        let labels: Vec<&str> = view.buses.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["voice", MASTER_LABEL]);
        assert_eq!(view.buses[0].meters.ceiling_db, -12.0);
        assert_eq!(view.buses[1].meters.limiter_gr_db, 1.5);
        // The default sink's own meters are not touched.
        assert_eq!(view.meters, None);
        apply(
            &mut view,
            &MonitorEvent::BusMeters(Vec::new()),
            Instant::now(),
        );
        assert!(view.buses.is_empty());
    }

    #[test]
    fn losing_the_router_clears_everything_but_the_events() {
        let mut view = MonitorView {
            connected: true,
            profile: "Night".into(),
            ..Default::default()
        };
        view.push_event("bypass on".into());
        apply_disconnected(&mut view, "the router is not running");
        assert!(!view.connected);
        assert!(view.profile.is_empty());
        assert_eq!(view.events.len(), 1);
        assert_eq!(view.notice.as_deref(), Some("the router is not running"));
    }
}
