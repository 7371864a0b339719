//! The `headroom` command line: `headroom daemon` runs the router; every
//! other subcommand is a varlink client of a running router (through
//! `headroom-client`, never PipeWire).
//!
//! Exit codes scripts can rely on: 0 done; 1 the router refused the
//! request (unknown profile, value out of range, …); 2 bad usage; 3 the
//! router is not running; 4 talking to it failed (protocol or I/O).

mod client_cmds;
mod daemon_cmd;
mod monitor;
mod param_args;
mod route_choices;
mod table;
mod tray;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub use daemon_cmd::DaemonArgs;

/// Exit code: the router answered with an error.
pub const EXIT_REFUSED: u8 = 1;
/// Exit code: bad command line (clap's own code for usage errors).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: no router is listening on the socket.
pub const EXIT_NOT_RUNNING: u8 = 3;
/// Exit code: the connection or the reply was broken.
pub const EXIT_FAILED: u8 = 4;

const AFTER_HELP: &str = "\
Examples:
  headroom daemon                     # run the router (usually: systemctl --user start headroom)
  headroom status                     # profile, sinks and where every app plays
  headroom status --json              # the same for scripts
  headroom profile list
  headroom profile use night
  headroom get                        # every DSP parameter with its range
  headroom set ceiling -2             # applied at once, without a click
  headroom set ceiling -2 --save      # … and written into the active profile
  headroom route set firefox bypass   # this app straight to the speakers, from now on
  headroom route list
  headroom monitor                    # live meters and apps (q quits)
  headroom monitor --json meters      # line-delimited JSON for status bars
  headroom bypass on                  # kill switch: everything straight to the speakers
  headroom bypass toggle              # … for a hotkey
  headroom tray                       # the icon in the desktop's panel, with a menu
  headroom completions bash > ~/.local/share/bash-completion/completions/headroom

Exit codes: 0 done, 1 the router refused (e.g. unknown profile, value out of
range), 2 bad usage, 3 the router is not running, 4 talking to it failed.

The router listens on $XDG_RUNTIME_DIR/headroom/io.headroom.Router (varlink);
`--socket` talks to another one.";

/// headroom: an audio safety net for PipeWire. Routes each app through a
/// levelling, compressing, true-peak-limiting sink, or straight to your
/// speakers, as the active profile says.
#[derive(Parser, Debug)]
#[command(name = "headroom", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The router's varlink socket: where `daemon` listens and the other
    /// commands connect (default: $XDG_RUNTIME_DIR/headroom/io.headroom.Router).
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the router daemon in the foreground.
    #[command(after_help = daemon_cmd::DAEMON_HELP)]
    Daemon(DaemonArgs),
    /// Show the active profile, the sinks and every app stream with its route.
    #[command(after_help = "Example:\n  headroom status --json | jq '.streams[] | {app, route}'")]
    Status {
        /// Print GetStatus's reply as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List, switch or reload profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Show DSP parameters (all, or the ones named) with ranges and values.
    #[command(
        after_help = "Examples:\n  headroom get\n  headroom get ceiling agc_target\n  headroom get --json"
    )]
    Get {
        /// Parameter ids (as in a profile's [dsp] table); none: all.
        ids: Vec<String>,
        /// Print the parameters as JSON (GetParameters's reply) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Set one DSP parameter on the running processed sink.
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:\n  headroom set ceiling -2\n  headroom set agc_enabled off\n  headroom set comp_ratio 4 --save\n\nThe value stays until the next profile switch or reload (with --save: for good)."
    )]
    Set {
        /// Parameter id (see `headroom get`).
        id: String,
        /// Number in the parameter's unit; switches also take on/off, true/false.
        value: String,
        /// Also write the value into the active profile's file (a shipped
        /// profile is first copied to ~/.config/headroom/profiles/).
        #[arg(long)]
        save: bool,
    },
    /// Per-app routes of your own, tried before any profile's rules.
    #[command(subcommand)]
    Route(RouteCommand),
    /// Watch headroom live: bus meters, apps and events (q quits), or JSON lines.
    #[command(after_help = "\
Examples:
  headroom monitor                     # full-screen view
  headroom monitor --json              # every topic as line-delimited JSON
  headroom monitor --json meters       # only the processed sink's meters (at most 25 lines/s)
  headroom monitor --json buses        # each running bus's meters and the master limiter's
  headroom monitor --json events | jq -c 'select(.event.kind == \"stream_added\")'

