//! Headroom's live meters, shared between processes.
//!
//! PipeWire's filter-chain does not expose a plugin's output control ports to
//! other clients, so the plugin publishes its meters into a 4 KiB block of
//! atomics in a file under `$XDG_RUNTIME_DIR/headroom/meters-<instance>`
//! (directory 0700, file 0600), where `<instance>` is the plugin's
//! `meter_instance` control (set in the filter-chain config). Anyone in the
//! user's session can map it read-only with [`MeterReader`].
//!
//! - [`layout`]: the block's binary layout and the seqlock protocol.
//! - [`MeterWriter`]: created off the audio thread; `publish` is wait-free
//!   (atomic stores only) and safe on a real-time thread.
//! - [`MeterReader`]: for the router, the monitor and tests.
//! - [`ballistics`]: peak fall-back so slow readers do not miss transients.
//!
//! ```no_run
//! let meters = headroom_meters::MeterReader::open(1)?;
//! if let Some(m) = meters.read() {
//!     println!("out {:.1} dBTP, limiter −{:.1} dB", m.output_true_peak_db, m.limiter_gr_db);
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod ballistics;
pub mod layout;
mod shm;

pub use ballistics::{Ballistics, BlockReading};
pub use layout::{Level, MeterSnapshot, MeterValues, FLOOR_DB, LEVEL_COUNT};
pub use shm::{meter_path, runtime_dir, MeterReader, MeterWriter};
