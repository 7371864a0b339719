//! Part of `cargo xtask test`: `install --prefix P` then `uninstall --prefix
//! P` must leave `P` exactly as it was, files of other programs already in
//! the directories headroom installs into included; and what was installed
//! must work from there (the binaries run, the links resolve, lv2ls finds
//! the plugin).

use std::fs;
use std::path::Path;

use super::{Layout, Options};
use crate::cmd::{self, Result};

/// Every path under `dir`, relative, directories marked with a trailing
/// `/`, symlinks with their target, files with their contents' length.
fn listing(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let entries =
            fs::read_dir(&at).map_err(|e| format!("cannot read {}: {e}", at.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            if meta.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(path);
            } else if meta.is_symlink() {
                let target = fs::read_link(&path).map_err(|e| e.to_string())?;
                out.push(format!("{rel} -> {}", target.display()));
            } else {
                out.push(format!("{rel} ({} bytes)", meta.len()));
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn run() -> Result {
    let prefix = cmd::target_dir().join("install-test/prefix");
    let _ = fs::remove_dir_all(&prefix);
    // Another program's files, in directories headroom also installs into.
    for (file, text) in [
        ("bin/other-tool", "#!/bin/sh\n"),
        ("share/man/man1/other-tool.1", ".TH OTHER 1\n"),
        ("lib/lv2/other.lv2/manifest.ttl", "# not headroom's\n"),
        ("share/doc/other/README", "unrelated\n"),
    ] {
        let path = prefix.join(file);
        fs::create_dir_all(path.parent().expect("a file in a directory"))
            .map_err(|e| e.to_string())?;
        fs::write(&path, text).map_err(|e| e.to_string())?;
    }
    let before = listing(&prefix)?;

    let options = || Options {
        prefix: Some(prefix.clone()),
        profile: "default".into(),
        pipewire_dropin: true,
        debug: false,
    };
    super::run(options())?;
    check_installed(&Layout::prefix(&prefix))?;
    let first = fs::read_to_string(Layout::prefix(&prefix).manifest).map_err(|e| e.to_string())?;
    // Installing again over it changes nothing in what is recorded.
    super::run(options())?;
    let second = fs::read_to_string(Layout::prefix(&prefix).manifest).map_err(|e| e.to_string())?;
    if first != second {
        return Err(format!(
            "installing twice changed the manifest:\n{first}\n---\n{second}"
        ));
    }

    super::uninstall(Some(&prefix))?;
    let after = listing(&prefix)?;
    if before != after {
        let gone: Vec<&String> = before.iter().filter(|p| !after.contains(p)).collect();
        let left: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
        return Err(format!(
            "install then uninstall changed {}:\n  removed: {gone:?}\n  left behind: {left:?}",
            prefix.display()
        ));
    }
    println!(
        "install round trip: {} restored exactly ({} entries, other programs' files kept)",
        prefix.display(),
        before.len()
    );
    Ok(())
}

/// What was installed works where it is.
fn check_installed(layout: &Layout) -> Result {
    cmd::run(cmd::command(layout.bin.join("headroom")).arg("--version"))?;
    cmd::run(cmd::command(layout.bin.join("headroom-wav")).arg("--version"))?;
    for link in [
        layout.clap.join("headroom.clap"),
        layout.vst3.join(format!(
            "headroom.vst3/Contents/{}-linux/headroom.so",
            std::env::consts::ARCH
        )),
    ] {
        let target = fs::canonicalize(&link)
            .map_err(|e| format!("{} does not resolve: {e}", link.display()))?;
        let plugin = fs::canonicalize(layout.lv2.join("headroom.lv2/headroom.so"))
            .map_err(|e| e.to_string())?;
        if target != plugin {
            return Err(format!(
                "{} points at {}, not the LV2 binary",
                link.display(),
                target.display()
            ));
        }
    }
    let listed = cmd::output(cmd::command("lv2ls").env("LV2_PATH", &layout.lv2))?;
    if !listed
        .lines()
        .any(|l| l.trim() == crate::deb::package_test::LV2_URI)
    {
        return Err(format!(
            "lv2ls with LV2_PATH={} does not list headroom: {listed}",
            layout.lv2.display()
        ));
    }
    // The tray's unit starts the installed binary.
    let tray_unit = layout.systemd_user.join("headroom-tray.service");
    let unit = fs::read_to_string(&tray_unit)
        .map_err(|e| format!("cannot read {}: {e}", tray_unit.display()))?;
    let exec = format!("ExecStart={}/headroom tray", layout.bin.display());
    if !unit.lines().any(|l| l == exec) || !unit.contains("PartOf=graphical-session.target") {
        return Err(format!(
            "{} does not start `{exec}` with the graphical session:\n{unit}",
            tray_unit.display()
        ));
    }
    for page in [
        "headroom.1",
        "headroom-wav.1",
        "headroom-status.1",
        "headroom-tray.1",
    ] {
        let path = layout.man.join("man1").join(page);
        if !path.is_file() {
            return Err(format!("no man page {}", path.display()));
        }
    }
    Ok(())
}
