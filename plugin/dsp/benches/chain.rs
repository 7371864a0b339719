//! Throughput of the full chain and of each stage: stereo, 48 kHz, default
//! parameters, host blocks of 32, 128 and 1024 frames, fed with dense
//! brickwall-clipped music (the limiters' worst everyday case).
//!
//! Throughput is counted in frames, so the realtime factor is
//! `frames per second / 48 000`. `cargo xtask bench` runs this, reads
//! criterion's estimates and writes the factors into BENCHMARKS.md next to
//! the x42-dpl and LSP limiter anchors.
//!
//! Groups and ids are read by xtask as `target/criterion/<group>/<block>/`;
//! renaming them means updating `xtask/src/bench/criterion.rs`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use headroom_dsp::agc::Agc;
use headroom_dsp::chain::{agc_params, compressor_params};
use headroom_dsp::compressor::Compressor;
use headroom_dsp::dsp_math::{db_to_lin, ms_to_samples};
use headroom_dsp::limiter::lookahead::LookaheadLimiter;
use headroom_dsp::limiter::safety::SafetyLimiter;
use headroom_dsp::limiter::{LOOKAHEAD_MS, TIER1_MARGIN_DB, TIER2_MARGIN_DB};
use headroom_dsp::{Chain, ParamId, ParamValues, CHUNK};

const SAMPLE_RATE_HZ: u32 = 48_000;
const CHANNELS: usize = 2;
/// Host block sizes, frames.
const BLOCKS: [usize; 3] = [32, 128, 1024];
/// Length of the looped input, seconds: long enough that the limiters see
/// changing material, short enough to stay in cache.
const INPUT_SECONDS: f64 = 2.0;

/// Planar stereo clipped music, looped block by block.
struct Input {
    channels: [Vec<f32>; CHANNELS],
    pos: usize,
}

impl Input {
    fn new() -> Input {
        let interleaved = headroom_testdata::signals::clipped_music(SAMPLE_RATE_HZ, INPUT_SECONDS);
        let left = interleaved.iter().step_by(2).copied().collect();
        let right = interleaved.iter().skip(1).step_by(2).copied().collect();
        Input {
            channels: [left, right],
            pos: 0,
        }
    }

    /// Copies the next `frames` frames into `out` (one slice per channel).
    fn next_block<'a>(&mut self, frames: usize, out: impl Iterator<Item = &'a mut [f32]>) {
        if self.pos + frames > self.channels[0].len() {
            self.pos = 0;
        }
        for (dst, src) in out.zip(&self.channels) {
            dst[..frames].copy_from_slice(&src[self.pos..self.pos + frames]);
        }
        self.pos += frames;
    }
}

fn default_ceiling() -> f32 {
    db_to_lin(ParamValues::default().get(ParamId::LimiterCeiling))
}

/// Benchmarks a whole `Chain` built with `params`.
fn bench_chain_with(c: &mut Criterion, group_name: &str, params: ParamValues) {
    let mut group = c.benchmark_group(group_name);
    for frames in BLOCKS {
        group.throughput(Throughput::Elements(frames as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(frames),
            &frames,
            |b, &frames| {
                let mut chain = Chain::with_params(SAMPLE_RATE_HZ as f32, CHANNELS, params)
                    .expect("valid chain");
                let mut input = Input::new();
                let mut left = vec![0.0f32; frames];
                let mut right = vec![0.0f32; frames];
                b.iter(|| {
                    input.next_block(frames, [&mut left[..], &mut right[..]].into_iter());
                    chain.process(&mut [&mut left[..], &mut right[..]]);
                    black_box(&left);
                });
            },
        );
    }
    group.finish();
}

fn bench_chains(c: &mut Criterion) {
    bench_chain_with(c, "chain", ParamValues::default());
    // The limiter function alone, comparable to the LV2 limiter anchors.
    let mut limiter_only = ParamValues::default();
    limiter_only.set(ParamId::AgcEnabled, 0.0);
    limiter_only.set(ParamId::CompEnabled, 0.0);
    bench_chain_with(c, "chain_limiter_only", limiter_only);
}

/// Benchmarks one stage that works on `CHUNK`-frame planar buffers: each
/// host block is fed to `process` in `CHUNK`-sized pieces, as the chain does.
fn bench_stage(
    c: &mut Criterion,
    group_name: &str,
    mut process: impl FnMut(&mut [[f32; CHUNK]], usize),
) {
    let mut group = c.benchmark_group(group_name);
    for frames in BLOCKS {
        group.throughput(Throughput::Elements(frames as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(frames),
            &frames,
            |b, &frames| {
                let mut input = Input::new();
                let mut buffers = [[0.0f32; CHUNK]; CHANNELS];
                b.iter(|| {
                    let mut done = 0;
                    while done < frames {
                        let n = CHUNK.min(frames - done);
                        input.next_block(n, buffers.iter_mut().map(|b| &mut b[..]));
                        process(&mut buffers, n);
                        done += n;
                    }
                    black_box(&buffers);
                });
            },
        );
    }
    group.finish();
}

fn bench_stages(c: &mut Criterion) {
    let rate = SAMPLE_RATE_HZ as f32;

    let defaults = ParamValues::default();
    let mut agc = Agc::new(rate, CHANNELS, agc_params(&defaults));
    bench_stage(c, "agc", |bufs, n| agc.process(bufs, n));

    let mut compressor = Compressor::new(rate, compressor_params(&defaults));
    bench_stage(c, "compressor", |bufs, n| compressor.process(bufs, n));

    let release_ms = ParamValues::default().get(ParamId::LimiterRelease);
    let lookahead = ms_to_samples(LOOKAHEAD_MS, rate);
    let mut tier1 = LookaheadLimiter::new(rate, CHANNELS, lookahead, release_ms);
    let tier1_aim = [default_ceiling() * db_to_lin(-TIER1_MARGIN_DB); CHUNK];
    bench_stage(c, "lookahead_limiter", |bufs, n| {
        tier1.process(bufs, n, &tier1_aim)
    });

    let mut tier2 = SafetyLimiter::new(rate, CHANNELS);
    let tier2_aim = [default_ceiling() * db_to_lin(-TIER2_MARGIN_DB); CHUNK];
    let clamp = [default_ceiling(); CHUNK];
    bench_stage(c, "safety_limiter", |bufs, n| {
        tier2.process(bufs, n, &tier2_aim, &clamp)
    });
}

criterion_group!(benches, bench_chains, bench_stages);
criterion_main!(benches);
