//! Meter readings the chain produces while it runs.

/// A snapshot of what the chain measured.
///
/// Levels are linear amplitudes (1.0 = 0 dBFS); gain reductions are positive
/// decibels (3.0 means the stage lowered the level by 3 dB). "Current" fields
/// are the state at the end of the last processed block; `*_max` fields hold
/// the extreme since the chain was created or [`crate::Chain::reset_meter_peaks`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meters {
    /// Largest input sample magnitude (after sanitising, before input gain).
    pub input_peak_max: f32,
    /// Largest output sample magnitude.
    pub output_peak_max: f32,
    /// Largest output true peak seen by the final stage's 8× oversampled detector.
    pub output_true_peak_max: f32,
    /// AGC gain now, dB (positive is boost).
    pub agc_gain_db: f32,
    /// Lowest and highest AGC gain reached, dB.
    pub agc_gain_min_db: f32,
    pub agc_gain_max_db: f32,
    /// Compressor gain reduction now and at most, dB.
    pub comp_gr_db: f32,
    pub comp_gr_max_db: f32,
    /// Limiter gain reduction (both tiers together) now and at most, dB.
    pub limiter_gr_db: f32,
    pub limiter_gr_max_db: f32,
    /// Safety tier alone: most gain reduction it applied, dB (0 when tier 1 sufficed).
    pub safety_gr_max_db: f32,
    /// Short-term (3 s) K-weighted loudness of the input as the AGC sees it, LUFS;
    /// `f32::NEG_INFINITY` until anything was measured.
    pub short_term_lufs: f32,
}

impl Default for Meters {
    fn default() -> Self {
        Meters {
            input_peak_max: 0.0,
            output_peak_max: 0.0,
            output_true_peak_max: 0.0,
            agc_gain_db: 0.0,
            agc_gain_min_db: 0.0,
            agc_gain_max_db: 0.0,
            comp_gr_db: 0.0,
            comp_gr_max_db: 0.0,
            limiter_gr_db: 0.0,
            limiter_gr_max_db: 0.0,
            safety_gr_max_db: 0.0,
            short_term_lufs: f32::NEG_INFINITY,
        }
    }
}
