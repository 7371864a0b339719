//! Layer A's control law: one stream's measured level in, the gain to ride
//! its volume by out. Pure (no clock, no I/O): the manager feeds it one
//! [`Slot`] per tick with the elapsed time.
//!
//! - Level: gated short-term RMS over the last [`WINDOW_SLOTS`] sounding
//!   slots (≈1.5 s of sound). Slots below [`GATE_DBFS`] are not sound: they
//!   neither enter the window nor move the gain, so silence and pauses hold
//!   the gain where it was (no wind-up: after a long pause the stream comes
//!   back exactly as loud as it went).
//! - Gain: toward `target − level`, inside `[−max_cut, +max_boost]`, moving
//!   at most [`DOWN_DB_PER_S`] down and [`UP_DB_PER_S`] up, and only once
//!   it is off by more than [`START_MOVING_DB`] (steady material gets a
//!   steady gain, not a wobble).
//! - Protection: when the newest slot is far above what the target implies
//!   (its RMS more than [`JUMP_ABOVE_TARGET_DB`] over the target, or its
//!   peak more than [`PEAK_ABOVE_TARGET_DB`] over it), the gain comes down
//!   toward what keeps it there at [`PROTECT_DOWN_DB_PER_S`]: fast, but
//!   still a ramp of small steps, never a jump.
//!
//! PipeWire 1.4's converter applies a new `softVolumes` as a step at the
//! next block (no ramp, also with `volumeRamp*` set on a client stream:
//! checked), so the step per write is what a listener could hear: at most
//! 0.6 dB while riding (6 dB/s, ≤ 10 writes/s), at most 1.5 dB while
//! protecting (30 dB/s, a write per tick), on material that is then loud.
//!
//! Levels are input-referred: the manager divides out the volume that was
//! in effect when it measured (the tap listens after the stream's volume).

use headroom_profile::LayerASettings;

/// One slot of measurement: what the detector saw during one tick.
pub const SLOT_MS: u32 = 50;
/// Sounding slots the level averages over (1.5 s at [`SLOT_MS`]).
pub const WINDOW_SLOTS: usize = 30;
/// Sounding slots needed before the first move (400 ms of sound).
pub const MIN_SLOTS_TO_MOVE: usize = 8;
/// Slots quieter than this (input-referred RMS) are silence: gain frozen.
pub const GATE_DBFS: f32 = -60.0;
/// Fastest normal cut, dB per second.
pub const DOWN_DB_PER_S: f32 = 6.0;
/// Fastest boost, dB per second (slower than cuts: loud is worse than quiet).
pub const UP_DB_PER_S: f32 = 2.0;
/// Fastest cut while protecting against a jump, dB per second.
pub const PROTECT_DOWN_DB_PER_S: f32 = 30.0;
/// Largest cut of one protective step (one tick, one write), dB: a late
/// tick must not turn into a bigger, audible step.
pub const MAX_PROTECT_STEP_DB: f32 = 1.5;
/// A slot whose RMS (after the gain) is this far over the target is a jump.
pub const JUMP_ABOVE_TARGET_DB: f32 = 10.0;
/// Peaks (after the gain) may exceed the target by this much (a generous
/// crest factor: at the default −20 dBFS target, peaks up to 0 dBFS).
pub const PEAK_ABOVE_TARGET_DB: f32 = 20.0;
/// The gain starts moving once it is this far from where it should be…
pub const START_MOVING_DB: f32 = 1.0;
/// …and stops once it is this close.
pub const STOP_MOVING_DB: f32 = 0.1;
/// Longest step the rider takes in one go: a late tick (a stalled loop)
/// must not turn into a big jump.
pub const MAX_STEP_S: f32 = 0.2;

/// What one tick measured, input-referred (the stream before any volume).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// Mean square of the slot's samples (linear power).
    pub mean_square: f64,
    /// Largest |sample| in the slot (linear).
    pub peak: f32,
}

/// Linear power to dB (−inf for 0).
pub fn power_db(mean_square: f64) -> f32 {
    (10.0 * mean_square.log10()) as f32
}

/// Linear amplitude to dB (−inf for 0).
pub fn amplitude_db(amplitude: f32) -> f32 {
    20.0 * amplitude.log10()
}

