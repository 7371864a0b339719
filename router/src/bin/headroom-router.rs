//! `headroom-router`: the daemon. Parses arguments, loads the profile, runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use headroom_profile::filter_chain::DEFAULT_NODE_NAME;
use headroom_profile::SearchPath;
use headroom_router::daemon::{self, Options, SinkMode};
use headroom_router::state_dir;

/// Routes every app's audio through headroom's processed sink or straight to
/// your speakers, as the active profile's rules say.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "\
Examples:
  headroom-router                         # default profile, own processed sink
  headroom-router --profile night
  headroom-router --lv2-path ~/.lv2       # where headroom.lv2 is installed
  headroom-router --attach                # the processed sink runs elsewhere (PipeWire drop-in)

The processed sink is a PipeWire filter-chain hosting the headroom LV2 plugin
(install it with `cargo xtask install`). Profiles are looked up as
`headroom-wav --profile` does: ~/.config/headroom/profiles/, then the shipped ones.

While it runs, the router is controlled over varlink (interface io.headroom.Router)
at $XDG_RUNTIME_DIR/headroom/io.headroom.Router, e.g.
  varlinkctl call $XDG_RUNTIME_DIR/headroom/io.headroom.Router io.headroom.Router.GetStatus '{}'
  varlinkctl call $XDG_RUNTIME_DIR/headroom/io.headroom.Router io.headroom.Router.SetBypass '{\"enabled\": true}'
Under systemd socket activation (LISTEN_FDS) the passed socket is used instead."
)]
struct Args {
    /// Profile name or path to a TOML file; remembered for the next start.
    /// Without it: the profile used last, or `default`.
    #[arg(long)]
    profile: Option<String>,
    /// Directory containing headroom.lv2 (sets LV2_PATH for the filter-chain).
    #[arg(long, value_name = "DIR")]
    lv2_path: Option<PathBuf>,
    /// Do not start a filter-chain: route to an already running processed sink.
    #[arg(long)]
    attach: bool,
    /// node.name of the processed sink.
    #[arg(long, default_value = DEFAULT_NODE_NAME)]
    node_name: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let profile_arg = args
        .profile
        .clone()
        .or_else(|| state_dir::read(state_dir::ACTIVE_PROFILE))
        .unwrap_or_else(|| "default".to_string());
    let profile = match SearchPath::from_env().load(&profile_arg) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("headroom-router: {e}");
            return ExitCode::from(2);
        }
    };
    if args.profile.is_some() {
        if let Err(e) = state_dir::write(state_dir::ACTIVE_PROFILE, &profile_arg) {
            eprintln!("headroom-router: cannot remember the active profile: {e}");
        }
    }
    let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) else {
        eprintln!(
            "headroom-router: XDG_RUNTIME_DIR is not set; run it inside your desktop session"
        );
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
        node_name: args.node_name.clone(),
        sink,
        runtime_dir: PathBuf::from(runtime).join("headroom"),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("headroom-router: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(daemon::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom-router: {e}");
            ExitCode::FAILURE
        }
    }
}
