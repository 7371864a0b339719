//! Parsing and checking `default_route`, `multichannel`, `[layer_a]` and
//! `[[rules]]`: every key, and every error with its exact place and message.

use crate::glob::GlobError;
use crate::layer_a::{LayerAOverrides, LayerASettings};
use crate::rules::{MatchKey, Route};
use crate::{Profile, ProfileError, RulePart, Section};

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::parse(text, "profiles/test.toml")
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

/// The first rule's conditions as `(key, [globs])`.
fn conditions(p: &Profile, rule: usize) -> Vec<(MatchKey, Vec<&str>)> {
    p.rules[rule]
        .conditions()
        .iter()
        .map(|(k, pat)| (*k, pat.globs().iter().map(|g| g.as_str()).collect()))
        .collect()
}

#[test]
fn routing_keys_default_when_absent() {
    let p = parse("").unwrap();
    assert_eq!(p.default_route, Route::Processed);
    assert_eq!(p.multichannel, Route::Bypass);
    assert_eq!(p.layer_a, LayerASettings::default());
    assert!(p.rules.is_empty());
    // An empty [layer_a] is the defaults too.
    assert_eq!(
        parse("[layer_a]").unwrap().layer_a,
        LayerASettings::default()
    );
}

#[test]
fn every_routing_key_parses() {
    let p = parse(
        r#"
default_route = "bypass"
multichannel = "processed"

[layer_a]
enabled = true
target = -23
max_cut = 24.5
max_boost = 0

[[rules]]
app = "firefox"
route = "processed"

[[rules]]
binary = ["spotify", "ardour*"]
name = "Spotify*"
role = 'Music'
node = "alsa_playback.*"
route = "bypass"
layer_a = { enabled = false, target = -30.0, max_cut = 3, max_boost = 1.5 }
"#,
    )
    .unwrap();
    assert_eq!(p.default_route, Route::Bypass);
    assert_eq!(p.multichannel, Route::Processed);
    assert_eq!(
        p.layer_a,
        LayerASettings {
            enabled: true,
            target_dbfs: -23.0,
            max_cut_db: 24.5,
            max_boost_db: 0.0,
        }
    );
    assert_eq!(p.rules.len(), 2);
    assert_eq!(conditions(&p, 0), vec![(MatchKey::App, vec!["firefox"])]);
    assert_eq!(p.rules[0].route(), Route::Processed);
    assert!(p.rules[0].layer_a().is_empty());
    assert_eq!(
        conditions(&p, 1),
        vec![
            (MatchKey::Binary, vec!["spotify", "ardour*"]),
            (MatchKey::Name, vec!["Spotify*"]),
            (MatchKey::Role, vec!["Music"]),
            (MatchKey::Node, vec!["alsa_playback.*"]),
        ]
    );
    assert_eq!(p.rules[1].route(), Route::Bypass);
    assert_eq!(
        *p.rules[1].layer_a(),
        LayerAOverrides {
            enabled: Some(false),
            target_dbfs: Some(-30.0),
            max_cut_db: Some(3.0),
            max_boost_db: Some(1.5),
        }
    );
    assert_eq!(
        p.rules[1].location().unwrap().to_string(),
        "profiles/test.toml:15:1"
    );
}

#[test]
fn other_toml_spellings_of_the_same_rules_work() {
    // An inline array of tables, `enabled` as 1/0, layer_a as a sub-table.
    let p = parse(
        r#"
rules = [
  { app = "a", route = "bypass" },
  { role = "Game", route = "processed", layer_a = { enabled = 1 } },
]
"#,
    )
    .unwrap();
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.rules[1].layer_a().enabled, Some(true));
    assert_eq!(
        p.rules[1].location().unwrap().to_string(),
        "profiles/test.toml:4:3"
    );
    let p = parse("[[rules]]\napp = \"a\"\nroute = \"bypass\"\n[rules.layer_a]\ntarget = -10\n")
        .unwrap();
    assert_eq!(p.rules[0].layer_a().target_dbfs, Some(-10.0));
    let p = parse("layer_a.enabled = 0\nlayer_a.max_boost = 24").unwrap();
    assert!(!p.layer_a.enabled);
    assert_eq!(p.layer_a.max_boost_db, 24.0);
}

