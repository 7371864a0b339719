//! Soft-knee feed-forward compressor, all channels linked.
//!
//! Detector: the largest magnitude across channels, per sample, in dB.
//! Static curve ([`static_gain_db`], Giannoulis–Massberg–Reiss soft knee):
//! below `T − W/2` no change; above `T + W/2` output = `T + (x − T)/R`;
//! in between a quadratic joins the two. Gain reduction is smoothed in dB
//! with separate one-pole attack and release: a step reaches 63% of its
//! final value after the attack (more reduction) or release (less) time.
//! Threshold, ratio, knee and makeup glide over [`PARAM_GLIDE_MS`] so that
//! changing them never clicks.

use crate::block::CHUNK;
use crate::dsp_math::{db_to_lin, fast_db_to_lin, fast_lin_to_db, one_pole_coef};
use crate::smoothing::Smoothed;

/// Time constant of threshold/ratio/knee/makeup changes, ms.
pub const PARAM_GLIDE_MS: f32 = 50.0;
/// Frames whose level is this far below the knee skip the logarithm
/// (10× [`fast_lin_to_db`]'s error, so the curve is exactly 0 there).
const BELOW_KNEE_MARGIN_DB: f32 = 0.01;

/// Compressor settings, already clamped to the parameter table's ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorParams {
    pub enabled: bool,
    pub threshold_db: f32,
    pub ratio: f32,
    pub knee_db: f32,
    pub attack_ms: f32,
    pub release_ms: f32,
    pub makeup_db: f32,
}

/// Static curve: gain change in dB (≤ 0) for a detector level `level_db`.
pub fn static_gain_db(level_db: f32, threshold_db: f32, ratio: f32, knee_db: f32) -> f32 {
    let over = level_db - threshold_db;
    let slope = 1.0 / ratio - 1.0; // ≤ 0
    if 2.0 * over <= -knee_db {
        0.0
    } else if knee_db > 0.0 && 2.0 * over.abs() <= knee_db {
        let x = over + knee_db / 2.0;
        slope * x * x / (2.0 * knee_db)
    } else {
        slope * over
    }
}

#[derive(Debug, Clone)]
pub struct Compressor {
    sample_rate: f32,
    params: CompressorParams,
    attack_coef: f32,
    release_coef: f32,
    threshold_db: Smoothed,
    ratio: Smoothed,
    knee_db: Smoothed,
    makeup_db: Smoothed,
    /// Smoothed gain reduction, dB (≤ 0).
    gr_db: f32,
    /// Largest gain reduction within the last processed block, dB (≥ 0).
    block_max_gr_db: f32,
}

impl Compressor {
    pub fn new(sample_rate: f32, params: CompressorParams) -> Self {
        let glide = one_pole_coef(PARAM_GLIDE_MS, sample_rate);
        let mut c = Compressor {
            sample_rate,
            params,
            attack_coef: 0.0,
            release_coef: 0.0,
            threshold_db: Smoothed::new(params.threshold_db, glide),
            ratio: Smoothed::new(params.ratio, glide),
            knee_db: Smoothed::new(params.knee_db, glide),
            makeup_db: Smoothed::new(
                if params.enabled {
                    params.makeup_db
                } else {
                    0.0
                },
                glide,
            ),
            gr_db: 0.0,
            block_max_gr_db: 0.0,
        };
        c.set_params(params);
        c
    }

    /// Real-time safe; changes glide, switching off releases the gain reduction.
    pub fn set_params(&mut self, params: CompressorParams) {
        self.params = params;
        self.attack_coef = one_pole_coef(params.attack_ms, self.sample_rate);
        self.release_coef = one_pole_coef(params.release_ms, self.sample_rate);
        self.threshold_db.set_target(params.threshold_db);
        self.ratio.set_target(params.ratio);
        self.knee_db.set_target(params.knee_db);
        self.makeup_db.set_target(if params.enabled {
            params.makeup_db
        } else {
            0.0
        });
    }

    pub fn reset(&mut self) {
        self.gr_db = 0.0;
        self.block_max_gr_db = 0.0;
        self.threshold_db.snap();
        self.ratio.snap();
        self.knee_db.snap();
        self.makeup_db.snap();
    }

    /// Gain reduction now, dB (≥ 0).
    pub fn gain_reduction_db(&self) -> f32 {
        -self.gr_db
    }

    /// Most gain reduction during the last `process` call, dB (≥ 0).
    pub fn block_max_gain_reduction_db(&self) -> f32 {
        self.block_max_gr_db
    }

    /// One step of the gain-reduction smoother toward `target` dB.
    #[inline]
    fn follow(&mut self, target: f32) {
        let coef = if target < self.gr_db {
            self.attack_coef
        } else {
            self.release_coef
        };
        self.gr_db = target + (self.gr_db - target) * coef;
        if self.gr_db > -1.0e-6 {
            self.gr_db = 0.0;
        }
    }

