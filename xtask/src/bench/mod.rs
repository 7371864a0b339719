//! `cargo xtask bench`: the DSP's criterion bench plus the LV2 anchors
//! (x42-dpl, LSP Limiter) on the same dense clipped input, one table, and
//! that table written into BENCHMARKS.md.

mod criterion;
mod lv2;
pub mod measure;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{self, Result};
use criterion::Group;
use lv2::Anchor;
use measure::Peaks;

/// Length of the anchors' input, seconds: long enough that the CPU time of
/// the fastest limiter dwarfs timer resolution and start-up jitter.
const CLIP_SECONDS: f64 = 120.0;
const RATE_HZ: u32 = 48_000;
/// The ceiling every processor is set to and judged against, dBTP.
const CEILING_DBTP: f64 = -1.0;
/// Rounds of the lv2file anchors: each round runs every anchor once, one
/// after the other, so the speed ratio is taken per round (like for like,
/// under the same machine load) and its median and spread reported; each
/// row shows its least CPU time.
const RUNS: usize = 5;
/// Attempts per lv2file run before an anchor counts as not measurable.
const CRASH_RETRIES: usize = 8;
/// Marker lines around the generated part of BENCHMARKS.md.
const BEGIN_MARKER: &str = "<!-- bench:begin";
const END_MARKER: &str = "<!-- bench:end -->";
const ROUTER_BEGIN_MARKER: &str = "<!-- router-bench:begin";
const ROUTER_END_MARKER: &str = "<!-- router-bench:end -->";
/// Column order of the realtime-factor cells, frames per block.
const TABLE_BLOCKS: [usize; 4] = [32, 128, lv2::BLOCK_FRAMES, 1024];

pub struct Options {
    /// Short criterion runs and one run per anchor; BENCHMARKS.md untouched.
    pub quick: bool,
}

/// One line of the table.
struct Row {
    name: String,
    run_by: &'static str,
    realtime: [Option<f64>; TABLE_BLOCKS.len()],
    latency: Option<usize>,
    peaks: Option<Peaks>,
}

impl Row {
    fn new(name: &str, run_by: &'static str) -> Row {
        Row {
            name: name.to_string(),
            run_by,
            realtime: [None; TABLE_BLOCKS.len()],
            latency: None,
            peaks: None,
        }
    }

    fn set_realtime(&mut self, block: usize, factor: f64) {
        let column = TABLE_BLOCKS
            .iter()
            .position(|&b| b == block)
            .expect("a table block size");
        self.realtime[column] = Some(factor);
    }
}