#[test]
fn unknown_keys_suggest_the_nearest_in_their_section() {
    assert_eq!(
        err("[[rules]]\napp = \"x\"\n  bianry = \"y\"\nroute = \"bypass\""),
        "profiles/test.toml:3:3: [[rules]] #1 unknown key `bianry`; did you mean `binary`?"
    );
    assert_eq!(
        err("[[rules]]\n\"media.role\" = \"Music\"\nroute = \"bypass\""),
        "profiles/test.toml:2:1: [[rules]] #1 unknown key `media.role`; did you mean `role`?"
    );
    assert_eq!(
        err("[[rules]]\napp = \"x\"\nroute = \"bypass\"\n[[rules]]\nrout = \"bypass\""),
        "profiles/test.toml:5:1: [[rules]] #2 unknown key `rout`; did you mean `route`?"
    );
    assert_eq!(
        err("[layer_a]\nmax_cutt = 3"),
        "profiles/test.toml:2:1: [layer_a] unknown key `max_cutt`; did you mean `max_cut`?"
    );
    assert_eq!(
        err("[layer_a]\nzzz = 1"),
        "profiles/test.toml:2:1: [layer_a] unknown key `zzz` (valid: enabled, target, max_cut, max_boost)"
    );
    assert_eq!(
        err("[[rules]]\napp = \"x\"\nroute = \"bypass\"\nlayer_a = { tagret = -20 }"),
        "profiles/test.toml:4:13: [[rules]] #1 layer_a unknown key `tagret`; did you mean `target`?"
    );
    match parse("[[rules]]\nwhatever = 1").unwrap_err() {
        ProfileError::UnknownKey {
            at,
            section,
            key,
            suggestion,
        } => {
            assert_eq!((at.line, at.column), (2, 1));
            assert_eq!(section, Section::Rule(1));
            assert_eq!(key, "whatever");
            assert_eq!(suggestion, None);
        }
        other => panic!("wrong error: {other:?}"),
    }
}

#[test]
fn top_level_keys_below_a_header_are_called_misplaced() {
    assert_eq!(
        err("[[rules]]\napp = \"x\"\nroute = \"bypass\"\ndefault_route = \"bypass\""),
        "profiles/test.toml:4:1: [[rules]] #1 has `default_route`, which is a top-level key: \
         keys after a [header] belong to that table, so move it above the first [header] of the file"
    );
    let e = err("[dsp]\nceiling = -1.0\nmultichannel = \"processed\"");
    assert!(
        e.starts_with("profiles/test.toml:3:1: [dsp] has `multichannel`, which is a top-level key"),
        "{e}"
    );
    let e = err("[layer_a]\nenabled = true\ndescription = \"x\"");
    assert!(
        e.starts_with("profiles/test.toml:3:1: [layer_a] has `description`"),
        "{e}"
    );
}

#[test]
fn wrong_types_name_section_field_and_value() {
    assert_eq!(
        err("default_route = 1"),
        "profiles/test.toml:1:17: `default_route` must be a string: \"processed\", \"bypass\" or a bus's name, found integer 1"
    );
    assert_eq!(
        err("[[rules]]\napp = 3\nroute = \"bypass\""),
        "profiles/test.toml:2:7: [[rules]] #1 `app` must be a pattern string or a non-empty array of them, found integer 3"
    );
    assert_eq!(
        err("[[rules]]\napp = [\"a\", 3]\nroute = \"bypass\""),
        "profiles/test.toml:2:13: [[rules]] #1 `app` must be a pattern string or a non-empty array of them, found integer 3"
    );
    assert_eq!(
        err("[[rules]]\napp = []\nroute = \"bypass\""),
        "profiles/test.toml:2:7: [[rules]] #1 `app` must be a pattern string or a non-empty array of them, found array []"
    );
    assert_eq!(
        err("[[rules]]\napp = \"a\"\nroute = true"),
        "profiles/test.toml:3:9: [[rules]] #1 `route` must be a string: \"processed\", \"bypass\" or a bus's name, found boolean true"
    );
    assert_eq!(
        err("[rules]\napp = \"a\""),
        "profiles/test.toml:1:1: `rules` must be an array of tables: write each rule as a [[rules]] block, found table"
    );
    assert_eq!(
        err("rules = [\"firefox\"]"),
        "profiles/test.toml:1:10: [[rules]] #1 `rules` must be a table, like { app = \"firefox\", route = \"processed\" }, found string \"firefox\""
    );
    assert_eq!(
        err("layer_a = true"),
        "profiles/test.toml:1:11: `layer_a` must be a table ([layer_a] followed by key = value lines), found boolean true"
    );
    assert_eq!(
        err("[[rules]]\napp = \"a\"\nroute = \"bypass\"\nlayer_a = \"on\""),
        "profiles/test.toml:4:11: [[rules]] #1 `layer_a` must be a table, like layer_a = { enabled = true, target = -23.0 }, found string \"on\""
    );
    assert_eq!(
        err("[layer_a]\ntarget = \"-20\""),
        "profiles/test.toml:2:10: [layer_a] `target` must be a number (-40.0 to -6.0 dBFS), found string \"-20\""
    );
    assert_eq!(
        err("[layer_a]\nenabled = \"yes\""),
        "profiles/test.toml:2:11: [layer_a] `enabled` must be true/false (or 1/0), found string \"yes\""
    );
}

#[test]
fn bad_route_values_name_the_choices() {
    assert_eq!(
        err("[[rules]]\napp = \"a\"\nroute = \"bypas\""),
        "profiles/test.toml:3:9: [[rules]] #1 `route` must be \"processed\", \"bypass\" or a bus, found \"bypas\" (this profile has no [buses.NAME]); did you mean \"bypass\"?"
    );
    assert_eq!(
        err("default_route = \"Processed\""),
        "profiles/test.toml:1:17: `default_route` must be \"processed\", \"bypass\" or a bus, found \"Processed\" (this profile has no [buses.NAME]); did you mean \"processed\"?"
    );
    assert_eq!(
        err("multichannel = \"downmix\""),
        "profiles/test.toml:1:16: `multichannel` must be \"processed\", \"bypass\" or a bus, found \"downmix\" (this profile has no [buses.NAME])"
    );
}

