//! Headroom's level meter: the one used to report true peak and loudness
//! everywhere offline (`headroom-wav`, `cargo xtask run`).
//!
//! - [`true_peak`]: a streaming 32× windowed-sinc true-peak meter, accurate
//!   to 0.1 dB up to 20 kHz at 44.1 kHz (a 4× BS.1770 meter may read up to
//!   ~0.7 dB low near Nyquist; this one does not);
//! - [`loudness`]: EBU R128 integrated, momentary, short-term loudness and
//!   loudness range (through the `ebur128` crate).
//!
//! The tests' reference meter (`headroom-testdata`'s `meter`) is separate
//! code on purpose and is not this one.

pub mod kernel;
pub mod loudness;
pub mod true_peak;

pub use loudness::{Loudness, LoudnessError, LoudnessMeter};
pub use true_peak::{true_peak, TruePeakMeter};

/// Linear amplitude → dB; `None` for zero (and anything not finite).
pub fn lin_to_db(lin: f64) -> Option<f64> {
    let db = 20.0 * lin.log10();
    db.is_finite().then_some(db)
}
