//! Layer A, the per-app level rider: tames one loud (or quiet) app without
//! touching the bus and without adding latency. Each ridden stream gets a
//! passive tap (`pw/tap.rs`, on the PipeWire thread) whose real-time callback
//! measures it ([`detector`]); every [`TICK`] the manager reads the levels,
//! steps each stream's [`rider::Rider`] and writes the stream's volume.
//!
//! # Why `softVolumes`, not `channelVolumes`
//! A stream node's converter has two volumes: `channelVolumes`, the user's
//! (what pavucontrol and pipewire-pulse set, what WirePlumber saves in
//! `$XDG_STATE_HOME/wireplumber/stream-properties` and restores next time
//! the app plays), and `softVolumes`, what the converter actually applies
//! in software (normally equal to it). Layer A writes only
//! `softVolumes = channelVolumes × ridden gain`, so:
//! - the user's slider never moves under their hand;
//! - nothing ridden leaks into WirePlumber's saved state, even if the
//!   daemon crashes mid-ride (the next time the app plays, it starts at the
//!   user's own volume);
//! - when the user sets a volume, the converter applies their
//!   `channelVolumes` alone (dropping the ridden soft volume) and reports
//!   it: Layer A sees a `channelVolumes` it did not expect, takes it as the
//!   new base and writes `new volume × gain` (it keeps riding on top of it);
//! - Layer A off for a stream (a profile edit, the bypass switch, the
//!   daemon stopping) writes `softVolumes = channelVolumes`: exactly the
//!   user's volume again.
//!
//! The tap listens after the stream's volume, so measurements are divided
//! by the volume in effect: the rider works on the app's own level, and the
//! user's volume stays an offset on top of the target.
//!
//! Real-time contract: the taps' process callbacks run [`detector::rt_check`]ed code
//! only (no allocation, lock or syscall; debug builds abort otherwise).

pub mod detector;
pub mod rider;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use headroom_profile::LayerASettings;

use crate::graph::Graph;
use crate::pw::{Command, GraphEvent};
use detector::{LevelMeter, MeterReader};
use headroom_profile::Decision;
use rider::{db_to_amplitude, Rider, Slot, WriteThrottle};

/// How often levels are read and gains stepped.
pub const TICK: Duration = Duration::from_millis(rider::SLOT_MS as u64);
/// A ridden stream's soft volume is written again this often even when
/// unchanged: a user volume change to the value it already had drops the
/// soft volume without looking like a change.
pub const REFRESH_S: f32 = 5.0;

/// Layer A's state for one stream, as the status API shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerAView {
    /// Whether Layer A rides the stream.
    pub enabled: bool,
    /// The level it steers toward, dBFS.
    pub target_dbfs: f32,
    /// The stream's own short-term level (before any volume), dBFS; None
    /// until it made a sound (or while not ridden).
    pub level_dbfs: Option<f32>,
    /// The ridden gain on top of the user's volume, dB (0 when off).
    pub gain_db: f32,
    /// The user's own volume for the stream (the loudest channel's
    /// `channelVolumes`, linear; 1.0 while unknown).
    pub user_volume: f32,
}

/// One ridden stream.
struct Ridden {
    reader: MeterReader,
    rider: Rider,
    throttle: WriteThrottle,
    /// What the tap's measurements are divided by: the mean over channels
    /// of the squared volume in effect, and the loudest channel's volume.
    power_in_effect: f64,
    amplitude_in_effect: f32,
    /// Whether a soft volume of ours is (believed) in effect.
    wrote: bool,
    /// Write at the next tick whatever the throttle says (a re-base).
    force_write: bool,
    since_refresh_s: f32,
}

/// Which streams are tapped, with what settings; ticks the riders.
#[derive(Default)]
pub struct LayerA {
    /// Every decided stream's settings (ridden or not).
    settings: BTreeMap<u32, LayerASettings>,
    /// The user's `channelVolumes` per stream node, as last reported.
    volumes: BTreeMap<u32, Vec<f32>>,
    ridden: BTreeMap<u32, Ridden>,
    last_tick: Option<Instant>,
}

