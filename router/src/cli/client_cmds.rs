//! The client subcommands: one varlink call (or a few) each, printed for
//! people or, with `--json`, for scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use headroom_client::{Client, Error, Parameter, Route, Status};

use super::{
    table, Command, ProfileCommand, RouteCommand, EXIT_FAILED, EXIT_NOT_RUNNING, EXIT_REFUSED,
};

/// Runs a client subcommand against the router at `socket` (default path
/// when `None`).
pub fn run(socket: Option<PathBuf>, command: Command) -> ExitCode {
    let runtime = match super::client_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runtime.block_on(execute(socket, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The exit code for a failed call (see the module docs of `cli`).
pub fn exit_code(e: &Error) -> u8 {
    match e {
        e if e.is_not_running() => EXIT_NOT_RUNNING,
        Error::Router(_) | Error::Service(_) | Error::Other { .. } => EXIT_REFUSED,
        Error::Io { .. } | Error::Protocol(_) => EXIT_FAILED,
    }
}

pub async fn connect(socket: Option<PathBuf>) -> Result<Client, Error> {
    match socket {
        Some(path) => Client::connect(path).await,
        None => Client::connect_default().await,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

async fn execute(socket: Option<PathBuf>, command: Command) -> Result<(), Error> {
    let mut router = connect(socket.clone()).await?;
    match command {
        Command::Status { json: true } => println!("{}", json(&router.get_status().await?)),
        Command::Status { json: false } => print!("{}", status_text(&router.get_status().await?)),
        Command::Profile(ProfileCommand::List { json: as_json }) => {
            let profiles = router.list_profiles().await?;
            if as_json {
                println!("{}", json(&profiles));
            } else {
                let rows: Vec<Vec<String>> = profiles
                    .profiles
                    .iter()
                    .map(|p| {
                        let active = p.name == profiles.active || p.path == profiles.active;
                        vec![
                            if active { "*" } else { "" }.to_string(),
                            p.name.clone(),
                            p.path.clone(),
                        ]
                    })
                    .collect();
                print!("{}", table::render(&["", "PROFILE", "FILE"], &rows));
            }
        }
        Command::Profile(ProfileCommand::Use { name }) => {
            let shown = router.use_profile(&name).await?;
            println!("profile {shown} is active");
        }
        Command::Profile(ProfileCommand::Reload) => {
            let shown = router.reload_profiles().await?;
            println!("profile {shown} reloaded");
        }
        Command::Get { ids, json: as_json } => {
            let all = router.get_parameters().await?;
            let mut chosen = Vec::new();
            for id in &ids {
                match all.iter().find(|p| &p.id == id) {
                    Some(p) => chosen.push(p.clone()),
                    None => {
                        return Err(Error::Router(
                            headroom_client::RouterError::UnknownParameter { id: id.clone() },
                        ))
                    }
                }
            }
            let shown = if ids.is_empty() { all } else { chosen };
            if as_json {
                println!("{}", json(&shown));
            } else {
                print!("{}", parameters_text(&shown));
            }
        }
        Command::Set { id, value, save } => {
            let number = parse_value(&value).ok_or_else(|| {
                Error::Protocol(format!(
                    "`{value}` is not a number (switches take on/off, true/false, 1/0)"
                ))
            })?;
            if save {
                let file = router.save_parameter(&id, number).await?;
                println!("{id} = {value}, saved in {}", file.display());
            } else {
                router.set_parameter(&id, number).await?;
                println!("{id} = {value}");
            }
        }
        Command::Route(RouteCommand::Set { app, route }) => {
            let wire = if route == "bypass" {
                Route::Bypass
            } else {
                Route::Processed
            };
            router.set_route(&app, wire).await?;
            println!("{app} → {route} (before any profile's rules; saved)");
        }
        Command::Route(RouteCommand::Unset { app }) => {
            if router.unset_route(&app).await? {
                println!("{app}: your route is gone; the profile decides again");
            } else {
                println!("{app} had no route of yours; nothing changed");
            }
        }
        Command::Route(RouteCommand::List { json: as_json }) => {
            let routes = router.list_routes().await?;
            if as_json {
                println!("{}", json(&routes));
            } else if routes.routes.is_empty() {
                println!("no routes of your own (file: {})", routes.file);
            } else {
                let rows: Vec<Vec<String>> = routes
                    .routes
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            format!("#{}", i + 1),
                            r.app.clone(),
                            route_text(r.route).to_string(),
                        ]
                    })
                    .collect();
                print!("{}", table::render(&["", "APP", "ROUTE"], &rows));
                println!("(saved in {})", routes.file);
            }
        }
        Command::Monitor { json: true, topics } => {
            drop(router);
            let names: Vec<&str> = if topics.is_empty() {
                headroom_client::MONITOR_TOPICS.to_vec()
            } else {
                topics.iter().map(|t| t.name()).collect()
            };
            super::monitor::json::run(socket, &names).await?;
        }
        Command::Bypass { state } => {
            let on = state == "on";
            router.set_bypass(on).await?;
            println!(
                "{}",
                if on {
                    "bypass on: every app plays straight to the real output"
                } else {
                    "bypass off: apps are routed by the profile again"
                }
            );
        }
        Command::Daemon(_) | Command::Completions { .. } | Command::Monitor { json: false, .. } => {
            unreachable!("handled in cli::main")
        }
    }
    Ok(())
}

/// A value from the command line: a number, or on/off for switches.
fn parse_value(text: &str) -> Option<f64> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(1.0),
        "off" | "false" | "no" => Some(0.0),
        number => number.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

fn route_text(route: Route) -> &'static str {
    match route {
        Route::Processed => "processed",
        Route::Bypass => "bypass",
    }
}

/// `GetStatus` for people: a header, then a row per stream.
pub fn status_text(status: &Status) -> String {
    let sink = |s: &headroom_client::Sink| match (&s.name, s.node) {
        (Some(name), Some(node)) => format!("{name} (node {node})"),
        (Some(name), None) => format!("{name} (not in the graph)"),
        (None, _) => "none".to_string(),
    };
    let mut out = format!(
        "profile:   {}{}\nbypass:    {}\nPipeWire:  {}\nprocessed: {}\noutput:    {}\n",
        status.profile,
        status
            .profile_path
            .as_ref()
            .map_or(String::new(), |p| format!(" ({p})")),
        if status.bypass {
            "ON (every app to the real output)"
        } else {
            "off"
        },
        if status.connected {
            "connected"
        } else {
            "not connected"
        },
        sink(&status.processed_sink),
        sink(&status.real_sink),
    );
    if let Some(problem) = &status.profile_error {
        let mut at = problem.file.clone();
        if let Some(line) = problem.line {
            at.push_str(&format!(":{line}"));
            if let Some(column) = problem.column {
                at.push_str(&format!(":{column}"));
            }
        }
        out.push_str(&format!(
            "error:     {at}: {} (the last good version stays active)\n",
            problem.message
        ));
    }
    out.push('\n');
    if status.streams.is_empty() {
        out.push_str("no app is playing\n");
        return out;
    }
    let rows: Vec<Vec<String>> = status
        .streams
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.app.clone().unwrap_or_else(|| "?".into()),
                s.binary.clone().unwrap_or_default(),
                if s.channels == 0 {
                    "?".into()
                } else {
                    s.channels.to_string()
                },
                route_text(s.route).to_string(),
                match &s.layer_a {
                    Some(l) if l.enabled => format!("{:+.1} dB", l.gain),
                    _ => "off".into(),
                },
                s.reason.clone(),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &["NODE", "APP", "BINARY", "CH", "ROUTE", "LAYER A", "WHY"],
        &rows,
    ));
    out
}

