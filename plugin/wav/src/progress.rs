//! Progress bars on a terminal: one per file, with the speed (× real time)
//! and the time left. None when standard error is not a terminal (pipes,
//! CI, tests), with `--json`, or with `--no-progress`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to draw bars at all.
pub fn wanted(json: bool, disabled: bool) -> bool {
    decide(std::io::stderr().is_terminal(), json, disabled)
}

/// The rule, separated for testing: only on a terminal, never for machines.
pub fn decide(stderr_is_terminal: bool, json: bool, disabled: bool) -> bool {
    stderr_is_terminal && !json && !disabled
}

/// The bars of one invocation (shared by the worker threads).
pub struct Bars {
    multi: Option<MultiProgress>,
}

impl Bars {
    pub fn new(enabled: bool) -> Bars {
        Bars {
            multi: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A bar for one file of `total` frames (a spinner if unknown).
    pub fn file(&self, label: &str, total: Option<u64>, sample_rate: u32) -> FileBar {
        let Some(multi) = &self.multi else {
            return FileBar {
                bar: None,
                sample_rate,
                start: Instant::now(),
                last: Instant::now(),
            };
        };
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{prefix:20!} [{bar:30}] {percent:>3}% {msg} ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{prefix:20!} {spinner} {msg}")
                    .expect("valid template"),
            ),
        };
        let bar = multi.add(bar.with_prefix(label.to_string()));
        FileBar {
            bar: Some(bar),
            sample_rate,
            start: Instant::now(),
            last: Instant::now() - Duration::from_secs(1),
        }
    }
}

pub struct FileBar {
    bar: Option<ProgressBar>,
    sample_rate: u32,
    start: Instant,
    last: Instant,
}

impl FileBar {
    /// `frames` of input done.
    pub fn set(&mut self, frames: u64) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(frames);
        if self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            let audio_s = frames as f64 / f64::from(self.sample_rate.max(1));
            let wall = self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{audio_s:.0} s of audio, {:.0}× real time",
                audio_s / wall
            ));
        }
    }

    pub fn done(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_only_on_a_terminal_and_never_with_json() {
        assert!(decide(true, false, false));
        assert!(!decide(false, false, false), "piped");
        assert!(!decide(true, true, false), "--json");
        assert!(!decide(true, false, true), "--no-progress");
    }
}