pub fn run(options: Options) -> Result {
    criterion::run(options.quick)?;
    let runs = if options.quick { 1 } else { RUNS };
    let mut notes = Vec::new();

    let mut chain = criterion_row(&criterion::CHAIN)?;
    let mut limiter_only = criterion_row(&criterion::LIMITER_ONLY)?;
    let stages = criterion::STAGES
        .iter()
        .map(criterion_row)
        .collect::<Result<Vec<_>>>()?;

    let work = cmd::target_dir().join("bench-anchors");
    std::fs::create_dir_all(&work)
        .map_err(|e| format!("could not create {}: {e}", work.display()))?;
    eprintln!("bench: generating {CLIP_SECONDS} s of clipped music and metering it");
    let clip = headroom_testdata::signals::clipped_music(RATE_HZ, CLIP_SECONDS);
    let clip_path = work.join("clipped-music.wav");
    measure::write_wav(&clip_path, &clip, 2, RATE_HZ)?;
    let probe_path = work.join("latency-probe.wav");
    measure::write_wav(&probe_path, &measure::impulse(RATE_HZ), 2, RATE_HZ)?;
    let input_peaks = measure::peaks(&clip, 2, RATE_HZ, CEILING_DBTP);

    // headroom itself, through its offline host, for what comes out.
    match headroom_outputs(&work, &clip_path, &probe_path) {
        Ok(out) => {
            chain.peaks = Some(out.defaults);
            limiter_only.peaks = Some(out.limiter_only);
            chain.latency = out.latency;
            limiter_only.latency = out.latency;
        }
        Err(e) => notes.push(format!("headroom-wav could not be measured: {e}")),
    }

    let bundled = crate::bundle::bundle(
        crate::bundle::Build::Release,
        Some(&crate::bundle::release_dir()),
    )?;
    let lv2file =
        lv2::Lv2File::new(&work)?.with_our_bundle(&work, &bundled.join("headroom.lv2"))?;
    // x42-dpl first: the goal is stated against it.
    let measured = [
        &lv2::X42_DPL,
        &lv2::LSP_LIMITER,
        &lv2::HEADROOM,
        &lv2::HEADROOM_LIMITER,
    ];
    let rounds = lv2_rounds(&lv2file, &measured, runs, &work, &clip_path)?;
    let mut anchors = Vec::new();
    for (anchor, cpu) in measured.iter().zip(&rounds.cpu) {
        match cpu {
            Ok(cpu) => {
                match anchor_row(&lv2file, anchor, cpu, &rounds.overhead, &work, &probe_path) {
                    Ok(row) => anchors.push(row),
                    Err(e) => notes.push(format!("{} could not be measured: {e}", anchor.name)),
                }
            }
            Err(e) => notes.push(format!("{} could not be measured: {e}", anchor.name)),
        }
    }
    let overhead = *rounds.overhead.iter().min().expect("at least one round");
    // `measured[2]` is headroom's chain, `measured[0]` x42-dpl.
    let ratios = match (&rounds.cpu[2], &rounds.cpu[0]) {
        (Ok(ours), Ok(x42)) => speed_ratios(ours, x42, &rounds.overhead),
        _ => Vec::new(),
    };

    let mut rows = vec![chain, limiter_only];
    rows.extend(stages);
    let find = |name: &str| anchors.iter().find(|r| r.name == name);
    let goal = goal_lines(
        &rows[0],
        &ratios,
        find(lv2::HEADROOM.name),
        find(lv2::X42_DPL.name),
    );
    rows.extend(anchors);

    let report = render(&rows, &input_peaks, overhead.as_secs_f64(), &goal, &notes);
    println!("\n{report}");
    // The DSP's figures are written before the router bench runs, so a
    // router bench that cannot run here does not lose them.
    if !options.quick {
        update_benchmarks_md(BEGIN_MARKER, END_MARKER, &report)?;
    }
    let router = router_report(&bundled)?;
    println!("\n{router}");
    if options.quick {
        eprintln!("bench: --quick run, BENCHMARKS.md left as it was");
        Ok(())
    } else {
        update_benchmarks_md(ROUTER_BEGIN_MARKER, ROUTER_END_MARKER, &router)
    }
}

/// The router on a private PipeWire graph (`router/benches/route_latency.rs`),
/// with the release plugin bundle as its processed sink.
fn router_report(bundled: &Path) -> Result<String> {
    eprintln!("bench: router on a private PipeWire graph");
    crate::deps::ensure("test", crate::deps::TEST)?;
    let mut bench = cmd::cargo();
    bench.env("HEADROOM_BUNDLE_DIR", bundled).args([
        "bench",
        "-p",
        "headroom-router",
        "--bench",
        "route_latency",
    ]);
    let table = cmd::output(&mut bench)?;
    let date = cmd::output(Command::new("date").args(["-u", "+%Y-%m-%d"])).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    Ok(format!(
        "\nMeasured {} on {} ({cores} cores), PipeWire {}, WirePlumber {}.\n\n{}",
        date.trim(),
        cpu_model(),
        lv2::package_version("pipewire"),
        lv2::package_version("wireplumber"),
        table.trim_end()
    ))
}

fn criterion_row(group: &Group) -> Result<Row> {
    let mut row = Row::new(group.label, "criterion");
    for block in criterion::BLOCKS {
        row.set_realtime(block, criterion::realtime_factor(group, block)?);
    }
    Ok(row)
}

/// CPU time of every anchor in every round, and of lv2file's own work.
struct Rounds {
    /// The pass-through's CPU time per round.
    overhead: Vec<std::time::Duration>,
    /// Per anchor (in the order given): its CPU time per round, or why it
    /// could not run.
    cpu: Vec<Result<Vec<std::time::Duration>>>,
}

