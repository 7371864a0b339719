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

/// A gain releasing toward unity snaps to it from here (−0.00001 dB).
const RELEASED: f64 = 1.0 - 1.0e-6;

#[derive(Debug, Clone)]
pub struct GainEnvelope {
    min: WindowMin,
    ramp: Box<[f32]>,
    ramp_pos: usize,
    ramp_sum: f64,
    release_coef: f64,
    /// In f64: in f32 a one-pole release with a coefficient near 1 stalls
    /// short of its target (1 − 1.1·10⁻⁴ for 80 ms at 48 kHz, where the
    /// step falls under half a unit in the last place).
    gain: f64,
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
            release_coef: release_coef as f64,
            gain: 1.0,
        }
    }

    pub fn set_release_coef(&mut self, coef: f32) {
        self.release_coef = coef as f64;
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
        self.gain as f32
    }

    /// [`push`](Self::push) for each of `required[..n]`, writing the gains
    /// into `gains[..n]`. While the envelope is at rest (unity gain, every
    /// held value 1) and the block requires nothing, it stays there in O(1):
    /// the result is bit-identical to pushing sample by sample. Real-time
    /// safe.
    pub fn push_block(&mut self, required: &[f32], gains: &mut [f32]) {
        let n = required.len();
        if self.is_at_rest() && required.iter().all(|&r| r == 1.0) {
            self.min.push_ones(n);
            self.ramp_pos = (self.ramp_pos + n) % self.ramp.len();
            gains[..n].fill(1.0);
            return;
        }
        for (g, &r) in gains[..n].iter_mut().zip(required) {
            *g = self.push(r);
        }
    }

    /// Unity gain, and pushing 1 would return unity again: every value the
    /// minimum and the average see is 1 (and the running sum says so).
    fn is_at_rest(&self) -> bool {
        self.gain == 1.0
            && self.min.is_all_ones()
            && self.ramp.iter().all(|&v| v == 1.0)
            && (self.ramp_sum / self.ramp.len() as f64).min(1.0) == 1.0
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
        let averaged = (self.ramp_sum / self.ramp.len() as f64).min(1.0);
        self.gain = if averaged <= self.gain {
            averaged
        } else if averaged == 1.0 && self.gain >= RELEASED {
            1.0
        } else {
            averaged + (self.gain - averaged) * self.release_coef
        };
        self.gain as f32
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
    fn blocks_are_bit_identical_to_single_pushes() {
        let mut block = GainEnvelope::new(20, 8, 0.95);
        let mut single = GainEnvelope::new(20, 8, 0.95);
        let mut state = 11u32;
        for round in 0..300 {
            let n = [64, 1, 17, 64, 64, 64][round % 6];
            let mut req = [1.0f32; 64];
            if round % 9 == 0 {
                for r in req[..n].iter_mut() {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    if state.is_multiple_of(5) {
                        *r = 0.3 + (state % 70) as f32 / 100.0;
                    }
                }
            }
            let mut gains = [0.0f32; 64];
            block.push_block(&req[..n], &mut gains);
            for i in 0..n {
                assert_eq!(
                    gains[i].to_bits(),
                    single.push(req[i]).to_bits(),
                    "round {round}"
                );
            }
        }
    }

    /// After a correction the release reaches exactly unity (and the
    /// envelope its resting state) instead of stalling just below it.
    #[test]
    fn release_returns_to_exactly_unity() {
        let mut env = GainEnvelope::new(20, 8, 0.9997);
        env.push(0.5);
        let mut pushes = 0;
        while env.gain() != 1.0 {
            env.push(1.0);
            pushes += 1;
            assert!(pushes < 200_000, "stalled at {}", env.gain());
        }
        assert!(env.is_at_rest());
    }

    #[test]
    fn unity_when_nothing_is_required() {
        let mut env = GainEnvelope::new(40, 38, 0.9);
        for _ in 0..1000 {
            assert_eq!(env.push(1.0), 1.0);
        }
    }
}
