//! `headroom daemon`: parses the daemon's options, loads the profile, runs
//! [`crate::daemon::run`] on a single-threaded tokio runtime.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use headroom_profile::filter_chain::DEFAULT_NODE_NAME;
use headroom_profile::SearchPath;

use crate::daemon::{self, Options, SinkMode};
use crate::state_dir;

/// Options of `headroom daemon`.
#[derive(Args, Debug)]
pub struct DaemonArgs {
    /// Profile name or path to a TOML file; remembered for the next start.
    /// Without it: the profile used last, or `default`.
    #[arg(long)]
    pub profile: Option<String>,
    /// Directory containing headroom.lv2 (sets LV2_PATH for the filter-chain).
    #[arg(long, value_name = "DIR")]
    pub lv2_path: Option<PathBuf>,
    /// Do not start a filter-chain: route to an already running processed sink.
    #[arg(long)]
    pub attach: bool,
    /// node.name of the processed sink.
    #[arg(long, default_value = DEFAULT_NODE_NAME)]
    pub node_name: String,
}

pub const DAEMON_HELP: &str = "\
Examples:
  headroom daemon                         # default profile, own processed sink
  headroom daemon --profile night
  headroom daemon --lv2-path ~/.lv2       # where headroom.lv2 is installed
  headroom daemon --attach                # the processed sink runs elsewhere (PipeWire drop-in)
  RUST_LOG=headroom_router=debug headroom daemon   # every routing command it sends

The processed sink is a PipeWire filter-chain hosting the headroom LV2 plugin
(install it with `cargo xtask install`). Profiles are looked up by name in
~/.config/headroom/profiles/, then the shipped ones.

While it runs it is controlled over varlink (interface io.headroom.Router) at
$XDG_RUNTIME_DIR/headroom/io.headroom.Router: use `headroom status`, `headroom
profile use …`, or any varlink client, e.g.
  varlinkctl call $XDG_RUNTIME_DIR/headroom/io.headroom.Router io.headroom.Router.GetStatus '{}'
Under systemd socket activation (LISTEN_FDS) the passed socket is used instead,
and readiness is reported with sd_notify (Type=notify): see the units in
router/systemd/.

Logs go to stderr; RUST_LOG filters them (default: info).";

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Under systemd
/// (journal on stderr) no timestamps: the journal adds its own.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
    // Set twice only in tests that run several daemons in one process.
    let _ = result;
}

/// Runs the daemon until SIGINT/SIGTERM. Exit code 2: it cannot start
/// with these options (bad profile, no session); 1: it failed while running.
pub fn run(args: DaemonArgs, socket: Option<PathBuf>) -> ExitCode {
    init_logging();
    let profile_arg = args
        .profile
        .clone()
        .or_else(|| state_dir::read(state_dir::ACTIVE_PROFILE))
        .unwrap_or_else(|| "default".to_string());
    let profile = match SearchPath::from_env().load(&profile_arg) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    if args.profile.is_some() {
        if let Err(e) = state_dir::write(state_dir::ACTIVE_PROFILE, &profile_arg) {
            tracing::warn!("cannot remember the active profile: {e}");
        }
    }
    let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) else {
        tracing::error!("XDG_RUNTIME_DIR is not set; run it inside your desktop session");
        return ExitCode::from(2);
    };
    let sink = if args.attach {
        SinkMode::Attach
    } else {
        SinkMode::Spawn {
            lv2_path: args
                .lv2_path
                .map(|p| p.display().to_string())
                .or_else(|| std::env::var("LV2_PATH").ok()),
        }
    };
    let options = Options {
        profile,
        profile_arg,
        node_name: args.node_name,
        sink,
        runtime_dir: PathBuf::from(runtime).join("headroom"),
        socket,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(daemon::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
