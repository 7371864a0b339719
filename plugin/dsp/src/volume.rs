//! The listener's volume: the desktop's volume keys and sliders, handed to
//! the chain by its host as one linear gain per channel (PipeWire's
//! filter-chain maps the processed sink's `channelVolumes` onto the LV2
//! `volume_l`/`volume_r` ports).
//!
//! Where it acts decides whether it works:
//! - a **cut** (gain ≤ 1) is applied *after* the limiter, so turning the
//!   volume down lowers the level at the speakers by exactly that amount,
//!   the AGC never sees it (and so never undoes it), and a signal already
//!   under the ceiling stays under it;
//! - a **boost** (gain > 1, up to [`MAX_VOLUME`]) is applied *before* the
//!   limiter: it drives the limiter harder instead of pushing the output
//!   past the ceiling. The ceiling holds at every volume.
//!
//! Real-time safe: no allocation; a multiply per sample and channel only
//! while a gain is not exactly 1.

use crate::block::{CHUNK, MAX_CHANNELS};
use crate::dsp_math::one_pole_coef;
use crate::smoothing::Smoothed;

/// Highest volume the chain follows, linear (+12 dB): PulseAudio clients
/// offer up to 153 % on a cubic scale (×3.6); more is clamped.
pub const MAX_VOLUME: f32 = 4.0;
/// Time constant of volume changes, ms: short enough to follow a slider
/// and volume keys without lag, long enough never to click.
const GLIDE_MS: f32 = 10.0;

/// One gain per channel, split into the part before and after the limiter.
#[derive(Debug, Clone)]
pub struct Volume {
    boost: [Smoothed; MAX_CHANNELS],
    cut: [Smoothed; MAX_CHANNELS],
}

impl Volume {
    /// Unity on every channel.
    pub fn new(sample_rate: f32) -> Volume {
        let unity = Smoothed::new(1.0, one_pole_coef(GLIDE_MS, sample_rate));
        Volume {
            boost: [unity; MAX_CHANNELS],
            cut: [unity; MAX_CHANNELS],
        }
    }

    /// Sets `channel`'s volume, linear. Values are clamped to
    /// 0…[`MAX_VOLUME`] (−∞ becomes 0, +∞ the maximum); NaN and channels
    /// past [`MAX_CHANNELS`] are ignored. The change glides in.
    pub fn set(&mut self, channel: usize, linear: f32) {
        if linear.is_nan() || channel >= MAX_CHANNELS {
            return;
        }
        let v = linear.clamp(0.0, MAX_VOLUME);
        self.boost[channel].set_target(v.max(1.0));
        self.cut[channel].set_target(v.min(1.0));
    }

    /// The volume `channel` is gliding toward, linear (1 for channels past
    /// [`MAX_CHANNELS`]).
    pub fn target(&self, channel: usize) -> f32 {
        match (self.boost.get(channel), self.cut.get(channel)) {
            (Some(b), Some(c)) => b.target() * c.target(),
            _ => 1.0,
        }
    }

    /// Jumps to the set volumes (for reset; clicks on audio).
    pub fn snap(&mut self) {
        for s in self.boost.iter_mut().chain(self.cut.iter_mut()) {
            s.snap();
        }
    }

    /// The part above unity, for the signal going into the limiter.
    pub fn apply_boost(&mut self, bufs: &mut [[f32; CHUNK]], n: usize) {
        apply(&mut self.boost, bufs, n);
    }

    /// The part up to unity, for the limiter's output.
    pub fn apply_cut(&mut self, bufs: &mut [[f32; CHUNK]], n: usize) {
        apply(&mut self.cut, bufs, n);
    }
}

fn apply(gains: &mut [Smoothed; MAX_CHANNELS], bufs: &mut [[f32; CHUNK]], n: usize) {
    for (gain, buf) in gains.iter_mut().zip(bufs.iter_mut()) {
        if gain.is_settled() {
            let g = gain.current();
            if g != 1.0 {
                for x in &mut buf[..n] {
                    *x *= g;
                }
            }
        } else {
            for x in &mut buf[..n] {
                *x *= gain.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(volume: f32) -> Volume {
        let mut v = Volume::new(48_000.0);
        v.set(0, volume);
        v.snap();
        v
    }

    #[test]
    fn a_cut_acts_after_and_a_boost_before_the_limiter() {
        let mut bufs = [[0.5f32; CHUNK]; 1];
        let mut v = settled(0.25);
        v.apply_boost(&mut bufs, CHUNK);
        assert_eq!(bufs[0][0], 0.5, "a cut must not act before the limiter");
        v.apply_cut(&mut bufs, CHUNK);
        assert_eq!(bufs[0][0], 0.125);

        let mut bufs = [[0.5f32; CHUNK]; 1];
        let mut v = settled(2.0);
        v.apply_cut(&mut bufs, CHUNK);
        assert_eq!(bufs[0][0], 0.5, "a boost must never act after the limiter");
        v.apply_boost(&mut bufs, CHUNK);
        assert_eq!(bufs[0][0], 1.0);
    }

    #[test]
    fn wild_values_are_clamped_or_ignored() {
        let mut v = Volume::new(48_000.0);
        v.set(0, f32::INFINITY);
        assert_eq!(v.target(0), MAX_VOLUME);
        v.set(0, f32::NEG_INFINITY);
        assert_eq!(v.target(0), 0.0);
        v.set(0, f32::NAN);
        assert_eq!(v.target(0), 0.0, "NaN keeps the last volume");
        v.set(MAX_CHANNELS, 0.5);
        assert_eq!(v.target(MAX_CHANNELS), 1.0);
    }

    #[test]
    fn changes_glide_without_a_step() {
        let mut v = settled(1.0);
        v.set(0, 0.0);
        let mut bufs = [[1.0f32; CHUNK]; 1];
        v.apply_cut(&mut bufs, CHUNK);
        let steps = bufs[0].windows(2).map(|w| (w[0] - w[1]).abs());
        assert!(steps.fold(0.0f32, f32::max) < 0.01);
        assert!(bufs[0][0] > 0.99 && bufs[0][CHUNK - 1] < bufs[0][0]);
    }
}
