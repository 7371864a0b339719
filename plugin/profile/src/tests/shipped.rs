//! The shipped profiles and their documentation.

use std::path::{Path, PathBuf};

use headroom_dsp::{ParamId, PARAMS};

use crate::layer_a::{self, LayerASettings};
use crate::rules::{self, MatchKey, Route, StreamInfo, RULE_KEYS};
use crate::{param, BusName, Profile, Reason, TOP_LEVEL_KEYS};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles")
}

fn shipped(name: &str) -> Profile {
    Profile::load(&shipped_dir().join(format!("{name}.toml"))).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_shipped_profile_is_valid_and_described() {
    let mut count = 0;
    for entry in std::fs::read_dir(shipped_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let p = Profile::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                p.description.is_some(),
                "{} has no description",
                path.display()
            );
            count += 1;
        }
    }
    assert!(
        count >= 4,
        "expected the four shipped profiles, found {count}"
    );
}

#[test]
fn default_profile_is_the_table_defaults() {
    let p = shipped("default");
    assert_eq!(
        p.dsp.iter().count(),
        PARAMS.len(),
        "default.toml should spell out every key"
    );
    for spec in &PARAMS {
        assert_eq!(
            p.dsp.get(spec.id),
            Some(spec.default),
            "default.toml: {} differs from the table default",
            spec.key
        );
    }
}

#[test]
fn night_is_quieter_and_more_compressed_than_default() {
    let default = shipped("default").params();
    let night = shipped("night").params();
    assert!(night.get(ParamId::AgcTarget) < default.get(ParamId::AgcTarget));
    assert!(night.get(ParamId::LimiterCeiling) < default.get(ParamId::LimiterCeiling));
    assert!(night.get(ParamId::CompRatio) > default.get(ParamId::CompRatio));
    assert!(night.get(ParamId::CompThreshold) < default.get(ParamId::CompThreshold));
    assert_eq!(night.get(ParamId::CompEnabled), 1.0);
}

#[test]
fn bypass_all_turns_agc_and_compressor_off() {
    let p = shipped("bypass-all").params();
    assert_eq!(p.get(ParamId::AgcEnabled), 0.0);
    assert_eq!(p.get(ParamId::CompEnabled), 0.0);
    assert_eq!(p.get(ParamId::InputGain), 0.0);
}

