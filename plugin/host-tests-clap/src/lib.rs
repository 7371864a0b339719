//! Test hosts that load the built CLAP and VST3 bundles from
//! `target/bundled/` (or `$HEADROOM_BUNDLE_DIR`) the way a DAW does: through
//! the shared library's exported entry point, never by linking the plugin
//! crate. The tests under `tests/` drive them and check the audio with the
//! independent reference meter of `headroom-testdata`.
//!
//! - [`clap`]: a small host on `clack-host` (descriptor, audio ports, params,
//!   latency, state, processing with parameter events).
//! - [`vst3`]: a small host on the `vst3` bindings (factory, component,
//!   audio processor, edit controller, parameter changes, state streams).
//!
//! Nothing here mocks the plugin: if the bundle is missing, [`clap_bundle`]
//! and [`vst3_binary`] panic and tell you how to build it.

pub mod audio;
pub mod clap;
pub mod vst3;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Environment variable naming the folder that holds `headroom.clap` and
/// `headroom.vst3/` (default: `<workspace>/target/bundled`).
pub const BUNDLE_DIR_ENV: &str = "HEADROOM_BUNDLE_DIR";

/// The command that builds what these tests load.
pub const BUILD_HINT: &str = "run `cargo xtask bundle --checked` first";

/// Where the bundles are: `$HEADROOM_BUNDLE_DIR`, else `<workspace>/target/bundled`.
pub fn bundle_dir() -> PathBuf {
    match std::env::var_os(BUNDLE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join("target/bundled"),
    }
}

fn existing(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.is_file(),
        "{what} not found at {}: {BUILD_HINT} (or point ${BUNDLE_DIR_ENV} at the folder holding the bundles)",
        path.display()
    );
    path
}

/// The CLAP plugin file (`headroom.clap`, a single shared library).
/// Panics with [`BUILD_HINT`] when it has not been built.
pub fn clap_bundle() -> PathBuf {
    existing(bundle_dir().join("headroom.clap"), "the CLAP bundle")
}

/// The Linux binary inside the VST3 bundle.
/// Panics with [`BUILD_HINT`] when it has not been built.
pub fn vst3_binary() -> PathBuf {
    existing(
        bundle_dir().join("headroom.vst3/Contents/x86_64-linux/headroom.so"),
        "the VST3 bundle binary",
    )
}

/// The host-visible id nice-plug derives from a parameter's string id, for
/// both CLAP and VST3 (a Rabin fingerprint, `hash * 31 + byte`, with the top
/// bit cleared because VST3 reserves it for host parameters). Written out
/// here rather than borrowed so a change on the plugin side shows up as a
/// test failure.
/// A value other than the default for every table row, used by the state
/// tests and the saved-state fixtures: the ceiling at −6 dBTP (checked in
/// the audio), toggles flipped, others 30 % into their range (70 % if that
/// is the default), at the table's display resolution.
pub fn non_default(spec: &headroom_dsp::ParamSpec) -> f32 {
    if spec.key == "ceiling" {
        return -6.0;
    }
    if spec.is_toggle() {
        return 1.0 - spec.default;
    }
    let at = |t: f32| ((spec.min + t * (spec.max - spec.min)) * 10.0).round() / 10.0;
    if at(0.3) != spec.default {
        at(0.3)
    } else {
        at(0.7)
    }
}

pub fn param_hash(key: &str) -> u32 {
    let hash = key
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    hash & !(1 << 31)
}

/// Keeps the shared library at `path` mapped until the process exits, the
/// way DAWs keep a plugin's library loaded for the whole session.
///
/// Why the hosts here do it by default: a nice-plug plugin calls
/// `std::thread::current()` when an instance is created, which registers a
/// thread-local destructor *inside the plugin's copy of std* on the host's
/// thread. If the library is unmapped (last `dlclose`) before that thread
/// ends, the thread's exit jumps into unmapped memory (SIGSEGV). That
/// hazard has its own test (`plugin_survives_being_unloaded.rs`); pinning
/// keeps every other test about what it checks.
pub fn pin_library(path: &Path) {
    static PINNED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut pinned = PINNED.lock().unwrap();
    let set = pinned.get_or_insert_with(HashSet::new);
    if set.insert(path.to_path_buf()) {
        // SAFETY: loading the plugin library runs its initialisers, as any
        // host's dlopen does; the handle is leaked on purpose.
        let library = unsafe { libloading::Library::new(path) }
            .unwrap_or_else(|e| panic!("cannot dlopen {}: {e}", path.display()));
        std::mem::forget(library);
    }
}

/// Interleaved frames → one `Vec` per channel.
pub fn deinterleave(interleaved: &[f32], channels: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            interleaved
                .iter()
                .skip(c)
                .step_by(channels)
                .copied()
                .collect()
        })
        .collect()
}

/// One `Vec` per channel → interleaved frames.
pub fn interleave(planar: &[Vec<f32>]) -> Vec<f32> {
    let frames = planar.first().map_or(0, Vec::len);
    (0..frames)
        .flat_map(|f| planar.iter().map(move |ch| ch[f]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_hash_matches_known_values() {
        // "a" = 97; "ab" = 97 * 31 + 98.
        assert_eq!(param_hash("a"), 97);
        assert_eq!(param_hash("ab"), 97 * 31 + 98);
        assert_eq!(param_hash("ceiling") & (1 << 31), 0);
    }

    #[test]
    fn a_missing_bundle_fails_with_the_build_hint() {
        // The only test in this binary that touches the environment.
        let empty = std::env::temp_dir().join(format!("headroom-no-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        std::env::set_var(BUNDLE_DIR_ENV, &empty);
        let clap = std::panic::catch_unwind(clap_bundle);
        let vst3 = std::panic::catch_unwind(vst3_binary);
        std::env::remove_var(BUNDLE_DIR_ENV);
        std::fs::remove_dir_all(&empty).unwrap();
        for result in [clap.map(drop), vst3.map(drop)] {
            let message = result.expect_err("a missing bundle must fail");
            let message = message
                .downcast_ref::<String>()
                .expect("panic message is a String");
            assert!(message.contains(BUILD_HINT), "{message}");
        }
    }

    #[test]
    fn interleave_round_trips() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let planar = deinterleave(&x, 2);
        assert_eq!(planar, vec![vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]]);
        assert_eq!(interleave(&planar), x);
    }
}
