//! Input sanitising: whatever arrives, what leaves is finite, bounded and free
//! of denormals.

/// Input magnitudes are clamped here (+80 dBFS): far beyond any real signal,
/// small enough that no later gain computation can overflow `f32`.
pub const INPUT_LIMIT: f32 = 1.0e4;
/// Magnitudes below this (−400 dBFS) are flushed to zero: they are inaudible
/// and would otherwise drag recursive filters into denormal arithmetic.
pub const FLUSH_BELOW: f32 = 1.0e-20;

/// NaN/±Inf → 0, clamp to ±[`INPUT_LIMIT`], flush tiny values. Real-time safe.
#[inline]
pub fn sanitize(x: f32) -> f32 {
    // One comparison pair on |x| (false for NaN and ±Inf) and a select, so
    // loops over it vectorise.
    let a = x.abs();
    if (FLUSH_BELOW..f32::INFINITY).contains(&a) {
        x.clamp(-INPUT_LIMIT, INPUT_LIMIT)
    } else {
        0.0
    }
}

/// Sets the CPU's flush-to-zero / denormals-are-zero modes for the lifetime
/// of the guard and restores the previous mode on drop. A register write, not
/// a system call: real-time safe. No-op on targets without such a mode.
pub struct DenormalGuard {
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    saved: u32,
}

impl DenormalGuard {
    #[inline]
    pub fn new() -> Self {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        {
            let mut saved: u32 = 0;
            // SAFETY: reading and writing MXCSR only changes floating-point
            // modes of this thread; FTZ (bit 15) and DAZ (bit 6) are
            // supported on every x86-64 CPU and every SSE2 x86 CPU.
            unsafe {
                std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack));
                let wanted = saved | 0x8040;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &wanted, options(nostack));
            }
            DenormalGuard { saved }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        {
            DenormalGuard {}
        }
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    #[inline]
    fn drop(&mut self) {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        // SAFETY: restores the MXCSR value read in `new`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_cleans_everything() {
        assert_eq!(sanitize(f32::NAN), 0.0);
        assert_eq!(sanitize(f32::INFINITY), 0.0);
        assert_eq!(sanitize(f32::NEG_INFINITY), 0.0);
        assert_eq!(sanitize(1.0e-30), 0.0);
        assert_eq!(sanitize(f32::MIN_POSITIVE / 4.0), 0.0);
        assert_eq!(sanitize(1.0e30), INPUT_LIMIT);
        assert_eq!(sanitize(-1.0e30), -INPUT_LIMIT);
        assert_eq!(sanitize(0.25), 0.25);
    }
}