With --json the monitor ends (exit code 3) when the router stops; run it in a
loop to follow restarts. The full-screen view waits for the router instead.")]
    Monitor {
        /// Print JSON lines instead of the full-screen view.
        #[arg(long)]
        json: bool,
        /// With --json: the topics to print (default: all).
        #[arg(value_enum, requires = "json")]
        topics: Vec<Topic>,
    },
    /// The kill switch: `on` sends every app straight to the real output.
    #[command(after_help = "\
Examples:
  headroom bypass              # is it on?
  headroom bypass on           # every app straight to the real output
  headroom bypass off          # routed by the profile again
  headroom bypass toggle       # for a hotkey")]
    Bypass {
        /// on, off or toggle; none: say whether it is on.
        #[arg(value_parser = ["on", "off", "toggle"])]
        state: Option<String>,
    },
    /// The icon in the desktop's panel: protection at a glance, and a menu.
    #[command(after_help = tray::TRAY_HELP)]
    Tray,
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  headroom completions zsh > ~/.zfunc/_headroom")]
    Completions {
        /// The shell to print the script for.
        shell: clap_complete::Shell,
    },
}

/// A `Monitor` topic.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Streams added, moved and gone; profile, bypass, parameter and sink changes.
    Events,
    /// The processed sink's meters.
    Meters,
    /// Every stream's level and Layer A gain.
    Streams,
    /// Each running named bus's meters and the master limiter's.
    Buses,
}

impl Topic {
    pub fn name(self) -> &'static str {
        match self {
            Topic::Events => "events",
            Topic::Meters => "meters",
            Topic::Streams => "streams",
            Topic::Buses => "buses",
        }
    }
}

/// A route to set: `processed`, `bypass` or the name of one of the active
/// profile's buses (which the router checks: `UnknownBus` lists them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteArg {
    pub route: headroom_client::Route,
    /// With `processed`: the bus.
    pub bus: Option<String>,
}

impl std::fmt::Display for RouteArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.bus {
            Some(bus) => write!(f, "bus {bus}"),
            None => write!(f, "{}", self.route),
        }
    }
}

fn parse_route(text: &str) -> Result<RouteArg, String> {
    if let Some(route) = headroom_client::Route::from_name(text) {
        return Ok(RouteArg { route, bus: None });
    }
    headroom_profile::BusName::new(text)
        .map(|bus| RouteArg {
            route: headroom_client::Route::Processed,
            bus: Some(bus.to_string()),
        })
        .map_err(|e| format!("not processed, bypass or a bus name: {e}"))
}

#[derive(Subcommand, Debug)]
pub enum RouteCommand {
    /// Route an app (matched by application.name or process binary, any case).
    #[command(
        after_help = "Examples:\n  headroom route set firefox processed\n  headroom route set \"Music Player\" bypass\n  headroom route set discord voice      # a bus of the active profile ([buses.voice])"
    )]
    Set {
        /// The app: its application.name or process binary (any case).
        app: String,
        /// processed (through the limiter), bypass (straight to the device),
        /// or the name of one of the active profile's buses (`headroom
        /// status` lists them; an unknown one is refused with the list).
        #[arg(value_parser = parse_route)]
        route: RouteArg,
    },
    /// Remove an app's route of your own: the profile decides again.
    #[command(after_help = "Example:\n  headroom route unset firefox")]
    Unset {
        /// The app, as given to `route set`.
        app: String,
    },
    /// Your routes, in the order they are tried, and your Layer A choices.
    #[command(after_help = "Examples:\n  headroom route list\n  headroom route list --json")]
    List {
        /// Print ListRoutes's reply as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Layer A (the per-app level rider) on or off for an app, whatever the
    /// profile says; `profile` forgets your choice. The app's route is not
    /// changed.
    #[command(
        name = "layer-a",
        after_help = "Examples:\n  headroom route layer-a firefox on\n  headroom route layer-a Discord off\n  headroom route layer-a firefox profile"
    )]
    LayerA {
        /// The app: its application.name or process binary (any case).
        app: String,
        /// on (ride its level), off (leave it alone) or profile (as the profile says).
        #[arg(value_parser = ["on", "off", "profile"])]
        setting: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// The profiles there are, the active one marked.
    #[command(after_help = "Examples:\n  headroom profile list\n  headroom profile list --json")]
    List {
        /// Print ListProfiles's reply as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Switch to a profile (a name from `profile list`, or a path to a TOML file).
    ///
    /// A profile picked by hand holds until the output device changes; then
    /// ~/.config/headroom/devices.toml (if there is one) picks the profile for
    /// the new device. --for-device saves the choice there for the device in
    /// use now, so it comes back whenever that device does.
    #[command(
        after_help = "Examples:\n  headroom profile use night\n  headroom profile use ~/my-profiles/film.toml\n  headroom profile use night --for-device   # always night on these headphones\n\nThe device rules: profiles/examples/devices.toml shows the format; `headroom status` says which rule chose the active profile."
    )]
    Use {
        /// A profile name from `profile list`, or a path to a TOML file.
        name: String,
        /// Also save it in devices.toml for the output device in use now.
        #[arg(long)]
        for_device: bool,
    },
    /// Read the active profile's file again now.
    #[command(
        after_help = "Example:\n  headroom profile reload    # after editing it (edits are also picked up by themselves)"
    )]
    Reload,
}

