//! `cargo xtask deb`: a Debian package built from the tree with `dpkg-deb`,
//! its files staged by the same code as `cargo xtask install`
//! ([`install::Layout::debian`]), its library dependencies computed by
//! `dpkg-shlibdeps`, and checked by `lintian`.
//!
//! Written to `target/debian/headroom_<version>-1_<arch>.deb`; the staged
//! tree stays in `target/debian/root/` for inspection.

mod copyright;
pub mod package_test;

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::{self, Result};
use crate::deps;
use crate::install::manifest::{Kind, Manifest, Writer};
use crate::install::{self, Layout};

pub const REPOSITORY: &str = "https://github.com/headroom-audio/headroom";

/// What the package needs beyond the libraries `dpkg-shlibdeps` finds:
/// the router starts the processed sink as `pipewire -c …` (pipewire-bin),
/// whose filter-chain loads the LV2 plugin through the filter-graph LV2
/// host (libspa-0.2-modules); it needs PipeWire ≥ 1.4 for both and
/// WirePlumber ≥ 0.5 for its `wireplumber.conf.d` fragment and policy.
/// The service's `ExecReload=/bin/kill -HUP` runs procps' `kill` (Debian
/// 12's systemd 252 has no `Type=notify-reload` to send the signal itself).
const RUNTIME_DEPENDS: &[&str] = &[
    "pipewire (>= 1.4)",
    "pipewire-bin (>= 1.4)",
    "libspa-0.2-modules (>= 1.4)",
    "wireplumber (>= 0.5)",
    "procps",
];

/// Lintian tags the package carries on purpose, each with the reason.
const LINTIAN_OVERRIDES: &str = "\
# Built from the project's own tree, not uploaded to Debian: there is no
# ITP bug for the first changelog entry to close.
headroom: initial-upload-closes-no-bugs
";

const README_DEBIAN: &str = "\
headroom for Debian
===================

The router runs per user, as a systemd user service next to PipeWire and
WirePlumber. The package does not start it for anyone; enable it for your
user, now and at every login, with:

    systemctl --user enable --now headroom.socket headroom.service

and stop it for good with:

    systemctl --user disable --now headroom.socket headroom.service

Its logs are in the user journal:

    journalctl --user -u headroom

The tray icon (`headroom tray`: protection at a glance, and a menu to turn
it off and on, pick the profile and route each playing app) starts with
the graphical session once enabled:

    systemctl --user enable --now headroom-tray.service

It needs a panel that shows StatusNotifierItems (KDE, Xfce, Cinnamon,
waybar; GNOME with the AppIndicator extension, package
gnome-shell-extension-appindicator).

The WirePlumber fragment /usr/share/wireplumber/wireplumber.conf.d/50-headroom.conf
stops WirePlumber from remembering the stream targets the router sets (it
would replay them before the router acts). It takes effect when WirePlumber
starts again:

    systemctl --user restart wireplumber

The plugins are in the standard places: /usr/lib/lv2/headroom.lv2 (one
binary), /usr/lib/clap/headroom.clap and /usr/lib/vst3/headroom.vst3 (links
to it). Shipped profiles are in /usr/share/headroom/profiles; your own go in
~/.config/headroom/profiles and win over shipped ones of the same name.
";

/// The package's identity.
pub struct Package {
    pub name: &'static str,
    pub version: String,
    pub arch: String,
}

impl Package {
    pub fn file_name(&self) -> String {
        format!("{}_{}_{}.deb", self.name, self.version, self.arch)
    }
}