    /// The enabled compressor with every setting settled (the usual case),
    /// in passes over the chunk that the compiler can vectorise: linked
    /// peak, static curve (skipping the logarithm for frames clearly below
    /// the knee, where the curve is exactly 0), the smoother (the one
    /// serial part), the gain. Bit-identical to the per-sample path.
    /// Returns the most gain reduction reached, dB (≤ 0).
    fn process_settled(&mut self, channels: &mut [[f32; CHUNK]], frames: usize) -> f32 {
        let (threshold, ratio, knee) = (
            self.threshold_db.current(),
            self.ratio.current(),
            self.knee_db.current(),
        );
        let makeup = self.makeup_db.current();
        let mut peak = [0.0f32; CHUNK];
        for ch in channels.iter() {
            for (p, x) in peak[..frames].iter_mut().zip(&ch[..frames]) {
                *p = p.max(x.abs());
            }
        }
        // Below this the curve is 0 even with fast_lin_to_db's 0.001 dB error.
        let below_knee = db_to_lin(threshold - knee / 2.0 - BELOW_KNEE_MARGIN_DB);
        let mut gain = [0.0f32; CHUNK];
        let mut max_gr = 0.0f32;
        for (g, &p) in gain[..frames].iter_mut().zip(&peak[..frames]) {
            let target = if p < below_knee {
                0.0
            } else {
                static_gain_db(fast_lin_to_db(p), threshold, ratio, knee)
            };
            self.follow(target);
            max_gr = max_gr.min(self.gr_db);
            *g = self.gr_db + makeup;
        }
        // fast_db_to_lin(0) is exactly 1, so frames without gain change stay as they are.
        for g in gain[..frames].iter_mut() {
            *g = fast_db_to_lin(*g);
        }
        for ch in channels.iter_mut() {
            for (x, &g) in ch[..frames].iter_mut().zip(&gain[..frames]) {
                *x *= g;
            }
        }
        max_gr
    }

    /// Real-time safe.
    pub fn process(&mut self, channels: &mut [[f32; CHUNK]], frames: usize) {
        let mut max_gr = 0.0f32;
        let idle = !self.params.enabled
            && self.gr_db == 0.0
            && self.makeup_db.is_settled()
            && self.makeup_db.current() == 0.0;
        if idle {
            // Settled and off: nothing to do. Snapping keeps the state the
            // same however the host splits blocks.
            self.threshold_db.snap();
            self.ratio.snap();
            self.knee_db.snap();
            self.block_max_gr_db = 0.0;
            return;
        }
        let settled = self.threshold_db.is_settled()
            && self.ratio.is_settled()
            && self.knee_db.is_settled()
            && self.makeup_db.is_settled();
        if settled && self.params.enabled {
            max_gr = self.process_settled(channels, frames);
        } else {
            for i in 0..frames {
                let threshold = self.threshold_db.next();
                let ratio = self.ratio.next();
                let knee = self.knee_db.next();
                let makeup = self.makeup_db.next();
                let target = if self.params.enabled {
                    let mut peak = 0.0f32;
                    for ch in channels.iter() {
                        peak = peak.max(ch[i].abs());
                    }
                    static_gain_db(fast_lin_to_db(peak), threshold, ratio, knee)
                } else {
                    0.0
                };
                self.follow(target);
                max_gr = max_gr.min(self.gr_db);
                let total_db = self.gr_db + makeup;
                if total_db != 0.0 {
                    let g = fast_db_to_lin(total_db);
                    for ch in channels.iter_mut() {
                        ch[i] *= g;
                    }
                }
            }
        }
        self.block_max_gr_db = -max_gr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_curve_regions() {
        // Hard knee: exactly threshold + over/ratio.
        assert_eq!(static_gain_db(-30.0, -20.0, 4.0, 0.0), 0.0);
        assert!((static_gain_db(-10.0, -20.0, 4.0, 0.0) - (-7.5)).abs() < 1e-6);
        // Soft knee: at the threshold the curve sits slope·W/8 below.
        let at_t = static_gain_db(-20.0, -20.0, 4.0, 8.0);
        assert!((at_t - (0.25 - 1.0) * 8.0 / 8.0).abs() < 1e-6, "{at_t}");
        // Continuous at both knee edges.
        for edge in [-24.0f32, -16.0] {
            let below = static_gain_db(edge - 1e-4, -20.0, 4.0, 8.0);
            let above = static_gain_db(edge + 1e-4, -20.0, 4.0, 8.0);
            assert!((below - above).abs() < 1e-3);
        }
    }
}
