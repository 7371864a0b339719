//! Getting meters from the audio thread into shared memory without the
//! audio thread ever touching the file system.
//!
//! The `meter_instance` control can change at any time, but creating and
//! mapping a block file allocates and makes system calls. So a small
//! background thread (one per plugin instance, polling every
//! [`POLL_MS`] ms) watches which instance the audio thread wants, creates
//! that block, and hands it over through an atomic pointer. The audio
//! thread only loads the pointer and does atomic stores into the block.
//! Replaced writers are kept until the publisher is dropped (in LV2
//! `cleanup`, never concurrent with `run`), so the audio thread never sees
//! one freed under it.

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use headroom_meters::{MeterValues, MeterWriter};

/// How often the background thread looks for a new `meter_instance`, ms.
pub const POLL_MS: u64 = 50;

struct Shared {
    /// The instance the audio thread wants (0 = none).
    wanted: AtomicU32,
    /// The writer for `current`, or null.
    writer: AtomicPtr<MeterWriter>,
    /// The instance `writer` belongs to.
    current: AtomicU32,
    stop: AtomicBool,
}

/// Writers are boxed so their address stays put while the Vec grows: the
/// audio thread holds a raw pointer to the current one.
#[allow(clippy::vec_box)]
type Writers = Vec<Box<MeterWriter>>;

pub struct MeterPublisher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<Writers>>,
}

impl MeterPublisher {
    /// Starts the background thread. Allocates; call from `instantiate`.
    pub fn start() -> MeterPublisher {
        let shared = Arc::new(Shared {
            wanted: AtomicU32::new(0),
            writer: AtomicPtr::new(ptr::null_mut()),
            current: AtomicU32::new(0),
            stop: AtomicBool::new(false),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("headroom-meters".into())
            .spawn(move || watch(&worker))
            .ok();
        MeterPublisher { shared, thread }
    }

    /// Creates the block for `instance` now, on the calling thread (for
    /// LV2 `activate`, which is not real-time).
    pub fn prepare(&self, instance: u32) {
        self.shared.wanted.store(instance, Ordering::Relaxed);
        if self.thread.is_none() {
            return;
        }
        // The watcher does the work; doing it here too would race it.
        // Waiting a little lets meters be up from the very first block.
        for _ in 0..20 {
            if self.shared.current.load(Ordering::Acquire) == instance {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Publishes `values` if the wanted block is ready. Real-time safe:
    /// atomic loads and stores only.
    #[inline]
    pub fn publish(&self, instance: u32, values: &MeterValues) {
        self.shared.wanted.store(instance, Ordering::Relaxed);
        if instance == 0 || self.shared.current.load(Ordering::Acquire) != instance {
            return;
        }
        let writer = self.shared.writer.load(Ordering::Acquire);
        // SAFETY: a non-null writer stays alive until `self` is dropped
        // (see the module docs).
        if let Some(writer) = unsafe { writer.as_ref() } {
            writer.publish(values);
        }
    }
}

/// The background thread: returns every writer it made, for dropping.
fn watch(shared: &Shared) -> Writers {
    let mut made: Writers = Vec::new();
    let mut failed: u32 = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        let wanted = shared.wanted.load(Ordering::Relaxed);
        let current = shared.current.load(Ordering::Relaxed);
        if wanted != current && wanted != failed {
            if wanted == 0 {
                shared.current.store(0, Ordering::Release);
            } else {
                match MeterWriter::create(wanted) {
                    Ok(writer) => {
                        let mut writer = Box::new(writer);
                        shared
                            .writer
                            .store(&mut *writer as *mut MeterWriter, Ordering::Release);
                        shared.current.store(wanted, Ordering::Release);
                        made.push(writer);
                        failed = 0;
                    }
                    Err(e) => {
                        // Said once per instance; the audio goes on unmetered.
                        eprintln!("headroom: cannot publish meters for instance {wanted}: {e}");
                        failed = wanted;
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(POLL_MS));
    }
    made
}

impl Drop for MeterPublisher {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.writer.store(ptr::null_mut(), Ordering::Release);
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}