/// Builds the package and runs lintian on it; returns its path.
pub fn build() -> Result<PathBuf> {
    deps::ensure("deb", deps::DEB)?;
    let package = Package {
        name: "headroom",
        // The Debian revision `-1`: the tree is the upstream source.
        version: format!("{}-1", env!("CARGO_PKG_VERSION")),
        arch: cmd::output(cmd::command("dpkg").arg("--print-architecture"))?
            .trim()
            .to_string(),
    };
    let artifacts = install::build_artifacts()?;
    let out_dir = cmd::target_dir().join("debian");
    let root = out_dir.join("root");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;

    let mut w = Writer::new(&root, Manifest::default());
    install::install_files(&mut w, &Layout::debian(), &artifacts, false)?;
    let doc = Path::new("/usr/share/doc/headroom");
    w.file(
        &doc.join("copyright"),
        copyright::render(REPOSITORY)?.as_bytes(),
        0o644,
    )?;
    let changelog = out_dir.join("changelog.Debian");
    fs::write(&changelog, changelog_entry(&package)?)
        .map_err(|e| format!("cannot write {}: {e}", changelog.display()))?;
    w.file(
        &doc.join("changelog.Debian.gz"),
        &install::gzip(&changelog)?,
        0o644,
    )?;
    w.file(&doc.join("README.Debian"), README_DEBIAN.as_bytes(), 0o644)?;
    w.file(
        Path::new("/usr/share/lintian/overrides/headroom"),
        LINTIAN_OVERRIDES.as_bytes(),
        0o644,
    )?;

    let control_dir = root.join("DEBIAN");
    fs::create_dir(&control_dir)
        .map_err(|e| format!("cannot create {}: {e}", control_dir.display()))?;
    let depends = shlib_depends(&out_dir, &root, &w.manifest)?;
    let control = control_file(&package, &depends, installed_size_kib(&w.manifest)?);
    write(&control_dir.join("control"), &control)?;
    write(&control_dir.join("md5sums"), &md5sums(&root, &w.manifest)?)?;

    for old in fs::read_dir(&out_dir).map_err(|e| e.to_string())?.flatten() {
        if old.path().extension().is_some_and(|e| e == "deb") {
            let _ = fs::remove_file(old.path());
        }
    }
    let deb = out_dir.join(package.file_name());
    cmd::run(
        cmd::command("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&root)
            .arg(&deb),
    )?;
    cmd::run(
        cmd::command("lintian")
            .args(["--fail-on", "error,warning", "--display-info"])
            .arg(&deb),
    )?;
    let size = fs::metadata(&deb).map(|m| m.len()).unwrap_or(0);
    println!(
        "built {} ({:.1} MB; installed size {:.1} MB)\ninstall it with:\n    apt install {}",
        deb.display(),
        size as f64 / 1e6,
        installed_size_kib(&w.manifest)? as f64 * 1024.0 / 1e6,
        deb.display()
    );
    Ok(deb)
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `shlibs:Depends` of the package's ELF files, then [`RUNTIME_DEPENDS`].
fn shlib_depends(out_dir: &Path, root: &Path, manifest: &Manifest) -> Result<String> {
    // dpkg-shlibdeps reads the source package's debian/control.
    let work = out_dir.join("shlibdeps");
    fs::create_dir_all(work.join("debian")).map_err(|e| e.to_string())?;
    write(
        &work.join("debian/control"),
        "Source: headroom\n\nPackage: headroom\nArchitecture: any\n",
    )?;
    let mut shlibdeps = cmd::command("dpkg-shlibdeps");
    shlibdeps.current_dir(&work).arg("-O");
    let mut any = false;
    for (kind, path) in &manifest.entries {
        if *kind == Kind::File && is_elf(path) {
            shlibdeps.arg(format!("-e{}", path.display()));
            any = true;
        }
    }
    if !any {
        return Err(format!("no ELF files staged in {}", root.display()));
    }
    let out = cmd::output(&mut shlibdeps)?;
    let libraries = out
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .ok_or_else(|| format!("dpkg-shlibdeps printed no shlibs:Depends: {out}"))?;
    let mut all: Vec<&str> = libraries.split(", ").collect();
    all.extend(RUNTIME_DEPENDS);
    Ok(all.join(", "))
}

fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// As dpkg-gencontrol counts it: each file's size in KiB rounded up, one per
/// directory or link.
fn installed_size_kib(manifest: &Manifest) -> Result<u64> {
    let mut kib = 0;
    for (kind, path) in &manifest.entries {
        kib += match kind {
            Kind::File => {
                let len = fs::metadata(path)
                    .map_err(|e| format!("cannot stat {}: {e}", path.display()))?
                    .len();
                len.div_ceil(1024)
            }
            Kind::Link | Kind::Dir => 1,
        };
    }
    Ok(kib)
}

fn md5sums(root: &Path, manifest: &Manifest) -> Result<String> {
    let mut md5sum = cmd::command("md5sum");
    md5sum.current_dir(root);
    for (kind, path) in &manifest.entries {
        if *kind == Kind::File {
            md5sum.arg(path.strip_prefix(root).map_err(|e| e.to_string())?);
        }
    }
    cmd::output(&mut md5sum)
}

/// `Maintainer:`: `$DEBFULLNAME <$DEBEMAIL>` when set (as Debian's tools
/// read them), else the project.
fn maintainer() -> String {
    let name = std::env::var("DEBFULLNAME").unwrap_or_else(|_| "headroom maintainers".into());
    let email = std::env::var("DEBEMAIL")
        .unwrap_or_else(|_| "headroom-audio@users.noreply.github.com".into());
    format!("{name} <{email}>")
}

fn control_file(package: &Package, depends: &str, installed_kib: u64) -> String {
    format!(
        "Package: {name}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: {maintainer}\n\
         Installed-Size: {installed_kib}\n\
         Depends: {depends}\n\
         Section: sound\n\
         Priority: optional\n\
         Homepage: {REPOSITORY}\n\
         Description: audio safety net for PipeWire desktops\n \
         headroom sits between apps and the speakers or headphones: it rides\n \
         each app's level toward a target, compresses, and holds a hard\n \
         true-peak ceiling, so loud videos, calls and notification sounds\n \
         never blast or clip. Music players and DAWs are routed around it,\n \
         bit-exact.\n \
         .\n \
         This package contains the router daemon and its command line\n \
         (headroom, run as a systemd user service), the processing as LV2,\n \
         CLAP and VST3 plugins, headroom-wav for offline processing and\n \
         analysis of audio files, and a WirePlumber configuration fragment.\n",
        name = package.name,
        version = package.version,
        arch = package.arch,
        maintainer = maintainer(),
    )
}

/// One entry for the tree's commit, dated like it (reproducible builds).
fn changelog_entry(package: &Package) -> Result<String> {
    let git = |args: &[&str]| cmd::output(cmd::command("git").args(args));
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|_| "unknown".into());
    let date = git(&["log", "-1", "--format=%aD"])
        .ok()
        .filter(|d| !d.trim().is_empty())
        .map_or_else(|| cmd::output(cmd::command("date").arg("-R")), Ok)?;
    Ok(format!(
        "{name} ({version}) unstable; urgency=medium\n\n  \
         * Built from the source tree at commit {commit}.\n\n \
         -- {maintainer}  {date}\n",
        name = package.name,
        version = package.version,
        commit = commit.trim(),
        maintainer = maintainer(),
        date = date.trim(),
    ))
}
