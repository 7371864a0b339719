//! The bundled demo clip (`testdata/demo/loud-demo.wav`): what headroom is
//! for, in eight seconds. Built only from the generators in [`crate::signals`],
//! so it is reproducible bit for bit.

use crate::signals::{clipped_music, speech_like, square};

/// Sample rate of the demo clip, Hz.
pub const DEMO_RATE_HZ: u32 = 48_000;
/// Channels of the demo clip (interleaved stereo).
pub const DEMO_CHANNELS: usize = 2;
/// Length of each fade between sections, ms: short enough to keep the jump
/// startling, long enough that the file itself has no clicks.
const FADE_MS: f64 = 5.0;

/// Sections of the clip: `(name, seconds)`.
pub const DEMO_SECTIONS: [(&str, f64); 3] = [
    ("quiet speech-like talk at -40 dBFS RMS", 3.0),
    ("brickwall-clipped music at 0 dBFS, inter-sample overs", 3.0),
    ("full-scale square-wave blast", 2.0),
];

/// The demo clip: 8 s of interleaved stereo at [`DEMO_RATE_HZ`], samples in
/// [−1, 1]. Quiet speech (the AGC should lift it), then a very hot clipped
/// master (the limiter's worst case, about +3 dBTP), then a square-wave
/// blast at full scale.
pub fn loud_demo() -> Vec<f32> {
    let rate = DEMO_RATE_HZ;
    let sections = [
        speech_like(rate, DEMO_SECTIONS[0].1, -40.0, 3),
        clipped_music(rate, DEMO_SECTIONS[1].1),
        square(rate, DEMO_SECTIONS[2].1),
    ];
    let fade_frames = (FADE_MS * 1e-3 * rate as f64).round() as usize;
    let mut out = Vec::with_capacity(sections.iter().map(Vec::len).sum());
    for section in sections {
        let frames = section.len() / DEMO_CHANNELS;
        for (i, frame) in section.chunks_exact(DEMO_CHANNELS).enumerate() {
            let edge = i.min(frames - 1 - i);
            let gain = if edge < fade_frames {
                edge as f64 / fade_frames as f64
            } else {
                1.0
            };
            out.extend(frame.iter().map(|&v| (v as f64 * gain) as f32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_eight_seconds_of_stereo_within_full_scale() {
        let x = loud_demo();
        assert_eq!(x.len(), 8 * DEMO_RATE_HZ as usize * DEMO_CHANNELS);
        assert!(x.iter().all(|v| v.abs() <= 1.0));
        assert_eq!(x, loud_demo());
        // The loud part really is loud: inter-sample overs above 0 dBTP.
        let loud = &x[2 * 3 * DEMO_RATE_HZ as usize..2 * 6 * DEMO_RATE_HZ as usize];
        assert!(crate::meter::db(crate::meter::true_peak(loud, 2)) > 0.5);
    }
}
