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

    /// Whether every value in the window is exactly 1 (the largest any
    /// caller pushes: gains).
    #[inline]
    pub fn is_all_ones(&self) -> bool {
        self.len == 1 && self.ring[self.head].1 == 1.0
    }

    /// The same as pushing 1.0 `n` times when [`is_all_ones`](Self::is_all_ones)
    /// holds (the window then stays all ones), in O(1). Real-time safe.
    #[inline]
    pub fn push_ones(&mut self, n: usize) {
        debug_assert!(self.is_all_ones());
        if n > 0 {
            self.index += n as u64;
            self.ring[self.head] = (self.index - 1, 1.0);
        }
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
    fn pushing_ones_in_bulk_is_pushing_them_one_by_one() {
        let mut bulk = WindowMin::new(5);
        let mut single = WindowMin::new(5);
        for v in [0.5, 1.0, 1.0, 1.0, 1.0, 1.0] {
            bulk.push(v);
            single.push(v);
        }
        assert!(bulk.is_all_ones());
        bulk.push_ones(1000);
        for _ in 0..1000 {
            single.push(1.0);
        }
        for v in [0.7, 1.0, 0.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] {
            assert_eq!(bulk.push(v), single.push(v));
        }
    }

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
