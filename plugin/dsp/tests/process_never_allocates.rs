//! `Chain::process` never touches the allocator: every call below runs
//! inside `assert_no_alloc`, which aborts the process on any allocation or
//! deallocation. A subprocess proves the check really fires.

use headroom_dsp::{Chain, ParamId, ParamValues, PARAMS};
use nice_assert_no_alloc::{assert_no_alloc, AllocDisabler};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const PROBE_ENV: &str = "HEADROOM_ALLOC_PROBE";

#[test]
fn process_and_parameter_changes_do_not_allocate() {
    let input = headroom_testdata::signals::clipped_music(48_000, 1.0);
    for rate in [1_000.0, 22_050.0, 48_000.0, 384_000.0, 768_000.0] {
        let mut chain = Chain::new(rate, 2).unwrap();
        let mut left: Vec<f32> = input.iter().step_by(2).cloned().collect();
        let mut right: Vec<f32> = input.iter().skip(1).step_by(2).cloned().collect();
        let mut interleaved = input.clone();
        let mut other = ParamValues::default();
        other.set(ParamId::LimiterCeiling, -6.0);
        other.set(ParamId::CompRatio, 10.0);
        assert_no_alloc(|| {
            let mut pos = 0;
            for (i, block) in [
                0usize, 1, 2, 3, 5, 7, 13, 64, 127, 128, 1021, 4096, 8192, 9001,
            ]
            .iter()
            .cycle()
            .take(40)
            .enumerate()
            {
                let end = (pos + block).min(left.len());
                let mut chans: [&mut [f32]; 2] = [&mut left[pos..end], &mut right[pos..end]];
                chain.process(&mut chans);
                pos = if end == left.len() { 0 } else { end };
                // Every parameter moves, one at a time, then a whole profile.
                let spec = &PARAMS[i % PARAMS.len()];
                chain.set_param(spec.id, if i % 2 == 0 { spec.max } else { spec.min });
                if i % 10 == 9 {
                    chain.set_params(&other);
                }
            }
            chain.process_interleaved(&mut interleaved);
            chain.reset();
            let _ = chain.meters();
        });
        assert!(left.iter().chain(right.iter()).all(|v| v.is_finite()));
    }
}

/// Not a test of the DSP: the subprocess body for the test below.
#[test]
fn allocation_probe() {
    if std::env::var_os(PROBE_ENV).is_some() {
        let v = assert_no_alloc(|| vec![1u8; 64]);
        // Only reached if the check failed to fire.
        println!("allocated {} bytes unnoticed", v.len());
    }
}

#[test]
fn the_allocation_check_really_fires() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "allocation_probe",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROBE_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "an allocation inside assert_no_alloc went unnoticed:\n{stdout}"
    );
    assert!(!stdout.contains("unnoticed"));
}
