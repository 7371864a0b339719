//! Running what the user asked for in the monitor ([`Action`]) against the
//! router, over the varlink API like any other client: a connection of its
//! own per action, bounded by [`ACTION_TIMEOUT`], so a router that is gone
//! or stuck costs the screen nothing. The answer is a line for the events
//! pane (and, for `p`, the profiles to pick from).

use std::path::PathBuf;
use std::time::Duration;

use headroom_client::Error;

use super::keys::Action;
use crate::cli::connect;

/// The longest an action may take before it is reported as failed.
pub const ACTION_TIMEOUT: Duration = Duration::from_secs(5);

/// What came of an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// For the events pane: what was done, or why not.
    pub text: String,
    /// `ListProfiles`' answer (names) and the active one, to pick from.
    pub profiles: Option<(Vec<String>, String)>,
}

/// What `action` is, in words, for the events pane.
pub fn describe(action: &Action) -> String {
    match action {
        Action::Route { app, route, bus } => match bus {
            Some(bus) => format!("{app} → bus {bus}"),
            None => format!("{app} → {route}"),
        },
        Action::LayerA { app, enabled } => {
            format!("Layer A {} for {app}", if *enabled { "on" } else { "off" })
        }
        Action::Bypass(on) => format!("bypass {}", if *on { "on" } else { "off" }),
        Action::ListProfiles => "list the profiles".into(),
        Action::UseProfile(name) => format!("use profile {name}"),
    }
}

/// Performs `action` on the router at `socket` (the default when `None`).
pub async fn perform(socket: Option<PathBuf>, action: Action) -> Done {
    let what = describe(&action);
    let call = async {
        let mut client = connect(socket).await?;
        let mut profiles = None;
        let text = match action {
            Action::Route { app, route, bus } => {
                client.set_route_to(&app, route, bus.as_deref()).await?;
                format!("{what}, saved as your route (headroom route unset {app:?} undoes)")
            }
            Action::LayerA { app, enabled } => {
                client.set_layer_a(&app, Some(enabled)).await?;
                format!("{what}, saved with your routes")
            }
            Action::Bypass(on) => {
                client.set_bypass(on).await?;
                if on {
                    "bypass on: every app plays unprocessed (b again turns it off)".into()
                } else {
                    "bypass off: the rules route every app again".into()
                }
            }
            Action::ListProfiles => {
                let list = client.list_profiles().await?;
                profiles = Some((
                    list.profiles.into_iter().map(|p| p.name).collect(),
                    list.active,
                ));
                "pick a profile".into()
            }
            Action::UseProfile(name) => {
                let now = client.use_profile(&name).await?;
                format!("profile {now} in use")
            }
        };
        Ok::<_, Error>(Done { text, profiles })
    };
    match tokio::time::timeout(ACTION_TIMEOUT, call).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => Done {
            text: format!("failed: {what}: {e}"),
            profiles: None,
        },
        Err(_) => Done {
            text: format!(
                "failed: {what}: the router did not answer within {} s",
                ACTION_TIMEOUT.as_secs()
            ),
            profiles: None,
        },
    }
}
