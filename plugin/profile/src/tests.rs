//! Parsing, checking and lookup of profiles; the shipped profiles and their docs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use headroom_dsp::{ParamId, ParamValues};

use super::*;

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::parse(text, "profiles/test.toml")
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn a_full_profile_parses() {
    let p = parse(
        r#"
name = "Night"
description = "Quiet and even."

[dsp]
agc_target = -24.0
ceiling = -3
comp_enabled = true
agc_enabled = 0
comp_ratio = 0x4
"#,
    )
    .unwrap();
    assert_eq!(p.name, "Night");
    assert_eq!(p.description.as_deref(), Some("Quiet and even."));
    assert_eq!(p.dsp.get(ParamId::AgcTarget), Some(-24.0));
    assert_eq!(p.dsp.get(ParamId::LimiterCeiling), Some(-3.0));
    assert_eq!(p.dsp.get(ParamId::CompEnabled), Some(1.0));
    assert_eq!(p.dsp.get(ParamId::AgcEnabled), Some(0.0));
    assert_eq!(p.dsp.get(ParamId::CompRatio), Some(4.0));
    assert_eq!(p.dsp.get(ParamId::InputGain), None);
    assert_eq!(p.dsp.iter().count(), 5);

    let params = p.params();
    assert_eq!(params.get(ParamId::AgcTarget), -24.0);
    assert_eq!(
        params.get(ParamId::InputGain),
        ParamId::InputGain.spec().default
    );
}

#[test]
fn name_defaults_to_the_file_stem_and_everything_is_optional() {
    let p = parse("").unwrap();
    assert_eq!(p.name, "test");
    assert_eq!(p.description, None);
    assert!(p.dsp.is_empty());
    assert_eq!(p.params(), ParamValues::default());
}

#[test]
fn range_edges_are_accepted_as_written() {
    // -0.1 as f64 lies just above -0.1 as f32; the check must not trip on it.
    let p = parse("[dsp]\nceiling = -0.1\ncomp_attack = 0.1\nagc_gate = -80").unwrap();
    assert_eq!(p.dsp.get(ParamId::LimiterCeiling), Some(-0.1));
    assert_eq!(p.dsp.get(ParamId::CompAttack), Some(0.1));
    assert_eq!(p.dsp.get(ParamId::AgcGate), Some(-80.0));
    // Dotted keys are the same table.
    let p = parse("dsp.ceiling = -2.0").unwrap();
    assert_eq!(p.dsp.get(ParamId::LimiterCeiling), Some(-2.0));
}

#[test]
fn unknown_dsp_key_names_place_and_suggests() {
    assert_eq!(
        err("name = \"x\"\n[dsp]\nceiling = -1.0\n  celing = -2.0\n"),
        "profiles/test.toml:4:3: [dsp] unknown parameter `celing`; did you mean `ceiling`?"
    );
    match parse("[dsp]\ncomp_treshold = -20").unwrap_err() {
        ProfileError::Dsp {
            at,
            section: Section::Dsp,
            error: ParamError::UnknownKey { key, suggestion },
        } => {
            assert_eq!((at.line, at.column), (2, 1));
            assert_eq!(key, "comp_treshold");
            assert_eq!(suggestion, Some("comp_threshold"));
        }
        other => panic!("wrong error: {other:?}"),
    }
}

#[test]
fn unknown_top_level_keys_are_refused() {
    assert_eq!(
        err("[dps]\nceiling = -1.0"),
        "profiles/test.toml:1:2: unknown key `dps`; did you mean `dsp`?"
    );
    assert_eq!(
        err("[[rule]]\napp = \"firefox\""),
        "profiles/test.toml:1:3: unknown key `rule`; did you mean `rules`?"
    );
    assert_eq!(
        err("route = \"bypass\""),
        "profiles/test.toml:1:1: unknown key `route`; did you mean `default_route`?"
    );
    assert_eq!(
        err("zzzzzz = 1"),
        "profiles/test.toml:1:1: unknown key `zzzzzz` (a profile has: name, description, \
         default_route, multichannel, layer_a, rules, dsp, buses)"
    );
}

#[test]
fn out_of_range_values_name_range_and_unit() {
    assert_eq!(
        err("[dsp]\nceiling = 3.0"),
        "profiles/test.toml:2:11: [dsp] ceiling = 3 is out of range: must be -12.0 to -0.1 dBTP"
    );
    assert_eq!(
        err("[dsp]\ncomp_attack = 500"),
        "profiles/test.toml:2:15: [dsp] comp_attack = 500 is out of range: must be 0.1 to 200.0 ms"
    );
    assert_eq!(
        err("[dsp]\nagc_enabled = 2"),
        "profiles/test.toml:2:15: [dsp] agc_enabled = 2 is out of range: must be true/false (or 1/0)"
    );
    assert!(err("[dsp]\nceiling = nan").contains("ceiling = NaN is out of range"));
    assert!(err("[dsp]\nceiling = -inf").contains("out of range"));
}

