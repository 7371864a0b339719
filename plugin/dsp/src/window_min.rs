//! Sliding-window minimum (monotonic queue in a fixed ring): O(1) amortised
//! per sample, no allocation after construction.

#[derive(Debug, Clone)]
pub struct WindowMin {
    /// Ring of (sample index, value), values increasing from front to back.
    ring: Box<[(u64, f32)]>,
    head: usize,
    len: usize,
    window: u64,
    index: u64,
}

impl WindowMin {
    /// A window over the last `window` pushed values (≥ 1). Allocates.
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        WindowMin {
            ring: vec![(0, 0.0); window + 1].into_boxed_slice(),
            head: 0,
            len: 0,
            window: window as u64,
            index: 0,
        }
    }

    pub fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.index = 0;
    }

    /// Pushes `value` and returns the minimum of the last `window` values
    /// (fewer at the start). Real-time safe.
    #[inline]
    pub fn push(&mut self, value: f32) -> f32 {
        let cap = self.ring.len();
        let wrap = |i: usize| if i >= cap { i - cap } else { i };
        // Drop larger-or-equal values from the back: they can never be the minimum again.
        while self.len > 0 {
            let back = wrap(self.head + self.len - 1);
            if self.ring[back].1 >= value {
                self.len -= 1;
            } else {
                break;
            }
        }
        let slot = wrap(self.head + self.len);
        self.ring[slot] = (self.index, value);
        self.len += 1;
        // Expire the front once it leaves the window.
        let oldest_kept = self.index.saturating_sub(self.window - 1);
        while self.ring[self.head].0 < oldest_kept {
            self.head = wrap(self.head + 1);
            self.len -= 1;
        }
        self.index += 1;
        self.ring[self.head].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force() {
        let mut state = 12345u32;
        let values: Vec<f32> = (0..2000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 100) as f32
            })
            .collect();
        for window in [1, 2, 5, 37] {
            let mut wm = WindowMin::new(window);
            for (i, &v) in values.iter().enumerate() {
                let got = wm.push(v);
                let lo = i.saturating_sub(window - 1);
                let want = values[lo..=i].iter().cloned().fold(f32::INFINITY, f32::min);
                assert_eq!(got, want, "window {window} at {i}");
            }
        }
    }
}
