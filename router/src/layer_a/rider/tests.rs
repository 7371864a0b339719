use super::*;

const DT: f32 = SLOT_MS as f32 / 1000.0;

fn settings(target: f32, cut: f32, boost: f32) -> LayerASettings {
    LayerASettings {
        enabled: true,
        target_dbfs: target,
        max_cut_db: cut,
        max_boost_db: boost,
    }
}

/// A slot of a sine whose RMS is `rms_dbfs` (peak 3 dB above).
fn sine_slot(rms_dbfs: f32) -> Option<Slot> {
    Some(Slot {
        mean_square: 10f64.powf(f64::from(rms_dbfs) / 10.0),
        peak: db_to_amplitude(rms_dbfs + 3.01),
    })
}

/// Steps `seconds` of `slot`, returning every gain.
fn run(rider: &mut Rider, slot: Option<Slot>, seconds: f32) -> Vec<f32> {
    (0..(seconds / DT).round() as usize)
        .map(|_| rider.step(slot, DT))
        .collect()
}

#[test]
fn loud_and_quiet_streams_both_reach_the_target() {
    for level in [-6.0, -30.0] {
        let mut rider = Rider::new(settings(-20.0, 18.0, 12.0));
        run(&mut rider, sine_slot(level), 10.0);
        let out = level + rider.gain_db();
        assert!((out + 20.0).abs() < 1.0, "{level} dBFS came out at {out}");
    }
}

#[test]
fn the_gain_stays_inside_the_settings_range() {
    let mut rider = Rider::new(settings(-20.0, 12.0, 6.0));
    run(&mut rider, sine_slot(-3.0), 10.0);
    assert!((rider.gain_db() + 12.0).abs() < 1e-4, "{}", rider.gain_db());
    let mut rider = Rider::new(settings(-20.0, 12.0, 6.0));
    run(&mut rider, sine_slot(-40.0), 20.0);
    assert!((rider.gain_db() - 6.0).abs() < 1e-4, "{}", rider.gain_db());
}

#[test]
fn cuts_are_at_most_6_db_per_second_and_boosts_at_most_2() {
    let mut rider = Rider::new(settings(-20.0, 18.0, 12.0));
    let gains = run(&mut rider, sine_slot(-11.0), 4.0);
    let steps: Vec<f32> = gains.windows(2).map(|w| w[1] - w[0]).collect();
    let fastest_cut = steps.iter().cloned().fold(0.0, f32::min);
    // −11 dBFS is 9 dB over target: not a jump, the normal rate applies.
    assert!(fastest_cut >= -DOWN_DB_PER_S * DT - 1e-5, "{fastest_cut}");
    assert!(fastest_cut < -DOWN_DB_PER_S * DT * 0.9, "it did not cut");

    let mut rider = Rider::new(settings(-20.0, 18.0, 12.0));
    let gains = run(&mut rider, sine_slot(-30.0), 4.0);
    let fastest_boost = gains.windows(2).map(|w| w[1] - w[0]).fold(0.0, f32::max);
    assert!(fastest_boost <= UP_DB_PER_S * DT + 1e-5, "{fastest_boost}");
    assert!(fastest_boost > 0.0, "it did not boost");
}

#[test]
fn silence_holds_the_gain_and_the_stream_comes_back_as_loud_as_it_went() {
    let mut rider = Rider::new(settings(-20.0, 18.0, 20.0));
    run(&mut rider, sine_slot(-30.0), 10.0);
    let before = rider.gain_db();
    assert!((before - 10.0).abs() < 1.0, "{before}");
    // Ten seconds of nothing, then of a very quiet noise floor.
    run(&mut rider, None, 5.0);
    run(&mut rider, sine_slot(-70.0), 5.0);
    assert_eq!(rider.gain_db(), before);
    let after = run(&mut rider, sine_slot(-30.0), 3.0);
    let highest = after.iter().cloned().fold(f32::MIN, f32::max);
    assert!(highest <= before + 1e-4, "{highest} > {before}");
}

#[test]
fn steady_material_gets_a_steady_gain() {
    let mut rider = Rider::new(settings(-20.0, 18.0, 12.0));
    run(&mut rider, sine_slot(-26.0), 10.0);
    let settled = rider.gain_db();
    // Small level wobble (±0.3 dB) does not move it.
    for n in 0..200 {
        let wobble = if n % 2 == 0 { 0.3 } else { -0.3 };
        rider.step(sine_slot(-26.0 + wobble), DT);
    }
    assert_eq!(rider.gain_db(), settled);
}

