//! Per-sample parameter smoothing so control changes never click.

/// A value that glides toward its target with a one-pole response.
/// Real-time safe: no allocation, a multiply-add per sample while moving,
/// nothing once settled.
#[derive(Debug, Clone, Copy)]
pub struct Smoothed {
    current: f32,
    target: f32,
    /// Fraction of the remaining distance kept per sample.
    coef: f32,
}

impl Smoothed {
    /// Starts settled at `value`; `coef` from [`crate::dsp_math::one_pole_coef`].
    pub fn new(value: f32, coef: f32) -> Self {
        Smoothed {
            current: value,
            target: value,
            coef,
        }
    }

    pub fn set_target(&mut self, target: f32) {
        self.target = target;
    }

    /// Jumps to the target (for reset and construction only; clicks on audio).
    pub fn snap(&mut self) {
        self.current = self.target;
    }

    /// The value being glided toward.
    pub fn target(&self) -> f32 {
        self.target
    }

    pub fn current(&self) -> f32 {
        self.current
    }

    pub fn is_settled(&self) -> bool {
        self.current == self.target
    }

    /// Advances one sample and returns the new value.
    #[inline]
    pub fn next(&mut self) -> f32 {
        if self.current != self.target {
            let next = self.target + (self.current - self.target) * self.coef;
            // Snap when the remaining distance is below f32 resolution of the
            // value, so settling is exact and finite.
            self.current = if (next - self.target).abs() <= 1.0e-6 * self.target.abs().max(1.0e-3) {
                self.target
            } else {
                next
            };
        }
        self.current
    }
}
