//! Matching streams against rules and the decision a profile makes.

use super::*;
use crate::layer_a::LayerAOverrides;

fn profile(text: &str) -> Profile {
    Profile::parse(text, "profiles/test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn app(name: &str) -> StreamInfo<'_> {
    StreamInfo {
        app_name: Some(name),
        channels: 2,
        ..StreamInfo::default()
    }
}

fn pattern(glob: &str) -> Pattern {
    Pattern::parse(glob).unwrap()
}

#[test]
fn app_matches_name_or_binary() {
    let rule = Rule::new(MatchKey::App, pattern("firefox"), Route::Bypass);
    let by_name = app("Firefox");
    let by_binary = StreamInfo {
        binary: Some("firefox"),
        ..StreamInfo::default()
    };
    assert!(rule.matches(&by_name));
    assert!(rule.matches(&by_binary));
    assert!(!rule.matches(&StreamInfo::default()));

    let name_only = Rule::new(MatchKey::Name, pattern("firefox"), Route::Bypass);
    assert!(name_only.matches(&by_name) && !name_only.matches(&by_binary));
    let binary_only = Rule::new(MatchKey::Binary, pattern("firefox"), Route::Bypass);
    assert!(!binary_only.matches(&by_name) && binary_only.matches(&by_binary));
}

#[test]
fn role_and_node_match_their_properties() {
    let stream = StreamInfo {
        role: Some("Music"),
        node_name: Some("alsa_playback.mpv"),
        ..StreamInfo::default()
    };
    assert!(Rule::new(MatchKey::Role, pattern("music"), Route::Bypass).matches(&stream));
    assert!(Rule::new(MatchKey::Node, pattern("alsa_playback.*"), Route::Bypass).matches(&stream));
    assert!(!Rule::new(MatchKey::Node, pattern("alsa_playback"), Route::Bypass).matches(&stream));
    assert!(!Rule::new(MatchKey::App, pattern("*"), Route::Bypass).matches(&stream));
}

#[test]
fn a_missing_property_never_matches() {
    let star = pattern("*");
    assert!(star.matches(Some("")));
    assert!(!star.matches(None));
    let stream = app("mpv");
    for key in [MatchKey::Binary, MatchKey::Role, MatchKey::Node] {
        assert!(
            !Rule::new(key, star.clone(), Route::Bypass).matches(&stream),
            "{key:?}"
        );
    }
}

#[test]
fn arrays_match_any_and_keys_must_all_match() {
    let p = profile(
        r#"
[[rules]]
binary = ["spotify", "ardour*"]
role = "Music"
route = "bypass"
"#,
    );
    let rule = &p.rules[0];
    let stream = |binary, role| StreamInfo {
        binary: Some(binary),
        role,
        ..StreamInfo::default()
    };
    assert!(rule.matches(&stream("spotify", Some("music"))));
    assert!(rule.matches(&stream("ardour8", Some("Music"))));
    assert!(!rule.matches(&stream("spotify", None)), "role missing");
    assert!(!rule.matches(&stream("spotify", Some("Game"))));
    assert!(!rule.matches(&stream("vlc", Some("Music"))));
}

#[test]
fn the_first_matching_rule_wins() {
    let p = profile(
        r#"
default_route = "processed"
[[rules]]
app = "firefox"
role = "Music"
route = "bypass"
[[rules]]
app = "firefox"
route = "processed"
[[rules]]
app = "*"
route = "bypass"
"#,
    );
    let music = StreamInfo {
        role: Some("Music"),
        ..app("firefox")
    };
    let d = p.decide(&music);
    assert_eq!(d.route, Route::Bypass);
    assert!(matches!(d.reason, Reason::Rule { index: 0, .. }), "{d:?}");

    let d = p.decide(&app("firefox"));
    assert_eq!(d.route, Route::Processed);
    assert_eq!(
        d.reason,
        Reason::Rule {
            index: 1,
            summary: r#"app = "firefox" → processed"#.into()
        }
    );
    assert_eq!(
        d.to_string(),
        r#"processed (rule #2: app = "firefox" → processed)"#
    );

    let d = p.decide(&app("mpv"));
    assert_eq!(
        (d.route, &d.reason),
        (
            Route::Bypass,
            &Reason::Rule {
                index: 2,
                summary: r#"app = "*" → bypass"#.into()
            }
        )
    );
    // A stream with no properties at all is matched by nothing.
    assert_eq!(
        p.decide(&StreamInfo::default()).reason,
        Reason::DefaultRoute
    );
}

#[test]
fn unmatched_streams_take_the_default_route() {
    let p = profile("");
    let d = p.decide(&app("mpv"));
    assert_eq!(d.route, Route::Processed);
    assert_eq!(d.reason, Reason::DefaultRoute);
    assert_eq!(d.layer_a, LayerASettings::default());
    assert_eq!(d.to_string(), "processed (no rule matched: default_route)");

    let p = profile("default_route = \"bypass\"");
    assert_eq!(p.decide(&app("mpv")).route, Route::Bypass);
}

#[test]
fn multichannel_streams_are_bypassed_unless_the_profile_says_otherwise() {
    let surround = StreamInfo {
        channels: 6,
        ..app("mpv")
    };
    let p = profile("[[rules]]\napp = \"mpv\"\nroute = \"processed\"");
    let d = p.decide(&surround);
    assert_eq!(d.route, Route::Bypass);
    let Reason::Multichannel {
        channels, instead, ..
    } = &d.reason
    else {
        panic!("{d:?}");
    };
    assert_eq!(*channels, 6);
    assert!(matches!(**instead, Reason::Rule { index: 0, .. }));
    assert_eq!(
        d.reason.to_string(),
        "6 channels, more than a stereo bus's 2: multichannel = \"bypass\" \
         (instead of rule #1: app = \"mpv\" → processed)"
    );
    // The default route is overruled the same way.
    let d = profile("").decide(&surround);
    assert_eq!(d.route, Route::Bypass);
    assert!(matches!(d.reason, Reason::Multichannel { .. }));

    // Stereo, mono and unknown channel counts are not multichannel.
    for channels in [0, 1, 2] {
        let s = StreamInfo {
            channels,
            ..app("mpv")
        };
        assert_eq!(p.decide(&s).route, Route::Processed, "{channels}");
    }

    // `multichannel = "processed"`: PipeWire downmixes; the rule stands.
    let p =
        profile("multichannel = \"processed\"\n[[rules]]\napp = \"mpv\"\nroute = \"processed\"");
    let d = p.decide(&surround);
    assert_eq!(d.route, Route::Processed);
    assert!(matches!(d.reason, Reason::Rule { index: 0, .. }));

    // A bypass rule is simply a bypass: nothing to overrule.
    let p = profile("[[rules]]\napp = \"mpv\"\nroute = \"bypass\"");
    assert!(matches!(p.decide(&surround).reason, Reason::Rule { .. }));
}

#[test]
fn layer_a_is_the_profile_default_with_the_rule_overrides_on_top() {
    let p = profile(
        r#"
[layer_a]
enabled = true
target = -24.0
max_cut = 20

[[rules]]
app = "game*"
route = "bypass"
layer_a = { target = -18.0, max_boost = 0 }

[[rules]]
app = "spotify"
route = "bypass"
layer_a = { enabled = false }
"#,
    );
    let base = LayerASettings {
        enabled: true,
        target_dbfs: -24.0,
        max_cut_db: 20.0,
        max_boost_db: 6.0,
    };
    assert_eq!(p.layer_a, base);
    assert_eq!(p.decide(&app("mpv")).layer_a, base);
    assert_eq!(
        p.decide(&app("game-x")).layer_a,
        LayerASettings {
            target_dbfs: -18.0,
            max_boost_db: 0.0,
            ..base
        }
    );
    assert_eq!(
        p.decide(&app("Spotify")).layer_a,
        LayerASettings {
            enabled: false,
            ..base
        }
    );
    // Layer A still applies to a stream bypassed for its channel count.
    let surround = StreamInfo {
        channels: 8,
        ..app("game-x")
    };
    assert_eq!(p.decide(&surround).layer_a.target_dbfs, -18.0);
}

#[test]
fn overlay_rules_come_first() {
    let p = profile(
        r#"
[layer_a]
target = -22.0
[[rules]]
app = "firefox"
route = "processed"
[[rules]]
binary = "spotify"
route = "bypass"
"#,
    );
    let overlay = [
        Rule::new(
            MatchKey::App,
            Pattern::literal("Firefox").unwrap(),
            Route::Bypass,
        )
        .with_layer_a(LayerAOverrides {
            enabled: Some(true),
            ..LayerAOverrides::default()
        }),
        Rule::new(MatchKey::App, pattern("*"), Route::Processed)
            .and(MatchKey::Role, pattern("Game")),
    ];
    let d = p.decide_with(&overlay, &app("firefox"));
    assert_eq!(d.route, Route::Bypass);
    assert_eq!(
        d.reason,
        Reason::Overlay {
            index: 0,
            summary: r#"app = "Firefox" → bypass, layer_a = { enabled = true }"#.into()
        }
    );
    assert!(d.reason.to_string().starts_with("user rule #1: "));
    assert!(d.layer_a.enabled);
    assert_eq!(
        d.layer_a.target_dbfs, -22.0,
        "on top of the profile's [layer_a]"
    );

    // No overlay match: the profile's rules decide.
    let spotify = StreamInfo {
        binary: Some("spotify"),
        ..StreamInfo::default()
    };
    assert!(matches!(
        p.decide_with(&overlay, &spotify).reason,
        Reason::Rule { index: 1, .. }
    ));
    let game = StreamInfo {
        role: Some("game"),
        ..spotify
    };
    assert!(matches!(
        p.decide_with(&overlay, &game).reason,
        Reason::Overlay { index: 1, .. }
    ));
    assert_eq!(
        p.decide_with(&[], &app("firefox")),
        p.decide(&app("firefox"))
    );
}

#[test]
fn rules_describe_themselves_as_toml() {
    let p = profile(
        r#"
[[rules]]
binary = ["spotify", "ardour*"]
name = 'Say "hi"'
route = "bypass"
layer_a = { max_cut = 6, enabled = true }
"#,
    );
    assert_eq!(
        p.rules[0].describe(),
        r#"binary = ["spotify", "ardour*"], name = "Say \"hi\"" → bypass, layer_a = { enabled = true, max_cut = 6.0 }"#
    );
    assert_eq!(
        p.rules[0].location().map(ToString::to_string).as_deref(),
        Some("profiles/test.toml:2:1")
    );
    let built = Rule::new(MatchKey::Node, pattern("alsa_*"), Route::Processed);
    assert_eq!(built.describe(), r#"node = "alsa_*" → processed"#);
    assert_eq!(built.location(), None);
}

#[test]
fn property_names_map_to_match_keys() {
    assert_eq!(key_for_property("application.name"), Some("name"));
    assert_eq!(
        key_for_property("application.process.binary"),
        Some("binary")
    );
    assert_eq!(key_for_property("media.role"), Some("role"));
    assert_eq!(key_for_property("node.name"), Some("node"));
    assert_eq!(key_for_property("app"), None);
    for key in MatchKey::ALL {
        assert_eq!(MatchKey::from_key(key.key()), Some(key));
        assert!(RULE_KEYS.contains(&key.key()));
    }
    for route in [Route::Processed, Route::Bypass] {
        assert_eq!(Route::from_name(route.as_str()), Some(route));
    }
    assert_eq!(Route::from_name("Bypass"), None);
}

#[test]
fn the_routers_own_verdicts_say_why() {
    let p = profile("default_route = \"processed\"\n");
    let d = p.decide(&app("Browser"));
    assert_eq!(d.wanted(), Route::Processed);
    let down = d.clone().processed_sink_down();
    // Held, not sent around the limiter.
    assert_eq!(down.route, Route::Processed);
    assert!(down.is_held() && !d.is_held());
    assert_eq!(down.wanted(), Route::Processed);
    assert_eq!(down.layer_a, d.layer_a);
    assert!(
        down.to_string()
            .contains("processed sink is down: held silent"),
        "{down}"
    );
    let switch = Decision::bypass_switch(p.layer_a);
    assert_eq!(switch.route, Route::Bypass);
    assert!(!switch.layer_a.enabled);
    assert_eq!(switch.reason.to_string(), "bypass switch is on (SetBypass)");
    // A bypassed stream stays as it is while the sink is down.
    let bypassed = Decision {
        route: Route::Bypass,
        ..d
    };
    assert_eq!(bypassed.clone().processed_sink_down(), bypassed);
}
