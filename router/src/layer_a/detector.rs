//! The tap's level meter: measured in PipeWire's real-time process
//! callback, read by the tokio side on a timer, handed over lock-free.
//!
//! The audio thread keeps running totals (sum of squares, samples, blocks)
//! and publishes them under a sequence counter (a seqlock: the writer never
//! waits, a reader retries the rare read that overlapped a write); the peak
//! since the last read is kept with `fetch_max` on the f32's bits (for
//! non-negative floats the bit patterns order like the values) and taken
//! with `swap(0)`. The reader takes differences of the totals, so it never
//! misses a block however late its timer fires.
//!
//! Real-time contract: [`Detector::process`] never allocates, locks or makes
//! a syscall (checked by a test under `assert_no_alloc`).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// What the audio thread publishes; shared by one [`Detector`] (writer) and
/// one [`MeterReader`] (reader).
#[derive(Debug, Default)]
pub struct LevelMeter {
    /// Even: stable; odd: a write is under way.
    sequence: AtomicU64,
    /// Running sum of squares of every sample seen (f64 bits).
    energy_total: AtomicU64,
    /// Running count of samples (all channels) seen.
    samples_total: AtomicU64,
    /// Running count of blocks seen.
    blocks_total: AtomicU64,
    /// Largest |sample| since the reader last took it (f32 bits).
    peak_since_read: AtomicU32,
}

/// Meters are compared by identity: two are equal only if they are the same.
impl PartialEq for LevelMeter {
    fn eq(&self, other: &LevelMeter) -> bool {
        std::ptr::eq(self, other)
    }
}

impl LevelMeter {
    pub fn new() -> Arc<LevelMeter> {
        Arc::new(LevelMeter::default())
    }
}

/// The writer's side: lives in the tap's process callback.
#[derive(Debug)]
pub struct Detector {
    meter: Arc<LevelMeter>,
    energy_total: f64,
    samples_total: u64,
    blocks_total: u64,
}

impl Detector {
    pub fn new(meter: Arc<LevelMeter>) -> Detector {
        Detector {
            meter,
            energy_total: 0.0,
            samples_total: 0,
            blocks_total: 0,
        }
    }

    /// Measures one block of interleaved f32 samples given as raw bytes
    /// (a PipeWire buffer's chunk; any trailing partial sample is ignored).
    /// Real-time safe: no allocation, no lock, no syscall.
    pub fn process_bytes(&mut self, bytes: &[u8]) {
        let mut energy = 0.0f64;
        let mut peak = 0.0f32;
        let mut count = 0u64;
        for raw in bytes.chunks_exact(4) {
            let v = f32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]);
            // NaN/Inf from a broken app must not poison the totals.
            let v = if v.is_finite() { v } else { 0.0 };
            energy += f64::from(v * v);
            peak = peak.max(v.abs());
            count += 1;
        }
        self.publish(energy, peak, count);
    }

    /// Measures one block of interleaved samples. Real-time safe.
    pub fn process(&mut self, samples: &[f32]) {
        let mut energy = 0.0f64;
        let mut peak = 0.0f32;
        for &v in samples {
            let v = if v.is_finite() { v } else { 0.0 };
            energy += f64::from(v * v);
            peak = peak.max(v.abs());
        }
        self.publish(energy, peak, samples.len() as u64);
    }

    fn publish(&mut self, energy: f64, peak: f32, samples: u64) {
        self.energy_total += energy;
        self.samples_total += samples;
        self.blocks_total += 1;
        let m = &self.meter;
        let seq = m.sequence.load(Ordering::Relaxed);
        m.sequence.store(seq.wrapping_add(1), Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::Release);
        m.energy_total
            .store(self.energy_total.to_bits(), Ordering::Relaxed);
        m.samples_total.store(self.samples_total, Ordering::Relaxed);
        m.blocks_total.store(self.blocks_total, Ordering::Relaxed);
        m.sequence.store(seq.wrapping_add(2), Ordering::Release);
        m.peak_since_read
            .fetch_max(peak.to_bits(), Ordering::Relaxed);
    }
}

/// What arrived between two reads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measurement {
    /// Sum of squares of the new samples.
    pub energy: f64,
    /// New samples (all channels).
    pub samples: u64,
    /// New blocks (process callbacks).
    pub blocks: u64,
    /// Largest |sample| among them (linear).
    pub peak: f32,
}

