//! Peak hold for the monitor's meters, and the latched "reached the
//! ceiling" indicator. Time is passed in, so both are tested without
//! waiting.

use std::time::{Duration, Instant};

/// How long a peak stays put before it falls.
pub const HOLD: Duration = Duration::from_secs(2);
/// How fast a held peak falls once [`HOLD`] is over, dB per second.
pub const FALL_DB_PER_S: f32 = 15.0;
/// A true peak this close below the ceiling counts as reaching it, dB
/// (the limiter's output sits just under its ceiling while it works).
pub const AT_CEILING_DB: f32 = 0.1;
/// A true peak this far above the ceiling is an over, dB: more than the
/// meters' own rounding, so an over shown is a real one.
pub const OVER_DB: f32 = 0.05;

/// The highest recent value of one meter, dB: held for [`HOLD`], then
/// falling at [`FALL_DB_PER_S`] until the live value meets it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeakHold {
    peak: f32,
    at: Option<Instant>,
}

impl PeakHold {
    /// Takes the meter's value `db` seen at `now`; what to show.
    pub fn update(&mut self, db: f32, now: Instant) -> f32 {
        if db.is_finite() && db >= self.shown(now) {
            self.peak = db;
            self.at = Some(now);
        }
        self.shown(now)
    }

    /// The held value at `now`; `-inf` before any finite value.
    pub fn shown(&self, now: Instant) -> f32 {
        let Some(at) = self.at else {
            return f32::NEG_INFINITY;
        };
        let age = now.saturating_duration_since(at);
        match age.checked_sub(HOLD) {
            None => self.peak,
            Some(falling) => self.peak - FALL_DB_PER_S * falling.as_secs_f32(),
        }
    }
}

/// Whether the output ever reached the ceiling or went over it since the
/// monitor started (or the user cleared it): latched, so a single limited
/// transient is not missed between two glances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CeilingLatch {
    /// The output's true peak came within [`AT_CEILING_DB`] of the ceiling:
    /// the limiter worked. How many meter updates did.
    pub reached: u64,
    /// The output's true peak went more than [`OVER_DB`] above the
    /// ceiling: what headroom exists to prevent.
    pub overs: u64,
}

impl CeilingLatch {
    /// Takes one meter update.
    pub fn update(&mut self, true_peak_db: f32, ceiling_db: f32) {
        if !true_peak_db.is_finite() || !ceiling_db.is_finite() {
            return;
        }
        if true_peak_db > ceiling_db + OVER_DB {
            self.overs += 1;
        } else if true_peak_db >= ceiling_db - AT_CEILING_DB {
            self.reached += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peak_is_held_then_falls_to_meet_the_live_value() {
        let t0 = Instant::now();
        let mut hold = PeakHold::default();
        assert_eq!(hold.shown(t0), f32::NEG_INFINITY);
        assert_eq!(hold.update(-3.0, t0), -3.0);
        assert_eq!(hold.update(-20.0, t0 + Duration::from_millis(1900)), -3.0);
        let later = t0 + HOLD + Duration::from_millis(200);
        assert!((hold.update(-20.0, later) - (-6.0)).abs() < 1e-3);
        // Fallen below the live value: the live value is the new peak.
        let much_later = t0 + HOLD + Duration::from_secs(5);
        assert_eq!(hold.update(-20.0, much_later), -20.0);
        // A louder peak takes over at once.
        assert_eq!(hold.update(-1.0, much_later), -1.0);
    }

    #[test]
    fn silence_and_nonsense_hold_nothing() {
        let t0 = Instant::now();
        let mut hold = PeakHold::default();
        assert_eq!(hold.update(f32::NAN, t0), f32::NEG_INFINITY);
        assert_eq!(hold.update(f32::NEG_INFINITY, t0), f32::NEG_INFINITY);
    }

    #[test]
    fn the_latch_tells_limiting_from_an_over() {
        let mut latch = CeilingLatch::default();
        latch.update(-6.0, -1.0);
        assert_eq!(latch, CeilingLatch::default());
        latch.update(-1.05, -1.0);
        latch.update(-1.0, -1.0);
        assert_eq!((latch.reached, latch.overs), (2, 0));
        latch.update(-0.5, -1.0);
        assert_eq!((latch.reached, latch.overs), (2, 1));
        latch.update(f32::NAN, -1.0);
        assert_eq!((latch.reached, latch.overs), (2, 1));
    }
}
