//! `cargo xtask bundle`: the plugin binary packaged for each format.
//!
//! Layouts (Linux), one binary for every format:
//! - `headroom.lv2/{headroom.so, manifest.ttl, headroom.ttl}`, the Turtle
//!   generated from the parameter table by `headroom-lv2-ttl`;
//! - `headroom.clap` — a symlink to `headroom.lv2/headroom.so`;
//! - `headroom.vst3/Contents/x86_64-linux/headroom.so` (the VST3 bundle
//!   layout for the build's architecture), a symlink to the same.
//!
//! Every bundle is assembled beside its destination and swapped in with one
//! `rename` (`RENAME_EXCHANGE` when one exists), so a host scanning at the
//! same moment sees the old bundle or the new one, never half of either.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::{self, Result};

/// How to build the plugin binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// Optimised, for users.
    Release,
    /// Optimised with debug assertions and the `checked` feature: any
    /// allocation on the audio thread aborts the host. What the tests load.
    Checked,
    /// `Checked` plus `alloc-canary`: allocates in every process call, to
    /// prove the check fires. Never installed.
    Canary,
}

impl Build {
    fn profile(self) -> &'static str {
        match self {
            Build::Release => "release",
            Build::Checked | Build::Canary => "checked",
        }
    }

    fn features(self) -> Option<&'static str> {
        match self {
            Build::Release => None,
            Build::Checked => Some("checked"),
            Build::Canary => Some("checked,alloc-canary"),
        }
    }

    /// Where this build's bundles go.
    pub fn out_dir(self) -> PathBuf {
        match self {
            Build::Canary => cmd::target_dir().join("bundled-canary"),
            _ => cmd::target_dir().join("bundled"),
        }
    }
}

/// Where `install` and `bench` put release bundles, so that they never
/// replace the checked bundles in `target/bundled/` that tests load.
pub fn release_dir() -> PathBuf {
    cmd::target_dir().join("bundled-release")
}

/// Builds and bundles into `out` (default: [`Build::out_dir`]). Returns the
/// directory that holds the three bundles.
pub fn bundle(build: Build, out: Option<&Path>) -> Result<PathBuf> {
    // Checked and canary builds share a profile; cargo keeps each feature
    // set's artifacts apart, and the binary is copied out right after.
    let target = cmd::target_dir();
    let mut cargo = cmd::cargo();
    cargo
        .args([
            "build",
            "--profile",
            build.profile(),
            "-p",
            "headroom-plugin",
        ])
        .arg("--target-dir")
        .arg(&target);
    if let Some(features) = build.features() {
        cargo.args(["--features", features]);
    }
    cmd::run(&mut cargo)?;
    let bin_dir = target.join(build.profile());
    let library = bin_dir.join("libheadroom_plugin.so");
    let ttl_tool = bin_dir.join("headroom-lv2-ttl");
    for built in [&library, &ttl_tool] {
        if !built.is_file() {
            return Err(format!("the build did not produce {}", built.display()));
        }
    }

    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| build.out_dir());
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let staging = out.join(format!(".staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;

    // LV2: the binary and the generated Turtle.
    let lv2 = staging.join("headroom.lv2");
    mkdir(&lv2)?;
    copy(&library, &lv2.join("headroom.so"))?;
    cmd::run(cmd::command(&ttl_tool).arg(&lv2))?;
    // CLAP: a single file, the same binary.
    symlink(LV2_BINARY, &staging.join("headroom.clap"))?;
    // VST3: the Linux bundle layout, the same binary again.
    let vst3_bin = staging
        .join("headroom.vst3/Contents")
        .join(format!("{}-linux", std::env::consts::ARCH));
    mkdir(&vst3_bin)?;
    symlink(
        &format!("../../../{LV2_BINARY}"),
        &vst3_bin.join("headroom.so"),
    )?;

    // The binary first, so the links never point at nothing.
    for name in ["headroom.lv2", "headroom.clap", "headroom.vst3"] {
        swap_in(&staging.join(name), &out.join(name))?;
    }
    let _ = fs::remove_dir_all(&staging);
    println!("bundled into {}", out.display());
    Ok(out)
}

/// The plugin binary, relative to the bundle directory; the CLAP file and
/// the VST3 bundle's binary are relative symlinks to it (one binary serves
/// every format), so the three survive being moved together.
const LV2_BINARY: &str = "headroom.lv2/headroom.so";

fn symlink(target: &str, link: &Path) -> Result {
    std::os::unix::fs::symlink(target, link)
        .map_err(|e| format!("cannot link {} to {target}: {e}", link.display()))
}

fn mkdir(dir: &Path) -> Result {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

/// Puts `new` at `dest` in one step. If `dest` exists it is exchanged
/// atomically (renameat2 RENAME_EXCHANGE) and the old copy removed after.
pub fn swap_in(new: &Path, dest: &Path) -> Result {
    let fail =
        |e: std::io::Error| format!("cannot move {} to {}: {e}", new.display(), dest.display());
    if fs::symlink_metadata(dest).is_err() {
        return fs::rename(new, dest).map_err(fail);
    }
    exchange(new, dest).map_err(fail)?;
    // `new` now holds the previous installation.
    let old = new;
    if fs::symlink_metadata(old).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(old)
    } else {
        fs::remove_file(old)
    }
    .map_err(|e| {
        format!(
            "installed {}, but cannot remove the old copy {}: {e}",
            dest.display(),
            old.display()
        )
    })
}

fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_in_replaces_files_and_directories_whole() {
        let dir = std::env::temp_dir().join(format!("xtask-swap-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("new.lv2")).unwrap();
        fs::write(dir.join("new.lv2/a"), "new").unwrap();
        fs::create_dir_all(dir.join("dest.lv2")).unwrap();
        fs::write(dir.join("dest.lv2/a"), "old").unwrap();
        fs::write(dir.join("dest.lv2/stale"), "old").unwrap();
        swap_in(&dir.join("new.lv2"), &dir.join("dest.lv2")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("dest.lv2/a")).unwrap(), "new");
        assert!(!dir.join("dest.lv2/stale").exists());
        assert!(!dir.join("new.lv2").exists());

        fs::write(dir.join("new.clap"), "new").unwrap();
        swap_in(&dir.join("new.clap"), &dir.join("dest.clap")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("dest.clap")).unwrap(), "new");
        let _ = fs::remove_dir_all(&dir);
    }
}
