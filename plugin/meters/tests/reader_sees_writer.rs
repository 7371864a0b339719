//! A reader in another thread (standing in for another process: the mapping
//! is `MAP_SHARED` on a file) sees every update a writer publishes, never a
//! torn one, and keeps seeing them when a new writer takes the file over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use headroom_meters::{MeterReader, MeterValues, MeterWriter, FLOOR_DB, LEVEL_COUNT};

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-meters-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn snapshots_are_never_torn_and_updates_move() {
    let dir = temp_dir("torn");
    let path = dir.join("headroom").join("meters-7");
    let writer = MeterWriter::create_at(&path).unwrap();
    let reader = MeterReader::open_path(&path).unwrap();
    let first = reader.read().expect("initialised block");
    assert_eq!(first.updates, 0);
    assert_eq!(first.input_peak_db, FLOOR_DB);
    assert_eq!(first.agc_gain_db, 0.0, "gains start at 0 dB, not the floor");
    assert_eq!(first.limiter_gr_db, 0.0);
    assert_eq!(first.writer_pid, std::process::id());

    let stop = Arc::new(AtomicBool::new(false));
    let stop_w = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut k = 0u32;
        while !stop_w.load(Ordering::Relaxed) {
            k += 1;
            // Every level carries the same value: a torn read shows up as a mismatch.
            let v = -((k % 100) as f32);
            writer.publish(&MeterValues {
                sample_rate: 48_000.0,
                latency_samples: k,
                levels: [v; LEVEL_COUNT],
            });
        }
        writer
    });
    let mut last = 0;
    let mut seen = 0;
    // Read until the writer has published plenty while we watched.
    while seen < 20_000 || last < 10_000 {
        if let Some(s) = reader.read() {
            assert!(s.updates >= last, "updates went backwards");
            last = s.updates;
            if s.updates == 0 {
                continue; // the initial block, checked above
            }
            let v = s.input_peak_db;
            for other in [
                s.output_peak_db,
                s.output_true_peak_db,
                s.agc_gain_db,
                s.comp_gr_db,
                s.limiter_gr_db,
                s.short_term_lufs,
            ] {
                assert_eq!(other, v, "torn snapshot: {s:?}");
            }
            assert_eq!(-((s.latency_samples % 100) as f32), v, "torn: {s:?}");
            seen += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let writer = handle.join().unwrap();
    assert!(reader.read().unwrap().updates > 0);
    drop(writer);

    // A restarted host takes the same file over; the old mapping sees it.
    let writer = MeterWriter::create_at(&path).unwrap();
    writer.publish(&MeterValues {
        sample_rate: 96_000.0,
        latency_samples: 3,
        levels: [-6.0; LEVEL_COUNT],
    });
    let s = reader.read().unwrap();
    assert_eq!(s.sample_rate, 96_000.0);
    assert_eq!(s.output_true_peak_db, -6.0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn block_files_are_private_and_bad_files_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("perm");
    let path = dir.join("headroom").join("meters-1");
    let _writer = MeterWriter::create_at(&path).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);

    let short = dir.join("short");
    std::fs::write(&short, b"not a block").unwrap();
    let err = MeterReader::open_path(&short)
        .err()
        .expect("short file refused");
    assert!(
        err.to_string().contains("not a headroom meter block"),
        "{err}"
    );

    let missing = MeterReader::open_path(&dir.join("nope")).err().unwrap();
    assert!(missing.to_string().contains("nope"), "{missing}");

    // A zeroed block (writer not initialised yet) reads as nothing.
    let zero = dir.join("zero");
    std::fs::write(&zero, vec![0u8; 4096]).unwrap();
    assert!(MeterReader::open_path(&zero).unwrap().read().is_none());
    let _ = std::fs::remove_dir_all(dir);
}