/// Runs `runs` rounds of the pass-through and every anchor on `clip`.
fn lv2_rounds(
    lv2file: &lv2::Lv2File,
    anchors: &[&Anchor],
    runs: usize,
    work: &Path,
    clip: &Path,
) -> Result<Rounds> {
    let mut rounds = Rounds {
        overhead: Vec::new(),
        cpu: anchors.iter().map(|_| Ok(Vec::new())).collect(),
    };
    for round in 1..=runs.max(1) {
        eprintln!("bench: lv2file round {round} of {runs}: pass-through, then each anchor");
        rounds.overhead.push(lv2file.process(
            &lv2::PASS_THROUGH,
            clip,
            &work.join("pass-through.wav"),
        )?);
        for (anchor, cpu) in anchors.iter().zip(rounds.cpu.iter_mut()) {
            let Ok(times) = cpu else { continue };
            let output = work.join(format!("{}.wav", file_stem(anchor.name)));
            if let Err(e) = process_retrying(lv2file, anchor, clip, &output).map(|t| times.push(t))
            {
                *cpu = Err(e);
            }
        }
    }
    Ok(rounds)
}

/// One lv2file run, run again when it fails. The LSP limiter crashes in
/// lv2file about one run in two here (SIGSEGV before the first block, with
/// the same file and settings that succeed otherwise).
fn process_retrying(
    lv2file: &lv2::Lv2File,
    anchor: &Anchor,
    input: &Path,
    output: &Path,
) -> Result<std::time::Duration> {
    let mut attempt = 1;
    loop {
        match lv2file.process(anchor, input, output) {
            Err(e) if attempt < CRASH_RETRIES => {
                eprintln!("bench: {} failed, running it again: {e}", anchor.name);
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// x42-dpl's net CPU time over headroom's, round by round (each net of
/// that round's pass-through): how many times faster headroom is.
fn speed_ratios(
    ours: &[std::time::Duration],
    x42: &[std::time::Duration],
    overhead: &[std::time::Duration],
) -> Vec<f64> {
    ours.iter()
        .zip(x42)
        .zip(overhead)
        .filter_map(|((&o, &x), &base)| {
            let o = o.saturating_sub(base).as_secs_f64();
            let x = x.saturating_sub(base).as_secs_f64();
            (o > 0.0 && x > 0.0).then(|| x / o)
        })
        .collect()
}

/// Median of a non-empty list.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// One anchor's row: realtime factor from its least net CPU time over the
/// rounds, true peak of its output, latency from the impulse probe.
fn anchor_row(
    lv2file: &lv2::Lv2File,
    anchor: &Anchor,
    cpu: &[std::time::Duration],
    overhead: &[std::time::Duration],
    work: &Path,
    probe: &Path,
) -> Result<Row> {
    let net = cpu
        .iter()
        .zip(overhead)
        .map(|(&c, &base)| c.saturating_sub(base).as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let mut row = Row::new(anchor.name, "lv2file");
    if net > 0.0 && net.is_finite() {
        row.set_realtime(lv2::BLOCK_FRAMES, CLIP_SECONDS / net);
    }
    let output = work.join(format!("{}.wav", file_stem(anchor.name)));
    let (audio, channels) = measure::read_wav(&output)?;
    row.peaks = Some(measure::peaks(&audio, channels, RATE_HZ, CEILING_DBTP));
    let probe_out = work.join(format!("{}-probe.wav", file_stem(anchor.name)));
    process_retrying(lv2file, anchor, probe, &probe_out)?;
    let (probe_audio, channels) = measure::read_wav(&probe_out)?;
    row.latency = measure::latency(&probe_audio, channels);
    Ok(row)
}

fn file_stem(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase()
}

struct HeadroomOutputs {
    defaults: Peaks,
    limiter_only: Peaks,
    latency: Option<usize>,
}

/// Runs the release `headroom-wav` on the clip (defaults, and limiter only)
/// and on the latency probe.
fn headroom_outputs(work: &Path, clip: &Path, probe: &Path) -> Result<HeadroomOutputs> {
    cmd::run(cmd::cargo().args(["build", "--release", "--quiet", "-p", "headroom-wav"]))?;
    let binary = cmd::target_dir().join("release/headroom-wav");
    let limiter_only = ["--set", "agc_enabled=0", "--set", "comp_enabled=0"];
    let process = |input: &Path, output: &PathBuf, extra: &[&str]| -> Result<(Vec<f32>, usize)> {
        let mut run = Command::new(&binary);
        run.arg("process").arg(input).arg(output).args(extra);
        cmd::output(run.stdout(Stdio::piped()))?;
        measure::read_wav(output)
    };
    eprintln!("bench: headroom-wav on the clip");
    let (defaults, ch) = process(clip, &work.join("headroom-defaults.wav"), &[])?;
    let defaults = measure::peaks(&defaults, ch, RATE_HZ, CEILING_DBTP);
    let (limited, ch) = process(clip, &work.join("headroom-limiter-only.wav"), &limiter_only)?;
    let limiter_only_peaks = measure::peaks(&limited, ch, RATE_HZ, CEILING_DBTP);
    let (probe_out, ch) = process(probe, &work.join("headroom-probe.wav"), &limiter_only)?;
    Ok(HeadroomOutputs {
        defaults,
        limiter_only: limiter_only_peaks,
        latency: measure::latency(&probe_out, ch),
    })
}

/// The goal: the whole chain at least twice as fast as x42-dpl,
/// with zero overs.
/// The goal, judged on like-for-like figures: headroom's LV2 bundle and
/// x42-dpl, both in lv2file at the same block size in the same run (the
/// criterion rows time the processing loop alone and are not comparable
/// with lv2file's CPU accounting).
fn goal_lines(chain: &Row, ratios: &[f64], ours: Option<&Row>, x42: Option<&Row>) -> Vec<String> {
    let mut lines = vec![
        "Goal: the whole chain at least 2× x42-dpl's realtime factor, with zero overs.".to_string(),
    ];
    let at_lv2file = |r: Option<&Row>| {
        r.and_then(|r| r.realtime[TABLE_BLOCKS.iter().position(|&b| b == lv2::BLOCK_FRAMES)?])
    };
    if let (Some(ours_rt), Some(x42_rt)) = (at_lv2file(ours), at_lv2file(x42)) {
        lines.push(format!(
            "- speed, best runs: headroom-lv2 (whole chain) {ours_rt:.0}× vs x42-dpl {x42_rt:.0}× in lv2file = {:.2}×",
            ours_rt / x42_rt
        ));
    }
    if !ratios.is_empty() {
        let m = median(ratios);
        let (lo, hi) = ratios
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                (lo.min(r), hi.max(r))
            });
        let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        lines.push(format!(
            "- speed, round by round (x42-dpl CPU time / headroom-lv2 CPU time, same round): {} → median {m:.2}×, spread {lo:.2}–{hi:.2}× over {} rounds — {}",
            each.join(", "),
            ratios.len(),
            if m >= 2.0 { "met" } else { "not met" }
        ));
    }
    if let Some(p) = chain.peaks {
        lines.push(format!(
            "- overs: {} of {} windows, max true peak {:.2} dBTP — {}",
            p.overs,
            p.windows,
            p.max_true_peak_db,
            if p.overs == 0 { "met" } else { "not met" }
        ));
    }
    lines
}

fn render(
    rows: &[Row],
    input: &Peaks,
    overhead_s: f64,
    goal: &[String],
    notes: &[String],
) -> String {
    let mut s = String::new();
    let cpu = cpu_model();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = cmd::output(Command::new("rustc").arg("--version")).unwrap_or_default();
    let date = cmd::output(Command::new("date").args(["-u", "+%Y-%m-%d"])).unwrap_or_default();
    s += &format!(
        "Measured {} on {cpu} ({cores} cores), {}, lv2file {}.\n\n",
        date.trim(),
        rustc.trim(),
        lv2::package_version("lv2file"),
    );
    s += &format!(
        "Input: {CLIP_SECONDS:.0} s of `headroom_testdata::signals::clipped_music`, stereo, {} kHz, 32-bit float \
         (max true peak {:+.2} dBTP; {} of {} 10 ms windows over {CEILING_DBTP:.1} dBTP). \
         Ceiling {CEILING_DBTP:.1} dBTP for every processor.\n\n",
        RATE_HZ / 1000,
        input.max_true_peak_db,
        input.overs,
        input.windows
    );
    s += "| Processor | Run by | ×realtime @32 | @128 | @256 | @1024 | Latency (samples) | Max true peak (dBTP) | Overs (10 ms windows) |\n";
    s += "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for row in rows {
        let realtime: Vec<String> = row
            .realtime
            .iter()
            .map(|r| r.map_or("—".into(), |f| format!("{f:.0}×")))
            .collect();
        let latency = row.latency.map_or("—".into(), |l| l.to_string());
        let (peak, overs) = match row.peaks {
            Some(p) => {
                let over = p.max_true_peak_db - CEILING_DBTP;
                let peak = if over > measure::OVER_TOLERANCE_DB {
                    format!("{:.2} (+{over:.2} over)", p.max_true_peak_db)
                } else {
                    format!("{:.2}", p.max_true_peak_db)
                };
                (peak, format!("{} / {}", p.overs, p.windows))
            }
            None => ("—".into(), "—".into()),
        };
        s += &format!(
            "| {} | {} | {} | {latency} | {peak} | {overs} |\n",
            row.name,
            row.run_by,
            realtime.join(" | ")
        );
    }
    s += "\n";
    for line in goal {
        s += line;
        s += "\n";
    }
    s += "\nHow it was run:\n";
    s += "- criterion rows: `plugin/dsp/benches/chain.rs`, default parameters unless stated, stereo 48 kHz, \
          looped clipped music; ×realtime = frames per second / 48 000 (wall time of the processing loop).\n";
    s += "- headroom's latency and true peak: the release `headroom-wav process` on the same input file.\n";
    for anchor in [&lv2::HEADROOM, &lv2::HEADROOM_LIMITER] {
        s += &format!(
            "- {}: the release bundle from `cargo xtask bundle` (`{}`), {}; the same DSP as the \
             criterion rows, plus the LV2 wrapper and meter publishing.\n",
            anchor.name, anchor.uri, anchor.settings
        );
    }
    for anchor in [&lv2::X42_DPL, &lv2::LSP_LIMITER] {
        s += &format!(
            "- {} ({} {}): `{}`, {}.\n",
            anchor.name,
            anchor.package,
            lv2::package_version(anchor.package),
            anchor.uri,
            anchor.settings
        );
    }
    s += &format!(
        "- lv2file rows: `lv2file --ignore-clipping -b {}`, {RUNS} rounds each running every processor once in turn; \
         CPU time (user + system) of the best round minus lv2file's own work in that round (least: {overhead_s:.3} s; \
         same file through {}); latency = delay of a −20 dBFS impulse.\n",
        lv2::BLOCK_FRAMES,
        lv2::PASS_THROUGH.name
    );
    s += &format!(
        "- Overs: 10 ms windows whose true peak (`headroom_testdata::meter`, 16× oversampling) exceeds the \
         ceiling by more than {} dB.\n",
        measure::OVER_TOLERANCE_DB
    );
    for note in notes {
        s += &format!("- Not measured: {note}\n");
    }
    s
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "an unknown CPU".into())
}

/// Replaces what is between the markers in BENCHMARKS.md with `report`.
fn update_benchmarks_md(begin: &str, end: &str, report: &str) -> Result {
    let path = cmd::workspace_root().join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let updated = replace_between_markers(&text, begin, end, report)
        .ok_or_else(|| format!("{}: no `{begin} … -->` / `{end}` pair", path.display()))?;
    std::fs::write(&path, updated)
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    eprintln!("bench: updated {}", path.display());
    Ok(())
}

fn replace_between_markers(text: &str, begin: &str, end: &str, body: &str) -> Option<String> {
    let end_marker = end;
    let begin = text.find(begin)?;
    let begin_end = begin + text[begin..].find('\n')? + 1;
    let end = begin_end + text[begin_end..].find(end_marker)?;
    Some(format!(
        "{}\n{}\n{}",
        &text[..begin_end],
        body.trim_end(),
        &text[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_between_the_markers() {
        let text =
            "# B\n\n<!-- bench:begin (generated) -->\nold\ntable\n<!-- bench:end -->\nafter\n";
        assert_eq!(
            replace_between_markers(text, BEGIN_MARKER, END_MARKER, "new\n").unwrap(),
            "# B\n\n<!-- bench:begin (generated) -->\n\nnew\n<!-- bench:end -->\nafter\n"
        );
        assert_eq!(
            replace_between_markers("no markers", BEGIN_MARKER, END_MARKER, "x"),
            None
        );
    }
}
