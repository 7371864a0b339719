//! `headroom-wav`: headroom's DSP applied offline to audio files, with a
//! report measured by the project's level meter (`headroom-level`).
//!
//! The binary (`src/main.rs`) only parses arguments and maps errors to exit
//! codes; everything else lives here so tests and other tools can use it:
//! - [`source`]: decoding WAV (RIFF/RF64/extensible), FLAC, Ogg Vorbis,
//!   Ogg Opus and MP3 as a stream of blocks;
//! - [`sink`]: encoding WAV and FLAC, atomically (temp file, fsync, rename);
//! - [`dither`]: TPDF dither and quantisation for integer output;
//! - [`pipeline`]: the streaming run (decode → DSP → encode) with exact
//!   latency handling, in memory independent of the file's length;
//! - [`process`]: the same processing in memory (the reference the
//!   streaming run is tested against);
//! - [`measure`]: sample peak, true peak and loudness;
//! - [`series`], [`plot`]: the per-100 ms series for `--csv` and `--plot`;
//! - [`selftest`]: EBU Tech 3341/3342 and ceiling checks;
//! - [`report`], [`progress`], [`cli`]: what the user sees.

pub mod cli;
pub mod dither;
pub mod error;
pub mod format;
pub mod measure;
pub mod pipeline;
pub mod plot;
pub mod process;
pub mod progress;
pub mod report;
pub mod selftest;
pub mod series;
pub mod sink;
pub mod source;
pub mod wav_io;

pub use error::{exit_code, WavError};
