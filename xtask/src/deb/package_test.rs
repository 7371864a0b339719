//! `cargo xtask test --package`: the `.deb` installed into a clean Debian 12
//! root, used there, and purged again.
//!
//! The root is made with `debootstrap --variant=minbase` from the mirror
//! this machine already uses, with `bookworm-backports` added (PipeWire 1.4,
//! WirePlumber 0.5) and the tools the checks run (`lv2ls`, `man`,
//! `systemd-analyze`). That base is cached in `target/package-test/base/`
//! (rebuilt when older than a week); every run works on a fresh copy, in its
//! own mount namespace (`unshare --mount`), so nothing stays mounted. The
//! packages apt downloads are kept in `target/package-test/apt-archives/`.
//!
//! Inside: `apt-get install -t bookworm-backports ./headroom_*.deb` (apt
//! resolves the package's `Depends:`), then `headroom --version`,
//! `headroom-wav selftest`, `headroom-wav` finding a shipped profile in
//! `/usr/share/headroom/profiles`, `lv2ls` listing the plugin, `man headroom`,
//! `systemd-analyze --user verify` on the installed units; then
//! `apt-get remove --purge headroom`, after which no path the package had
//! may remain unless another package owns it, and no `*headroom*` file may
//! be left anywhere (but in man-db's cache of the pages shown).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::apt_sources;
use crate::cmd::{self, Result};
use crate::deps;

/// The release the package is built for and tested on.
const CODENAME: &str = "bookworm";
/// A base older than this is made again (its package lists go stale).
const BASE_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Installed into the base: what the checks run.
const CHECK_TOOLS: &[&str] = &["lilv-utils", "man-db", "systemd"];
/// The plugin's LV2 URI (`headroom_plugin::identity::LV2_URI`).
pub const LV2_URI: &str = "https://github.com/headroom-audio/headroom#stereo";

fn dir() -> PathBuf {
    cmd::target_dir().join("package-test")
}

