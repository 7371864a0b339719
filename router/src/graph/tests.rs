use super::*;
use crate::pw::GraphEvent;

pub(crate) fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn sample_graph() -> Graph {
    let mut g = Graph::default();
    for e in [
        GraphEvent::Connected,
        GraphEvent::Node {
            id: 40,
            props: props(&[
                ("node.name", "speakers"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "140"),
            ]),
        },
        GraphEvent::Node {
            id: 41,
            props: props(&[
                ("node.name", "headphones"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "141"),
            ]),
        },
        GraphEvent::Node {
            id: 50,
            props: props(&[
                ("node.name", "headroom.processed"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "150"),
            ]),
        },
        GraphEvent::Node {
            id: 51,
            props: props(&[
                ("node.name", "headroom.processed.output"),
                ("media.class", "Stream/Output/Audio"),
                ("object.serial", "151"),
            ]),
        },
        GraphEvent::Client {
            id: 60,
            props: props(&[("application.process.binary", "firefox")]),
        },
        GraphEvent::Node {
            id: 70,
            props: props(&[
                ("node.name", "Firefox"),
                ("media.class", "Stream/Output/Audio"),
                ("application.name", "Firefox"),
                ("client.id", "60"),
                ("object.serial", "170"),
            ]),
        },
        GraphEvent::Metadata {
            subject: 0,
            key: "default.audio.sink".into(),
            value: Some(r#"{"name":"speakers"}"#.into()),
        },
    ] {
        g.apply(&e);
    }
    g
}

#[test]
fn streams_join_their_client_and_skip_headroom_nodes() {
    let g = sample_graph();
    let streams: Vec<_> = g.streams().collect();
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].binary.as_deref(), Some("firefox"));
    assert_eq!(streams[0].app_name.as_deref(), Some("Firefox"));
}

