//! Changing any parameter, or a whole profile, mid-signal never clicks: no
//! sample-to-sample step is larger than the signal's own at its level.

use headroom_dsp::{Chain, ParamId, ParamValues, PARAMS};

const RATE: f32 = 48_000.0;
const FREQ: f32 = 220.0;

fn sine(amp: f32, from: usize, frames: usize) -> Vec<f32> {
    (from..from + frames)
        .flat_map(|n| {
            let v = amp * (2.0 * std::f32::consts::PI * FREQ * n as f32 / RATE).sin();
            [v, v]
        })
        .collect()
}

/// Largest ratio of a sample-to-sample step to the largest step a sine of
/// the local amplitude can make (1.0 = as steep as the signal itself).
fn worst_step_ratio(out: &[f32]) -> (f32, usize) {
    let left: Vec<f32> = out.iter().step_by(2).cloned().collect();
    let own = 2.0 * (std::f32::consts::PI * FREQ / RATE).sin();
    let period = (RATE / FREQ) as usize + 1;
    let mut worst = (0.0f32, 0);
    for n in period..left.len() - period {
        let local = left[n - period..n + period]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        if local < 1e-4 {
            continue;
        }
        let ratio = (left[n] - left[n - 1]).abs() / (own * local);
        if ratio > worst.0 {
            worst = (ratio, n);
        }
    }
    worst
}

/// Worst step ratio while the change takes effect, and the worst the
/// processed signal shows anyway (steady state before and long after the
/// change: fast compressor settings ripple a little on their own).
fn change_mid_signal(amp: f32, change: impl Fn(&mut Chain)) -> (f32, f32, usize) {
    let second = RATE as usize;
    let mut chain = Chain::new(RATE, 2).unwrap();
    let mut before = sine(amp, 0, 2 * second);
    chain.process_interleaved(&mut before);
    change(&mut chain);
    let mut after = sine(amp, 2 * second, 2 * second);
    chain.process_interleaved(&mut after);
    let (transition, at) =
        worst_step_ratio(&[&before[before.len() - second..], &after[..second]].concat());
    let steady_before = worst_step_ratio(&before[before.len() - second..]).0;
    let steady_after = worst_step_ratio(&after[second..]).0;
    (transition, steady_before.max(steady_after).max(1.0), at)
}

#[test]
fn every_parameter_jump_glides() {
    let mut failures = Vec::new();
    for amp in [0.3f32, 1.0] {
        for spec in &PARAMS {
            for value in [spec.min, spec.max] {
                let (ratio, steady, at) = change_mid_signal(amp, |c| c.set_param(spec.id, value));
                if ratio > steady + 0.05 {
                    failures.push(format!(
                        "{} → {value} (sine at {amp}): step {ratio:.2}× the signal's own near frame {at} (steady state {steady:.2}×)",
                        spec.key
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "clicks:\n{}", failures.join("\n"));
}

#[test]
fn whole_profile_switch_glides() {
    let mut night = ParamValues::default();
    night.set(ParamId::AgcTarget, -26.0);
    night.set(ParamId::CompThreshold, -30.0);
    night.set(ParamId::CompRatio, 8.0);
    night.set(ParamId::CompKnee, 0.0);
    night.set(ParamId::CompAttack, 0.1);
    night.set(ParamId::CompMakeup, 12.0);
    night.set(ParamId::LimiterCeiling, -9.0);
    night.set(ParamId::InputGain, 12.0);
    for amp in [0.05f32, 0.3, 1.0] {
        let (ratio, steady, at) = change_mid_signal(amp, |c| c.set_params(&night));
        assert!(
            ratio <= steady + 0.05,
            "profile switch on a sine at {amp}: step {ratio:.2}× near {at} (steady {steady:.2}×)"
        );
        let (ratio, steady, at) = change_mid_signal(amp, |c| {
            c.set_params(&night);
            c.set_params(&ParamValues::default());
        });
        assert!(
            ratio <= steady + 0.05,
            "switch and back on a sine at {amp}: step {ratio:.2}× near {at} (steady {steady:.2}×)"
        );
    }
}

#[test]
fn the_metric_catches_a_real_click() {
    // A hard gain jump of 6 dB must register, or the tests above prove nothing.
    let mut x = sine(0.3, 0, 48_000);
    // Frame 24_055 sits near a crest of the 220 Hz sine.
    for v in x[2 * 24_055..].iter_mut() {
        *v *= 0.5;
    }
    assert!(worst_step_ratio(&x).0 > 1.5);
}
