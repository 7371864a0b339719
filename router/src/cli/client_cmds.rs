//! The client subcommands: one varlink call (or a few) each, printed for
//! people or, with `--json`, for scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use headroom_client::{Client, Error, Parameter, Status};

use super::{connect, exit_code, param_args, table, Command, ProfileCommand, RouteCommand};

/// Runs a client subcommand against the router at `socket` (default path
/// when `None`).
pub fn run(socket: Option<PathBuf>, command: Command) -> ExitCode {
    if let Err(e) = check_args(&command) {
        eprintln!("headroom: {}", e.message);
        return ExitCode::from(e.code);
    }
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

/// What can be checked without the router: parameter ids and values.
fn check_args(command: &Command) -> Result<(), param_args::ArgError> {
    match command {
        Command::Get { ids, .. } => ids.iter().try_for_each(|id| param_args::spec(id).map(drop)),
        Command::Set { id, value, .. } => param_args::value(param_args::spec(id)?, value).map(drop),
        _ => Ok(()),
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
        Command::Profile(profile) => profile_command(&mut router, profile).await?,
        Command::Get { ids, json: as_json } => {
            let shown = chosen_parameters(router.get_parameters().await?, &ids)?;
            if as_json {
                println!("{}", json(&shown));
            } else {
                print!("{}", parameters_text(&shown));
            }
        }
        Command::Set { id, value, save } => {
            // Checked by `check_args` before connecting.
            let number = param_args::spec(&id)
                .and_then(|spec| param_args::value(spec, &value))
                .map_err(|e| Error::Protocol(e.message))?;
            if save {
                let file = router.save_parameter(&id, number).await?;
                println!("{id} = {value}, saved in {}", file.display());
            } else {
                router.set_parameter(&id, number).await?;
                println!("{id} = {value}");
            }
        }
        Command::Route(route) => route_command(&mut router, route).await?,
        Command::Bypass { state: None } => {
            let on = router.get_status().await?.bypass;
            println!(
                "bypass is {}",
                if on {
                    "on: every app plays straight to the real output (`headroom bypass off` ends it)"
                } else {
                    "off: apps are routed by the profile"
                }
            );
        }
        Command::Bypass { state: Some(state) } => {
            let on = match state.as_str() {
                "toggle" => !router.get_status().await?.bypass,
                state => state == "on",
            };
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
        Command::Daemon(_)
        | Command::Completions { .. }
        | Command::Monitor { .. }
        | Command::Tray => {
            unreachable!("handled in cli::main")
        }
    }
    Ok(())
}

/// `headroom profile list|use|reload`.
async fn profile_command(router: &mut Client, command: ProfileCommand) -> Result<(), Error> {
    match command {
        ProfileCommand::List { json: as_json } => {
            let profiles = router.list_profiles().await?;
            if as_json {
                println!("{}", json(&profiles));
                return Ok(());
            }
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
        ProfileCommand::Use { name, for_device } => {
            let shown = router.use_profile_for(&name, for_device).await?;
            if for_device {
                println!("profile {shown} is active, and saved for this output device");
            } else {
                println!("profile {shown} is active");
            }
        }
        ProfileCommand::Reload => {
            let shown = router.reload_profiles().await?;
            println!("profile {shown} reloaded");
        }
    }
    Ok(())
}

/// The parameters `ids` names, in that order (all of them when none is
/// named); an unknown id is the router's own `UnknownParameter`.
fn chosen_parameters(all: Vec<Parameter>, ids: &[String]) -> Result<Vec<Parameter>, Error> {
    if ids.is_empty() {
        return Ok(all);
    }
    ids.iter()
        .map(|id| {
            all.iter().find(|p| &p.id == id).cloned().ok_or_else(|| {
                Error::Router(headroom_client::RouterError::UnknownParameter { id: id.clone() })
            })
        })
        .collect()
}

/// `headroom route set|unset|list|layer-a`.
async fn route_command(router: &mut Client, command: RouteCommand) -> Result<(), Error> {
    match command {
        RouteCommand::Set { app, route } => {
            router
                .set_route_to(&app, route.route, route.bus.as_deref())
                .await?;
            println!("{app} → {route} (before any profile's rules; saved)");
        }
        RouteCommand::Unset { app } => {
            if router.unset_route(&app).await? {
                println!("{app}: your route is gone; the profile decides again");
            } else {
                println!("{app} had no route of yours; nothing changed");
            }
        }
        RouteCommand::List { json: as_json } => {
            let routes = router.list_routes().await?;
            if as_json {
                println!("{}", json(&routes));
            } else if routes.routes.is_empty() && routes.layer_a.is_empty() {
                println!("no routes of your own (file: {})", routes.file);
            } else {
                if !routes.routes.is_empty() {
                    let rows: Vec<Vec<String>> = routes
                        .routes
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let route = r.bus.clone().unwrap_or_else(|| r.route.to_string());
                            vec![format!("#{}", i + 1), r.app.clone(), route]
                        })
                        .collect();
                    print!("{}", table::render(&["", "APP", "ROUTE"], &rows));
                }
                if !routes.layer_a.is_empty() {
                    let rows: Vec<Vec<String>> = routes
                        .layer_a
                        .iter()
                        .map(|c| vec![c.app.clone(), on_off(c.enabled).to_string()])
                        .collect();
                    print!("{}", table::render(&["APP", "LAYER A"], &rows));
                }
                println!("(saved in {})", routes.file);
            }
        }
        RouteCommand::LayerA { app, setting } => {
            let enabled = match setting.as_str() {
                "on" => Some(true),
                "off" => Some(false),
                _ => None,
            };
            let changed = router.set_layer_a(&app, enabled).await?;
            let now = match enabled {
                Some(on) => format!("Layer A {} for {app} (saved)", on_off(on)),
                None => format!("{app}: Layer A as the profile says"),
            };
            println!("{now}{}", if changed { "" } else { "; it already was" });
        }
    }
    Ok(())
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// `GetStatus` for people: a header, then a row per stream.
pub fn status_text(status: &Status) -> String {
    let mut out = status_header(status);
    out.push_str(&streams_table(&status.streams));
    out
}

/// The lines above the streams table: profile, switches, the two sinks.
fn status_header(status: &Status) -> String {
    let at = |s: &headroom_client::Sink| match (&s.name, s.node) {
        (Some(name), Some(node)) => format!("{name} (node {node})"),
        (Some(name), None) => format!("{name} (not in the graph)"),
        (None, _) => "none".to_string(),
    };
    let processed = match &status.processed_sink.problem {
        Some(problem) => format!("{}: NOT PROTECTED: {problem}", at(&status.processed_sink)),
        None => at(&status.processed_sink),
    };
    let mut out = format!(
        "profile:   {}{}\nbypass:    {}\nPipeWire:  {}\nprocessed: {processed}\noutput:    {}\n",
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
        at(&status.real_sink),
    );
    for bus in &status.buses {
        let state = match (&bus.problem, bus.node) {
            (Some(problem), _) => problem.clone(),
            (None, Some(node)) => format!("{} (node {node})", bus.sink),
            (None, None) => "idle (no sink until a stream is routed to it)".to_string(),
        };
        let streams = match bus.streams {
            1 => "1 stream".to_string(),
            n => format!("{n} streams"),
        };
        let meters = bus
            .meters
            .as_ref()
            .map(|m| {
                format!(
                    ", out {:.1} dBTP (ceiling {:.1}), limiting {:.1} dB",
                    m.output_true_peak, m.ceiling, m.limiter_gr
                )
            })
            .unwrap_or_default();
        out.push_str(&format!("bus {}: {state}, {streams}{meters}\n", bus.name));
    }
    if let Some(chosen) = &status.device_profile {
        out.push_str(&format!(
            "chosen by: {} (for {})\n",
            chosen.rule, chosen.device
        ));
    }
    let located = |problem: &headroom_client::ProfileProblem| {
        let mut at = problem.file.clone();
        if let Some(line) = problem.line {
            at.push_str(&format!(":{line}"));
            if let Some(column) = problem.column {
                at.push_str(&format!(":{column}"));
            }
        }
        format!("{at}: {}", problem.message)
    };
    if let Some(problem) = &status.profile_error {
        out.push_str(&format!(
            "error:     {} (the last good version stays active)\n",
            located(problem)
        ));
    }
    if let Some(problem) = &status.devices_error {
        out.push_str(&format!(
            "devices:   {} (its last good rules stay in force)\n",
            located(problem)
        ));
    }
    out
}

/// A row per stream, then what is wrong with any of them.
fn streams_table(streams: &[headroom_client::Stream]) -> String {
    let mut out = String::from("\n");
    if streams.is_empty() {
        out.push_str("no app is playing\n");
        return out;
    }
    let rows: Vec<Vec<String>> = streams
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
                {
                    // A named bus shows as its name: `voice`.
                    let route = match (&s.bus, s.route) {
                        (Some(bus), headroom_client::Route::Processed) => bus.clone(),
                        _ => s.route.to_string(),
                    };
                    if s.problem.is_some() {
                        format!("{route}!")
                    } else {
                        route
                    }
                },
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
    for s in streams.iter().filter(|s| s.problem.is_some()) {
        out.push_str(&format!(
            "! node {} ({}): {}\n",
            s.id,
            s.app.as_deref().unwrap_or("?"),
            s.problem.as_deref().unwrap_or_default()
        ));
    }
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
    use crate::cli::{EXIT_NOT_RUNNING, EXIT_REFUSED};

    #[test]
    fn values_take_numbers_and_switch_words() {
        let ceiling = param_args::spec("ceiling").unwrap();
        let agc = param_args::spec("agc_enabled").unwrap();
        assert_eq!(param_args::value(ceiling, "-2.5"), Ok(-2.5));
        assert_eq!(param_args::value(agc, "on"), Ok(1.0));
        assert_eq!(param_args::value(agc, "OFF"), Ok(0.0));
        assert!(param_args::value(ceiling, "loud").is_err());
        assert!(param_args::value(ceiling, "NaN").is_err());
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