#[test]
fn a_jump_far_above_target_is_cut_fast_but_in_steps() {
    let mut rider = Rider::new(settings(-20.0, 24.0, 12.0));
    run(&mut rider, sine_slot(-30.0), 10.0);
    let boosted = rider.gain_db();
    let mut probe = rider.clone();
    probe.step(sine_slot(-6.0), DT);
    assert!(probe.protecting(), "a 24 dB jump is not protected against");
    let gains = run(&mut rider, sine_slot(-6.0), 2.0);
    let mut previous = boosted;
    for &g in &gains {
        assert!(previous - g <= PROTECT_DOWN_DB_PER_S * DT + 1e-4);
        previous = g;
    }
    // Normal riding alone would have needed > 2 s for the first 12 dB.
    let after_half_second = gains[(0.5 / DT) as usize - 1];
    assert!(
        boosted - after_half_second > DOWN_DB_PER_S * 0.5 * 2.0,
        "{boosted} → {after_half_second}"
    );
    let out = -6.0 + gains.last().unwrap();
    assert!(out < -20.0 + JUMP_ABOVE_TARGET_DB, "{out}");
}

#[test]
fn peaks_far_above_target_are_cut_even_at_a_moderate_rms() {
    // −20 dBFS RMS but 0 dBFS peaks: needs no cut for its RMS, yet its peaks
    // after a +10 dB boost would be 10 dB over full scale.
    let mut rider = Rider::new(settings(-20.0, 18.0, 12.0));
    run(&mut rider, sine_slot(-30.0), 10.0);
    let spiky = Some(Slot {
        mean_square: 10f64.powf(-3.0),
        peak: 1.0,
    });
    run(&mut rider, spiky, 3.0);
    let peak_out = rider.gain_db();
    assert!(peak_out <= PEAK_ABOVE_TARGET_DB - 20.0 + 0.2, "{peak_out}");
}

#[test]
fn writes_are_at_most_ten_a_second_and_only_for_real_moves() {
    let mut throttle = WriteThrottle::default();
    assert!(
        throttle.should_write(0.0, 0.0, false, false),
        "the first value goes out"
    );
    let mut writes = 0;
    for n in 1..=100 {
        // A gain moving 0.3 dB every 10 ms for a second.
        if throttle.should_write(n as f32 * 0.3, 0.01, false, false) {
            writes += 1;
        }
    }
    assert!(writes <= 10, "{writes} writes in a second");
    assert!(writes >= 9, "{writes} writes in a second");
    let last = throttle.written_db().unwrap();
    assert!(!throttle.should_write(last + 0.05, 1.0, false, false));
    assert!(
        throttle.should_write(last + 0.05, 0.0, true, false),
        "forced"
    );
}

#[test]
fn protecting_writes_may_come_every_tick_but_no_faster() {
    let mut throttle = WriteThrottle::default();
    let mut writes = 0;
    for n in 0..100 {
        // 1.5 dB a tick, ticks of 10 ms: at most one write per 45 ms.
        if throttle.should_write(-(n as f32) * 1.5, 0.01, false, true) {
            writes += 1;
        }
    }
    assert!((20..=23).contains(&writes), "{writes} writes in a second");
}

#[test]
fn a_late_tick_does_not_make_a_protective_step_bigger() {
    let mut rider = Rider::new(settings(-20.0, 24.0, 12.0));
    run(&mut rider, sine_slot(-30.0), 10.0);
    let before = rider.gain_db();
    rider.step(sine_slot(-6.0), 0.2);
    assert!(before - rider.gain_db() <= MAX_PROTECT_STEP_DB + 1e-5);
}

#[test]
fn speech_with_pauses_is_ridden_on_its_sounding_parts_and_held_in_the_pauses() {
    // Speech-like material at −32 dBFS over its active parts, with a 0.6 s
    // pause every 3 s: ridden to the target, the pauses do not pull it up.
    let rate = 48_000;
    let speech = headroom_testdata::signals::speech_like(rate, 30.0, -32.0, 7);
    let slot_len = 2 * rate as usize * SLOT_MS as usize / 1000;
    let mut rider = Rider::new(settings(-20.0, 18.0, 18.0));
    let mut gains = Vec::new();
    for chunk in speech.chunks_exact(slot_len) {
        let mean_square =
            chunk.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / chunk.len() as f64;
        let peak = chunk.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        gains.push(rider.step(Some(Slot { mean_square, peak }), DT));
    }
    let level = rider.level_dbfs().unwrap() + rider.gain_db();
    assert!((level + 20.0).abs() < 2.0, "speech ridden to {level}");
    // Over the last 10 s the gain wanders little: no pumping in pauses.
    let tail = &gains[gains.len() - 200..];
    let spread = tail.iter().cloned().fold(f32::MIN, f32::max)
        - tail.iter().cloned().fold(f32::MAX, f32::min);
    assert!(spread < 2.0, "gain wandered {spread} dB");
}
