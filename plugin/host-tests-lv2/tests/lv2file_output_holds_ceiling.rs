//! `lv2file` (blocks of 256 frames, the way a batch tool or DAW runs a
//! plugin) through the built bundle. Proves, for every torture signal at
//! 44.1, 48 and 96 kHz:
//! - the output's true peak by the independent 16× meter stays at or below
//!   the ceiling;
//! - the output equals the in-process `Chain` with the same settings, sample
//!   for sample (within 1e-6): the LV2 glue adds, drops and delays nothing
//!   (lv2file neither pads nor trims latency, and the plugin's latency shows
//!   up as the chain's own delay);
//! - control values given on the command line (`-p symbol:value`) take
//!   effect from the first sample, on the right ports.
//!
//! lv2file activates the plugin *before* it connects the control ports and
//! sets their values, so this also proves the plugin picks up the host's
//! settings at its first `run` rather than gliding in from the defaults.

use headroom_host_tests_lv2::*;

/// Length of each torture signal, s.
const SECONDS: f64 = 1.0;
/// lv2file's block size, frames.
const BLOCK: usize = 256;

/// Every torture signal at `rate` with `controls`; all failures in one report.
fn torture(rate: u32, controls: &[(&str, f32)]) {
    let dir = Scratch::new("lv2file");
    let failures = torture_failures("lv2file", rate, SECONDS, controls, |input| {
        lv2file(&dir, rate, input, controls, BLOCK)
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn torture_signals_at_44k1_hold_the_default_ceiling_and_match_the_chain() {
    torture(44_100, &[]);
}

#[test]
fn torture_signals_at_48k_hold_the_default_ceiling_and_match_the_chain() {
    torture(48_000, &[]);
}

#[test]
fn torture_signals_at_96k_hold_the_default_ceiling_and_match_the_chain() {
    torture(96_000, &[]);
}

#[test]
fn ceiling_minus_6_on_the_command_line_holds_from_the_first_sample() {
    torture(48_000, &[("ceiling", -6.0)]);
}

/// Every control port set away from its default (AGC and compressor on, so
/// their settings matter; then both switched off): the output equals the
/// chain with exactly those settings and differs clearly from the defaults,
/// so a control that was ignored or landed on the wrong port would show.
#[test]
fn every_control_on_the_command_line_reaches_its_parameter() {
    let rate = 48_000;
    let input = with_tail(rate, headroom_testdata::signals::clipped_music(rate, 2.0));
    let dir = Scratch::new("lv2file-controls");
    let mut failures = Vec::new();
    for controls in [ALL_CONTROLS_MOVED, SWITCHES_OFF] {
        let output = lv2file(&dir, rate, &input, controls, BLOCK);
        failures.extend(controls_failures(
            &format!("lv2file {controls:?}"),
            rate,
            controls,
            &input,
            &output,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