/// Mean over channels of v², and the largest v.
fn power_and_amplitude(volumes: &[f32], gain: f32) -> (f64, f32) {
    let n = volumes.len().max(1) as f64;
    let power = volumes
        .iter()
        .map(|v| f64::from(v * gain).powi(2))
        .sum::<f64>()
        / n;
    let amplitude = volumes.iter().fold(0.0f32, |m, v| m.max(v * gain));
    (power, amplitude)
}

/// Whether two volume vectors are equal within f32 rounding.
fn same_volumes(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-5 * x.abs().max(y.abs()).max(1e-3))
}

impl LayerA {
    /// Folds in a graph event: stream volumes (a change not ours is the
    /// user's: re-base), streams going, the connection breaking (every tap
    /// went with it).
    pub fn on_event(&mut self, event: &GraphEvent, send: &mut impl FnMut(Command)) {
        match event {
            GraphEvent::Connected | GraphEvent::Disconnected { .. } => {
                self.settings.clear();
                self.volumes.clear();
                self.ridden.clear();
            }
            GraphEvent::Removed { id } => {
                self.settings.remove(id);
                self.volumes.remove(id);
                if self.ridden.remove(id).is_some() {
                    send(Command::StopTap { node: *id });
                }
            }
            GraphEvent::Volumes {
                id,
                channel_volumes,
                soft_volumes,
            } => {
                let before = self.volumes.insert(*id, channel_volumes.clone());
                // First sight of the stream (since start or reconnect), and
                // its converter applies something else than the user's
                // volume: an earlier router rode it and died before giving
                // it back. Nothing of ours is written before this event.
                let leftover = soft_volumes
                    .as_ref()
                    .is_some_and(|soft| !same_volumes(soft, channel_volumes));
                if before.is_none() && leftover {
                    tracing::info!(
                        "node {id}: softVolumes {soft_volumes:?} were left by a router that \
                         stopped without restoring them; the user's volume {channel_volumes:?} \
                         again"
                    );
                    send(Command::SetSoftVolumes {
                        node: *id,
                        volumes: channel_volumes.clone(),
                    });
                }
                let Some(r) = self.ridden.get_mut(id) else {
                    return;
                };
                match before {
                    // Our own write echoed back, or nothing new.
                    Some(b) if b == *channel_volumes => return,
                    Some(_) => tracing::info!(
                        "node {id}: the user set volume {channel_volumes:?}; riding on top"
                    ),
                    None => {}
                }
                // The converter now applies the user's volume alone.
                (r.power_in_effect, r.amplitude_in_effect) =
                    power_and_amplitude(channel_volumes, 1.0);
                r.wrote = false;
                r.force_write = true;
            }
            _ => {}
        }
    }

    /// Brings the taps in line with the routing decisions: streams Layer A
    /// is on for get a tap, streams it went off for get their user's
    /// volume back and lose the tap; settings changes reach the riders.
    pub fn sync(
        &mut self,
        decided: &BTreeMap<u32, Decision>,
        graph: &Graph,
        send: &mut impl FnMut(Command),
    ) {
        self.settings = decided.iter().map(|(&id, d)| (id, d.layer_a)).collect();
        let off: Vec<u32> = self
            .ridden
            .keys()
            .copied()
            .filter(|id| !self.settings.get(id).is_some_and(|s| s.enabled))
            .collect();
        for id in off {
            self.release(id, send);
        }
        for (&id, &settings) in &self.settings {
            if !settings.enabled {
                continue;
            }
            if let Some(r) = self.ridden.get_mut(&id) {
                r.rider.set_settings(settings);
                continue;
            }
            let Some(serial) = graph.serial(id) else {
                continue;
            };
            let meter = LevelMeter::new();
            send(Command::StartTap {
                node: id,
                serial,
                meter: meter.clone(),
            });
            let (power, amplitude) = self
                .volumes
                .get(&id)
                .map_or((1.0, 1.0), |v| power_and_amplitude(v, 1.0));
            tracing::info!(
                "node {id}: Layer A on (target {} dBFS)",
                settings.target_dbfs
            );
            self.ridden.insert(
                id,
                Ridden {
                    reader: MeterReader::new(meter),
                    rider: Rider::new(settings),
                    throttle: WriteThrottle::default(),
                    power_in_effect: power,
                    amplitude_in_effect: amplitude,
                    wrote: false,
                    force_write: false,
                    since_refresh_s: 0.0,
                },
            );
        }
    }