#[test]
fn readme_documents_every_parameter_key() {
    let readme = std::fs::read_to_string(shipped_dir().join("README.md")).unwrap();
    let missing: Vec<&str> = PARAMS
        .iter()
        .map(|p| p.key)
        .filter(|key| !readme.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "profiles/README.md does not document: {missing:?}"
    );
    // Each key's row must carry its current range and default, so a change in
    // the table shows up here too.
    for spec in &PARAMS {
        let bounds = param::range_bounds(spec);
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}`", spec.key)))
            .unwrap_or_else(|| panic!("no table row for `{}` in profiles/README.md", spec.key));
        assert!(
            row.contains(&bounds),
            "profiles/README.md row for `{}` should say `{bounds}`: {row}",
            spec.key
        );
        let default = match (spec.is_toggle(), spec.default) {
            (true, d) if d >= 0.5 => "true".to_string(),
            (true, _) => "false".to_string(),
            (false, d) => format!("{d:?}"),
        };
        assert!(
            row.contains(&format!("| {default} |")),
            "profiles/README.md row for `{}` should give the default {default}: {row}",
            spec.key
        );
    }
}

// ---- routing in the shipped profiles ---------------------------------------

fn binary(name: &str) -> StreamInfo<'_> {
    StreamInfo {
        binary: Some(name),
        channels: 2,
        ..StreamInfo::default()
    }
}

#[test]
fn default_processes_by_default_and_bypasses_music_players_and_daws() {
    let p = shipped("default");
    assert_eq!(p.default_route, Route::Processed);
    // Surround streams go through the surround bus, every channel kept.
    let surround_bus = Route::Bus(crate::BusName::new("surround").unwrap());
    assert_eq!(p.multichannel, surround_bus);
    assert_eq!(p.layout_of(surround_bus), crate::Layout::Surround);
    assert_eq!(p.layer_a, LayerASettings::default());
    let text = std::fs::read_to_string(shipped_dir().join("default.toml")).unwrap();
    for key in layer_a::KEYS {
        assert!(
            text.contains(&format!("\n{key} = ")),
            "default.toml should spell out [layer_a] {key}"
        );
    }
    for app in [
        "spotify",
        "rhythmbox",
        "ardour8",
        "reaper",
        "BitwigAudioEngine-X64",
    ] {
        assert_eq!(p.decide(&binary(app)).route, Route::Bypass, "{app}");
    }
    for app in ["firefox", "chromium", "mpv", "discord"] {
        let d = p.decide(&binary(app));
        assert_eq!(
            (d.route, d.reason),
            (Route::Processed, Reason::DefaultRoute),
            "{app}"
        );
    }
    // A pw-cat-style client with only an application.name is not a player.
    let named = StreamInfo {
        app_name: Some("spotify"),
        channels: 2,
        ..StreamInfo::default()
    };
    assert_eq!(p.decide(&named).route, Route::Processed);
    let surround = StreamInfo {
        channels: 6,
        ..binary("mpv")
    };
    let d = p.decide(&surround);
    assert_eq!(d.route, surround_bus, "{d}");
    assert!(matches!(d.reason, Reason::Multichannel { .. }));
    // A surround music player still bypasses.
    let player = StreamInfo {
        channels: 6,
        ..binary("spotify")
    };
    assert_eq!(p.decide(&player).route, Route::Bypass);
}

#[test]
fn night_processes_everything_and_rides_levels() {
    let p = shipped("night");
    assert!(p.rules.is_empty());
    assert_eq!(p.multichannel, Route::Processed);
    assert!(p.layer_a.enabled);
    assert!(p.layer_a.target_dbfs < shipped("default").layer_a.target_dbfs);
    let surround = StreamInfo {
        channels: 6,
        ..binary("spotify")
    };
    assert_eq!(p.decide(&surround).route, Route::Processed);
}

#[test]
fn voice_chat_sends_calls_through_the_voice_bus_and_rides_them() {
    let p = shipped("voice-chat");
    let voice = Route::Bus(BusName::new("voice").unwrap());
    let bus = p.bus(voice.bus().unwrap()).expect("a voice bus");
    assert_eq!(bus.sink_description(), "headroom (voice)");
    let (media, calls) = (
        p.params_for(Route::Processed, &Default::default()),
        p.params_for(voice, &Default::default()),
    );
    assert!(calls.get(ParamId::AgcSpeed) > media.get(ParamId::AgcSpeed));
    assert!(calls.get(ParamId::AgcGate) > media.get(ParamId::AgcGate));
    assert_eq!(
        calls.get(ParamId::LimiterCeiling),
        media.get(ParamId::LimiterCeiling)
    );
    let call = StreamInfo {
        role: Some("communication"),
        ..binary("some-softphone")
    };
    for stream in [
        call,
        binary("Discord"),
        binary("zoom"),
        binary("signal-desktop"),
    ] {
        let d = p.decide(&stream);
        assert_eq!(d.route, voice, "{stream:?}");
        assert!(d.layer_a.enabled, "{stream:?}");
    }
    let d = p.decide(&binary("firefox"));
    assert_eq!((d.route, d.layer_a.enabled), (Route::Processed, false));
    assert_eq!(p.decide(&binary("spotify")).route, Route::Bypass);
    // A 5.1 film in a browser tab: through the surround bus.
    let surround_bus = Route::Bus(crate::BusName::new("surround").unwrap());
    let film = StreamInfo {
        channels: 6,
        ..binary("firefox")
    };
    assert_eq!(p.decide(&film).route, surround_bus);
    assert_eq!(p.layout_of(surround_bus), crate::Layout::Surround);
}

#[test]
fn bypass_all_bypasses_every_stream() {
    let p = shipped("bypass-all");
    assert_eq!(p.default_route, Route::Bypass);
    assert!(p.rules.is_empty());
    for stream in [binary("firefox"), StreamInfo::default()] {
        assert_eq!(p.decide(&stream).route, Route::Bypass);
    }
}

#[test]
fn readme_documents_every_routing_and_layer_a_key() {
    let readme = std::fs::read_to_string(shipped_dir().join("README.md")).unwrap();
    for key in TOP_LEVEL_KEYS {
        let documented = [
            format!("`{key}`"),
            format!("`[{key}]`"),
            format!("`[[{key}]]`"),
        ]
        .iter()
        .any(|k| readme.contains(k));
        assert!(documented, "README lacks `{key}`");
    }
    let defaults = [
        ("default_route", rules::DEFAULT_ROUTE),
        ("multichannel", rules::DEFAULT_MULTICHANNEL),
    ];
    for (key, default) in defaults {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` | ")))
            .unwrap_or_else(|| panic!("no row for `{key}` in profiles/README.md"));
        assert!(
            row.contains(&format!("| `\"{default}\"` |")),
            "README row for `{key}` should give the default \"{default}\": {row}"
        );
    }
    for key in RULE_KEYS {
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with(&format!("| `{key}` |"))),
            "README has no [[rules]] row for `{key}`"
        );
    }
    for key in MatchKey::ALL {
        for property in key.properties() {
            assert!(readme.contains(property), "README lacks {property}");
        }
    }
    let row = |key: &str| {
        readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` | ")) && !l.contains("PipeWire"))
            .unwrap_or_else(|| panic!("no [layer_a] row for `{key}` in profiles/README.md"))
            .to_string()
    };
    let enabled = row(layer_a::ENABLED_KEY);
    assert!(enabled.contains(layer_a::SWITCH_BOUNDS), "{enabled}");
    assert!(
        enabled.contains(&format!("| {} |", layer_a::ENABLED_DEFAULT)),
        "{enabled}"
    );
    for spec in layer_a::NUMBERS {
        let row = row(spec.key);
        assert!(
            row.contains(&spec.bounds()),
            "row should say `{}`: {row}",
            spec.bounds()
        );
        assert!(
            row.contains(&format!("| {:?} |", spec.default)),
            "row should give the default {:?}: {row}",
            spec.default
        );
    }
}

/// Inputs that produce each error example in profiles/README.md (which
/// shows them at made-up places in a made-up file).
const ERROR_EXAMPLES: &[&str] = &[
    "[dsp]\nceiling = 0",
    "[dsp]\nceling = -1",
    "[[rules]]\nbianry = \"x\"",
    "[[rules]]\napp = \"x\"\nroute = \"bypas\"",
    "[[rules]]\napp = \"x\"",
    "[[rules]]\nroute = \"bypass\"",
    "[[rules]]\napp = \"fire[fox\"",
    "[layer_a]\ntarget = -50",
    "[layer_a]\nmax_cutt = 1",
    "[[rules]]\napp = \"x\"\nroute = \"bypass\"\nlayer_a = { target = 0 }",
    "[dsp]\ndefault_route = \"bypass\"",
];

#[test]
fn readme_error_examples_are_what_the_code_says() {
    // The message without `file:line:column: ` and with rule numbers as `#N`.
    let without_place = |line: &str| {
        let message = line.splitn(4, ':').nth(3)?.trim();
        let mut out = String::new();
        let mut chars = message.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '#' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('N');
                while chars.next_if(char::is_ascii_digit).is_some() {}
            }
        }
        Some(out)
    };
    let produced: Vec<String> = ERROR_EXAMPLES
        .iter()
        .map(|text| {
            let e = Profile::parse(text, "x.toml").expect_err(text).to_string();
            without_place(&e).unwrap()
        })
        .collect();
    let readme = std::fs::read_to_string(shipped_dir().join("README.md")).unwrap();
    let examples: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("night.toml:"))
        .collect();
    assert!(examples.len() >= ERROR_EXAMPLES.len());
    for example in examples {
        let message = without_place(example).unwrap();
        assert!(
            produced.contains(&message),
            "profiles/README.md shows an error the code does not produce: {example}\nproduced: {produced:#?}"
        );
    }
}
