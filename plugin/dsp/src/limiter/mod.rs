//! The two-tier true-peak limiter.
//!
//! - [`lookahead::LookaheadLimiter`] (tier 1) does the musical work: 4×
//!   oversampled peak detection, a lookahead window, a gain envelope that
//!   ramps smoothly into each peak and releases with a one-pole curve.
//! - [`safety::SafetyLimiter`] (tier 2) guarantees the ceiling on what tier 1
//!   lets through: 8× oversampled detection with parabolic peak
//!   interpolation, a gain that is constant across every sample an
//!   inter-sample peak depends on, and a final sample clamp.
//!
//! Both tiers share [`envelope::GainEnvelope`], whose output is provably at
//! or below every required gain within its window (see its docs).

pub mod envelope;
pub mod lookahead;
pub mod safety;

/// Tier 1 aims this far under the ceiling, dB, so tier 2 rarely has to act.
pub const TIER1_MARGIN_DB: f32 = 0.05;
/// Tier 2 aims this far under the ceiling, dB: covers the residual error of
/// its detector against an ideal (infinitely oversampled) meter.
pub const TIER2_MARGIN_DB: f32 = 0.02;
/// Lookahead of tier 1, ms (scaled to samples for each sample rate).
pub const LOOKAHEAD_MS: f32 = 0.75;
/// Time constant for ceiling changes, ms.
pub const CEILING_GLIDE_MS: f32 = 20.0;
