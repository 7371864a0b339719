//! The two-tier true-peak limiter.
//!
//! - [`lookahead::LookaheadLimiter`] (tier 1) does the musical work: 4×
//!   oversampled peak detection with a 64-tap interpolator and parabolic
//!   peak refinement, a lookahead window, a gain envelope that
//!   ramps smoothly into each peak and releases with a one-pole curve.
//! - [`safety::SafetyLimiter`] (tier 2) guarantees the ceiling on what tier 1
//!   lets through: 8× oversampled detection with parabolic peak
//!   interpolation, a gain that is constant across every sample an
//!   inter-sample peak depends on, and a final sample clamp.
//!
//! Both tiers share [`detect::PeakDetector`] (oversample → refine near the
//! aim → required gain) and [`envelope::GainEnvelope`], whose output is provably at
//! or below every required gain within its window (see its docs).

pub mod delay;
pub mod detect;
pub mod envelope;
pub mod lookahead;
pub mod safety;

/// Tier 2 aims this far under the ceiling, dB. BS.1770 true-peak meters as
/// commonly implemented (libebur128 and the `ebur128` crate: 48-tap
/// Hann-windowed sinc at 4×/2×) over-read by up to 0.11 dB at some
/// frequencies and phases; this margin keeps their reading at or under the
/// ceiling too, and also covers the detectors' own residual under-read
/// against an ideal reconstruction (< 0.01 dB).
pub const TIER2_MARGIN_DB: f32 = 0.12;
/// Tier 1 aims a little lower still, dB, so tier 2 rarely has to act.
pub const TIER1_MARGIN_DB: f32 = 0.15;
/// Lookahead of tier 1, ms (scaled to samples for each sample rate, at
/// least one). With both tiers' filter delays (49 samples) this keeps the
/// chain's latency within 1.5 ms from 44.1 kHz up: 66 samples at 44.1 kHz.
pub const LOOKAHEAD_MS: f32 = 0.38;
/// Time constant for ceiling changes, ms.
pub const CEILING_GLIDE_MS: f32 = 20.0;
