use super::*;
use crate::routing::Route;

const STREAM: u32 = 70;

fn graph() -> Graph {
    crate::graph::tests_support::sample_graph()
}

fn decided(enabled: bool, target: f32) -> BTreeMap<u32, Decision> {
    BTreeMap::from([(
        STREAM,
        Decision {
            route: Route::Bypass,
            reason: headroom_profile::Reason::DefaultRoute,
            layer_a: LayerASettings {
                enabled,
                target_dbfs: target,
                max_cut_db: 18.0,
                max_boost_db: 12.0,
            },
        },
    )])
}

/// A Layer A riding `STREAM` (user volume `user`), with the commands it sent.
fn riding(user: f32) -> (LayerA, Vec<Command>, detector::Detector) {
    let mut layer = LayerA::default();
    let mut sent = Vec::new();
    layer.on_event(
        &GraphEvent::Volumes {
            id: STREAM,
            channel_volumes: vec![user, user],
            soft_volumes: None,
        },
        &mut |c| sent.push(c),
    );
    layer.sync(&decided(true, -20.0), &graph(), &mut |c| sent.push(c));
    let Some(Command::StartTap {
        node,
        serial,
        meter,
    }) = sent.first().cloned()
    else {
        panic!("no tap started: {sent:?}");
    };
    assert_eq!((node, serial), (STREAM, 170));
    (layer, sent, detector::Detector::new(meter))
}

/// Plays `seconds` of a steady block at `amplitude` (as the tap hears it:
/// after the volume in effect, which `volume` tracks from the writes).
fn play(
    layer: &mut LayerA,
    detector: &mut detector::Detector,
    sent: &mut Vec<Command>,
    start: Instant,
    ticks: std::ops::Range<u32>,
    amplitude: f32,
    volume: &mut f32,
) {
    for n in ticks {
        detector.process(&[amplitude * *volume; 2400]);
        layer.tick(start + TICK * n, &mut |c| {
            if let Command::SetSoftVolumes { volumes, .. } = &c {
                *volume = volumes[0];
            }
            sent.push(c);
        });
    }
}

#[test]
fn a_ridden_stream_gets_a_tap_and_soft_volumes_on_top_of_the_users_volume() {
    let (mut layer, mut sent, mut detector) = riding(0.5);
    let start = Instant::now();
    let mut volume = 0.5;
    // −6 dBFS before the user's volume; target −20: 14 dB down.
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        start,
        0..400,
        0.5,
        &mut volume,
    );
    let view = layer.layer_a_view(STREAM).unwrap();
    assert!(view.enabled);
    assert!((view.gain_db + 14.0).abs() < 1.0, "{view:?}");
    assert!((view.level_dbfs.unwrap() + 6.0).abs() < 0.5, "{view:?}");
    assert_eq!(view.user_volume, 0.5);
    let expected = 0.5 * db_to_amplitude(view.gain_db);
    assert!((volume - expected).abs() < 0.01, "{volume} vs {expected}");
    let writes = sent
        .iter()
        .filter(|c| matches!(c, Command::SetSoftVolumes { .. }))
        .count();
    // 20 s: at most 10 a second while moving (~3 s), then refreshes only.
    assert!(
        writes <= 30 + 20 / REFRESH_S as usize + 1,
        "{writes} writes"
    );
}

#[test]
fn a_user_volume_change_is_a_new_base_and_off_restores_exactly_the_users_volume() {
    let (mut layer, mut sent, mut detector) = riding(1.0);
    let start = Instant::now();
    let mut volume = 1.0;
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        start,
        0..200,
        0.5,
        &mut volume,
    );
    let gain = layer.layer_a_view(STREAM).unwrap().gain_db;
    assert!(gain < -10.0, "{gain}");
    // The user sets 0.25: the converter applies it alone for now.
    sent.clear();
    layer.on_event(
        &GraphEvent::Volumes {
            id: STREAM,
            channel_volumes: vec![0.25, 0.25],
            soft_volumes: None,
        },
        &mut |c| sent.push(c),
    );
    volume = 0.25;
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        start,
        200..201,
        0.5,
        &mut volume,
    );
    let Some(Command::SetSoftVolumes { volumes, .. }) = sent.last() else {
        panic!("no re-base write: {sent:?}");
    };
    let now = layer.layer_a_view(STREAM).unwrap().gain_db;
    assert!((volumes[0] - 0.25 * db_to_amplitude(now)).abs() < 1e-6);
    // Riding goes on from the same gain: the app's level did not change.
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        start,
        201..300,
        0.5,
        &mut volume,
    );
    let later = layer.layer_a_view(STREAM).unwrap().gain_db;
    assert!((later - gain).abs() < 1.0, "{gain} → {later}");

    sent.clear();
    layer.sync(&decided(false, -20.0), &graph(), &mut |c| sent.push(c));
    assert_eq!(
        sent,
        vec![
            Command::StopTap { node: STREAM },
            Command::SetSoftVolumes {
                node: STREAM,
                volumes: vec![0.25, 0.25]
            }
        ]
    );
    let view = layer.layer_a_view(STREAM).unwrap();
    assert!(!view.enabled);
    assert_eq!(view.gain_db, 0.0);
}

