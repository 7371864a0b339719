//! `headroom-wav selftest`: generates the EBU test signals, measures them
//! with the project's meter and checks the limiter's ceiling.
//!
//! - EBU Tech 3341 cases 1–2 (integrated loudness, ±0.1 LU) and 15–23
//!   (true peak, +0.2/−0.4 dB), at 48 kHz as the document specifies.
//!   Cases 15–19 are the specified sines (with 10 ms fades, see [`faded`]);
//!   cases 20–23 are generated here as
//!   a band-limited pulse whose 0 dBTP peak lies at offsets 0, ¼, ½ and ¾
//!   of a sample after a sample instant.
//! - EBU Tech 3342 cases 1–4 (loudness range, ±1 LU): 1 kHz stereo sines
//!   stepping between the specified levels, 20 s each.
//! - Ceiling: the true-peak cases and inter-sample-peak torture signals
//!   (fs/4 at 45° and +3 dBTP, a 0 dBFS sine near 20 kHz, a naive square
//!   wave, back-to-back full-scale impulses, brickwall-clipped noise and
//!   unclipped +12 dBFS float noise) run through the DSP at 44.1, 48 and
//!   96 kHz with default parameters; the output's true peak (the whole
//!   response, tail included) must not exceed the ceiling by more than
//!   [`CEILING_TOLERANCE_DB`].

use std::f64::consts::{PI, SQRT_2};
use std::fmt::Write as _;

use headroom_dsp::{ParamId, ParamValues};
use headroom_level::LoudnessMeter;
use serde::Serialize;

use crate::process::process_flushed;

/// How far above the ceiling an output may read, dB (meter resolution).
pub const CEILING_TOLERANCE_DB: f64 = 0.01;
/// Rates of the ceiling checks, Hz.
pub const RATES: [u32; 3] = [44_100, 48_000, 96_000];

/// What is checked, and with what: swapped in tests to show a wrong meter
/// or a wrong ceiling fails.
#[derive(Clone, Copy)]
pub struct Checks {
    /// True peak of interleaved audio, linear.
    pub true_peak: fn(&[f32], usize) -> f64,
    /// DSP parameters for the ceiling checks.
    pub params: ParamValues,
    /// The ceiling the output must respect, dBTP.
    pub ceiling_db: f64,
}

