//! The LV2 anchors: reference limiters run with Debian's `lv2file`, the same
//! block-based offline host for each, on the same input file.
//!
//! CPU time is the children's user + system time from `getrusage`, taken
//! around each `lv2file` run. `lv2file`'s own work (loading the LV2 world,
//! reading and writing the files) is measured by running a trivial stereo
//! pass-through plugin the same way, and subtracted.

use std::ffi::c_long;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cmd::{self, Result};

/// Block size every anchor runs with, frames.
pub const BLOCK_FRAMES: usize = 256;

/// One LV2 plugin and the control values it runs with.
pub struct Anchor {
    pub name: &'static str,
    /// Debian package that ships it (for its version in the report).
    pub package: &'static str,
    pub uri: &'static str,
    /// `(port symbol, value)` pairs; every other control keeps its default.
    pub controls: &'static [(&'static str, f32)],
    /// The settings in words, for the notes under the table.
    pub settings: &'static str,
    /// headroom's own bundle (from `target/bundled/`), not a Debian package.
    pub ours: bool,
}

/// x42 digital peak limiter, stereo, true-peak mode on, ceiling −1 dBTP.
pub const X42_DPL: Anchor = Anchor {
    name: "x42-dpl (true peak)",
    package: "x42-plugins",
    uri: "http://gareus.org/oss/lv2/dpl#stereo",
    controls: &[("threshold", -1.0), ("truepeak", 1.0)],
    settings: "threshold -1 dB, true peak on, release default (10 ms)",
    ours: false,
};

/// LSP Limiter Stereo at its best oversampling, threshold −1 dB (linear
/// port), gain boost off so the output ceiling stays at the threshold.
pub const LSP_LIMITER: Anchor = Anchor {
    name: "LSP Limiter Stereo (Full x8 3L)",
    package: "lsp-plugins-lv2",
    uri: "http://lsp-plug.in/plugins/lv2/limiter_stereo",
    controls: &[("th", 0.891_251), ("ovs", 20.0), ("boost", 0.0)],
    settings: "threshold 0.891251 (-1 dB), oversampling Full x8 (3L), gain boost off, \
               other controls default (Herm Thin, lookahead 5 ms, ALR on)",
    ours: false,
};

/// x42 stereo routing in its straight-through setting: copies in to out.
pub const PASS_THROUGH: Anchor = Anchor {
    name: "pass-through (x42 stereoroute)",
    package: "x42-plugins",
    uri: "http://gareus.org/oss/lv2/stereoroute",
    controls: &[("routing", 0.0)],
    settings: "routing 0 (straight)",
    ours: false,
};

/// headroom's release LV2 bundle with default settings (AGC, compressor,
/// limiter; ceiling −1 dBTP).
pub const HEADROOM: Anchor = Anchor {
    name: "headroom-lv2 (defaults)",
    package: "",
    uri: "https://github.com/headroom-audio/headroom#stereo",
    controls: &[],
    settings: "default controls (ceiling -1 dBTP)",
    ours: true,
};

/// headroom's release LV2 bundle as a plain limiter.
pub const HEADROOM_LIMITER: Anchor = Anchor {
    name: "headroom-lv2-limiter (AGC, compressor off)",
    package: "",
    uri: "https://github.com/headroom-audio/headroom#stereo",
    controls: &[("agc_enabled", 0.0), ("comp_enabled", 0.0)],
    settings: "agc_enabled 0, comp_enabled 0, ceiling -1 dBTP",
    ours: true,
};

/// `lv2file` 0.95 (bookworm) hands plugins a feature array whose last entry
/// has a NULL URI; plugins that walk the whole array (the LSP plugins)
/// crash on it. This preload drops such entries before instantiation; it
/// changes nothing else, and is used for every anchor alike.
const FEATURE_FIX_C: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
typedef struct { const char *URI; void *data; } LV2_Feature;
typedef void *(*instantiate_fn)(const void *, double, const LV2_Feature *const *);
void *lilv_plugin_instantiate(const void *plugin, double rate, const LV2_Feature *const *features) {
    static const LV2_Feature *kept[64];
    size_t n = 0;
    for (size_t i = 0; features && features[i] && n + 1 < 64; i++)
        if (features[i]->URI) kept[n++] = features[i];
    kept[n] = NULL;
    instantiate_fn real = (instantiate_fn)dlsym(RTLD_NEXT, "lilv_plugin_instantiate");
    return real(plugin, rate, kept);
}
"#;