/// `GetParameters` for people.
pub fn parameters_text(parameters: &[Parameter]) -> String {
    let number = |v: f64, unit: &str| {
        if unit.is_empty() {
            if v >= 0.5 { "on" } else { "off" }.to_string()
        } else {
            format!("{v} {unit}")
        }
    };
    let rows: Vec<Vec<String>> = parameters
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                number(p.value, &p.unit) + if p.overridden { " *" } else { "" },
                if p.unit.is_empty() {
                    "on/off".into()
                } else {
                    format!("{} to {} {}", p.min, p.max, p.unit)
                },
                number(p.default, &p.unit),
                p.name.clone(),
            ]
        })
        .collect();
    let mut out = table::render(&["ID", "VALUE", "RANGE", "DEFAULT", "NAME"], &rows);
    if parameters.iter().any(|p| p.overridden) {
        out.push_str("* set with `headroom set`, on top of the active profile\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_numbers_and_switch_words() {
        assert_eq!(parse_value("-2.5"), Some(-2.5));
        assert_eq!(parse_value("on"), Some(1.0));
        assert_eq!(parse_value("OFF"), Some(0.0));
        assert_eq!(parse_value("loud"), None);
        assert_eq!(parse_value("NaN"), None);
    }

    #[test]
    fn not_running_has_its_own_exit_code() {
        let e = Error::Io {
            socket: "/nonexistent".into(),
            source: std::io::ErrorKind::NotFound.into(),
        };
        assert_eq!(exit_code(&e), EXIT_NOT_RUNNING);
        let refused = Error::Router(headroom_client::RouterError::NotConnected {});
        assert_eq!(exit_code(&refused), EXIT_REFUSED);
    }
}
