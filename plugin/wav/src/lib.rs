//! `headroom-wav`: headroom's DSP applied offline to WAV files, with a
//! report measured by an independent meter.
//!
//! The binary (`src/main.rs`) only parses arguments and maps errors to exit
//! codes; everything else lives here so tests and other tools can use it:
//! - [`wav_io`]: reading 16/24/32-bit int and 32-bit float WAVs, writing
//!   32-bit float or dithered 24-bit atomically;
//! - [`process`]: running samples through [`headroom_dsp::Chain`], with
//!   optional latency removal;
//! - [`measure`]: sample peak, true peak and integrated loudness (ebur128);
//! - [`report`]: the human and JSON reports;
//! - [`cli`]: the command line and the `process`/`analyze` commands.

pub mod cli;
pub mod dither;
pub mod error;
pub mod measure;
pub mod process;
pub mod report;
pub mod wav_io;

pub use error::{exit_code, WavError};
