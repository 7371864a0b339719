//! A plain loop over the chain for profilers, which count instructions
//! reliably where wall time on a shared machine does not:
//!
//! ```sh
//! cargo build --release -p headroom-dsp --example profile_chain
//! valgrind --tool=callgrind target/release/examples/profile_chain 4 defaults 8
//! callgrind_annotate --inclusive=yes callgrind.out.*
//! ```
//!
//! Arguments: seconds of `clipped_music` to generate (default 4), `defaults`
//! or `limiter` (AGC and compressor off), and how many times to loop the
//! clip (default 8; the AGC settles during the first pass, so later passes
//! show the steady state). Stereo, 48 kHz, host blocks of 256 frames.
//! Prints the realtime factor (wall time, indicative only) and a checksum
//! of the output, which stays the same as long as the output does.

use headroom_dsp::{Chain, ParamId, ParamValues};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = args.get(1).map_or(4.0, |s| s.parse().expect("seconds"));
    let limiter_only = args.get(2).is_some_and(|s| s == "limiter");
    let loops: usize = args.get(3).map_or(8, |s| s.parse().expect("loops"));

    let clip = headroom_testdata::signals::clipped_music(48_000, seconds);
    let mut left = Vec::new();
    let mut right = Vec::new();
    for _ in 0..loops {
        left.extend(clip.iter().step_by(2));
        right.extend(clip.iter().skip(1).step_by(2));
    }
    let mut params = ParamValues::default();
    if limiter_only {
        params.set(ParamId::AgcEnabled, 0.0);
        params.set(ParamId::CompEnabled, 0.0);
    }
    let mut chain = Chain::with_params(48_000.0, 2, params).expect("a valid chain");

    let start = std::time::Instant::now();
    let mut checksum = 0.0f64;
    for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
        chain.process(&mut [l, r]);
        checksum += l.iter().chain(r.iter()).map(|&v| v as f64).sum::<f64>();
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{:.0}x realtime, checksum {checksum:.9}",
        seconds * loops as f64 / elapsed
    );
}