/// Runs the checks on `deb` (see the module docs).
pub fn run(deb: &Path) -> Result {
    deps::ensure("package test", deps::PACKAGE_TEST)?;
    let started = std::time::Instant::now();
    let base = ensure_base()?;
    let root = dir().join("root");
    remove_tree(&root)?;
    cmd::run(
        cmd::command("cp")
            .args(["-a", "--reflink=auto"])
            .arg(&base)
            .arg(&root),
    )?;
    copy(Path::new("/etc/resolv.conf"), &root.join("etc/resolv.conf"))?;
    copy(deb, &root.join("tmp/headroom.deb"))?;
    copy(
        &cmd::workspace_root().join("testdata/demo/loud-demo.wav"),
        &root.join("tmp/loud-demo.wav"),
    )?;
    let script = root.join("tmp/check.sh");
    fs::write(&script, check_script())
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let result = in_chroot(&root, "/tmp/check.sh");
    if result.is_ok() {
        remove_tree(&root)?;
    }
    result?;
    println!(
        "package test passed in {:.0} s: installed, used and purged in a clean Debian 12 root",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What runs inside the root, as root.
fn check_script() -> String {
    format!(
        r#"#!/bin/sh
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
step() {{ echo "package test: $*"; }}

step "apt-get update"
apt-get update -qq
step "install the package and what it depends on"
apt-get install -y -q --no-install-recommends -t {CODENAME}-backports /tmp/headroom.deb

step "headroom --version"
headroom --version
step "headroom-wav selftest"
headroom-wav selftest > /tmp/selftest.txt || {{ cat /tmp/selftest.txt; exit 1; }}
tail -n 3 /tmp/selftest.txt
step "headroom-wav finds the shipped profiles in /usr/share/headroom/profiles"
headroom-wav process --profile night /tmp/loud-demo.wav /tmp/processed.wav 2>&1 \
    | grep -F '(/usr/share/headroom/profiles/night.toml)'
step "lv2ls finds the plugin"
lv2ls | grep -Fx '{LV2_URI}'
step "man headroom"
man -P cat headroom | grep -q 'headroom daemon'
man -P cat headroom-wav > /dev/null
man -P cat headroom-status > /dev/null
man -P cat headroom-tray > /dev/null
step "systemd-analyze --user verify"
mkdir -p -m 0700 /tmp/xdg-runtime
XDG_RUNTIME_DIR=/tmp/xdg-runtime systemd-analyze --user verify \
    /usr/lib/systemd/user/headroom.service /usr/lib/systemd/user/headroom.socket \
    /usr/lib/systemd/user/headroom-tray.service
step "completions and the WirePlumber fragment are where shells and WirePlumber look"
test -s /usr/share/bash-completion/completions/headroom
test -s /usr/share/zsh/vendor-completions/_headroom
test -s /usr/share/fish/vendor_completions.d/headroom.fish
test -s /usr/share/wireplumber/wireplumber.conf.d/50-headroom.conf
test -e /usr/lib/clap/headroom.clap
test -e /usr/lib/vst3/headroom.vst3/Contents/$(uname -m)-linux/headroom.so

dpkg-query -L headroom > /tmp/owned
step "apt-get remove --purge headroom"
apt-get remove -y -q --purge headroom
left=""
while read -r path; do
    [ "$path" = "/." ] && continue
    [ -e "$path" ] || [ -L "$path" ] || continue
    dpkg-query -S "$path" > /dev/null 2>&1 && continue
    left="$left $path"
done < /tmp/owned
# /var/cache/man: man-db's cache of the pages `man` showed above, which it
# expires itself; it is no file of the package.
strays=$(find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp \
    -o -path /var/cache/man \) -prune \
    -o -name '*headroom*' -print)
if [ -n "$left$strays" ]; then
    echo "left behind after the purge:$left $strays"
    exit 1
fi
step "purged: nothing of the package is left"
"#
    )
}

/// The cached base root, made when missing or stale.
fn ensure_base() -> Result<PathBuf> {
    let base = dir().join("base");
    let stamp = dir().join("base.ready");
    let fresh = fs::metadata(&stamp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < BASE_MAX_AGE);
    if fresh && base.is_dir() {
        eprintln!(
            "package test: reusing the Debian {CODENAME} root in {}",
            base.display()
        );
        return Ok(base);
    }
    let _ = fs::remove_file(&stamp);
    remove_tree(&base)?;
    let mirror = apt_sources::configured_mirror(CODENAME)?;
    let making = dir().join("base.new");
    remove_tree(&making)?;
    fs::create_dir_all(&making).map_err(|e| format!("cannot create {}: {e}", making.display()))?;
    let mut debootstrap = cmd::command("debootstrap");
    debootstrap
        .args(["--variant=minbase", CODENAME])
        .arg(&making)
        .arg(&mirror.uri);
    cmd::run(&mut debootstrap)?;
    // Nothing inside is to start services.
    let policy = making.join("usr/sbin/policy-rc.d");
    fs::write(&policy, "#!/bin/sh\nexit 101\n").map_err(|e| e.to_string())?;
    cmd::run(cmd::command("chmod").arg("0755").arg(&policy))?;
    fs::write(
        making.join("etc/apt/sources.list.d/backports.sources"),
        apt_sources::backports_stanza(&mirror, CODENAME),
    )
    .map_err(|e| e.to_string())?;
    copy(
        Path::new("/etc/resolv.conf"),
        &making.join("etc/resolv.conf"),
    )?;
    let setup = making.join("tmp/setup.sh");
    fs::write(
        &setup,
        format!(
            "#!/bin/sh\nset -eu\nexport DEBIAN_FRONTEND=noninteractive\n\
             apt-get update -qq\n\
             apt-get install -y -q --no-install-recommends {}\n\
             apt-get clean\nrm -f /tmp/setup.sh\n",
            CHECK_TOOLS.join(" ")
        ),
    )
    .map_err(|e| e.to_string())?;
    in_chroot(&making, "/tmp/setup.sh")?;
    fs::rename(&making, &base).map_err(|e| e.to_string())?;
    fs::write(&stamp, "").map_err(|e| e.to_string())?;
    Ok(base)
}

/// Runs `script` (a path inside `root`) chrooted into `root`, with /proc,
/// /sys and /dev mounted in a private mount namespace (gone when it ends)
/// and apt's download cache kept across runs.
fn in_chroot(root: &Path, script: &str) -> Result {
    let archives = dir().join("apt-archives");
    fs::create_dir_all(archives.join("partial")).map_err(|e| e.to_string())?;
    let mounts = "set -e; r=\"$1\"; a=\"$2\"; s=\"$3\"; \
                  mount -t proc proc \"$r/proc\"; \
                  mount -t sysfs sysfs \"$r/sys\"; \
                  mount --rbind /dev \"$r/dev\"; \
                  mount --bind \"$a\" \"$r/var/cache/apt/archives\"; \
                  exec chroot \"$r\" /bin/sh \"$s\"";
    let mut unshare = cmd::command("unshare");
    unshare
        .args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            mounts,
            "sh",
        ])
        .arg(root)
        .arg(&archives)
        .arg(script);
    cmd::run(&mut unshare)
}

fn copy(from: &Path, to: &Path) -> Result {
    // Replaced, not written through: resolv.conf may be a symlink.
    let _ = fs::remove_file(to);
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn remove_tree(path: &Path) -> Result {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}
