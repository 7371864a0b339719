//! System packages each task needs, installed idempotently: nothing happens
//! when everything is present; otherwise, as root, `apt-get update` once and
//! install only what is missing; as a normal user, print the exact commands
//! and fail.

use std::process::Command;

use crate::apt_sources;
use crate::cmd::{self, Result};

/// Which archive a package must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// The release itself (Debian 12 "bookworm").
    Stock,
    /// `<codename>-backports`: PipeWire 1.4 and WirePlumber 0.5 (Debian 12 has 0.3.65 and 0.4.13).
    Backports,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Package {
    pub name: &'static str,
    pub suite: Suite,
}

const fn stock(name: &'static str) -> Package {
    Package {
        name,
        suite: Suite::Stock,
    }
}

const fn backports(name: &'static str) -> Package {
    Package {
        name,
        suite: Suite::Backports,
    }
}

/// `cargo xtask test`. Every package here costs CI time on a fresh machine:
/// only what a test runs.
pub const TEST: &[Package] = &[
    // The private PipeWire graph (`headroom_testdata::pipewire`) and the
    // filter-chain host of the LV2 plugin: `pipewire`, `pw-cli`, `pw-cat`,
    // `pw-record`, `pw-dump` and the session manager. The SPA plugins they
    // load (null sink, filter-graph LV2 host) come as dependencies
    // (`libpipewire-0.3-modules`, `libspa-0.2-modules`).
    backports("pipewire"),
    backports("pipewire-bin"),
    backports("wireplumber"),
    // The PulseAudio protocol server, and the clients browsers, chat apps
    // and desktop volume keys talk through it with: `pactl`, `paplay`.
    backports("pipewire-pulse"),
    stock("pulseaudio-utils"),
    // Building the router against libpipewire (pipewire-rs, bindgen).
    backports("libpipewire-0.3-dev"),
    backports("libspa-0.2-dev"),
    stock("pkg-config"),
    stock("clang"),
    stock("libclang-dev"),
    // LV2 offline hosts: `lv2apply` (one sample per call), `lv2info`; `lv2file`
    // (block-based).
    stock("lilv-utils"),
    stock("lv2file"),
    // `lv2_validate` and the LV2 spec TTLs it checks against; `sord_validate`.
    stock("lv2-dev"),
    stock("sordi"),
    // Raw NUL-terminated varlink JSON to the router (`socat`), and the live
    // `headroom monitor` screen captured from a real terminal (`tmux`).
    stock("socat"),
    stock("tmux"),
    // `systemd-analyze verify` for the shipped units and
    // `systemd-socket-activate` for the socket-activation test; its
    // `busctl` is the panel's D-Bus client in the tray tests.
    stock("systemd"),
    // The tray tests' private session bus (`dbus-daemon --session`).
    stock("dbus-daemon"),
    // headroom-wav's real-file tests: the reference encoders make its
    // FLAC, Ogg Vorbis, Opus and MP3 inputs, and `flac -d` checks its FLAC
    // output.
    stock("flac"),
    stock("vorbis-tools"),
    stock("opus-tools"),
    stock("lame"),
];

/// `cargo xtask demo`: offline processing needs nothing beyond Rust.
pub const DEMO: &[Package] = &[];

/// `cargo xtask bench`: the LV2 host and the two reference limiters
/// (x42-dpl, LSP Limiter), all in stock bookworm.
pub const BENCH: &[Package] = &[
    stock("lv2file"),
    stock("x42-plugins"),
    stock("lsp-plugins-lv2"),
];

/// `cargo xtask deb`: `dpkg-shlibdeps` (dpkg-dev), `strip` (binutils),
/// `gzip`, `lintian`.
pub const DEB: &[Package] = &[
    stock("dpkg-dev"),
    stock("binutils"),
    stock("gzip"),
    stock("lintian"),
];

/// `cargo xtask test --package`: the clean Debian root the package is
/// installed into (`unshare` and `chroot` are in essential packages).
pub const PACKAGE_TEST: &[Package] = &[stock("debootstrap")];

/// The package sets `deps --for` accepts.
pub fn set(name: &str) -> Option<Vec<Package>> {
    let mut packages = match name {
        "test" => TEST.to_vec(),
        "demo" => DEMO.to_vec(),
        "bench" => BENCH.to_vec(),
        "deb" => DEB.to_vec(),
        "package" => [DEB, PACKAGE_TEST].concat(),
        "all" => [TEST, DEMO, BENCH, DEB, PACKAGE_TEST].concat(),
        _ => return None,
    };
    let mut seen = Vec::new();
    packages.retain(|p| {
        let first = !seen.contains(&p.name);
        seen.push(p.name);
        first
    });
    Some(packages)
}

/// Whether dpkg reports `name` as installed.
fn installed(name: &str) -> bool {
    let mut query = Command::new("dpkg-query");
    query.args(["-W", "-f=${Status}", name]);
    matches!(cmd::output(&mut query), Ok(status) if status.trim() == "install ok installed")
}

fn is_root() -> bool {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() == 0 }
}

fn apt_get(args: &[&str]) -> Command {
    let mut c = Command::new("apt-get");
    c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
    c
}

fn install_args<'a>(names: &[&'a str], target: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    if let Some(suite) = target {
        args.extend(["-t", suite]);
    }
    args.extend(names);
    args
}

