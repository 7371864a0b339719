//! Deterministic test signals and an independent reference meter.
//!
//! Every generator is a pure function of its arguments (a fixed-seed PRNG,
//! no platform maths beyond `f64` `sin`/`exp`), so every machine produces the
//! same signals. [`meter`] is deliberately *not* the limiter's detector: a
//! 16× oversampling, long Kaiser-windowed-sinc interpolator written
//! separately, used only to check the DSP from the outside.
//! [`pipewire`] starts a private PipeWire graph (daemon, WirePlumber, null
//! sinks, players and recorders) for tests of the live stack.

pub mod demo;
pub mod meter;
pub mod pipewire;
pub mod signals;

pub use signals::{Signal, SIGNALS};
