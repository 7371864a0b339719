//! Plugin format glue (LV2 descriptor, CLAP and VST3 through nice-plug) around
//! [`headroom_dsp`]. The formats arrive with the plugin-formats work; this
//! crate holds the place in the workspace so the dependency direction
//! (formats → DSP, never the reverse) is fixed from the start.

pub use headroom_dsp as dsp;
