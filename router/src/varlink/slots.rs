//! Connection slots: at most [`MAX_CONNECTIONS`](super::MAX_CONNECTIONS)
//! connections are kept, and a new client is never locked out by the
//! ones already there. When one more arrives, the connection that has
//! waited longest for its next call (idle, between messages) is asked to
//! close; connections in the middle of a message, waiting for an answer
//! or running a `Monitor` feed are never picked (a feed that stops
//! reading is dropped by its write timeout instead).
//!
//! Guarantees: admitting never waits; a connection learns it was evicted
//! through [`Slot::evicted`]; a dropped [`Slot`] frees its place.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

/// Every open connection, shared by the acceptor and the connections.
#[derive(Clone, Default)]
pub(super) struct Slots {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    open: BTreeMap<u64, Entry>,
}

struct Entry {
    /// Since when it has been waiting for its next call; `None` while busy.
    idle_since: Option<Instant>,
    evict: Arc<Notify>,
}

/// One connection's place; dropping it frees the place.
pub(super) struct Slot {
    id: u64,
    slots: Slots,
    evict: Arc<Notify>,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; a poisoned one is as good.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection. Over `cap`, the longest-idle
    /// connection is asked to close (none is, if every one is busy).
    pub(super) fn admit(&self, cap: usize) -> Slot {
        let mut inner = self.lock();
        if inner.open.len() >= cap {
            let oldest = inner
                .open
                .iter()
                .filter_map(|(id, e)| e.idle_since.map(|t| (t, *id)))
                .min_by_key(|(t, _)| *t)
                .map(|(_, id)| id);
            if let Some(entry) = oldest.and_then(|id| inner.open.get_mut(&id)) {
                // Asked once is enough: a burst of newcomers each picks
                // another idle connection, not this one again.
                entry.idle_since = None;
                entry.evict.notify_one();
            }
        }
        let id = inner.next;
        inner.next += 1;
        let evict = Arc::new(Notify::new());
        inner.open.insert(
            id,
            Entry {
                idle_since: Some(Instant::now()),
                evict: evict.clone(),
            },
        );
        Slot {
            id,
            slots: self.clone(),
            evict,
        }
    }

    /// How many connections hold a place.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().open.len()
    }
}

impl Slot {
    /// Waiting for the next call: may be evicted from now on.
    pub(super) fn idle(&self) {
        if let Some(e) = self.slots.lock().open.get_mut(&self.id) {
            e.idle_since.get_or_insert_with(Instant::now);
        }
    }

    /// Reading a call, waiting for its answer, or running a feed.
    pub(super) fn busy(&self) {
        if let Some(e) = self.slots.lock().open.get_mut(&self.id) {
            e.idle_since = None;
        }
    }

    /// Resolves once this connection is asked to make room.
    pub(super) async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.lock().open.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn is_evicted(slot: &Slot) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(1), slot.evicted())
                .await
                .is_ok()
        })
    }

    #[test]
    fn the_longest_idle_connection_makes_room_and_busy_ones_never_do() {
        let slots = Slots::default();
        let busy = slots.admit(3);
        busy.busy();
        let oldest_idle = slots.admit(3);
        std::thread::sleep(Duration::from_millis(2));
        let newer_idle = slots.admit(3);
        // Full: the fourth client gets in, the oldest idle one is asked out.
        let fourth = slots.admit(3);
        assert!(is_evicted(&oldest_idle));
        assert!(!is_evicted(&newer_idle));
        assert!(!is_evicted(&busy));
        drop(oldest_idle);
        assert_eq!(slots.len(), 3);
        // Everyone busy: nobody is asked out, the newcomer still gets in.
        for s in [&newer_idle, &fourth] {
            s.busy();
        }
        let fifth = slots.admit(3);
        assert!(!is_evicted(&newer_idle) && !is_evicted(&fourth) && !is_evicted(&busy));
        assert_eq!(slots.len(), 4);
        drop(fifth);
        assert_eq!(slots.len(), 3);
    }

    #[test]
    fn a_burst_of_newcomers_asks_a_different_idle_connection_each_time() {
        let slots = Slots::default();
        let first = slots.admit(2);
        std::thread::sleep(Duration::from_millis(2));
        let second = slots.admit(2);
        // Neither evicted connection has closed yet when the next arrives.
        let _third = slots.admit(2);
        let _fourth = slots.admit(2);
        assert!(is_evicted(&first));
        assert!(is_evicted(&second));
    }
}
