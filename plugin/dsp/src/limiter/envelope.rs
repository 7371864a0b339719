//! Lookahead gain envelope: sliding minimum, then a moving average.
//!
//! Push one required gain `r[k]` (≤ 1) per sample. With `hold` = window of
//! the minimum and `ramp` = length of the average, the returned gain `g[n]`
//! satisfies `g[n] ≤ r[k]` for every `k` in `[n − hold + 1, n − ramp + 1]`
//! (the samples that every averaged minimum covers). Because the average of a
//! step is a straight line, the gain falls in a linear ramp of `ramp`
//! samples ahead of every peak instead of jumping. A one-pole release then
//! only ever *lowers* the gain further, so the bound still holds.

use crate::window_min::WindowMin;

#[derive(Debug, Clone)]
pub struct GainEnvelope {
    min: WindowMin,
    ramp: Box<[f32]>,
    ramp_pos: usize,
    ramp_sum: f64,
    release_coef: f32,
    gain: f32,
}

impl GainEnvelope {
    /// Allocates (call outside the audio thread). `hold ≥ ramp ≥ 1`.
    pub fn new(hold: usize, ramp: usize, release_coef: f32) -> Self {
        let ramp = ramp.max(1);
        GainEnvelope {
            min: WindowMin::new(hold.max(ramp)),
            ramp: vec![1.0; ramp].into_boxed_slice(),
            ramp_pos: 0,
            ramp_sum: ramp as f64,
            release_coef,
            gain: 1.0,
        }
    }

    pub fn set_release_coef(&mut self, coef: f32) {
        self.release_coef = coef;
    }

    pub fn reset(&mut self) {
        self.min.reset();
        self.ramp.fill(1.0);
        self.ramp_pos = 0;
        self.ramp_sum = self.ramp.len() as f64;
        self.gain = 1.0;
    }

    /// Current gain (as last returned).
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Pushes the gain required for the newest sample and returns the gain
    /// to apply to the sample leaving the delay line. Real-time safe.
    #[inline]
    pub fn push(&mut self, required: f32) -> f32 {
        let held = self.min.push(required);
        let old = self.ramp[self.ramp_pos];
        self.ramp[self.ramp_pos] = held;
        self.ramp_pos = if self.ramp_pos + 1 == self.ramp.len() {
            0
        } else {
            self.ramp_pos + 1
        };
        self.ramp_sum += held as f64 - old as f64;
        // The average of values ≤ 1 is ≤ 1; clamp away rounding drift.
        let averaged = ((self.ramp_sum / self.ramp.len() as f64) as f32).min(1.0);
        self.gain = if averaged <= self.gain {
            averaged
        } else {
            averaged + (self.gain - averaged) * self.release_coef
        };
        self.gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_exceeds_required_gain_in_window() {
        let hold = 12;
        let ramp = 8;
        let mut env = GainEnvelope::new(hold, ramp, 0.99);
        let mut state = 7u32;
        let mut req = Vec::new();
        for n in 0..5000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let r = if state.is_multiple_of(17) {
                0.2 + (state % 100) as f32 / 200.0
            } else {
                1.0
            };
            req.push(r);
            let g = env.push(r);
            if n + 1 < hold {
                continue;
            }
            for &rk in &req[n + 1 - hold..=n + 1 - ramp] {
                assert!(g <= rk + 1e-6, "gain {g} above required {rk} at {n}");
            }
        }
    }

    #[test]
    fn unity_when_nothing_is_required() {
        let mut env = GainEnvelope::new(40, 38, 0.9);
        for _ in 0..1000 {
            assert_eq!(env.push(1.0), 1.0);
        }
    }
}
