//! Layer A's tap detector keeps the real-time contract: measuring a block
//! and publishing it never allocates (nor frees). The check is live: the
//! same harness aborts a child run that allocates on purpose.

use std::process::Command;

use headroom_router::layer_a::detector::{Detector, LevelMeter, MeterReader};
use nice_assert_no_alloc::{assert_no_alloc, AllocDisabler};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const CHILD: &str = "HEADROOM_ALLOC_CHECK_CHILD";

#[test]
fn measuring_blocks_never_allocates() {
    let meter = LevelMeter::new();
    let mut detector = Detector::new(meter.clone());
    let mut reader = MeterReader::new(meter);
    // Blocks of every awkward size PipeWire may hand over, as raw bytes.
    let blocks: Vec<Vec<u8>> = [0usize, 1, 7, 64, 127, 1024, 8192]
        .iter()
        .map(|&frames| {
            (0..frames * 2)
                .flat_map(|n| (0.3 * (n as f32 * 0.01).sin()).to_ne_bytes())
                .chain([1u8]) // a partial trailing sample
                .collect()
        })
        .collect();
    let mut measured = 0;
    for _ in 0..50 {
        for block in &blocks {
            assert_no_alloc(|| detector.process_bytes(block));
        }
        let m = assert_no_alloc(|| reader.read());
        measured += m.samples;
    }
    assert_eq!(measured, 50 * 2 * (1 + 7 + 64 + 127 + 1024 + 8192));
}

/// Run as a child: allocates inside `assert_no_alloc`, which must abort.
#[test]
fn an_allocation_on_the_checked_path_aborts() {
    if std::env::var_os(CHILD).is_some() {
        let v = assert_no_alloc(|| vec![1u8; 64]);
        println!("not caught: {}", v.len());
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "an_allocation_on_the_checked_path_aborts",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the allocation was not caught: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
