//! `headroom tray` on a private D-Bus session bus against a live router on
//! a private PipeWire graph, driven as a panel drives it, with `busctl`:
//! the StatusNotifierItem's icon, status and tooltip say the state; the
//! dbusmenu's items (GetLayout, Event "clicked") turn protection off and
//! on, switch the profile and save an app's route (bypass, or one of the
//! profile's named buses), and the router's state
//! (`headroom status --json`, `headroom route list --json`) changes; when
//! the router stops the icon says so and the menu greys out, a click then
//! shows its error without a crash, and when the router is back so is the
//! tray. Without a StatusNotifierWatcher the tray says so in its log and
//! registers once one appears; a router that accepts connections but never
//! answers leaves the tray answering the bus.

mod common;
#[path = "tray_common/mod.rs"]
mod tray_common;

use std::process::Output;

use common::*;
use headroom_testdata::pipewire::{run_with_timeout, wait_until, ChildId, PwGraph, SIGTERM};
use serde_json::Value;
use tray_common::Bus;

const PROTECTING: &str = "security-high";
const BYPASSED: &str = "security-low";
const ROUTER_DOWN: &str = "dialog-warning";

fn headroom(graph: &PwGraph, args: &[&str]) -> Output {
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(args);
    run_with_timeout(cmd, TIMEOUT).unwrap()
}

/// `headroom <args> --json`, or `None` while the router does not answer.
fn json(graph: &PwGraph, args: &[&str]) -> Option<Value> {
    let mut args = args.to_vec();
    args.push("--json");
    let out = headroom(graph, &args);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).unwrap())
}

/// Waits until `headroom status --json` satisfies `check`.
fn wait_for_status(graph: &PwGraph, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    wait_until(what, TIMEOUT, || {
        Ok(json(graph, &["status"]).filter(|s| check(s)))
    })
    .unwrap_or_else(|e| panic!("{e}\nstatus: {:?}", json(graph, &["status"])))
}

/// Starts `headroom tray` on `bus`.
fn start_tray(graph: &mut PwGraph, bus: &Bus) -> ChildId {
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    bus.env(&mut cmd);
    cmd.arg("tray");
    graph.spawn("headroom-tray", cmd).unwrap()
}

fn stream_route(status: &Value, app: &str) -> Option<String> {
    status["streams"]
        .as_array()?
        .iter()
        .find(|s| s["app"] == app)
        .and_then(|s| s["route"].as_str().map(str::to_string))
}

