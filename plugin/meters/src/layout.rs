//! The shared-memory meter block: a fixed 4 KiB page of atomics.
//!
//! Layout (all little-endian, naturally aligned, offsets in bytes):
//!
//! | offset | type | field |
//! |---|---|---|
//! | 0  | u32 | magic `HRMT` (`0x544D_5248`) |
//! | 4  | u32 | layout version ([`LAYOUT_VERSION`]) |
//! | 8  | u64 | sequence: odd while the writer is inside an update |
//! | 16 | u64 | updates: count of completed updates (one per processed block) |
//! | 24 | u32 | writer process id |
//! | 28 | u32 | latency, samples |
//! | 32 | f32 | sample rate, Hz |
//! | 36.. | f32 × [`LEVEL_COUNT`] | levels, in [`Level`] order |
//!
//! Readers use the sequence as a seqlock: read it, read the fields, read it
//! again; the snapshot is consistent if both reads are equal and even.
//! New fields are appended; a reader accepts any version ≥ its own and
//! ignores what it does not know.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// `HRMT` read as a little-endian u32.
pub const MAGIC: u32 = u32::from_le_bytes(*b"HRMT");
/// Bumped only when an existing field moves or changes meaning.
pub const LAYOUT_VERSION: u32 = 1;
/// Size of the mapped file, bytes.
pub const BLOCK_BYTES: usize = 4096;

/// The meter values the block carries, in block order. Levels are dBFS,
/// gains dB (gain reductions positive), loudness LUFS; silence reads as
/// [`FLOOR_DB`]. Before the first update, levels read [`FLOOR_DB`] and
/// gains 0 dB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Level {
    /// Input sample peak, dBFS, with meter fall-back.
    InputPeak,
    /// Output sample peak, dBFS, with meter fall-back.
    OutputPeak,
    /// Output true peak (8× oversampled), dBTP, with meter fall-back.
    OutputTruePeak,
    /// AGC gain now, dB (positive is boost).
    AgcGain,
    /// Compressor gain reduction now, dB (≥ 0).
    CompressorGr,
    /// Limiter gain reduction (both tiers), dB (≥ 0), most in the last block.
    LimiterGr,
    /// Short-term (3 s) K-weighted loudness of the input, LUFS.
    ShortTermLoudness,
}

/// Number of [`Level`] fields.
pub const LEVEL_COUNT: usize = 7;

/// The value shown for silence (and for loudness before anything was
/// measured), dB: finite, so JSON and UIs never see −∞.
pub const FLOOR_DB: f32 = -120.0;

/// The block as it sits in memory. Every field is an atomic so the writer
/// (audio thread) and readers (other processes) never tear a value.
#[repr(C)]
pub struct MeterBlock {
    pub magic: AtomicU32,
    pub version: AtomicU32,
    pub sequence: AtomicU64,
    pub updates: AtomicU64,
    pub writer_pid: AtomicU32,
    pub latency_samples: AtomicU32,
    pub sample_rate: AtomicU32,
    pub levels: [AtomicU32; LEVEL_COUNT],
}

const _: () = assert!(std::mem::size_of::<MeterBlock>() <= BLOCK_BYTES);
const _: () = assert!(std::mem::offset_of!(MeterBlock, levels) == 36);

/// One consistent reading of the block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterSnapshot {
    /// Completed updates since the writer started; moves while audio runs.
    pub updates: u64,
    pub writer_pid: u32,
    pub sample_rate: f32,
    pub latency_samples: u32,
    pub input_peak_db: f32,
    pub output_peak_db: f32,
    pub output_true_peak_db: f32,
    pub agc_gain_db: f32,
    pub comp_gr_db: f32,
    pub limiter_gr_db: f32,
    pub short_term_lufs: f32,
}

/// What the audio thread hands the writer once per block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeterValues {
    pub sample_rate: f32,
    pub latency_samples: u32,
    /// In [`Level`] order, already in dB.
    pub levels: [f32; LEVEL_COUNT],
}

impl MeterBlock {
    /// Publishes `values` as one update. Wait-free: a handful of atomic
    /// stores, no allocation, no system call.
    pub fn publish(&self, values: &MeterValues) {
        let seq = self.sequence.load(Ordering::Relaxed);
        self.sequence.store(seq.wrapping_add(1), Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::Release);
        self.sample_rate
            .store(values.sample_rate.to_bits(), Ordering::Relaxed);
        self.latency_samples
            .store(values.latency_samples, Ordering::Relaxed);
        for (slot, v) in self.levels.iter().zip(values.levels) {
            slot.store(v.to_bits(), Ordering::Relaxed);
        }
        self.updates.fetch_add(1, Ordering::Relaxed);
        self.sequence.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// A consistent snapshot, or `None` if the block is not (yet) a valid
    /// meter block or the writer kept it busy for every attempt.
    pub fn snapshot(&self) -> Option<MeterSnapshot> {
        if self.magic.load(Ordering::Acquire) != MAGIC
            || self.version.load(Ordering::Relaxed) < LAYOUT_VERSION
        {
            return None;
        }
        for _ in 0..64 {
            let before = self.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let level = |l: Level| f32::from_bits(self.levels[l as usize].load(Ordering::Relaxed));
            let snap = MeterSnapshot {
                updates: self.updates.load(Ordering::Relaxed),
                writer_pid: self.writer_pid.load(Ordering::Relaxed),
                sample_rate: f32::from_bits(self.sample_rate.load(Ordering::Relaxed)),
                latency_samples: self.latency_samples.load(Ordering::Relaxed),
                input_peak_db: level(Level::InputPeak),
                output_peak_db: level(Level::OutputPeak),
                output_true_peak_db: level(Level::OutputTruePeak),
                agc_gain_db: level(Level::AgcGain),
                comp_gr_db: level(Level::CompressorGr),
                limiter_gr_db: level(Level::LimiterGr),
                short_term_lufs: level(Level::ShortTermLoudness),
            };
            std::sync::atomic::fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before {
                return Some(snap);
            }
        }
        None
    }

    /// Marks a freshly zeroed block as valid (writer side, once).
    pub fn initialise(&self, pid: u32) {
        // Levels start at the floor, gains at 0 dB (nothing applied yet).
        for (i, l) in self.levels.iter().enumerate() {
            let gain = [Level::AgcGain, Level::CompressorGr, Level::LimiterGr]
                .iter()
                .any(|g| *g as usize == i);
            let v = if gain { 0.0 } else { FLOOR_DB };
            l.store(f32::to_bits(v), Ordering::Relaxed);
        }
        self.writer_pid.store(pid, Ordering::Relaxed);
        self.version.store(LAYOUT_VERSION, Ordering::Relaxed);
        self.magic.store(MAGIC, Ordering::Release);
    }
}