/// The single-threaded tokio runtime every `headroom` command runs on,
/// the daemon included.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// [`runtime`] for a client command; on failure the reason is printed
/// and the exit code returned.
fn client_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    runtime().map_err(|e| {
        eprintln!("headroom: cannot start: {e}");
        ExitCode::from(EXIT_FAILED)
    })
}

/// The exit code for a failed call (see the module docs).
pub(crate) fn exit_code(e: &headroom_client::Error) -> u8 {
    use headroom_client::Error;
    match e {
        e if e.is_not_running() => EXIT_NOT_RUNNING,
        Error::Router(_) | Error::Service(_) | Error::Other { .. } => EXIT_REFUSED,
        Error::Io { .. } | Error::Protocol(_) => EXIT_FAILED,
    }
}

/// A connection to the router at `socket` (the default path when `None`).
pub(crate) async fn connect(
    socket: Option<PathBuf>,
) -> Result<headroom_client::Client, headroom_client::Error> {
    match socket {
        Some(path) => headroom_client::Client::connect(path).await,
        None => headroom_client::Client::connect_default().await,
    }
}

/// `headroom monitor --json [TOPIC…]` (every topic when none is named).
fn monitor_json(socket: Option<PathBuf>, topics: &[Topic]) -> ExitCode {
    let runtime = match client_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let names: Vec<&str> = if topics.is_empty() {
        headroom_client::MONITOR_TOPICS.to_vec()
    } else {
        topics.iter().map(|t| t.name()).collect()
    };
    match runtime.block_on(monitor::json::run(socket, &names)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The full command definition: what `--help`, the shell completions and
/// the man pages are all generated from.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Daemon(args) => daemon_cmd::run(args, cli.socket),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut command(), "headroom", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Monitor { json: false, .. } => monitor::run_screen(cli.socket),
        Command::Monitor { json: true, topics } => monitor_json(cli.socket, &topics),
        Command::Tray => tray::run(cli.socket),
        command => client_cmds::run(cli.socket, command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command (and subcommand) teaches by example, and every
    /// argument says what it is.
    #[test]
    fn every_command_has_examples_and_every_argument_a_description() {
        fn walk(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            let leaf = cmd.get_subcommands().next().is_none();
            let after = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if leaf && !after.contains("Example") {
                problems.push(format!("`{path}` has no example"));
            }
            for arg in cmd.get_arguments() {
                let described = arg
                    .get_help()
                    .is_some_and(|h| !h.to_string().trim().is_empty());
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !described && !builtin {
                    problems.push(format!("`{path}`: `{}` has no description", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &path, problems);
            }
        }
        let mut problems = Vec::new();
        let mut cli = Cli::command();
        cli.build();
        walk(&cli, "", &mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn negative_values_need_no_double_dash_and_bypass_takes_toggle_or_nothing() {
        let cli = Cli::try_parse_from(["headroom", "set", "ceiling", "-2", "--save"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Set { ref value, save: true, .. } if value == "-2"
        ));
        for (args, want) in [
            (&["headroom", "bypass"][..], None),
            (&["headroom", "bypass", "toggle"][..], Some("toggle")),
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(
                matches!(cli.command, Command::Bypass { ref state } if state.as_deref() == want),
                "{args:?}"
            );
        }
    }
}
