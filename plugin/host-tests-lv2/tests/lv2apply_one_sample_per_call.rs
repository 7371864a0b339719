//! `lv2apply` (lilv) runs the plugin one frame per `run` call — the
//! smallest block a host can give. Proves that at that block size, through
//! the built bundle:
//! - every torture signal comes out at or below the ceiling (independent
//!   16× true-peak meter), at 48 and 44.1 kHz;
//! - the output equals the in-process `Chain` with the same settings within
//!   1e-6 (the chain's result does not depend on how the host splits blocks,
//!   and lv2apply, like lv2file, neither pads nor trims latency);
//! - control values given with `-c symbol value` take effect, on the right
//!   ports.
//!
//! Inputs are kept short: a million `run` calls would prove no more.

use headroom_host_tests_lv2::*;

/// Length of each torture signal, s.
const SECONDS: f64 = 0.3;

fn torture(rate: u32, controls: &[(&str, f32)]) {
    let dir = Scratch::new("lv2apply");
    let failures = torture_failures("lv2apply", rate, SECONDS, controls, |input| {
        lv2apply(&dir, rate, input, controls)
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn torture_signals_one_frame_per_call_hold_the_ceiling_and_match_the_chain() {
    torture(48_000, &[]);
}

#[test]
fn ceiling_minus_6_at_44k1_one_frame_per_call() {
    torture(44_100, &[("ceiling", -6.0)]);
}

/// Every control moved away from its default, as in the lv2file test: the
/// output equals the chain with those settings and not the defaults' output.
#[test]
fn every_control_given_with_dash_c_reaches_its_parameter() {
    let rate = 48_000;
    let input = with_tail(rate, headroom_testdata::signals::clipped_music(rate, 0.5));
    let dir = Scratch::new("lv2apply-controls");
    let controls = ALL_CONTROLS_MOVED;
    let output = lv2apply(&dir, rate, &input, controls);
    let failures = controls_failures(
        "lv2apply all controls moved",
        rate,
        controls,
        &input,
        &output,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