/// dB to linear amplitude.
pub fn db_to_amplitude(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// One stream's rider.
#[derive(Debug, Clone)]
pub struct Rider {
    settings: LayerASettings,
    /// Mean squares of the last sounding slots (a ring; `filled` valid).
    window: [f64; WINDOW_SLOTS],
    next: usize,
    filled: usize,
    /// The ridden gain now, dB relative to the user's volume.
    gain_db: f32,
    /// Whether the gain is on its way somewhere (see [`START_MOVING_DB`]).
    moving: bool,
    /// Whether the last step was a fast protective cut.
    protecting: bool,
}

impl Rider {
    /// A rider at 0 dB (the user's volume as it is).
    pub fn new(settings: LayerASettings) -> Rider {
        Rider {
            settings,
            window: [0.0; WINDOW_SLOTS],
            next: 0,
            filled: 0,
            gain_db: 0.0,
            moving: false,
            protecting: false,
        }
    }

    /// New settings take effect from the next step (the gain ramps to the
    /// new range at the usual rates, it does not jump).
    pub fn set_settings(&mut self, settings: LayerASettings) {
        self.settings = settings;
    }

    pub fn settings(&self) -> LayerASettings {
        self.settings
    }

    /// The ridden gain, dB relative to the user's volume.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }

    /// Whether the last step was a fast protective cut (its writes may
    /// come every tick, see [`WriteThrottle::should_write`]).
    pub fn protecting(&self) -> bool {
        self.protecting
    }

    /// The short-term level (input-referred, dBFS), once there was sound.
    pub fn level_dbfs(&self) -> Option<f32> {
        (self.filled > 0).then(|| {
            let sum: f64 = self.window[..self.filled].iter().sum();
            power_db(sum / self.filled as f64)
        })
    }

    /// Folds in one tick that lasted `elapsed_s` (`None`: nothing was
    /// measured, e.g. the stream is paused) and moves the gain. Returns the
    /// new gain in dB.
    pub fn step(&mut self, slot: Option<Slot>, elapsed_s: f32) -> f32 {
        self.protecting = false;
        let Some(slot) = slot.filter(|s| power_db(s.mean_square) >= GATE_DBFS) else {
            return self.gain_db; // silence: hold
        };
        self.window[self.next] = slot.mean_square;
        self.next = (self.next + 1) % WINDOW_SLOTS;
        self.filled = (self.filled + 1).min(WINDOW_SLOTS);
        if self.filled < MIN_SLOTS_TO_MOVE {
            return self.gain_db;
        }
        let s = self.settings;
        let level = self.level_dbfs().unwrap_or(GATE_DBFS);
        let mut wanted = (s.target_dbfs - level).clamp(-s.max_cut_db, s.max_boost_db);
        // The most gain the newest slot allows (fast path, peak-aware).
        let protect = (s.target_dbfs + JUMP_ABOVE_TARGET_DB - power_db(slot.mean_square))
            .min(s.target_dbfs + PEAK_ABOVE_TARGET_DB - amplitude_db(slot.peak))
            .max(-s.max_cut_db);
        let protecting = self.gain_db > protect + STOP_MOVING_DB;
        self.protecting = protecting;
        wanted = wanted.min(protect);

        let off = wanted - self.gain_db;
        if protecting || off.abs() > START_MOVING_DB {
            self.moving = true;
        }
        if !self.moving {
            return self.gain_db;
        }
        let dt = elapsed_s.clamp(0.0, MAX_STEP_S);
        let down = if protecting {
            (PROTECT_DOWN_DB_PER_S * dt).min(MAX_PROTECT_STEP_DB)
        } else {
            DOWN_DB_PER_S * dt
        };
        let step = off.clamp(-down, UP_DB_PER_S * dt);
        self.gain_db += step;
        if (wanted - self.gain_db).abs() < STOP_MOVING_DB {
            self.moving = false;
        }
        self.gain_db
    }
}

/// Decides when a moved gain is worth a write: at most one per
/// [`MIN_WRITE_INTERVAL_S`] (one per [`URGENT_WRITE_INTERVAL_S`] while
/// protecting), and only for a change of at least [`MIN_WRITE_STEP_DB`]
/// (or when forced: a re-base, a refresh).
#[derive(Debug, Clone)]
pub struct WriteThrottle {
    written_db: Option<f32>,
    since_write_s: f32,
}

impl Default for WriteThrottle {
    /// Nothing written yet: the first move goes out at once.
    fn default() -> Self {
        WriteThrottle {
            written_db: None,
            since_write_s: f32::INFINITY,
        }
    }
}

/// Fewest seconds between two writes of one stream's volume: every other
/// 50 ms tick (a little under 0.1 s, so tick jitter does not make it every
/// third); ticks never come faster than their period, so ≤ 10 writes/s.
pub const MIN_WRITE_INTERVAL_S: f32 = 0.095;
/// Fewest seconds between writes while protecting (≤ 20/s: one a tick,
/// with a little slack for a tick that fires early).
pub const URGENT_WRITE_INTERVAL_S: f32 = 0.045;
/// Smallest gain change worth a write, dB.
pub const MIN_WRITE_STEP_DB: f32 = 0.1;

impl WriteThrottle {
    /// Whether to write `gain_db` now, `elapsed_s` after the last call;
    /// `urgent` while protecting.
    pub fn should_write(
        &mut self,
        gain_db: f32,
        elapsed_s: f32,
        force: bool,
        urgent: bool,
    ) -> bool {
        self.since_write_s += elapsed_s;
        let moved = self
            .written_db
            .is_none_or(|w| (w - gain_db).abs() >= MIN_WRITE_STEP_DB);
        let interval = if urgent {
            URGENT_WRITE_INTERVAL_S
        } else {
            MIN_WRITE_INTERVAL_S
        };
        let write = force || (moved && self.since_write_s >= interval);
        if write {
            self.written_db = Some(gain_db);
            self.since_write_s = 0.0;
        }
        write
    }

    /// The gain last written, dB.
    pub fn written_db(&self) -> Option<f32> {
        self.written_db
    }
}

#[cfg(test)]
mod tests;
