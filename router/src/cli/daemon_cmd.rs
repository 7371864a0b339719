//! `headroom daemon`: parses the daemon's options, loads the profile, runs
//! [`crate::daemon::run`] on a single-threaded tokio runtime.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use headroom_profile::filter_chain::DEFAULT_NODE_NAME;
use headroom_profile::{Profile, ProfileError, SearchPath};

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
/// (journal on stderr) no timestamps: the journal adds its own. Colour
/// only on a terminal: a journal or a file gets plain text.
pub(crate) fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
    // Set twice only in tests that run several daemons in one process.
    let _ = result;
}

/// The profile to start with: `arg`'s, or, when its file cannot be used,
/// the shipped `default` with the problem (so a broken saved profile never
/// leaves the login without protection; live reload switches to the file
/// once it is fixed). `Err`: `arg` was given explicitly and names no
/// profile at all (a typo on the command line).
fn starting_profile(
    arg: &str,
    explicit: bool,
) -> Result<(Profile, Option<ProfileError>), Box<ProfileError>> {
    let search = SearchPath::from_env();
    match search.load(arg) {
        Ok(profile) => Ok((profile, None)),
        Err(e @ ProfileError::NotFound { .. }) if explicit => Err(Box::new(e)),
        Err(e) => {
            let shipped = SearchPath {
                user_dir: None,
                shipped_dirs: search.shipped_dirs.clone(),
            };
            let fallback = match shipped.load("default") {
                Ok(profile) => profile,
                Err(_) => Profile::parse("name = \"Default\"\n", "built in").map_err(Box::new)?,
            };
            Ok((fallback, Some(e)))
        }
    }
}

/// Runs the daemon until SIGINT/SIGTERM. Exit code 2: it cannot start
/// with these options (no such profile, no session); 1: it failed while
/// running.
pub fn run(args: DaemonArgs, socket: Option<PathBuf>) -> ExitCode {
    init_logging();
    let profile_arg = args
        .profile
        .clone()
        .or_else(|| state_dir::read(state_dir::ACTIVE_PROFILE))
        .unwrap_or_else(|| "default".to_string());
    let (profile, profile_error) = match starting_profile(&profile_arg, args.profile.is_some()) {
        Ok(found) => found,
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
    let runtime_dir = match headroom_files::headroom_runtime_dir() {
        Ok(dir) => dir,
        Err(e) => {
            tracing::error!("{e}; run it inside your desktop session");
            return ExitCode::from(2);
        }
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
        profile_error,
        profile_arg,
        node_name: args.node_name,
        sink,
        runtime_dir,
        socket,
    };
    let runtime = match crate::cli::runtime() {
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
