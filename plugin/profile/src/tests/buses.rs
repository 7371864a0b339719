//! `[buses.NAME]`: parsing, routes naming buses, and what a bus's streams get.

use headroom_dsp::ParamId;

use super::{err, parse};
use crate::rules::{Reason, Route, Rule, StreamInfo};
use crate::{BusName, DspSettings, Layout, MatchKey, Pattern};

const TWO_BUSES: &str = r#"
default_route = "media"

[[rules]]
role = "Communication"
route = "voice"
layer_a = { target = -25.0 }

[dsp]
ceiling = -1.0
agc_target = -18.0

[layer_a]
enabled = false
target = -20.0

[buses.voice]
description = "Calls"
[buses.voice.dsp]
ceiling = -3.0
[buses.voice.layer_a]
enabled = true

[buses.media]
"#;

fn bus(name: &str) -> Route {
    Route::Bus(BusName::new(name).unwrap())
}

#[test]
fn buses_declared_after_the_rules_that_name_them_are_found() {
    let p = parse(TWO_BUSES).unwrap();
    assert_eq!(p.bus_names(), ["voice", "media"]);
    assert_eq!(p.default_route, bus("media"));
    assert_eq!(p.rules[0].route(), bus("voice"));
    let voice = p.bus(BusName::new("voice").unwrap()).unwrap();
    assert_eq!(voice.sink_description(), "headroom (Calls)");
    assert_eq!(voice.at.line, 17);
    let media = p.bus(BusName::new("media").unwrap()).unwrap();
    assert_eq!(media.sink_description(), "headroom (media)");
    assert!(media.dsp.is_empty());
}

#[test]
fn a_bus_inherits_dsp_and_runtime_settings_and_overrides_its_own() {
    let p = parse(TWO_BUSES).unwrap();
    let mut runtime = DspSettings::default();
    runtime.set(ParamId::AgcTarget, -22.0);
    runtime.set(ParamId::LimiterCeiling, -2.0);
    let voice = p.params_for(bus("voice"), &runtime);
    assert_eq!(voice.get(ParamId::LimiterCeiling), -3.0, "the bus's own");
    assert_eq!(voice.get(ParamId::AgcTarget), -22.0, "runtime over [dsp]");
    let media = p.params_for(bus("media"), &runtime);
    assert_eq!(media.get(ParamId::LimiterCeiling), -2.0);
    let default = p.params_for(Route::Processed, &DspSettings::default());
    assert_eq!(default.get(ParamId::LimiterCeiling), -1.0);
    // A bus the profile lacks gets the default bus's settings.
    assert_eq!(p.params_for(bus("other"), &DspSettings::default()), default);
}

#[test]
fn streams_on_a_bus_get_its_layer_a_under_the_rules_overrides() {
    let p = parse(TWO_BUSES).unwrap();
    let call = StreamInfo {
        role: Some("Communication"),
        ..Default::default()
    };
    let d = p.decide(&call);
    assert_eq!(d.route, bus("voice"));
    assert!(d.layer_a.enabled, "from [buses.voice.layer_a]");
    assert_eq!(d.layer_a.target_dbfs, -25.0, "the rule's own on top");
    let other = p.decide(&StreamInfo::default());
    assert_eq!((other.route, other.layer_a.enabled), (bus("media"), false));
}

#[test]
fn a_user_route_to_a_bus_the_profile_lacks_plays_processed() {
    let p = parse(TWO_BUSES).unwrap();
    let overlay = [Rule::new(
        MatchKey::App,
        Pattern::literal("x").unwrap(),
        bus("gone"),
    )];
    let stream = StreamInfo {
        app_name: Some("x"),
        ..Default::default()
    };
    let d = p.decide_with(&overlay, &stream);
    assert_eq!(d.route, Route::Processed, "never the real output");
    assert!(
        matches!(d.reason, Reason::NoSuchBus { .. }),
        "{:?}",
        d.reason
    );
    assert!(d.to_string().contains("the profile has no bus gone"), "{d}");
}

