//! `cargo xtask install`: the bundles where hosts look, a filter-chain
//! config for the processed sink rendered from a profile, the `headroom`
//! binary and its systemd user units.

use std::fs;
use std::path::{Path, PathBuf};

use headroom_profile::filter_chain::{self, FilterChainOptions};
use headroom_profile::SearchPath;

use crate::bundle::{self, Build};
use crate::cmd::Result;

pub struct Options {
    /// Install under `<prefix>/lib/{clap,vst3,lv2}` instead of `~/.clap`,
    /// `~/.vst3`, `~/.lv2`.
    pub prefix: Option<PathBuf>,
    /// Profile whose `[dsp]` values the filter-chain config starts from.
    pub profile: String,
    /// Also write `~/.config/pipewire/pipewire.conf.d/headroom.conf`.
    pub pipewire_dropin: bool,
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set: use --prefix DIR".to_string())
}

/// The same config directory the router reads (`headroom_files`' rule:
/// an `XDG_CONFIG_HOME` that is not absolute is ignored).
fn config_home() -> Result<PathBuf> {
    headroom_files::config_home()
        .ok_or_else(|| "neither XDG_CONFIG_HOME nor HOME is set: use --prefix DIR".to_string())
}

/// Writes `text` to `path` atomically (fsynced temp file + rename).
fn write_atomic(path: &Path, text: &str) -> Result {
    headroom_files::write_atomically(path, text)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn run(opts: Options) -> Result {
    // Check the profile before building anything.
    let profile = SearchPath::from_env()
        .load(&opts.profile)
        .map_err(|e| e.to_string())?;
    // Its own directory: target/bundled holds what the tests load.
    let bundled = bundle::bundle(Build::Release, Some(&bundle::release_dir()))?;
    let (clap, vst3, lv2) = match &opts.prefix {
        Some(prefix) => {
            let lib = prefix.join("lib");
            (lib.join("clap"), lib.join("vst3"), lib.join("lv2"))
        }
        None => {
            let home = home()?;
            (home.join(".clap"), home.join(".vst3"), home.join(".lv2"))
        }
    };
    for (name, dest_dir) in [
        ("headroom.clap", &clap),
        ("headroom.vst3", &vst3),
        ("headroom.lv2", &lv2),
    ] {
        fs::create_dir_all(dest_dir)
            .map_err(|e| format!("cannot create {}: {e}", dest_dir.display()))?;
        // Copy next to the destination first, so the swap is a rename on
        // one file system.
        let staging = dest_dir.join(format!(".{name}.new-{}", std::process::id()));
        copy_tree(&bundled.join(name), &staging)?;
        bundle::swap_in(&staging, &dest_dir.join(name))?;
        println!("installed {}", dest_dir.join(name).display());
    }

    install_router(&opts, &lv2)?;

    let options = FilterChainOptions {
        params: profile.params(),
        ..Default::default()
    };
    let config_dir = match &opts.prefix {
        Some(prefix) => prefix.join("share/headroom"),
        None => config_home()?.join("headroom"),
    };
    let standalone = config_dir.join("filter-chain.conf");
    write_atomic(&standalone, &filter_chain::standalone_config(&options))?;
    println!(
        "wrote {} (profile {}); run the processed sink with:\n    LV2_PATH={} pipewire -c {}",
        standalone.display(),
        profile.name,
        lv2.display(),
        standalone.display()
    );
    if opts.pipewire_dropin {
        let dropin = config_home()?.join("pipewire/pipewire.conf.d/headroom.conf");
        write_atomic(&dropin, &filter_chain::dropin_fragment(&options))?;
        println!(
            "wrote {}; restart PipeWire to load it: systemctl --user restart pipewire",
            dropin.display()
        );
    }
    Ok(())
}

/// The service template of `router/systemd/`; `@BINDIR@`/`@LV2DIR@` are
/// filled in as `headroom_router::systemd_units::render` does.
const SERVICE_TEMPLATE: &str = include_str!("../../router/systemd/headroom.service");
const SOCKET_UNIT: &str = include_str!("../../router/systemd/headroom.socket");

/// The release `headroom` binary into `~/.local/bin` (or `<prefix>/bin`),
/// swapped in by rename, and the units into `~/.config/systemd/user` (or
/// `<prefix>/lib/systemd/user`).
fn install_router(opts: &Options, lv2: &Path) -> Result {
    crate::cmd::run(crate::cmd::cargo().args(["build", "--release", "-p", "headroom-router"]))?;
    let built = crate::cmd::target_dir().join("release/headroom");
    let (bin_dir, unit_dir) = match &opts.prefix {
        Some(prefix) => (prefix.join("bin"), prefix.join("lib/systemd/user")),
        None => (
            home()?.join(".local/bin"),
            config_home()?.join("systemd/user"),
        ),
    };
    fs::create_dir_all(&bin_dir)
        .map_err(|e| format!("cannot create {}: {e}", bin_dir.display()))?;
    let staging = bin_dir.join(format!(".headroom.new-{}", std::process::id()));
    fs::copy(&built, &staging).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            built.display(),
            staging.display()
        )
    })?;
    let dest = bin_dir.join("headroom");
    fs::rename(&staging, &dest).map_err(|e| {
        let _ = fs::remove_file(&staging);
        format!("cannot install {}: {e}", dest.display())
    })?;
    println!("installed {}", dest.display());
    // Where the binary looks for shipped profiles: ../share/headroom/profiles.
    let share = bin_dir.parent().unwrap_or(&bin_dir).join("share/headroom");
    let profiles = share.join("profiles");
    let staging = share.join(format!(".profiles.new-{}", std::process::id()));
    copy_tree(&crate::cmd::workspace_root().join("profiles"), &staging)?;
    bundle::swap_in(&staging, &profiles)?;
    println!("installed the shipped profiles in {}", profiles.display());
    let service = SERVICE_TEMPLATE
        .replace("@BINDIR@", &bin_dir.display().to_string())
        .replace("@LV2DIR@", &lv2.display().to_string());
    write_atomic(&unit_dir.join("headroom.service"), &service)?;
    write_atomic(&unit_dir.join("headroom.socket"), SOCKET_UNIT)?;
    println!(
        "wrote {0}/headroom.service and headroom.socket; start the router with:\n    \
         systemctl --user daemon-reload && systemctl --user enable --now headroom.socket headroom.service",
        unit_dir.display()
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result {
    let fail =
        |e: std::io::Error| format!("cannot copy {} to {}: {e}", from.display(), to.display());
    let _ = fs::remove_dir_all(to);
    if from.is_dir() {
        fs::create_dir_all(to).map_err(fail)?;
        for entry in fs::read_dir(from).map_err(fail)? {
            let entry = entry.map_err(fail)?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(from, to).map(drop).map_err(fail)
    }
}
