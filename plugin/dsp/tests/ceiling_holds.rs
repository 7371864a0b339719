//! The true-peak ceiling holds on every torture signal, at every rate, with
//! and without AGC/compressor, by two independent meters.

mod common;
use common::*;
use headroom_dsp::{ParamId, ParamValues};
use headroom_testdata::SIGNALS;

fn check(params: ParamValues, label: &str) {
    let ceiling = params.get(ParamId::LimiterCeiling) as f64;
    let mut failures = Vec::new();
    for &rate in &RATES {
        for s in SIGNALS {
            let input = (s.generate)(rate, 1.5);
            let out = run(params, rate, &input, 512);
            let reference = reference_tp_db(&out);
            let ebu = ebur128_tp_db(&out, rate);
            eprintln!(
                "{label} {rate} {:<16} ref {reference:+.4} dBTP  ebur128 {ebu:+.4} dBTP",
                s.name
            );
            if reference > ceiling || ebu > ceiling {
                failures.push(format!("{label}: {} at {rate} Hz: reference {reference:+.4}, ebur128 {ebu:+.4} dBTP > {ceiling}", s.name));
            }
            assert!(out.iter().all(|v| v.is_finite()));
        }
    }
    assert!(
        failures.is_empty(),
        "ceiling exceeded:\n{}",
        failures.join("\n")
    );
}

#[test]
fn limiter_alone_holds_default_ceiling() {
    check(limiter_only(), "limiter");
}

#[test]
fn full_chain_holds_default_ceiling() {
    check(ParamValues::default(), "chain");
}

#[test]
fn limiter_holds_highest_and_a_low_ceiling() {
    for ceiling in [-0.1, -6.0] {
        let mut p = limiter_only();
        p.set(ParamId::LimiterCeiling, ceiling);
        check(p, &format!("ceiling {ceiling}"));
    }
}