#[test]
fn incomplete_rules_are_refused_at_their_header() {
    assert_eq!(
        err("name = \"x\"\n\n[[rules]]\nroute = \"bypass\"\n"),
        "profiles/test.toml:3:1: [[rules]] #1 has no match key: give at least one of `app`, `name`, `binary`, `role`, `node`"
    );
    assert_eq!(
        err("[[rules]]\napp = \"a\"\nroute = \"bypass\"\n\n  [[rules]]\napp = \"b\"\n"),
        "profiles/test.toml:5:3: [[rules]] #2 has no `route`: add route = \"processed\" or \"bypass\""
    );
    // An empty block has neither; the match key is named first.
    assert!(matches!(
        parse("[[rules]]"),
        Err(ProfileError::IncompleteRule {
            rule: 1,
            missing: RulePart::MatchKey,
            ..
        })
    ));
    // A rule with only layer_a settings still needs both.
    assert!(err("rules = [{ layer_a = { enabled = true } }]")
        .starts_with("profiles/test.toml:1:10: [[rules]] #1 has no match key"));
}

#[test]
fn bad_patterns_point_into_the_string() {
    assert_eq!(
        err("[[rules]]\napp = \"fire[fox\"\nroute = \"bypass\""),
        "profiles/test.toml:2:12: [[rules]] #1 `app` pattern \"fire[fox\": `[` opens a character class \
         that is never closed with `]` (to match `[` itself, write `[[]`)"
    );
    assert_eq!(
        err("[[rules]]\nnode = ['ok', 'alsa_[z-a]']\nroute = \"bypass\""),
        "profiles/test.toml:2:22: [[rules]] #1 `node` pattern \"alsa_[z-a]\": range `z-a` is backwards; write `a-z`"
    );
    assert_eq!(
        err("[[rules]]\nrole = \"\"\nroute = \"bypass\""),
        "profiles/test.toml:2:8: [[rules]] #1 `role` pattern \"\": an empty pattern matches nothing; `*` matches any value"
    );
    // With escapes in the string, the string itself is the place.
    let e = parse("[[rules]]\nname = \"\\u00e9[\"\nroute = \"bypass\"").unwrap_err();
    match &e {
        ProfileError::BadPattern {
            at,
            section,
            field,
            pattern,
            error,
        } => {
            assert_eq!((at.line, at.column), (2, 8));
            assert_eq!(*section, Section::Rule(1));
            assert_eq!(*field, "name");
            assert_eq!(pattern, "é[");
            assert_eq!(*error, GlobError::UnclosedClass { offset: 2 });
        }
        other => panic!("wrong error: {other:?}"),
    }
}

#[test]
fn layer_a_values_outside_their_range_are_refused() {
    assert_eq!(
        err("[layer_a]\ntarget = -50"),
        "profiles/test.toml:2:10: [layer_a] target = -50 is out of range: must be -40.0 to -6.0 dBFS"
    );
    assert_eq!(
        err("[layer_a]\nmax_cut = 40.0"),
        "profiles/test.toml:2:11: [layer_a] max_cut = 40 is out of range: must be 0.0 to 36.0 dB"
    );
    assert_eq!(
        err("[layer_a]\nmax_boost = -1"),
        "profiles/test.toml:2:13: [layer_a] max_boost = -1 is out of range: must be 0.0 to 24.0 dB"
    );
    assert_eq!(
        err("[layer_a]\nenabled = 2"),
        "profiles/test.toml:2:11: [layer_a] enabled = 2 is out of range: must be true/false (or 1/0)"
    );
    assert_eq!(
        err("[[rules]]\napp = \"a\"\nroute = \"bypass\"\nlayer_a = { target = 0 }"),
        "profiles/test.toml:4:22: [[rules]] #1 layer_a target = 0 is out of range: must be -40.0 to -6.0 dBFS"
    );
    assert!(err("[layer_a]\ntarget = nan").contains("target = NaN is out of range"));
    assert!(err("[layer_a]\nmax_cut = inf").contains("out of range"));
    // The edges are inside.
    let p = parse("[layer_a]\ntarget = -6.0\nmax_cut = 36\nmax_boost = 24\n").unwrap();
    assert_eq!(p.layer_a.target_dbfs, -6.0);
    assert!(parse("[layer_a]\ntarget = -40").is_ok());
}

#[test]
fn the_first_error_in_a_rule_is_reported() {
    // Keys are stored sorted; `zzz` comes first in the file.
    let e = err("[[rules]]\nzzz = 1\napp = \"[\"\n");
    assert!(
        e.starts_with("profiles/test.toml:2:1:") && e.contains("zzz"),
        "{e}"
    );
}