    /// Reads every tap, steps every rider and writes the volumes that
    /// moved enough. Call every [`TICK`].
    pub fn tick(&mut self, now: Instant, send: &mut impl FnMut(Command)) {
        let elapsed = self
            .last_tick
            .map_or(TICK, |t| now.saturating_duration_since(t))
            .as_secs_f32();
        self.last_tick = Some(now);
        for (&id, r) in &mut self.ridden {
            let m = r.reader.read();
            let slot = m
                .mean_square()
                .filter(|_| r.power_in_effect > 1e-12 && r.amplitude_in_effect > 1e-6)
                .map(|ms| Slot {
                    mean_square: ms / r.power_in_effect,
                    peak: m.peak / r.amplitude_in_effect,
                });
            let gain_db = r.rider.step(slot, elapsed);
            // Nothing is written before the user's volume is known.
            let Some(user) = self.volumes.get(&id) else {
                continue;
            };
            r.since_refresh_s += elapsed;
            let force = std::mem::take(&mut r.force_write) || r.since_refresh_s >= REFRESH_S;
            // Until the first real move, the user's volume stands as it is.
            let untouched = !r.wrote && gain_db == 0.0;
            let urgent = r.rider.protecting();
            if untouched || !r.throttle.should_write(gain_db, elapsed, force, urgent) {
                continue;
            }
            let gain = db_to_amplitude(gain_db);
            let volumes: Vec<f32> = user.iter().map(|v| v * gain).collect();
            (r.power_in_effect, r.amplitude_in_effect) = power_and_amplitude(user, gain);
            r.wrote = true;
            r.since_refresh_s = 0.0;
            // One line per volume write: the write-rate benchmark counts them.
            tracing::trace!("node {id}: ridden softVolumes {volumes:?}");
            send(Command::SetSoftVolumes { node: id, volumes });
        }
    }

    /// Layer A off for `id`: the user's own volume again, no tap.
    fn release(&mut self, id: u32, send: &mut impl FnMut(Command)) {
        let Some(r) = self.ridden.remove(&id) else {
            return;
        };
        send(Command::StopTap { node: id });
        if let Some(user) = self.volumes.get(&id) {
            if r.wrote {
                send(Command::SetSoftVolumes {
                    node: id,
                    volumes: user.clone(),
                });
            }
        }
        tracing::info!("node {id}: Layer A off; the user's volume stands");
    }

    /// Gives every ridden stream its user's volume back (the daemon stops).
    pub fn release_all(&mut self, send: &mut impl FnMut(Command)) {
        let ids: Vec<u32> = self.ridden.keys().copied().collect();
        for id in ids {
            self.release(id, send);
        }
    }

    /// Layer A's state for stream `node`, if the router knows the stream.
    pub fn layer_a_view(&self, node: u32) -> Option<LayerAView> {
        let settings = self.settings.get(&node)?;
        let ridden = self.ridden.get(&node);
        Some(LayerAView {
            enabled: ridden.is_some(),
            target_dbfs: settings.target_dbfs,
            level_dbfs: ridden.and_then(|r| r.rider.level_dbfs()),
            gain_db: ridden.map_or(0.0, |r| r.rider.gain_db()),
            user_volume: self
                .volumes
                .get(&node)
                .map_or(1.0, |v| v.iter().fold(0.0f32, |m, x| m.max(*x))),
        })
    }

    /// Stream nodes Layer A rides now.
    pub fn ridden(&self) -> impl Iterator<Item = u32> + '_ {
        self.ridden.keys().copied()
    }
}

#[cfg(test)]
mod tests;