#[test]
fn real_sink_prefers_configured_then_default_never_processed() {
    let mut g = sample_graph();
    assert_eq!(g.real_sink(), Some(40));
    g.apply(&GraphEvent::Metadata {
        subject: 0,
        key: "default.configured.audio.sink".into(),
        value: Some(r#"{"name":"headphones"}"#.into()),
    });
    assert_eq!(g.real_sink(), Some(41));
    // The default pointing at headroom's own sink is never "real".
    g.apply(&GraphEvent::Metadata {
        subject: 0,
        key: "default.configured.audio.sink".into(),
        value: Some(r#"{"name":"headroom.processed"}"#.into()),
    });
    assert_eq!(g.real_sink(), Some(40));
    g.apply(&GraphEvent::Removed { id: 40 });
    assert_eq!(g.real_sink(), Some(41));
}

#[test]
fn reconnect_forgets_everything() {
    let mut g = sample_graph();
    g.apply(&GraphEvent::Disconnected {
        reason: "gone".into(),
    });
    assert_eq!(g.streams().count(), 0);
    assert_eq!(g.real_sink(), None);
}

#[test]
fn remembered_device_wins_while_the_default_is_headroom() {
    let mut g = sample_graph();
    g.remember_sink(Some("headphones".into()));
    g.apply(&GraphEvent::Metadata {
        subject: 0,
        key: "default.configured.audio.sink".into(),
        value: Some(r#"{"name":"headroom.processed"}"#.into()),
    });
    assert_eq!(g.configured_real_sink(), None);
    assert_eq!(g.real_sink(), Some(41));
    // The user picks another device: that is the real sink now.
    g.apply(&GraphEvent::Metadata {
        subject: 0,
        key: "default.configured.audio.sink".into(),
        value: Some(r#"{"name":"speakers"}"#.into()),
    });
    assert_eq!(g.configured_real_sink().as_deref(), Some("speakers"));
    assert_eq!(g.real_sink(), Some(40));
    // A reconnect keeps the memory.
    g.apply(&GraphEvent::Connected);
    assert_eq!(g.remembered_sink(), Some("headphones"));
}

#[test]
fn own_nodes_are_recognised_by_the_configured_name() {
    let mut g = Graph::new("my.limiter");
    for e in [
        GraphEvent::Connected,
        GraphEvent::Node {
            id: 40,
            props: props(&[
                ("node.name", "headroom.processed"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "140"),
            ]),
        },
        GraphEvent::Node {
            id: 50,
            props: props(&[
                ("node.name", "my.limiter"),
                ("media.class", "Audio/Sink"),
                ("object.serial", "150"),
            ]),
        },
        GraphEvent::Node {
            id: 51,
            props: props(&[
                ("node.name", "my.limiter.output"),
                ("media.class", "Stream/Output/Audio"),
                ("object.serial", "151"),
            ]),
        },
        GraphEvent::Node {
            id: 70,
            props: props(&[
                ("node.name", "my.limiter.outputs-an-app"),
                ("media.class", "Stream/Output/Audio"),
                ("object.serial", "170"),
            ]),
        },
    ] {
        g.apply(&e);
    }
    // Another name's sink is a real sink here; ours and its output are not.
    assert_eq!(g.real_sinks().collect::<Vec<_>>(), [40]);
    let streams: Vec<u32> = g.streams().map(|s| s.id).collect();
    assert_eq!(streams, [70]);
    // The name survives a reconnect.
    g.apply(&GraphEvent::Connected);
    assert!(g.is_own("my.limiter.output"));
    assert!(!g.is_own("headroom.processed"));
}

#[test]
fn a_sinks_device_properties_come_from_its_node_then_its_device() {
    let mut g = sample_graph();
    g.apply(&GraphEvent::Device {
        id: 30,
        props: props(&[
            ("device.form-factor", "headphone"),
            ("device.bus", "usb"),
            ("node.description", "the device's, not the node's"),
        ]),
    });
    g.apply(&GraphEvent::Node {
        id: 41,
        props: props(&[
            ("node.name", "headphones"),
            ("node.description", "USB Headphones"),
            ("media.class", "Audio/Sink"),
            ("device.id", "30"),
        ]),
    });
    assert_eq!(
        g.device_property(41, "device.form-factor"),
        Some("headphone")
    );
    assert_eq!(
        g.device_property(41, "node.description"),
        Some("USB Headphones")
    );
    assert_eq!(g.device_property(40, "device.form-factor"), None);
    // With the device gone, only the node's own properties are left.
    g.apply(&GraphEvent::Removed { id: 30 });
    assert_eq!(g.device_property(41, "device.bus"), None);
    assert_eq!(g.device_property(41, "node.name"), Some("headphones"));
}

#[test]
fn bus_sinks_and_their_outputs_are_headrooms_own() {
    let g = Graph::new("headroom.processed");
    for own in [
        "headroom.processed",
        "headroom.processed.output",
        "headroom.processed.hold",
        "headroom.processed.bus.voice",
        "headroom.processed.bus.voice.output",
    ] {
        assert!(g.is_own(own), "{own}");
    }
    for other in [
        "headroom.processed.bus.",
        "headroom.processed.bus.Voice",
        "headroom.processed.bus.voice.hold",
        "headroom.processedx",
        "alsa_output.pci",
    ] {
        assert!(!g.is_own(other), "{other}");
    }
    let voice = Route::Bus(headroom_profile::BusName::new("voice").unwrap());
    assert_eq!(
        g.route_of_sink_name("headroom.processed.bus.voice"),
        Some(voice)
    );
    assert_eq!(
        g.route_of_sink_name("headroom.processed"),
        Some(Route::Processed)
    );
    assert_eq!(g.route_of_sink_name("headroom.processed.hold"), None);
    assert_eq!(
        sink_name_of("headroom.processed", voice).as_deref(),
        Some("headroom.processed.bus.voice")
    );
}

#[test]
fn with_ours_the_default_the_likely_device_is_the_highest_priority_real_one() {
    let mut g = sample_graph();
    assert_eq!(g.likely_real_sink(), None, "speakers are the default");
    g.apply(&GraphEvent::Metadata {
        subject: 0,
        key: "default.audio.sink".into(),
        value: Some(r#"{"name":"headroom.processed"}"#.into()),
    });
    assert_eq!(g.likely_real_sink().as_deref(), Some("speakers"));
    g.apply(&GraphEvent::Node {
        id: 41,
        props: props(&[
            ("node.name", "headphones"),
            ("media.class", "Audio/Sink"),
            ("object.serial", "141"),
            ("priority.session", "1000"),
        ]),
    });
    assert_eq!(g.likely_real_sink().as_deref(), Some("headphones"));
}

#[test]
fn a_sinks_positions_come_from_its_properties_else_its_channel_count() {
    let mut g = Graph::default();
    let sink = |g: &mut Graph, id, extra: &[(&str, &str)]| {
        let mut p = vec![("node.name", "dev"), ("media.class", "Audio/Sink")];
        p.extend_from_slice(extra);
        g.apply(&GraphEvent::Node {
            id,
            props: props(&p),
        });
    };
    sink(&mut g, 1, &[("audio.position", "FL,FR,FC,LFE,RL,RR")]);
    sink(
        &mut g,
        2,
        &[("audio.position", "[ FL FR ]"), ("audio.channels", "2")],
    );
    sink(&mut g, 3, &[("audio.channels", "6")]);
    sink(&mut g, 4, &[("audio.channels", "1")]);
    sink(&mut g, 5, &[("audio.channels", "4")]);
    sink(&mut g, 6, &[]);
    sink(&mut g, 7, &[("audio.channels", "16")]);
    let p = |g: &Graph, id| g.sink_positions(id).join(" ");
    assert_eq!(p(&g, 1), "FL FR FC LFE RL RR");
    assert_eq!(p(&g, 2), "FL FR");
    assert_eq!(p(&g, 3), "FL FR FC LFE SL SR");
    assert_eq!(p(&g, 4), "MONO");
    assert_eq!(p(&g, 5), "FL FR FC LFE");
    assert_eq!(p(&g, 6), "");
    assert_eq!(p(&g, 7), "");
}