/// `lv2file` ready to run anchors.
pub struct Lv2File {
    feature_fix: PathBuf,
    /// `LV2_PATH` for our own bundle: a directory holding only it, then
    /// the system's LV2 directories.
    ours_path: Option<String>,
}

impl Lv2File {
    /// Builds the feature-array fix (needs a C compiler, as Rust itself does).
    pub fn new(work_dir: &Path) -> Result<Lv2File> {
        let source = work_dir.join("lv2file-feature-fix.c");
        let library = work_dir.join("lv2file-feature-fix.so");
        std::fs::write(&source, FEATURE_FIX_C)
            .map_err(|e| format!("could not write {}: {e}", source.display()))?;
        let mut cc = Command::new("cc");
        cc.args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&library)
            .arg(&source)
            .arg("-ldl");
        cmd::output(&mut cc)?;
        Ok(Lv2File {
            feature_fix: library,
            ours_path: None,
        })
    }

    /// Makes `bundle` (a `headroom.lv2` directory) loadable for anchors
    /// marked `ours`.
    pub fn with_our_bundle(mut self, work_dir: &Path, bundle: &Path) -> Result<Lv2File> {
        let dir = work_dir.join("lv2-path");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        std::os::unix::fs::symlink(bundle, dir.join("headroom.lv2"))
            .map_err(|e| format!("could not link {}: {e}", bundle.display()))?;
        self.ours_path = Some(format!("{}:/usr/lib/lv2:/usr/local/lib/lv2", dir.display()));
        Ok(self)
    }

    /// Processes `input` into `output` with `anchor`; returns the CPU time
    /// (user + system) the `lv2file` process used.
    pub fn process(&self, anchor: &Anchor, input: &Path, output: &Path) -> Result<Duration> {
        let mut run = Command::new("lv2file");
        if anchor.ours {
            let path = self
                .ours_path
                .as_ref()
                .ok_or("headroom's own bundle was not set up for lv2file")?;
            run.env("LV2_PATH", path);
        }
        run.env("LD_PRELOAD", &self.feature_fix)
            .arg("--ignore-clipping")
            .args(["-b", &BLOCK_FRAMES.to_string()]);
        for (symbol, value) in anchor.controls {
            run.args(["-p", &format!("{symbol}:{value}")]);
        }
        run.arg("-i")
            .arg(input)
            .arg("-o")
            .arg(output)
            .arg(anchor.uri);
        run.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let before = children_cpu();
        let out = run
            .output()
            .map_err(|e| format!("could not start lv2file: {e}"))?;
        let cpu = children_cpu().saturating_sub(before);
        if !out.status.success() {
            return Err(format!(
                "`{}` failed ({}): {}",
                cmd::display(&run),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(cpu)
    }
}

/// Installed version of a Debian package, for the record.
pub fn package_version(package: &str) -> String {
    let mut query = Command::new("dpkg-query");
    query.args(["-W", "-f=${Version}", package]);
    cmd::output(&mut query).unwrap_or_else(|_| "unknown".into())
}

#[repr(C)]
struct Timeval {
    tv_sec: c_long,
    tv_usec: c_long,
}

/// `struct rusage` on Linux: two timevals and fourteen longs.
#[repr(C)]
struct Rusage {
    ru_utime: Timeval,
    ru_stime: Timeval,
    rest: [c_long; 14],
}

const RUSAGE_CHILDREN: i32 = -1;

/// User + system CPU time of all waited-for children so far.
fn children_cpu() -> Duration {
    extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    let mut usage = Rusage {
        ru_utime: Timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        ru_stime: Timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        rest: [0; 14],
    };
    // SAFETY: `usage` is a valid, writable `struct rusage` for this platform.
    let rc = unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(
        rc, 0,
        "getrusage(RUSAGE_CHILDREN) cannot fail with valid arguments"
    );
    let time = |t: &Timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(&usage.ru_utime) + time(&usage.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_cpu_grows_by_what_a_child_burns() {
        let before = children_cpu();
        // A child that spins for a moment.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(children_cpu() > before);
    }
}
