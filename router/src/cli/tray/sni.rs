//! The StatusNotifierItem (and its com.canonical.dbusmenu menu) through
//! `ksni`. Every method here only reads [`TrayState`] or queues an
//! [`Action`]: nothing on the D-Bus side ever waits for the router.

use ksni::menu::{CheckmarkItem, RadioGroup, RadioItem, StandardItem, SubMenu};
use ksni::{MenuItem, OfflineReason, ToolTip};
use tokio::sync::mpsc::UnboundedSender;

use super::menu::{self, Action, Entry};
use super::state::{Attention, TrayState};

/// The item's `Id`, stable across sessions.
pub const ITEM_ID: &str = "headroom";

/// What ksni serves: the state to show and where clicks go.
pub struct HeadroomTray {
    pub state: TrayState,
    actions: UnboundedSender<Action>,
}

impl HeadroomTray {
    pub fn new(actions: UnboundedSender<Action>) -> HeadroomTray {
        HeadroomTray {
            state: TrayState::default(),
            actions,
        }
    }

    fn queue(&self, action: Action) {
        // Gone only while the tray shuts down.
        let _ = self.actions.send(action);
    }
}

impl ksni::Tray for HeadroomTray {
    fn id(&self) -> String {
        ITEM_ID.into()
    }

    fn title(&self) -> String {
        "headroom".into()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::Hardware
    }

    fn status(&self) -> ksni::Status {
        match self.state.attention() {
            Attention::Active => ksni::Status::Active,
            Attention::NeedsAttention => ksni::Status::NeedsAttention,
        }
    }

    fn icon_name(&self) -> String {
        self.state.icon_name().into()
    }

    fn attention_icon_name(&self) -> String {
        self.state.icon_name().into()
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip {
            icon_name: self.state.icon_name().into(),
            icon_pixmap: Vec::new(),
            title: self.state.headline(),
            description: self.state.details(),
        }
    }

    /// A left click opens the monitor.
    fn activate(&mut self, _x: i32, _y: i32) {
        self.queue(Action::OpenMonitor);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        menu::build(&self.state)
            .into_iter()
            .map(dbus_item)
            .collect()
    }

    fn watcher_online(&self) {
        tracing::info!("a StatusNotifierWatcher appeared: the headroom icon is registered with it");
    }

    fn watcher_offline(&self, reason: OfflineReason) -> bool {
        match reason {
            OfflineReason::No => tracing::warn!(
                "the StatusNotifierWatcher went away (the panel restarted or its tray was \
                 turned off); the icon comes back when it does"
            ),
            OfflineReason::Error(e) => tracing::warn!(
                "no panel shows tray icons yet ({e}): this desktop has no \
                 StatusNotifierWatcher (on GNOME, enable the AppIndicator extension); \
                 the headroom icon registers as soon as one appears"
            ),
            _ => tracing::warn!("the StatusNotifierWatcher is offline"),
        }
        // Keep serving: a watcher may appear later.
        true
    }
}

/// One menu entry as a dbusmenu item.
fn dbus_item(entry: Entry) -> MenuItem<HeadroomTray> {
    match entry {
        Entry::Label(label) => StandardItem {
            label,
            enabled: false,
            ..Default::default()
        }
        .into(),
        Entry::Check {
            label,
            checked,
            enabled,
            action,
        } => CheckmarkItem {
            label,
            checked,
            enabled,
            activate: Box::new(move |tray: &mut HeadroomTray| tray.queue(action.clone())),
            ..Default::default()
        }
        .into(),
        Entry::Radio { options, selected } => {
            let actions: Vec<Action> = options.iter().map(|o| o.action.clone()).collect();
            RadioGroup {
                selected: selected.unwrap_or(usize::MAX),
                select: Box::new(move |tray: &mut HeadroomTray, chosen| {
                    if let Some(action) = actions.get(chosen) {
                        tray.queue(action.clone());
                    }
                }),
                options: options
                    .into_iter()
                    .map(|o| RadioItem {
                        label: o.label,
                        enabled: o.enabled,
                        ..Default::default()
                    })
                    .collect(),
            }
            .into()
        }
        Entry::Sub {
            label,
            enabled,
            entries,
        } => SubMenu {
            label,
            enabled,
            submenu: entries.into_iter().map(dbus_item).collect(),
            ..Default::default()
        }
        .into(),
        Entry::Item { label, action } => StandardItem {
            label,
            activate: Box::new(move |tray: &mut HeadroomTray| tray.queue(action.clone())),
            ..Default::default()
        }
        .into(),
        Entry::Separator => MenuItem::Separator,
    }
}
