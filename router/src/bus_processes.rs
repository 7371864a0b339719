//! The named buses' sink processes and the master limiter's: one
//! [`FilterChain`] per stage the router's state wants running
//! ([`State::wanted_stages`]): a bus's started when a stream is first
//! routed to it, stopped once it has been unused for
//! [`crate::state::BUS_GRACE`] (a bus nobody uses has no process); the
//! master's always, at the device's channels.
//!
//! Each bus's shared-memory meters get their own `meter_instance`, the
//! lowest one free from 2 up (1 is the default processed sink's), so two
//! running buses never share a block, whatever profile switches do.
//!
//! [`State::wanted_stages`]: crate::state::State::wanted_stages

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::graph::Stage;
use crate::state::WantedStage;
use crate::supervisor::{stage_config_file, FilterChain};
use headroom_profile::filter_chain::FilterChainOptions;

/// The first `meter_instance` a bus gets.
const FIRST_BUS_METER: u32 = 2;

struct Running {
    process: FilterChain,
    meter_instance: u32,
    /// The channels it was started with: a change (the master following
    /// a device with other channels) needs a new process.
    positions: Vec<String>,
}

pub struct BusProcesses {
    runtime_dir: PathBuf,
    lv2_path: Option<String>,
    running: BTreeMap<Stage, Running>,
}

impl BusProcesses {
    pub fn new(runtime_dir: PathBuf, lv2_path: Option<String>) -> BusProcesses {
        BusProcesses {
            runtime_dir,
            lv2_path,
            running: BTreeMap::new(),
        }
    }

    /// Starts the processes of `wanted` stages that have none and stops
    /// those of stages no longer wanted. A running stage keeps its process
    /// (its settings follow as controls, not by a restart) unless its
    /// channels changed: then it is replaced.
    pub fn reconcile(&mut self, wanted: &[WantedStage]) {
        self.running.retain(|stage, running| {
            let Some(wanted) = wanted.iter().find(|w| w.stage == *stage) else {
                tracing::info!("{stage} is unused: stopping its sink");
                running.process.stop();
                return false;
            };
            if wanted.positions != running.positions {
                tracing::info!(
                    "{stage} changes channels ({} to {}): replacing its sink",
                    running.positions.join(" "),
                    wanted.positions.join(" ")
                );
                running.process.stop();
                return false;
            }
            true
        });
        for bus in wanted {
            if self.running.contains_key(&bus.stage) {
                continue;
            }
            let meter_instance = (FIRST_BUS_METER..)
                .find(|m| self.running.values().all(|r| r.meter_instance != *m))
                .unwrap_or(FIRST_BUS_METER);
            let options = FilterChainOptions {
                node_name: bus.node_name.clone(),
                description: bus.description.clone(),
                params: bus.params,
                meter_instance,
                target: None,
                positions: bus.positions.clone(),
            };
            let file = stage_config_file(bus.stage);
            let process =
                FilterChain::new(&self.runtime_dir, &file, &options, self.lv2_path.clone());
            match process.map(|p| p.named(bus.stage.to_string())) {
                Ok(mut process) => {
                    tracing::info!(
                        "starting {}: sink {} ({}), channels {}",
                        bus.stage,
                        bus.node_name,
                        bus.description,
                        bus.positions.join(" ")
                    );
                    process.tick();
                    self.running.insert(
                        bus.stage,
                        Running {
                            process,
                            meter_instance,
                            positions: bus.positions.clone(),
                        },
                    );
                }
                Err(e) => tracing::warn!(
                    "cannot prepare {}'s sink: {e}; a bus's streams play through the default \
                     processed sink, the processed sinks' outputs straight to the device",
                    bus.stage
                ),
            }
        }
    }

    /// Each running stage with its sink's `meter_instance`.
    pub fn meter_instances(&self) -> Vec<(Stage, u32)> {
        self.running
            .iter()
            .map(|(&stage, running)| (stage, running.meter_instance))
            .collect()
    }

    /// Restarts processes that died (see [`FilterChain::tick`]).
    pub fn tick(&mut self) {
        for running in self.running.values_mut() {
            running.process.tick();
        }
    }

    /// After PipeWire came back: every bus process is replaced.
    pub fn restart_all(&mut self) {
        for running in self.running.values_mut() {
            running.process.restart();
        }
    }

    /// Stops every bus process (on the way out).
    pub fn stop_all(&mut self) {
        for running in self.running.values_mut() {
            running.process.stop();
        }
        self.running.clear();
    }
}
