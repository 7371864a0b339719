//! Headroom's DSP as plain Rust: no plugin framework, no I/O, no allocation
//! after construction.
//!
//! One [`Chain`] processes one linked channel group (all channels share the
//! gain decisions, so the stereo image never shifts):
//!
//! input sanitising → input gain → [`agc`] → [`compressor`] →
//! [`limiter`] tier 1 (lookahead, 4× oversampled true-peak detection, smooth
//! envelope) → limiter tier 2 (short safety stage, 8× oversampled detection
//! with peak interpolation) → final sample clamp.
//!
//! Guarantees, for every block size (0, 1, primes, 8192+) and sample rates
//! 22.05–384 kHz:
//! - the output true peak stays at or below the ceiling (default −1 dBTP,
//!   never above −0.1 dBTP whatever is set);
//! - NaN, ±Inf, denormals and absurdly large input never produce NaN/Inf or
//!   an over-ceiling sample;
//! - [`Chain::process`] never allocates, locks or makes system calls;
//! - output does not depend on how the host splits the stream into blocks;
//! - parameter changes are smoothed, so they never click.

pub mod agc;
pub mod chain;
pub mod compressor;
pub mod dsp_math;
pub mod kweight;
pub mod limiter;
mod meters;
pub mod oversample;
pub mod params;
mod sanitize;
mod smoothing;
mod window_min;

pub use chain::{Chain, ChainError, CHUNK, MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ};
pub use meters::Meters;
pub use params::{ParamId, ParamSpec, ParamValues, Unit, PARAMS, PARAM_COUNT};
