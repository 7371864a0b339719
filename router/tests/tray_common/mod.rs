//! A private D-Bus session bus for the tray tests and bench, and a panel's
//! view of the tray through `busctl` (systemd's D-Bus client, never the
//! tray's own code): its StatusNotifierItem properties, its dbusmenu
//! layout, clicks. Include with `#[path = "tray_common/mod.rs"] mod
//! tray_common;` next to `mod common;`.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;
use std::time::Duration;

use headroom_testdata::pipewire::{run_with_timeout, wait_until, ChildId, PwGraph};
use serde_json::Value;

use crate::common::TIMEOUT;

/// The item's object path (StatusNotifierItem spec, as KDE names it).
pub const ITEM_PATH: &str = "/StatusNotifierItem";
pub const ITEM_INTERFACE: &str = "org.kde.StatusNotifierItem";
pub const MENU_INTERFACE: &str = "com.canonical.dbusmenu";

/// A `dbus-daemon --session` the test owns (killed with the graph).
pub struct Bus {
    pub address: String,
    pub daemon: ChildId,
}

impl Bus {
    /// Starts a session bus listening in the graph's private directory and
    /// waits until it answers.
    pub fn start(graph: &mut PwGraph) -> Bus {
        let socket: PathBuf = graph.path("session-bus");
        let address = format!("unix:path={}", socket.display());
        let mut cmd = graph.command("dbus-daemon");
        cmd.args(["--session", "--nofork", "--nopidfile", "--print-address"])
            .arg(format!("--address={address}"));
        let daemon = graph.spawn("dbus-daemon", cmd).unwrap();
        let bus = Bus { address, daemon };
        wait_until("the session bus to answer", TIMEOUT, || {
            Ok(bus.try_busctl(&["list"]).is_some().then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", graph.log(daemon)));
        bus
    }

    /// `cmd` talking to this bus only.
    pub fn env(&self, cmd: &mut std::process::Command) {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    /// `busctl --address=… --json=short -- ARGS`: its JSON output (`Null`
    /// when it printed nothing), or `None` when it failed.
    pub fn try_busctl(&self, args: &[&str]) -> Option<Value> {
        let mut cmd = std::process::Command::new("busctl");
        cmd.arg(format!("--address={}", self.address))
            .args(["--json=short", "--timeout=5", "--"])
            .args(args);
        let out = run_with_timeout(cmd, TIMEOUT).ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim().is_empty() {
            return Some(Value::Null);
        }
        serde_json::from_str(text.trim()).ok()
    }

    /// [`Bus::try_busctl`] that must succeed.
    pub fn busctl(&self, args: &[&str]) -> Value {
        self.try_busctl(args)
            .unwrap_or_else(|| panic!("busctl {args:?} failed on {}", self.address))
    }

    /// Names on the bus now.
    pub fn names(&self) -> Vec<String> {
        self.try_busctl(&["list"])
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Waits for the StatusNotifierItem name of process `pid`
    /// (`org.kde.StatusNotifierItem-PID-N`).
    pub fn wait_for_item(&self, pid: u32) -> Item<'_> {
        let prefix = format!("org.kde.StatusNotifierItem-{pid}-");
        let name = wait_until("the tray's StatusNotifierItem name", TIMEOUT, || {
            Ok(self.names().into_iter().find(|n| n.starts_with(&prefix)))
        })
        .unwrap();
        Item { bus: self, name }
    }
}

/// The tray as a panel sees it.
pub struct Item<'a> {
    pub bus: &'a Bus,
    pub name: String,
}

/// One dbusmenu item from `GetLayout`.
#[derive(Debug, Clone)]
pub struct MenuNode {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    /// `toggle-state`: 1 checked, 0 unchecked; `None` for plain items.
    pub toggled: Option<bool>,
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    fn parse(value: &Value) -> MenuNode {
        // (ia{sv}av): id, properties, children (each a variant).
        let data = &value["data"];
        let props = &data[1];
        MenuNode {
            id: data[0].as_i64().unwrap() as i32,
            label: props["label"]["data"].as_str().unwrap_or("").to_string(),
            enabled: props["enabled"]["data"].as_bool().unwrap_or(true),
            toggled: props["toggle-state"]["data"].as_i64().map(|s| s == 1),
            children: data[2]
                .as_array()
                .map(|c| c.iter().map(MenuNode::parse).collect())
                .unwrap_or_default(),
        }
    }

    /// The first item, depth first, whose label starts with `label`.
    pub fn find(&self, label: &str) -> Option<&MenuNode> {
        if self.label.starts_with(label) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }

    /// Every label below this item, for failure messages.
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec![self.label.clone()];
        for c in &self.children {
            out.extend(c.labels().into_iter().map(|l| format!("  {l}")));
        }
        out
    }
}

impl Item<'_> {
    /// A string property of the item (`IconName`, `Status`, …).
    pub fn property(&self, name: &str) -> Option<String> {
        self.bus
            .try_busctl(&["get-property", &self.name, ITEM_PATH, ITEM_INTERFACE, name])
            .and_then(|v| v["data"].as_str().map(str::to_string))
    }

    /// The `ToolTip` property's title and description.
    pub fn tooltip(&self) -> Option<(String, String)> {
        let v = self.bus.try_busctl(&[
            "get-property",
            &self.name,
            ITEM_PATH,
            ITEM_INTERFACE,
            "ToolTip",
        ])?;
        let data = &v["data"];
        Some((data[2].as_str()?.to_string(), data[3].as_str()?.to_string()))
    }

    /// The object path of the item's menu (its `Menu` property).
    pub fn menu_path(&self) -> String {
        let v = self.bus.busctl(&[
            "get-property",
            &self.name,
            ITEM_PATH,
            ITEM_INTERFACE,
            "Menu",
        ]);
        v["data"].as_str().unwrap().to_string()
    }

    /// `GetLayout(0, -1, [])`: the whole menu.
    pub fn menu(&self) -> MenuNode {
        let path = self.menu_path();
        let v = self.bus.busctl(&[
            "call",
            &self.name,
            &path,
            MENU_INTERFACE,
            "GetLayout",
            "iias",
            "0",
            "-1",
            "0",
        ]);
        // u(ia{sv}av): revision, root.
        MenuNode::parse(&serde_json::json!({"data": v["data"][1]}))
    }

    /// `Event(id, "clicked", "", 0)`, as a panel sends for a click.
    pub fn click(&self, id: i32) {
        let path = self.menu_path();
        self.bus.busctl(&[
            "call",
            &self.name,
            &path,
            MENU_INTERFACE,
            "Event",
            "isvu",
            &id.to_string(),
            "clicked",
            "s",
            "",
            "0",
        ]);
    }

    /// Clicks the menu item whose label starts with `path`'s last element,
    /// found below the items named by the ones before it.
    pub fn click_path(&self, path: &[&str]) {
        let menu = self.menu();
        let mut at = &menu;
        for label in path {
            at = at.find(label).unwrap_or_else(|| {
                panic!("no {label:?} in the menu:\n{}", menu.labels().join("\n"))
            });
        }
        self.click(at.id);
    }

    /// Waits until `IconName` is `icon`.
    pub fn wait_for_icon(&self, icon: &str, context: impl Fn() -> String) {
        let result = wait_until(&format!("the icon to be {icon}"), TIMEOUT, || {
            Ok((self.property("IconName").as_deref() == Some(icon)).then_some(()))
        });
        if let Err(e) = result {
            panic!(
                "{e}; it is {:?}, tooltip {:?}\n{}",
                self.property("IconName"),
                self.tooltip(),
                context()
            );
        }
    }

    /// Waits until the menu satisfies `check`.
    pub fn wait_for_menu(&self, what: &str, check: impl Fn(&MenuNode) -> bool) -> MenuNode {
        wait_until(what, TIMEOUT, || {
            let menu = self.menu();
            Ok(check(&menu).then_some(menu))
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", self.menu().labels().join("\n")))
    }
}

/// Polls every 100 ms (busctl is a process each time) until `probe` holds.
pub fn settle(what: &str, timeout: Duration, mut probe: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !probe() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
