//! `devices.toml` picks the profile for the output device in use: when the
//! user chooses another device the router switches to that device's
//! profile (status says which rule chose it and the DSP runs with its
//! settings), a profile saved with `--for-device` comes back with its
//! device, a devices file naming a profile that does not exist is shown
//! with its line while the last good rules stay, and a router started
//! while another device is present than at its last stop picks the
//! present device's profile, not the one remembered.

mod common;

use common::*;
use headroom_testdata::pipewire::{ChildId, PwGraph};
use serde_json::Value;

fn headroom(graph: &PwGraph, args: &[&str]) -> String {
    run_ok(graph, env!("CARGO_BIN_EXE_headroom"), args)
}

fn status(graph: &PwGraph) -> Value {
    serde_json::from_str(&headroom(graph, &["status", "--json"])).unwrap()
}

/// Waits until status shows `profile`, and returns that status.
fn wait_for_profile(graph: &mut PwGraph, profile: &str, router: ChildId) -> Value {
    let mut last = Value::Null;
    let found = graph.wait_for(&format!("profile {profile}"), TIMEOUT, |g| {
        last = status(g);
        Ok((last["profile"] == profile).then(|| last.clone()))
    });
    found.unwrap_or_else(|e| {
        panic!(
            "{e}\nlast status: {last:#}\nrouter log:\n{}",
            graph.log(router)
        )
    })
}

fn devices_file(graph: &PwGraph) -> std::path::PathBuf {
    graph.path("config").join("headroom").join("devices.toml")
}

/// Writes `text` as the devices file (renamed into place, as editors do).
fn write_devices(graph: &PwGraph, text: &str) {
    let path = devices_file(graph);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(temp, path).unwrap();
}

const RULES: &str = "\
# headphones are quieter
fallback = \"default\"

[[device]]
form_factor = \"headphone\"
profile = \"night\"
";

#[test]
fn the_output_devices_profile_follows_the_device() {
    let mut graph = PwGraph::start().unwrap();
    graph
        .create_null_sink_with("speakers", &[("device.form-factor", "internal")])
        .unwrap();
    graph
        .create_null_sink_with(
            "phones",
            &[("device.form-factor", "headphone"), ("device.bus", "usb")],
        )
        .unwrap();
    choose_default(&graph, "speakers");
    write_devices(&graph, RULES);
    // Started on night by hand: the device present (speakers) decides.
    let router = start_router(&mut graph, &["--profile", "night"]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    let on_speakers = wait_for_profile(&mut graph, "Default", router);
    assert_eq!(on_speakers["device_profile"]["device"], "speakers");
    assert_eq!(
        on_speakers["device_profile"]["rule"], "no device rule matched: fallback",
        "{on_speakers:#}"
    );
    wait_for_ceiling(&mut graph, processed.id, -1.0, router);

    // Headphones chosen: night, by rule #1, and its ceiling in the DSP.
    choose_default(&graph, "phones");
    let on_phones = wait_for_profile(&mut graph, "Night", router);
    let rule = on_phones["device_profile"]["rule"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        rule.contains("devices.toml:4 [[device]] #1") && rule.contains("headphone"),
        "{rule}"
    );
    wait_for_ceiling(&mut graph, processed.id, -3.0, router);
    assert!(headroom(&graph, &["status"]).contains("chosen by: "));

    // Back to the speakers, and voice chat saved for them.
    choose_default(&graph, "speakers");
    wait_for_profile(&mut graph, "Default", router);
    let saved = headroom(&graph, &["profile", "use", "voice-chat", "--for-device"]);
    assert!(saved.contains("saved for this output device"), "{saved}");
    let text = std::fs::read_to_string(devices_file(&graph)).unwrap();
    assert!(text.starts_with("# headphones are quieter"), "{text}");
    assert!(
        text.contains("name = \"speakers\"\nprofile = \"voice-chat\""),
        "{text}"
    );
    let after_save = wait_for_profile(&mut graph, "Voice chat", router);
    assert_eq!(after_save["device_profile"]["profile"], "voice-chat");
    // A profile picked by hand without --for-device holds on this device,
    // and the device rule no longer claims it.
    headroom(&graph, &["profile", "use", "night"]);
    let by_hand = wait_for_profile(&mut graph, "Night", router);
    assert!(by_hand["device_profile"].is_null(), "{by_hand:#}");
    // Devices decide again when the device changes.
    choose_default(&graph, "phones");
    graph
        .wait_for("the output to be the phones", TIMEOUT, |g| {
            Ok((status(g)["real_sink"]["name"] == "phones").then_some(()))
        })
        .unwrap();
    wait_for_profile(&mut graph, "Night", router);
    choose_default(&graph, "speakers");
    wait_for_profile(&mut graph, "Voice chat", router);

    // A rule naming a profile that does not exist: named with its line,
    // the last good rules stay (the phones still get night).
    let broken = std::fs::read_to_string(devices_file(&graph))
        .unwrap()
        .replace("profile = \"night\"", "profile = \"nigth\"");
    write_devices(&graph, &broken);
    let mut last = Value::Null;
    graph
        .wait_for("the devices problem in status", TIMEOUT, |g| {
            last = status(g);
            Ok(last["devices_error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("\"nigth\" does not exist"))
                .then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\n{last:#}\n{}", graph.log(router)));
    assert!(last["devices_error"]["line"].as_u64().is_some(), "{last:#}");
    choose_default(&graph, "phones");
    wait_for_profile(&mut graph, "Night", router);

    // Stopped on the phones with night; they are gone at the next start:
    // the speakers' profile, not the remembered one.
    write_devices(&graph, &broken.replace("nigth", "night"));
    graph
        .wait_for("the devices problem to clear", TIMEOUT, |g| {
            Ok(status(g)["devices_error"].is_null().then_some(()))
        })
        .unwrap();
    headroom(&graph, &["profile", "use", "night"]);
    graph.stop(router, 15).unwrap();
    graph
        .wait_for("the processed sink to go", TIMEOUT, |g| {
            Ok(g.find_node("headroom.processed")?.is_none().then_some(()))
        })
        .unwrap();
    let phones = graph.find_node("phones").unwrap().unwrap();
    graph.pw_cli(&["destroy", &phones.id.to_string()]).unwrap();
    graph
        .wait_for("the phones to go", TIMEOUT, |g| {
            Ok(g.find_node("phones")?.is_none().then_some(()))
        })
        .unwrap();
    let second = start_router(&mut graph, &[]);
    let restarted = wait_for_profile(&mut graph, "Voice chat", second);
    assert_eq!(restarted["device_profile"]["device"], "speakers");
    assert!(
        graph
            .log(second)
            .contains("output device speakers: switching to profile Voice chat"),
        "{}",
        graph.log(second)
    );
}