#[test]
fn the_tray_shows_and_controls_the_router_and_follows_it_away_and_back() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Some Browser", "browser-app");
    wait_for_status(&graph, "the app to play processed", |s| {
        stream_route(s, "Some Browser").as_deref() == Some("processed")
    });
    let bus = Bus::start(&mut graph);
    let tray = start_tray(&mut graph, &bus);
    let item = bus.wait_for_item(graph.pid(tray));
    let log = |graph: &PwGraph| format!("tray log:\n{}", graph.log(tray));

    // At a glance: protecting, with the profile in the tooltip.
    item.wait_for_icon(PROTECTING, || log(&graph));
    assert_eq!(item.property("Status").as_deref(), Some("Active"));
    assert_eq!(item.property("Id").as_deref(), Some("headroom"));
    let (title, _) = item.tooltip().unwrap();
    assert!(title.contains("protecting (Default)"), "{title}");
    let menu = item.wait_for_menu("the app in the menu", |m| m.find("Some Browser").is_some());
    let protection = menu.find("Protection on").unwrap();
    assert_eq!(protection.toggled, Some(true), "{protection:?}");
    assert!(protection.enabled);
    let profiles = menu.find("Profile: Default").unwrap();
    for name in ["default", "night", "voice-chat"] {
        assert!(profiles.find(name).is_some(), "{:?}", profiles.labels());
    }
    assert_eq!(profiles.find("default").unwrap().toggled, Some(true));
    let browser = menu.find("Some Browser").unwrap();
    assert_eq!(browser.find("processed").unwrap().toggled, Some(true));
    assert_eq!(browser.find("bypass").unwrap().toggled, Some(false));

    // Protection off: the bypass switch goes on, the icon follows; and back.
    item.click_path(&["Protection on"]);
    wait_for_status(&graph, "bypass on", |s| s["bypass"] == true);
    item.wait_for_icon(BYPASSED, || log(&graph));
    item.wait_for_menu("protection unchecked", |m| {
        m.find("Protection on").unwrap().toggled == Some(false)
    });
    item.click_path(&["Protection on"]);
    wait_for_status(&graph, "bypass off", |s| s["bypass"] == false);
    item.wait_for_icon(PROTECTING, || log(&graph));

    // A profile from the list.
    item.click_path(&["Profile:", "night"]);
    wait_for_status(&graph, "profile Night", |s| s["profile"] == "Night");
    item.wait_for_menu("night selected", |m| {
        m.find("Profile: Night")
            .and_then(|p| p.find("night"))
            .is_some_and(|n| n.toggled == Some(true))
    });
    wait_until("the tooltip to name Night", TIMEOUT, || {
        Ok(item
            .tooltip()
            .is_some_and(|(t, _)| t.contains("Night"))
            .then_some(()))
    })
    .unwrap();

    // The app to bypass: a saved user route, as `headroom route set` makes.
    item.click_path(&["Apps playing", "Some Browser", "bypass"]);
    wait_for_status(&graph, "the app bypassed", |s| {
        stream_route(s, "Some Browser").as_deref() == Some("bypass")
    });
    let routes = json(&graph, &["route", "list"]).unwrap();
    assert!(
        routes["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["app"] == "Some Browser" && r["route"] == "bypass"),
        "{routes}"
    );
    item.wait_for_menu("bypass selected for the app", |m| {
        m.find("Some Browser")
            .and_then(|b| b.find("bypass"))
            .is_some_and(|b| b.toggled == Some(true))
    });

    // With a profile of named buses, each is a choice for the app too.
    item.click_path(&["Profile:", "voice-chat"]);
    wait_for_status(&graph, "profile Voice chat", |s| {
        s["profile"] == "Voice chat"
    });
    // Not the surround bus: surround streams reach it by the profile.
    let menu = item.wait_for_menu("the voice bus offered for the app", |m| {
        m.find("Some Browser")
            .is_some_and(|b| b.find("bus voice").is_some())
    });
    let browser = menu.find("Some Browser").unwrap();
    assert!(
        browser.find("bus surround").is_none(),
        "{:?}",
        browser.labels()
    );
    item.click_path(&["Apps playing", "Some Browser", "bus voice"]);
    let status = wait_for_status(&graph, "the app on the voice bus", |s| {
        s["streams"].as_array().is_some_and(|streams| {
            streams
                .iter()
                .any(|st| st["app"] == "Some Browser" && st["bus"] == "voice")
        })
    });
    assert_eq!(
        stream_route(&status, "Some Browser").as_deref(),
        Some("processed"),
        "{status:#}"
    );
    item.wait_for_menu("the voice bus selected for the app", |m| {
        m.find("Some Browser")
            .and_then(|b| b.find("bus voice"))
            .is_some_and(|b| b.toggled == Some(true))
    });

    // The router goes: the icon says so, the menu greys out.
    graph.stop(router, SIGTERM).unwrap();
    item.wait_for_icon(ROUTER_DOWN, || log(&graph));
    let (title, _) = item.tooltip().unwrap();
    assert!(title.contains("router not running"), "{title}");
    let menu = item.wait_for_menu("the menu greyed out", |m| {
        !m.find("Protection on").unwrap().enabled
    });
    assert!(!menu.find("Profile").unwrap().enabled);
    assert!(!menu.find("Apps playing").unwrap().enabled);
    assert!(menu.find("Open monitor").unwrap().enabled);
    // A panel may still send a click: its error shows, nothing crashes.
    item.click(menu.find("Protection on").unwrap().id);
    wait_until("the failed action in the tooltip", TIMEOUT, || {
        Ok(item
            .tooltip()
            .is_some_and(|(_, d)| d.contains("last action failed"))
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", item.tooltip(), log(&graph)));
    assert!(graph.try_status(tray).unwrap().is_none(), "{}", log(&graph));

    // Back again: the tray finds it by itself.
    let _router = start_router(&mut graph, &[]);
    item.wait_for_icon(PROTECTING, || log(&graph));
    let menu = item.wait_for_menu("the menu usable again", |m| {
        m.find("Protection on").unwrap().enabled && m.find("Some Browser").is_some()
    });
    assert!(
        menu.find("Profile: Voice chat").is_some(),
        "{:?}",
        menu.labels()
    );

    // Quit ends it cleanly.
    item.click_path(&["Quit"]);
    let status = graph.wait_exit(tray, TIMEOUT).unwrap();
    assert!(status.success(), "{status:?}\n{}", log(&graph));
}

/// A minimal StatusNotifierWatcher, as a panel's tray runs: it records
/// the items that register with it.
struct Watcher {
    registered: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: String) {
        self.registered.lock().unwrap().push(service);
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.registered.lock().unwrap().clone()
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

#[test]
fn without_a_watcher_it_says_so_and_registers_when_one_appears_and_a_stalled_router_hangs_nothing()
{
    let mut graph = PwGraph::start().unwrap();
    let bus = Bus::start(&mut graph);
    // A "router" that accepts connections and never answers.
    let socket = control_socket(&graph);
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    let stalled = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let tray = start_tray(&mut graph, &bus);
    let item = bus.wait_for_item(graph.pid(tray));
    let log = |graph: &PwGraph| format!("tray log:\n{}", graph.log(tray));

    wait_until("the tray to say there is no watcher", TIMEOUT, || {
        Ok(graph
            .log(tray)
            .contains("no StatusNotifierWatcher")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", log(&graph)));

    // The stalled router: the item keeps answering and says why it is down.
    item.wait_for_icon(ROUTER_DOWN, || log(&graph));
    wait_until(
        "the tooltip to say the router does not answer",
        TIMEOUT,
        || {
            Ok(item
                .tooltip()
                .is_some_and(|(_, d)| d.contains("did not answer"))
                .then_some(()))
        },
    )
    .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", item.tooltip(), log(&graph)));
    for _ in 0..3 {
        assert!(item.menu().find("Quit").is_some());
    }
    drop(stalled);

    // A panel's watcher appears: the tray registers with it by itself.
    let registered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let runtime = client_runtime();
    let _watcher = runtime.block_on(async {
        zbus::connection::Builder::address(bus.address.as_str())
            .unwrap()
            .name("org.kde.StatusNotifierWatcher")
            .unwrap()
            .serve_at(
                "/StatusNotifierWatcher",
                Watcher {
                    registered: registered.clone(),
                },
            )
            .unwrap()
            .build()
            .await
            .unwrap()
    });
    // zbus serves on the runtime: drive it while waiting.
    runtime.block_on(async {
        let start = std::time::Instant::now();
        while !registered
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.starts_with("org.kde.StatusNotifierItem-"))
        {
            assert!(
                start.elapsed() < TIMEOUT,
                "the tray never registered with the watcher\n{}",
                log(&graph)
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    });
    assert_eq!(registered.lock().unwrap()[0], item.name);
    wait_until("the tray to log the watcher", TIMEOUT, || {
        Ok(graph
            .log(tray)
            .contains("StatusNotifierWatcher appeared")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", log(&graph)));
    assert!(graph.try_status(tray).unwrap().is_none(), "{}", log(&graph));
}

#[test]
fn tray_help_teaches_by_example() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(["tray", "--help"]);
    let out = run_with_timeout(cmd, TIMEOUT).unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    for taught in [
        "Examples:",
        "headroom tray",
        "headroom-tray",
        "security-high",
    ] {
        assert!(help.contains(taught), "{taught}: {help}");
    }
}
