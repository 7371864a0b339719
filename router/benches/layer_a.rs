//! Layer A's per-block and per-tick costs: the tap detector on one block of
//! interleaved stereo f32 as PipeWire hands it (raw bytes), at quanta of
//! 64, 256 and 1024 frames; a meter read; one rider step.
//!
//! Run: `cargo bench -p headroom-router --bench layer_a`. Throughput is in
//! frames, so `frames per second / 48 000` is the realtime factor per tap.
//! The daemon's CPU with many tapped streams is measured on a live graph by
//! the `layer_a_cpu` bench.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use headroom_profile::LayerASettings;
use headroom_router::layer_a::detector::{Detector, LevelMeter, MeterReader};
use headroom_router::layer_a::rider::{Rider, Slot};

const CHANNELS: usize = 2;
/// PipeWire quanta, frames.
const QUANTA: [usize; 3] = [64, 256, 1024];

fn block_bytes(frames: usize) -> Vec<u8> {
    (0..frames * CHANNELS)
        .flat_map(|n| (0.25 * (n as f32 * 0.013).sin()).to_ne_bytes())
        .collect()
}

fn bench_detector(c: &mut Criterion) {
    let mut group = c.benchmark_group("layer_a_detector");
    for frames in QUANTA {
        let bytes = block_bytes(frames);
        let meter = LevelMeter::new();
        let mut detector = Detector::new(meter.clone());
        let _reader = MeterReader::new(meter);
        group.throughput(Throughput::Elements(frames as u64));
        group.bench_with_input(BenchmarkId::from_parameter(frames), &bytes, |b, bytes| {
            b.iter(|| detector.process_bytes(black_box(bytes)))
        });
    }
    group.finish();
}

fn bench_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("layer_a_tick");
    let meter = LevelMeter::new();
    let mut detector = Detector::new(meter.clone());
    let mut reader = MeterReader::new(meter);
    let bytes = block_bytes(256);
    group.bench_function("meter_read", |b| {
        b.iter(|| {
            detector.process_bytes(&bytes);
            black_box(reader.read())
        })
    });
    let mut rider = Rider::new(LayerASettings {
        enabled: true,
        ..LayerASettings::default()
    });
    let mut n = 0u32;
    group.bench_function("rider_step", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            // Alternating loud and quiet: the rider keeps moving.
            let ms = if (n / 100).is_multiple_of(2) {
                0.1
            } else {
                0.001
            };
            let slot = Slot {
                mean_square: ms,
                peak: 0.5,
            };
            black_box(rider.step(Some(black_box(slot)), 0.05))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_detector, bench_tick);
criterion_main!(benches);
