//! systemd's own varlink client, `varlinkctl`, for the router's tests:
//! an independent client that parses the interface file as strictly as
//! systemd does. Debian 12's systemd (252) has none; Debian 13's (257)
//! does. Its packages and the libraries it needs are downloaded from the
//! `trixie` suite of the mirror this machine already uses, through a
//! private apt configuration (its own source list, lists and cache under
//! `target/varlinkctl/`), and unpacked there; it runs with trixie's own
//! loader and libraries. Nothing is installed into the system and the
//! system's apt sources are not touched.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::apt_sources;
use crate::cmd::{self, Result};

/// The suite varlinkctl comes from.
const SUITE: &str = "trixie";

/// `varlinkctl`, its shared library, the C library and loader it runs
/// with, and what `readelf -d libsystemd-shared-257.so` lists as NEEDED.
const PACKAGES: &[&str] = &[
    "systemd",
    "libsystemd-shared",
    "libc6",
    "libacl1",
    "libblkid1",
    "libcap2",
    "libcrypt1",
    "libmount1",
    "libssl3t64",
    "libpam0g",
    "libseccomp2",
    "libselinux1",
    "libpcre2-8-0",
];

/// The environment variable the router's tests find the wrapper by.
pub const ENV: &str = "HEADROOM_VARLINKCTL";

fn dir() -> PathBuf {
    cmd::target_dir().join("varlinkctl")
}

/// Whether the wrapper at `path` runs.
fn works(path: &Path) -> bool {
    Command::new(path)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("systemd"))
}

/// The private apt options: only our source list, our lists, our cache.
fn apt(dir: &Path) -> Command {
    let mut apt = Command::new("apt-get");
    apt.env("DEBIAN_FRONTEND", "noninteractive")
        .arg("-q")
        .arg("-o")
        .arg("Dir::Etc::SourceList=/dev/null")
        .arg("-o")
        .arg(format!(
            "Dir::Etc::SourceParts={}",
            dir.join("sources").display()
        ))
        .arg("-o")
        .arg(format!("Dir::State::Lists={}", dir.join("lists").display()))
        .arg("-o")
        .arg(format!("Dir::Cache={}", dir.join("cache").display()))
        // Only the package lists: no translations, contents or DEP-11.
        .arg("-o")
        .arg("Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false")
        .arg("-o")
        .arg("Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false")
        .arg("-o")
        .arg("Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false")
        .arg("-o")
        .arg("Acquire::Languages=none")
        .arg("-o")
        .arg("Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false")
        // Downloads land in a directory root owns: no sandbox user.
        .arg("-o")
        .arg("APT::Sandbox::User=root");
    apt
}

/// A source stanza for [`SUITE`] on the mirror this machine uses for its
/// own release.
fn source_stanza() -> Result<String> {
    let codename = apt_sources::debian_codename()
        .ok_or("varlinkctl for the tests comes from Debian packages, and this is not Debian")?;
    let mirror = apt_sources::configured_mirror(&codename)?;
    Ok(apt_sources::suite_stanza(
        &mirror,
        SUITE,
        "varlinkctl for headroom's tests",
    ))
}

/// The wrapper script that runs trixie's varlinkctl (fetched first if
/// needed); its path is what [`ENV`] should hold.
pub fn ensure() -> Result<PathBuf> {
    let dir = dir();
    let wrapper = dir.join("varlinkctl");
    if works(&wrapper) {
        return Ok(wrapper);
    }
    let root = dir.join("root");
    let debs = dir.join("debs");
    for sub in ["sources", "lists/partial", "cache/archives/partial", "debs"] {
        fs::create_dir_all(dir.join(sub))
            .map_err(|e| format!("cannot create {}: {e}", dir.join(sub).display()))?;
    }
    fs::write(dir.join("sources").join("trixie.sources"), source_stanza()?)
        .map_err(|e| format!("cannot write the private apt source: {e}"))?;
    cmd::run(apt(&dir).arg("update"))?;
    cmd::run(apt(&dir).arg("download").args(PACKAGES).current_dir(&debs))?;
    let _ = fs::remove_dir_all(&root);
    for entry in fs::read_dir(&debs).map_err(|e| format!("cannot list {}: {e}", debs.display()))? {
        let deb = entry.map_err(|e| e.to_string())?.path();
        if deb.extension().is_some_and(|e| e == "deb") {
            cmd::run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root))?;
        }
    }
    let libs = format!(
        "{root}/usr/lib/x86_64-linux-gnu/systemd:{root}/usr/lib/x86_64-linux-gnu",
        root = root.display()
    );
    let script = format!(
        "#!/bin/sh\n# systemd {SUITE}'s varlinkctl with its own loader and libraries (cargo xtask test).\n\
         exec {root}/usr/lib64/ld-linux-x86-64.so.2 --library-path {libs} {root}/usr/bin/varlinkctl \"$@\"\n",
        root = root.display()
    );
    fs::write(&wrapper, script).map_err(|e| format!("cannot write {}: {e}", wrapper.display()))?;
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", wrapper.display()))?;
    if !works(&wrapper) {
        return Err(format!(
            "{} was unpacked but `varlinkctl --version` does not run",
            wrapper.display()
        ));
    }
    Ok(wrapper)
}