impl Measurement {
    /// Mean square of the new samples; None if there were none.
    pub fn mean_square(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.energy / self.samples as f64)
    }
}

/// The reader's side: remembers the totals it last saw.
#[derive(Debug)]
pub struct MeterReader {
    meter: Arc<LevelMeter>,
    energy_total: f64,
    samples_total: u64,
    blocks_total: u64,
}

impl MeterReader {
    pub fn new(meter: Arc<LevelMeter>) -> MeterReader {
        MeterReader {
            meter,
            energy_total: 0.0,
            samples_total: 0,
            blocks_total: 0,
        }
    }

    /// What the detector measured since the last call.
    pub fn read(&mut self) -> Measurement {
        let m = &self.meter;
        let (energy, samples, blocks) = loop {
            let before = m.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let energy = f64::from_bits(m.energy_total.load(Ordering::Relaxed));
            let samples = m.samples_total.load(Ordering::Relaxed);
            let blocks = m.blocks_total.load(Ordering::Relaxed);
            std::sync::atomic::fence(Ordering::Acquire);
            if m.sequence.load(Ordering::Relaxed) == before {
                break (energy, samples, blocks);
            }
        };
        let peak = f32::from_bits(m.peak_since_read.swap(0, Ordering::Relaxed));
        let out = Measurement {
            energy: (energy - self.energy_total).max(0.0),
            samples: samples - self.samples_total,
            blocks: blocks - self.blocks_total,
            peak,
        };
        self.energy_total = energy;
        self.samples_total = samples;
        self.blocks_total = blocks;
        out
    }
}

/// Runs the real-time part of a tap callback, asserting (in debug builds
/// with the checking allocator installed, as the `headroom` binary does)
/// that it never allocates.
pub(crate) fn rt_check<T>(f: impl FnOnce() -> T) -> T {
    nice_assert_no_alloc::assert_no_alloc(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_arrived_since_the_last_read() {
        let meter = LevelMeter::new();
        let mut detector = Detector::new(meter.clone());
        let mut reader = MeterReader::new(meter);
        assert_eq!(reader.read(), Measurement::default());
        detector.process(&[0.5, -0.5, 0.5, -0.5]);
        detector.process(&[0.25, -1.0]);
        let m = reader.read();
        assert_eq!((m.samples, m.blocks, m.peak), (6, 2, 1.0));
        assert!((m.energy - (4.0 * 0.25 + 0.0625 + 1.0)).abs() < 1e-12);
        detector.process(&[0.1; 4]);
        let m = reader.read();
        assert_eq!((m.samples, m.blocks, m.peak), (4, 1, 0.1));
        assert!((m.mean_square().unwrap() - 0.01).abs() < 1e-7);
    }

    #[test]
    fn bytes_are_interleaved_native_floats_and_bad_values_count_as_silence() {
        let meter = LevelMeter::new();
        let mut detector = Detector::new(meter.clone());
        let mut reader = MeterReader::new(meter);
        let mut bytes = Vec::new();
        for v in [0.5f32, f32::NAN, f32::INFINITY, -0.5] {
            bytes.extend_from_slice(&v.to_ne_bytes());
        }
        bytes.push(0); // a partial sample is ignored
        detector.process_bytes(&bytes);
        let m = reader.read();
        assert_eq!((m.samples, m.peak), (4, 0.5));
        assert!((m.energy - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_reader_on_another_thread_sees_every_sample_once() {
        let meter = LevelMeter::new();
        let mut detector = Detector::new(meter.clone());
        let mut reader = MeterReader::new(meter);
        let writer = std::thread::spawn(move || {
            for _ in 0..20_000 {
                detector.process(&[0.5; 64]);
            }
        });
        let mut samples = 0;
        let mut energy = 0.0;
        while !writer.is_finished() {
            let m = reader.read();
            samples += m.samples;
            energy += m.energy;
        }
        writer.join().unwrap();
        let m = reader.read();
        samples += m.samples;
        energy += m.energy;
        assert_eq!(samples, 20_000 * 64);
        assert!((energy - 0.25 * samples as f64).abs() < 1e-6);
    }
}