impl Default for Checks {
    fn default() -> Self {
        let params = ParamValues::default();
        Checks {
            true_peak: headroom_level::true_peak,
            params,
            ceiling_db: f64::from(params.get(ParamId::LimiterCeiling)),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub group: &'static str,
    pub case: String,
    pub sample_rate: u32,
    /// `None` for silence (−∞).
    pub measured: Option<f64>,
    /// The expected value, or the limit for ceiling checks.
    pub expected: f64,
    /// Allowed deviation below and above `expected`.
    pub below: f64,
    pub above: f64,
    pub unit: &'static str,
    pub pass: bool,
}

fn db(v: f64) -> Option<f64> {
    let d = 20.0 * v.log10();
    d.is_finite().then_some(d)
}

fn stereo(mono: &[f64]) -> Vec<f32> {
    mono.iter().flat_map(|&v| [v as f32, v as f32]).collect()
}

/// `seconds` of a sine of `amp` at `freq` Hz, starting at `phase_deg`.
fn sine(rate: u32, seconds: f64, freq: f64, amp: f64, phase_deg: f64) -> Vec<f64> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .map(|i| {
            amp * (2.0 * PI * freq * i as f64 / f64::from(rate) + phase_deg.to_radians()).sin()
        })
        .collect()
}

/// A pulse band-limited to 0.4 × the rate with its peak (1.0) at sample
/// `centre + offset`: a Kaiser-windowed sinc, even about its peak.
fn pulse(rate: u32, seconds: f64, offset: f64) -> Vec<f64> {
    let n = (f64::from(rate) * seconds) as usize;
    let centre = (n / 2) as f64 + offset;
    let half = 400.0;
    let i0 = |x: f64| {
        let (mut s, mut t) = (1.0, 1.0);
        for k in 1..200 {
            t *= (x / (2.0 * k as f64)).powi(2);
            s += t;
        }
        s
    };
    (0..n)
        .map(|i| {
            let u = i as f64 - centre;
            if u.abs() >= half {
                return 0.0;
            }
            let w = i0(8.0 * (1.0 - (u / half).powi(2)).sqrt()) / i0(8.0);
            let x = 0.8 * u;
            let s = if x == 0.0 {
                1.0
            } else {
                (PI * x).sin() / (PI * x)
            };
            s * w
        })
        .collect()
}

/// `x` with 10 ms raised-cosine fades at both ends: an abrupt start is a
/// step, and the band-limited reconstruction of a step rings (Gibbs) up to
/// 9 % above it, which is a property of the edge, not of the sine under test.
fn faded(rate: u32, mut x: Vec<f64>) -> Vec<f64> {
    let n = x.len();
    let fade = (f64::from(rate) * 0.01) as usize;
    for (i, v) in x.iter_mut().enumerate() {
        let edge = i.min(n - 1 - i);
        if edge < fade {
            *v *= (0.5 - 0.5 * (PI * edge as f64 / fade as f64).cos()).max(0.0);
        }
    }
    x
}

/// Tech 3341 cases 15–23: (number, description, signal at `rate`, expected dBTP).
fn true_peak_cases(rate: u32) -> Vec<(u32, String, Vec<f32>, f64)> {
    let fs = f64::from(rate);
    let sine = |seconds, freq, amp, phase| faded(rate, sine(rate, seconds, freq, amp, phase));
    let mut v = vec![
        (
            15,
            "fs/4, 0.5, 0°".to_string(),
            stereo(&sine(1.0, fs / 4.0, 0.5, 0.0)),
            -6.0,
        ),
        (
            16,
            "fs/4, 0.5, 45°".to_string(),
            stereo(&sine(1.0, fs / 4.0, 0.5, 45.0)),
            -6.0,
        ),
        (
            17,
            "fs/6, 0.5, 60°".to_string(),
            stereo(&sine(1.0, fs / 6.0, 0.5, 60.0)),
            -6.0,
        ),
        (
            18,
            "fs/8, 0.5, 67.5°".to_string(),
            stereo(&sine(1.0, fs / 8.0, 0.5, 67.5)),
            -6.0,
        ),
        (
            19,
            "fs/4, 1.41, 45°".to_string(),
            stereo(&sine(1.0, fs / 4.0, SQRT_2, 45.0)),
            3.0,
        ),
    ];
    for (k, case) in (20..=23).enumerate() {
        v.push((
            case,
            format!("pulse, peak {}/4 after a sample", k),
            stereo(&pulse(rate, 0.5, k as f64 / 4.0)),
            0.0,
        ));
    }
    v
}

/// Inter-sample-peak torture signals at `rate`.
fn torture(rate: u32) -> Vec<(String, Vec<f32>)> {
    let fs = f64::from(rate);
    let mut noise_state = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = move || {
        noise_state ^= noise_state >> 12;
        noise_state ^= noise_state << 25;
        noise_state ^= noise_state >> 27;
        (noise_state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    };
    let n = rate as usize;
    let square: Vec<f64> = (0..n)
        .map(|i| {
            if (i as f64 * 997.0 / fs).fract() < 0.5 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let impulses: Vec<f64> = (0..n)
        .map(|i| match i % 4800 {
            100 | 101 => 1.0,
            102 | 103 => -1.0,
            2000 => -1.0,
            _ => 0.0,
        })
        .collect();
    let clipped: Vec<f64> = (0..n).map(|_| (noise() * 4.0).clamp(-1.0, 1.0)).collect();
    let hot: Vec<f64> = (0..n).map(|_| noise() * 4.0).collect();
    vec![
        (
            "fs/4, 45°, +3 dBTP".to_string(),
            stereo(&sine(rate, 1.0, fs / 4.0, SQRT_2, 45.0)),
        ),
        (
            format!("{:.0} Hz sine, 0 dBFS", (fs * 0.45).min(20_000.0)),
            stereo(&sine(rate, 1.0, (fs * 0.45).min(20_000.0), 1.0, 30.0)),
        ),
        ("square 997 Hz, 0 dBFS".to_string(), stereo(&square)),
        ("back-to-back ±1 impulses".to_string(), stereo(&impulses)),
        ("clipped noise, 0 dBFS".to_string(), stereo(&clipped)),
        ("float noise, +12 dBFS".to_string(), stereo(&hot)),
    ]
}

fn check(
    group: &'static str,
    case: String,
    sample_rate: u32,
    measured: Option<f64>,
    expected: f64,
    (below, above): (f64, f64),
    unit: &'static str,
) -> CheckResult {
    let pass =
        measured.is_some_and(|m| m >= expected - below - 1e-9 && m <= expected + above + 1e-9);
    CheckResult {
        group,
        case,
        sample_rate,
        measured,
        expected,
        below,
        above,
        unit,
        pass,
    }
}

fn loudness_of(x: &[f32], rate: u32) -> headroom_level::Loudness {
    let mut m = LoudnessMeter::new(2, rate).expect("stereo at a standard rate");
    m.push_interleaved(x).expect("stereo frames");
    m.result()
}

/// Runs every check; the results in table order.
pub fn run_all(checks: &Checks) -> Vec<CheckResult> {
    let mut out = Vec::new();
    // Tech 3341 cases 1 and 2: integrated loudness of a 1 kHz stereo sine.
    for (case, level) in [(1, -23.0), (2, -33.0)] {
        let x = stereo(&sine(48_000, 20.0, 1000.0, 10f64.powf(level / 20.0), 0.0));
        out.push(check(
            "Tech 3341 loudness",
            format!("{case}: 1 kHz, {level} dBFS, integrated"),
            48_000,
            loudness_of(&x, 48_000).integrated_lufs,
            level,
            (0.1, 0.1),
            "LUFS",
        ));
    }
    for (case, what, x, expected) in true_peak_cases(48_000) {
        out.push(check(
            "Tech 3341 true peak",
            format!("{case}: {what}"),
            48_000,
            db((checks.true_peak)(&x, 2)),
            expected,
            (0.4, 0.2),
            "dBTP",
        ));
    }
    for (case, levels, expected) in [
        (1, &[-20.0, -30.0][..], 10.0),
        (2, &[-20.0, -15.0][..], 5.0),
        (3, &[-40.0, -20.0][..], 20.0),
        (4, &[-50.0, -35.0, -20.0, -35.0, -50.0][..], 15.0),
    ] {
        let mono: Vec<f64> = levels
            .iter()
            .flat_map(|&l| sine(48_000, 20.0, 1000.0, 10f64.powf(l / 20.0), 0.0))
            .collect();
        let steps: Vec<String> = levels.iter().map(|l| format!("{l}")).collect();
        out.push(check(
            "Tech 3342 loudness range",
            format!("{case}: 1 kHz at {} dBFS, 20 s each", steps.join("/")),
            48_000,
            loudness_of(&stereo(&mono), 48_000).range_lu,
            expected,
            (1.0, 1.0),
            "LU",
        ));
    }
    for rate in RATES {
        let signals = true_peak_cases(rate)
            .into_iter()
            .map(|(case, what, x, _)| (format!("3341-{case}: {what}"), x))
            .chain(torture(rate));
        for (name, x) in signals {
            let measured = match process_flushed(&x, 2, rate, checks.params) {
                Ok(p) => db((checks.true_peak)(&p.samples, 2)),
                Err(_) => None,
            };
            // Silence out would also pass a "not above" test: it counts as
            // a failure here (the DSP must pass signal).
            let mut r = check(
                "ceiling",
                name,
                rate,
                measured,
                checks.ceiling_db,
                (f64::INFINITY, CEILING_TOLERANCE_DB),
                "dBTP",
            );
            r.below = 0.0;
            out.push(r);
        }
    }
    out
}

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "-inf".to_string(), |v| format!("{v:+.2}"))
}

/// The human table, with a verdict line.
pub fn table(results: &[CheckResult]) -> String {
    let mut s = String::new();
    let mut group = "";
    for r in results {
        if r.group != group {
            group = r.group;
            let _ = writeln!(s, "\n{group}");
        }
        let want = if r.group == "ceiling" {
            format!("<= {:+.2} {}", r.expected + r.above, r.unit)
        } else if r.below == r.above {
            format!("{:+.1} ±{} {}", r.expected, r.above, r.unit)
        } else {
            format!("{:+.1} +{}/-{} {}", r.expected, r.above, r.below, r.unit)
        };
        let _ = writeln!(
            s,
            "  {:<4} {:>6} Hz  {:<44} {:>8}  want {}",
            if r.pass { "ok" } else { "FAIL" },
            r.sample_rate,
            r.case,
            show(r.measured),
            want
        );
    }
    let failed = results.iter().filter(|r| !r.pass).count();
    let _ = writeln!(
        s,
        "\n{} checks, {} passed, {} failed",
        results.len(),
        results.len() - failed,
        failed
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(results: &[CheckResult]) -> Vec<String> {
        results
            .iter()
            .filter(|r| !r.pass)
            .map(|r| {
                format!(
                    "{} {} @{}: {:?}",
                    r.group, r.case, r.sample_rate, r.measured
                )
            })
            .collect()
    }

    #[test]
    fn every_check_passes_with_the_real_meter_and_ceiling() {
        let results = run_all(&Checks::default());
        assert!(results.len() > 50, "{}", results.len());
        let f = failures(&results);
        assert!(f.is_empty(), "{f:#?}\n{}", table(&results));
    }

    /// A 1× "true peak" meter: the sample peak.
    fn sample_peak(x: &[f32], _: usize) -> f64 {
        x.iter().fold(0.0f64, |m, &v| m.max(f64::from(v.abs())))
    }

    #[test]
    fn a_sample_peak_meter_fails_the_true_peak_cases() {
        let checks = Checks {
            true_peak: sample_peak,
            ..Checks::default()
        };
        let results = run_all(&checks);
        let failed: Vec<&CheckResult> = results.iter().filter(|r| !r.pass).collect();
        // Case 16 (fs/4 at 45°) has its peak 3 dB above its samples.
        assert!(
            failed.iter().any(|r| r.case.starts_with("16:")),
            "{}",
            table(&results)
        );
        assert!(table(&results).contains("FAIL"));
    }

    #[test]
    fn a_ceiling_the_dsp_does_not_hold_fails() {
        let mut params = ParamValues::default();
        params.set(ParamId::LimiterCeiling, -0.1);
        let checks = Checks {
            params,
            ceiling_db: -1.0,
            ..Checks::default()
        };
        let results = run_all(&checks);
        let ceiling_failures = results
            .iter()
            .filter(|r| r.group == "ceiling" && !r.pass)
            .count();
        assert!(ceiling_failures > 10, "{}", table(&results));
    }
}