#[test]
fn multichannel_can_send_surround_streams_through_a_bus() {
    let p = parse("multichannel = \"film\"\n[buses.film]\n").unwrap();
    let surround = StreamInfo {
        channels: 6,
        ..Default::default()
    };
    let d = p.decide(&surround);
    assert_eq!(d.route, bus("film"));
    assert!(d.to_string().contains("multichannel = \"film\""), "{d}");
    assert_eq!(p.decide(&StreamInfo::default()).route, Route::Processed);
}

#[test]
fn a_surround_bus_keeps_surround_streams_a_stereo_one_does_not() {
    let p = parse(
        "default_route = \"film\"\n[[rules]]\napp = \"call\"\nroute = \"voice\"\n\
         [buses.film]\nlayout = \"surround\"\n[buses.voice]\nlayout = \"stereo\"\n",
    )
    .unwrap();
    assert_eq!(p.layout_of(bus("film")), Layout::Surround);
    assert_eq!(p.layout_of(bus("voice")), Layout::Stereo);
    assert_eq!(p.layout_of(Route::Processed), Layout::Stereo);
    assert_eq!(Layout::Surround.channels(), 8);
    for channels in [0, 1, 2, 6, 8, 12] {
        let d = p.decide(&StreamInfo {
            channels,
            ..Default::default()
        });
        assert_eq!(d.route, bus("film"), "{channels} channels: {d}");
        assert_eq!(d.reason, Reason::DefaultRoute);
    }
    // The stereo bus sends its surround streams where `multichannel` says.
    let call = |channels| {
        p.decide(&StreamInfo {
            app_name: Some("call"),
            channels,
            ..Default::default()
        })
    };
    assert_eq!(call(2).route, bus("voice"));
    assert_eq!(call(6).route, Route::Bypass);
    assert!(matches!(call(6).reason, Reason::Multichannel { .. }));
}

#[test]
fn a_bad_layout_names_the_values_there_are() {
    assert_eq!(
        err("[buses.film]\nlayout = \"5.1\"\n"),
        "profiles/test.toml:2:10: [buses.*] `layout` must be \"stereo\" or \"surround\" \
         (up to 7.1, every channel kept), found string \"5.1\""
    );
    assert!(err("[buses.film]\nlayout = 6\n").contains("found integer 6"));
}

#[test]
fn a_route_naming_a_missing_bus_lists_the_buses_there_are() {
    assert_eq!(
        err("[[rules]]\napp = \"x\"\nroute = \"voise\"\n[buses.voice]\n[buses.media]\n"),
        "profiles/test.toml:3:9: [[rules]] #1 `route` must be \"processed\", \"bypass\" or a \
         bus, found \"voise\" (this profile's buses: voice, media); did you mean \"voice\"?"
    );
    assert_eq!(
        err("default_route = \"media\"\n"),
        "profiles/test.toml:1:17: `default_route` must be \"processed\", \"bypass\" or a bus, \
         found \"media\" (this profile has no [buses.NAME])"
    );
}

#[test]
fn bad_bus_tables_are_located() {
    assert_eq!(
        err("[buses.Voice]\n"),
        "profiles/test.toml:1:8: [buses.Voice]: a bus name starts with a lower-case letter \
         and has only lower-case letters, digits and `-`"
    );
    assert_eq!(
        err("[buses.bypass]\n"),
        "profiles/test.toml:1:8: [buses.bypass]: \"bypass\" is a route, not a bus name"
    );
    assert_eq!(
        err("[buses.voice]\ndescripton = \"x\"\n"),
        "profiles/test.toml:2:1: [buses.*] unknown key `descripton`; did you mean `description`?"
    );
    assert_eq!(
        err("[buses.voice.dsp]\nceiling = 1.0\n"),
        "profiles/test.toml:2:11: [buses.*.dsp] ceiling = 1 is out of range: must be -12.0 to -0.1 dBTP"
    );
    assert_eq!(
        err("[buses.voice.layer_a]\nenabld = true\n"),
        "profiles/test.toml:2:1: [buses.*.layer_a] unknown key `enabld`; did you mean `enabled`?"
    );
    let nine: String = (0..9).map(|i| format!("[buses.b{i}]\n")).collect();
    assert_eq!(
        err(&nine),
        "profiles/test.toml:9:8: [buses] a profile has at most 8 buses"
    );
}