#[test]
fn our_own_writes_echoing_back_are_not_a_user_change() {
    let (mut layer, mut sent, mut detector) = riding(1.0);
    let start = Instant::now();
    let mut volume = 1.0;
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        start,
        0..100,
        0.5,
        &mut volume,
    );
    let before = sent.len();
    layer.on_event(
        &GraphEvent::Volumes {
            id: STREAM,
            channel_volumes: vec![1.0, 1.0],
            soft_volumes: None,
        },
        &mut |c| sent.push(c),
    );
    assert_eq!(sent.len(), before);
    assert!(!layer.ridden[&STREAM].force_write);
}

#[test]
fn nothing_is_written_before_the_stream_moves_or_its_volume_is_known() {
    let mut layer = LayerA::default();
    let mut sent = Vec::new();
    layer.sync(&decided(true, -20.0), &graph(), &mut |c| sent.push(c));
    let Some(Command::StartTap { meter, .. }) = sent.pop() else {
        panic!()
    };
    let mut detector = detector::Detector::new(meter);
    let mut volume = 1.0;
    // On target already: never a write, also not after the volume is known.
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        Instant::now(),
        0..100,
        0.1,
        &mut volume,
    );
    layer.on_event(
        &GraphEvent::Volumes {
            id: STREAM,
            channel_volumes: vec![1.0, 1.0],
            soft_volumes: None,
        },
        &mut |c| sent.push(c),
    );
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        Instant::now(),
        100..300,
        0.1,
        &mut volume,
    );
    assert!(sent.is_empty(), "{sent:?}");
    // Off again: nothing to restore.
    layer.sync(&decided(false, -20.0), &graph(), &mut |c| sent.push(c));
    assert_eq!(sent, vec![Command::StopTap { node: STREAM }]);
}

#[test]
fn a_reconnect_forgets_every_tap_and_a_removed_stream_loses_its_own() {
    let (mut layer, _, _) = riding(1.0);
    let mut sent = Vec::new();
    layer.on_event(&GraphEvent::Removed { id: STREAM }, &mut |c| sent.push(c));
    assert_eq!(sent, vec![Command::StopTap { node: STREAM }]);
    assert!(layer.layer_a_view(STREAM).is_none());

    let (mut layer, _, _) = riding(1.0);
    sent.clear();
    layer.on_event(&GraphEvent::Connected, &mut |c| sent.push(c));
    assert!(sent.is_empty(), "the taps went with the old connection");
    assert_eq!(layer.ridden().count(), 0);
    layer.sync(&decided(true, -20.0), &graph(), &mut |c| sent.push(c));
    assert!(matches!(sent[0], Command::StartTap { node: STREAM, .. }));
}

#[test]
fn release_all_gives_every_ridden_stream_its_users_volume_back() {
    let (mut layer, mut sent, mut detector) = riding(0.8);
    let mut volume = 0.8;
    play(
        &mut layer,
        &mut detector,
        &mut sent,
        Instant::now(),
        0..100,
        0.9,
        &mut volume,
    );
    sent.clear();
    layer.release_all(&mut |c| sent.push(c));
    assert_eq!(
        sent,
        vec![
            Command::StopTap { node: STREAM },
            Command::SetSoftVolumes {
                node: STREAM,
                volumes: vec![0.8, 0.8]
            }
        ]
    );
}

#[test]
fn a_ride_left_by_a_crashed_router_is_undone_on_first_sight_only() {
    let mut layer = LayerA::default();
    let mut sent = Vec::new();
    let volumes = |channel: f32, soft: f32| GraphEvent::Volumes {
        id: STREAM,
        channel_volumes: vec![channel, channel],
        soft_volumes: Some(vec![soft, soft]),
    };
    // +6 dB left on the converter by a router that died mid-ride.
    layer.on_event(&volumes(0.5, 1.0), &mut |c| sent.push(c));
    assert!(
        matches!(
            sent.as_slice(),
            [Command::SetSoftVolumes { node: STREAM, volumes }] if volumes == &[0.5, 0.5]
        ),
        "{sent:?}"
    );
    // From then on a difference is a ride of ours (or its echo): left be.
    sent.clear();
    layer.on_event(&volumes(0.5, 0.25), &mut |c| sent.push(c));
    assert!(sent.is_empty(), "{sent:?}");
    // A stream that plays at the user's volume is never touched.
    let mut fresh = LayerA::default();
    fresh.on_event(
        &GraphEvent::Volumes {
            id: STREAM + 1,
            channel_volumes: vec![0.7, 0.7],
            soft_volumes: Some(vec![0.7, 0.7]),
        },
        &mut |c| sent.push(c),
    );
    assert!(sent.is_empty(), "{sent:?}");
}