#[test]
fn wrong_types_name_field_and_value() {
    assert_eq!(
        err("name = 3"),
        "profiles/test.toml:1:8: `name` must be a string, found integer 3"
    );
    assert_eq!(
        err("description = [\"a\"]"),
        "profiles/test.toml:1:15: `description` must be a string, found array [\"a\"]"
    );
    assert!(err("dsp = \"loud\"").contains("`dsp` must be a table"));
    assert_eq!(
        err("[dsp]\nceiling = \"-1\""),
        "profiles/test.toml:2:11: [dsp] ceiling expects a number (-12.0 to -0.1 dBTP), found string \"-1\""
    );
    assert_eq!(
        err("[dsp]\nagc_enabled = \"yes\""),
        "profiles/test.toml:2:15: [dsp] agc_enabled expects true/false (or 1/0), found string \"yes\""
    );
    assert!(err("[dsp]\ninput_gain = true").contains("input_gain expects a number"));
    assert!(err("[dsp]\n[dsp.limiter]\nceiling = 1").contains("unknown parameter `limiter`"));
}

#[test]
fn syntax_errors_have_a_location() {
    let e = parse("name = \"x\"\n[dsp]\nceiling = = 1\n").unwrap_err();
    match &e {
        ProfileError::Syntax { at, .. } => assert_eq!(at.line, 3, "{e}"),
        other => panic!("wrong error: {other:?}"),
    }
    assert!(e.to_string().starts_with("profiles/test.toml:3:"), "{e}");
    // Duplicate keys are TOML errors too.
    assert!(matches!(
        parse("[dsp]\nceiling = -1\nceiling = -2"),
        Err(ProfileError::Syntax { .. })
    ));
}

#[test]
fn the_first_error_in_the_file_is_reported() {
    // Keys are stored sorted; the report must follow the file instead.
    let e = err("[dsp]\nzzz_bad = 1\naaa_bad = 2\n");
    assert!(e.contains(":2:1:") && e.contains("zzz_bad"), "{e}");
}

// ---- search path -----------------------------------------------------------

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "headroom-profile-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn user_profiles_override_shipped_ones() {
    let tmp = TempDir::new();
    tmp.write("user/night.toml", "name = \"my night\"");
    tmp.write("shipped/night.toml", "name = \"shipped night\"");
    tmp.write("shipped/default.toml", "");
    tmp.write("shipped/notes.txt", "not a profile");
    let search = SearchPath {
        user_dir: Some(tmp.0.join("user")),
        shipped_dirs: vec![tmp.0.join("missing"), tmp.0.join("shipped")],
    };
    assert_eq!(search.load("night").unwrap().name, "my night");
    assert_eq!(search.load("default").unwrap().name, "default");
    assert_eq!(search.available(), vec!["default", "night"]);
    assert_eq!(
        search.load("default").unwrap().source,
        Some(tmp.0.join("shipped/default.toml"))
    );
}

#[test]
fn path_like_arguments_are_files() {
    let tmp = TempDir::new();
    let file = tmp.write("elsewhere/mine.toml", "[dsp]\nceiling = -2.0");
    let search = SearchPath {
        user_dir: None,
        shipped_dirs: vec![],
    };
    let p = search.load(file.to_str().unwrap()).unwrap();
    assert_eq!(p.name, "mine");
    assert_eq!(p.dsp.get(ParamId::LimiterCeiling), Some(-2.0));
    assert!(is_path_like("./x") && is_path_like("x.toml") && !is_path_like("night"));

    let missing = tmp.0.join("nope.toml");
    let e = search.load(missing.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, ProfileError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("nope.toml"), "{e}");

    // Errors inside a file loaded by path name that path.
    let bad = tmp.write("bad.toml", "[dsp]\nceiling = 1");
    let e = search.load(bad.to_str().unwrap()).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:2:11:", bad.display())), "{e}");
}

#[test]
fn unknown_names_list_dirs_and_suggest() {
    let tmp = TempDir::new();
    tmp.write("shipped/night.toml", "");
    tmp.write("shipped/voice-chat.toml", "");
    let search = SearchPath {
        user_dir: Some(tmp.0.join("user")),
        shipped_dirs: vec![tmp.0.join("shipped")],
    };
    let e = search.load("nigth").unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("no profile named `nigth`; did you mean `night`?"),
        "{text}"
    );
    assert!(
        text.contains(&tmp.0.join("user").display().to_string()),
        "{text}"
    );
    assert!(text.ends_with("available: night, voice-chat"), "{text}");
    assert!(matches!(
        search.load(""),
        Err(ProfileError::NotFound { .. })
    ));
    assert!(matches!(
        search.load(".hidden"),
        Err(ProfileError::NotFound { .. })
    ));
}

#[test]
fn standard_search_path_finds_the_shipped_profiles() {
    let mut search = SearchPath::from_env();
    assert!(search.user_dir.is_some());
    // Whatever the user running the tests keeps in their own directory must
    // not decide the outcome.
    search.user_dir = None;
    for name in ["default", "night", "voice-chat", "bypass-all"] {
        let p = search.load(name).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.source.is_some());
    }
}

mod buses;
mod routing;
mod shipped;