/// Installs whatever of `packages` is missing (see the module docs).
pub fn ensure(what: &str, packages: &[Package]) -> Result {
    if !cmd::works("dpkg-query", &["--version"]) {
        if packages.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "`{what}` needs the system packages {} and this is not a Debian system (no dpkg-query); \
             install their equivalents and re-run",
            names(packages).join(" ")
        ));
    }
    let missing: Vec<Package> = packages
        .iter()
        .copied()
        .filter(|p| !installed(p.name))
        .collect();
    if missing.is_empty() {
        if !packages.is_empty() {
            eprintln!(
                "deps: system packages for `{what}` present: {}",
                names(packages).join(" ")
            );
        }
        return Ok(());
    }
    let stock: Vec<&str> = names_in(&missing, Suite::Stock);
    let from_backports: Vec<&str> = names_in(&missing, Suite::Backports);
    let codename = apt_sources::debian_codename();
    let backports_suite = codename.as_ref().map(|c| format!("{c}-backports"));
    if !from_backports.is_empty() && codename.is_none() {
        return Err(format!(
            "`{what}` needs {} from Debian backports, and this is not Debian; install them (PipeWire ≥ 1.4, \
             WirePlumber ≥ 0.5) from your distribution",
            from_backports.join(" ")
        ));
    }

    if !is_root() {
        let mut steps = Vec::new();
        if !from_backports.is_empty() {
            steps.push(format!(
                "add a `{}` apt source on your Debian mirror (as root, `cargo xtask deps` writes {})",
                backports_suite.as_deref().unwrap_or_default(),
                apt_sources::BACKPORTS_FILE
            ));
        }
        steps.push("sudo apt-get update".to_string());
        if !stock.is_empty() {
            steps.push(format!(
                "sudo apt-get {}",
                install_args(&stock, None).join(" ")
            ));
        }
        if !from_backports.is_empty() {
            let args = install_args(&from_backports, backports_suite.as_deref());
            steps.push(format!("sudo apt-get {}", args.join(" ")));
        }
        return Err(format!(
            "`{what}` needs system packages that are missing: {}\nnot root, so not installing them; run:\n  {}",
            names(&missing).join(" "),
            steps.join("\n  ")
        ));
    }

    if let (false, Some(codename)) = (from_backports.is_empty(), codename.as_deref()) {
        apt_sources::ensure_backports(codename)?;
    }
    cmd::run(&mut apt_get(&["update"]))?;
    if !stock.is_empty() {
        cmd::run(&mut apt_get(&install_args(&stock, None)))?;
    }
    if !from_backports.is_empty() {
        cmd::run(&mut apt_get(&install_args(
            &from_backports,
            backports_suite.as_deref(),
        )))?;
    }
    let still_missing: Vec<&str> = missing
        .iter()
        .filter(|p| !installed(p.name))
        .map(|p| p.name)
        .collect();
    if !still_missing.is_empty() {
        return Err(format!(
            "apt-get finished but these are still not installed: {}",
            still_missing.join(" ")
        ));
    }
    Ok(())
}

fn names(packages: &[Package]) -> Vec<&'static str> {
    packages.iter().map(|p| p.name).collect()
}

fn names_in(packages: &[Package], suite: Suite) -> Vec<&'static str> {
    packages
        .iter()
        .filter(|p| p.suite == suite)
        .map(|p| p.name)
        .collect()
}

/// `rustfmt` and `clippy` for `cargo xtask test`: added through rustup when
/// the toolchain was installed with the minimal profile.
pub fn ensure_rust_components() -> Result {
    let present = |sub: &str| {
        cmd::cargo()
            .args([sub, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = [("fmt", "rustfmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(sub, _)| !present(sub))
        .map(|(_, component)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !cmd::works("rustup", &["--version"]) {
        return Err(format!(
            "the Rust components {} are missing and rustup is not available to add them",
            missing.join(" ")
        ));
    }
    let mut add = cmd::command("rustup");
    add.args(["component", "add"]).args(&missing);
    cmd::run(&mut add)
}

/// The Python reference varlink implementation (`python3 -m varlink.cli`),
/// an independent client the router's tests talk to. Installed with pip
/// when `import varlink` fails; checked from `/`, as this repository's own
/// `varlink/` directory would otherwise shadow the package.
pub fn ensure_python_varlink() -> Result {
    let importable = || {
        std::process::Command::new("python3")
            .args(["-c", "import varlink.cli"])
            .current_dir("/")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if importable() {
        return Ok(());
    }
    let mut install = cmd::command("python3");
    install
        .args(["-m", "pip", "install", "--quiet", "varlink"])
        .current_dir("/");
    cmd::run(&mut install)?;
    if importable() {
        Ok(())
    } else {
        Err(
            "installed the `varlink` Python package, but python3 still cannot import varlink.cli"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_name_resolves_and_all_is_the_union() {
        let all = set("all").unwrap();
        for name in ["test", "demo", "bench", "deb", "package"] {
            for p in set(name).unwrap() {
                assert!(all.contains(&p), "{} missing from `all`", p.name);
            }
        }
        assert!(set("everything").is_none());
    }

    #[test]
    fn install_command_targets_backports_only_when_asked() {
        assert_eq!(
            install_args(&["a", "b"], None),
            ["install", "-y", "--no-install-recommends", "a", "b"]
        );
        assert_eq!(
            install_args(&["pipewire"], Some("bookworm-backports")),
            [
                "install",
                "-y",
                "--no-install-recommends",
                "-t",
                "bookworm-backports",
                "pipewire"
            ]
        );
    }
}
