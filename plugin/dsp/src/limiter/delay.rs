//! Fixed per-channel delay, a chunk at a time: each channel's buffer holds
//! the last `delay` samples followed by room for one chunk, so a chunk goes
//! in and the delayed chunk comes out with two straight copies (which the
//! compiler turns into vector moves) instead of a ring index per sample.

use crate::block::CHUNK;

#[derive(Debug, Clone)]
pub struct ChunkDelay {
    /// Per channel: `delay` samples of history, then `CHUNK` of room.
    lines: Box<[f32]>,
    delay: usize,
}

impl ChunkDelay {
    /// `channels` lines of `delay` samples, silent. Allocates.
    pub fn new(channels: usize, delay: usize) -> Self {
        ChunkDelay {
            lines: vec![0.0; channels * (delay + CHUNK)].into_boxed_slice(),
            delay,
        }
    }

    pub fn delay(&self) -> usize {
        self.delay
    }

    pub fn reset(&mut self) {
        self.fill(0.0);
    }

    /// Sets every delayed sample to `value`. Real-time safe.
    pub fn fill(&mut self, value: f32) {
        self.lines.fill(value);
    }

    /// Replaces `chunk` (≤ CHUNK samples) of channel `c` with the samples
    /// that went in `delay` samples earlier. Real-time safe.
    #[inline]
    pub fn run(&mut self, c: usize, chunk: &mut [f32]) {
        let n = chunk.len();
        let stride = self.delay + CHUNK;
        let line = &mut self.lines[c * stride..(c + 1) * stride];
        line[self.delay..self.delay + n].copy_from_slice(chunk);
        chunk.copy_from_slice(&line[..n]);
        line.copy_within(n..n + self.delay, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_by_exactly_delay_samples_in_any_chunking() {
        for delay in [1, 17, 63, 64, 65, 300] {
            let x: Vec<f32> = (1..=2000).map(|v| v as f32).collect();
            let mut d = ChunkDelay::new(2, delay);
            let mut out = Vec::new();
            let mut start = 0;
            for n in [64, 1, 17, 64, 3].iter().cycle() {
                if start >= x.len() {
                    break;
                }
                let end = (start + n).min(x.len());
                let mut chunk = x[start..end].to_vec();
                d.run(1, &mut chunk);
                out.extend(chunk);
                start = end;
            }
            for (i, &v) in out.iter().enumerate() {
                let want = if i < delay { 0.0 } else { x[i - delay] };
                assert_eq!(v, want, "delay {delay} at {i}");
            }
        }
    }
}
