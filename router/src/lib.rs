//! The headroom router daemon: follows the PipeWire graph and routes every
//! app's stream through the processed sink or straight to the real output,
//! as the active profile's rules say.
//!
//! Shape (see the README's Architecture section): the PipeWire main loop runs on its
//! own thread ([`pw`]), reporting [`pw::GraphEvent`]s to the tokio loop
//! ([`daemon`]), whose one `State` (`state.rs`) keeps the [`graph::Graph`],
//! decides every stream once per pass and turns the decisions into
//! [`pw::Command`]s ([`routing`]); [`layer_a`] rides each app's own volume
//! from passive taps. The control plane ([`varlink`]) serves
//! `io.headroom.Router` and hands calls to the same loop; `wire.rs` is the
//! one place internal types and errors become wire types. Everything
//! between the edges is pure and unit-tested.

mod bus_processes;
pub mod cli;
pub mod daemon;
pub mod device_profiles;
pub mod devices_file;
mod events;
mod file_events;
mod files;
pub mod graph;
pub mod layer_a;
pub mod overlay;
mod own_processes;
mod params_pod;
mod profile_save;
mod profile_watch;
pub mod pw;
pub mod routing;
mod sd_notify;
mod state;
pub mod state_dir;
mod supervisor;
pub mod systemd_units;
pub mod varlink;
mod wire;
mod wireplumber_check;
