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
//! Guarantees, for every block size (0, 1, primes, 8192+) and every sample
//! rate from 1 kHz to 768 kHz, fractional ones included
//! ([`MIN_SAMPLE_RATE_HZ`]–[`MAX_SAMPLE_RATE_HZ`]; other rates are refused
//! by [`Chain::new`]):
//! - the output true peak stays at or below the ceiling (default −1 dBTP,
//!   never above −0.1 dBTP whatever is set);
//! - NaN, ±Inf, denormals and absurdly large input never produce NaN/Inf or
//!   an over-ceiling sample;
//! - [`Chain::process`] never allocates, locks or makes system calls;
//! - output does not depend on how the host splits the stream into blocks;
//! - parameter changes are smoothed, so they never click;
//! - time constants are in ms whatever the rate; the latency
//!   ([`Chain::latency_samples`], constant per rate) is at most 1.5 ms at
//!   44.1 kHz and above (the oversampling filters' delay is a fixed number
//!   of samples, so it is longer in ms at lower rates: about 50 ms at 1 kHz).

pub mod agc;
pub mod block;
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
pub mod volume;
mod window_min;

pub use block::{CHUNK, MAX_CHANNELS};
pub use chain::{Chain, ChainError, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ};
pub use meters::Meters;
pub use params::{ParamId, ParamSpec, ParamValues, Unit, PARAMS, PARAM_COUNT};
pub use volume::MAX_VOLUME;
