use super::*;

fn props<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

const FILE: &str = r#"
fallback = "default"

[[device]]
form_factor = ["headphone", "headset"]
profile = "night"

[[device]]
bus = "bluetooth"
properties = { "api.bluez5.profile" = "headset-head-unit*" }
profile = "voice-chat"

[[device]]
name = "alsa_output.*HDMI*"
profile = "film"
"#;

#[test]
fn the_first_matching_rule_wins_and_the_fallback_catches_the_rest() {
    let rules = parse(FILE, "devices.toml").unwrap();
    assert_eq!(rules.rules.len(), 3);
    let phones = [("device.form-factor", "Headphone"), ("node.name", "x")];
    let (profile, why) = rules.choose(props(&phones)).unwrap();
    assert_eq!(profile, "night");
    assert_eq!(
        why.to_string(),
        r#"devices.toml:4 [[device]] #1: form_factor = ["headphone", "headset"] → night"#
    );
    // Every condition must match: a Bluetooth device in A2DP is not a call.
    let a2dp = [
        ("device.bus", "bluetooth"),
        ("api.bluez5.profile", "a2dp-sink"),
    ];
    assert_eq!(rules.choose(props(&a2dp)).unwrap().1, DeviceWhy::Fallback);
    let call = [
        ("device.bus", "bluetooth"),
        ("api.bluez5.profile", "headset-head-unit-msbc"),
    ];
    assert_eq!(rules.choose(props(&call)).unwrap().0, "voice-chat");
    let hdmi = [("node.name", "alsa_output.pci-0000_00_1f.3.hdmi-stereo")];
    assert_eq!(rules.choose(props(&hdmi)).unwrap().0, "film");
    // A device without the property never matches a condition on it.
    assert_eq!(rules.choose(props(&[])).unwrap().0, "default");
    let no_fallback = parse("[[device]]\nbus = \"usb\"\nprofile = \"x\"\n", "d").unwrap();
    assert_eq!(no_fallback.choose(props(&[])), None);
}

#[test]
fn every_named_profile_is_listed_with_where_it_is_written() {
    let rules = parse(FILE, "devices.toml").unwrap();
    let named: Vec<(&str, usize)> = rules.profiles().map(|(p, at)| (p, at.line)).collect();
    assert_eq!(
        named,
        [
            ("night", 6),
            ("voice-chat", 11),
            ("film", 15),
            ("default", 2)
        ]
    );
}

#[test]
fn mistakes_are_located_and_say_what_was_expected() {
    let check = |text: &str, line: usize, column: usize, wanted: &str| {
        let problem = parse(text, "devices.toml").unwrap_err();
        assert_eq!(
            (problem.line, problem.column),
            (Some(line), Some(column)),
            "{problem}"
        );
        assert!(problem.message.contains(wanted), "{problem}");
    };
    check("[[device]]\nbus = \"usb\"\n", 1, 1, "`profile` is missing");
    check("[[device]]\nprofile = \"x\"\n", 1, 1, "no condition");
    check(
        "[[device]]\nform = \"x\"\nprofile = \"x\"\n",
        2,
        1,
        "unknown key `form` (a rule holds name, description",
    );
    check(
        "[[device]]\nbus = 3\nprofile = \"x\"\n",
        2,
        7,
        "pattern string",
    );
    check(
        "[[device]]\nbus = []\nprofile = \"x\"\n",
        2,
        7,
        "non-empty array",
    );
    check(
        "[[device]]\nbus = \"usb\"\nprofile = \"\"\n",
        3,
        11,
        "profile's name",
    );
    check(
        "[[device]]\nproperties = \"x\"\nprofile = \"p\"\n",
        2,
        14,
        "table of property = pattern",
    );
    check(
        "fallback = 1\n",
        1,
        12,
        "fallback: expected a profile's name",
    );
    check("profiles = 1\n", 1, 1, "unknown key `profiles`");
    check("[device]\nbus = \"x\"\n", 1, 1, "must be [[device]] tables");
    check("[[device]\n", 1, 10, "not valid TOML");
}

#[test]
fn rules_describe_themselves() {
    let rules = parse(FILE, "devices.toml").unwrap();
    assert_eq!(
        rules.rules[1].describe(),
        r#"bus = "bluetooth", "api.bluez5.profile" = "headset-head-unit*" → voice-chat"#
    );
}

#[test]
fn the_shipped_example_reads_and_names_only_shipped_profiles() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles");
    let path = format!("{dir}/examples/devices.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rules = parse(&text, &path).unwrap();
    assert!(rules.rules.len() >= 3);
    for (profile, at) in rules.profiles() {
        assert!(
            std::path::Path::new(&format!("{dir}/{profile}.toml")).is_file(),
            "{}:{}: no shipped profile `{profile}`",
            at.file,
            at.line
        );
    }
    let headset = [("device.form-factor", "headset")];
    assert_eq!(rules.choose(props(&headset)).unwrap().0, "night");
}
