//! Headroom as plugins: one `cdylib` exporting CLAP (`clap_entry`) and VST3
//! (`GetPluginFactory`) through nice-plug, and LV2 (`lv2_descriptor`)
//! through a small hand-written entry point. All three run the same
//! [`headroom_dsp::Chain`] with parameters from the one table.
//!
//! Features:
//! - `checked`: with debug assertions (`cargo xtask bundle --checked` uses
//!   the `checked` profile), any allocation on the audio thread aborts the
//!   host — nice-plug's `assert_process_allocs` for CLAP/VST3, and
//!   `assert_no_alloc` around LV2 `run`.
//! - `alloc-canary`: makes every process call allocate, to prove in tests
//!   that a checked build really aborts. Never ship it.

pub mod host_params;
pub mod identity;
pub mod lv2;
mod nice;

pub use headroom_dsp as dsp;

/// Allocates on purpose in `alloc-canary` builds; nothing otherwise.
#[inline(always)]
pub(crate) fn alloc_canary() {
    #[cfg(feature = "alloc-canary")]
    std::hint::black_box(Box::new(std::hint::black_box(0u64)));
}
