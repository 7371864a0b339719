//! The processed sink's host process: `pipewire -c <generated config>`
//! running headroom's LV2 plugin in a filter-chain. Started, watched and
//! restarted (at once, then with back-off at most [`RESTART_MAX`] apart)
//! by the router.
//!
//! The process dies with the router (`PR_SET_PDEATHSIG`, even on
//! `kill -9`), and one left running by an earlier router for the same
//! config (a crash before this guarantee existed, or a `pipewire -c` the
//! user started by hand) is stopped before the first start: there is at
//! most one `headroom.processed` per runtime directory.
//!
//! The child's stderr goes through the router's log (each line prefixed
//! `processed sink:`), and its last error line is kept: when the process
//! exits, [`FilterChain::problem`] says why the processed sink is down, in
//! words a user can act on (for a plugin that cannot load: where it was
//! looked for and how to install it).

use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headroom_profile::filter_chain::{self, FilterChainOptions};

/// Waits before restarting a filter-chain that died: at once the first
/// time (its streams are held silent meanwhile), then from
/// [`RESTART_SECOND`] doubling up to [`RESTART_MAX`] while it keeps dying.
const RESTART_FIRST: Duration = Duration::ZERO;
const RESTART_SECOND: Duration = Duration::from_millis(200);
const RESTART_MAX: Duration = Duration::from_secs(5);

/// The wait after `backoff` (see [`RESTART_FIRST`]).
fn next_backoff(backoff: Duration) -> Duration {
    if backoff.is_zero() {
        RESTART_SECOND
    } else {
        (backoff * 2).min(RESTART_MAX)
    }
}
/// A process that ran this long resets the back-off.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);

pub struct FilterChain {
    /// What the log calls it: "the processed sink", "bus voice", "the
    /// master limiter".
    what: String,
    config_path: PathBuf,
    /// `LV2_PATH` for the child (where `headroom.lv2` is).
    lv2_path: Option<String>,
    child: Option<Child>,
    started: Option<Instant>,
    backoff: Duration,
    restart_at: Option<Instant>,
    /// What the current child printed that explains a failure (written by
    /// its stderr reader).
    child_log: Arc<Mutex<ChildLog>>,
    /// The current child's stderr reader; it ends when the child does.
    log_reader: Option<std::thread::JoinHandle<()>>,
    /// Why the last process ended or could not start; cleared while a
    /// process runs past [`HEALTHY_AFTER`].
    problem: Option<String>,
}

/// Where lilv looks for LV2 bundles when `LV2_PATH` is unset.
const LV2_DEFAULT_PATH: &str = "~/.lv2:/usr/local/lib/lv2:/usr/lib/lv2";

/// What the current child printed that explains a failure, kept by its
/// stderr reader.
#[derive(Debug, Default)]
struct ChildLog {
    /// The last error line (PipeWire marks them `[E]`).
    last_error: Option<String>,
    /// The first line saying a plugin cannot be loaded, without
    /// PipeWire's `[W][time][file:line func()]` prefix.
    plugin: Option<String>,
}

/// A PipeWire log line without its `[X][time][file: line function()]`
/// prefix: `can't load plugin https://…#stereo`.
fn message_of(line: &str) -> &str {
    match line.rfind("()]") {
        Some(end) => line[end + 3..].trim_start_matches([' ', '|']).trim(),
        None => line,
    }
}

/// Forwards the child's stderr to the log line by line (warnings and
/// errors at warn level while `loud`, else at debug: a child failing the
/// same way again is not logged in full again) and keeps what explains a
/// failure in `log`.
fn forward_stderr(
    what: String,
    stderr: impl io::Read + Send + 'static,
    log: Arc<Mutex<ChildLog>>,
    loud: bool,
) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new()
        .name("headroom-fc-log".into())
        .spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let line = line.trim_end().to_string();
                if line.is_empty() {
                    continue;
                }
                let error = line.contains("[E]");
                if loud && (error || line.contains("[W]")) {
                    tracing::warn!("{what}: {line}");
                } else {
                    tracing::debug!("{what}: {line}");
                }
                let Ok(mut log) = log.lock() else { return };
                if log.plugin.is_none() && line.contains("can't load plugin ") {
                    log.plugin = Some(message_of(&line).to_string());
                }
                if error {
                    log.last_error = Some(message_of(&line).to_string());
                }
            }
        });
    spawned
        .inspect_err(|e| tracing::warn!("cannot read a sink process's log: {e}"))
        .ok()
}

/// The config file of the default processed sink's process.
pub const CONFIG_FILE: &str = "filter-chain.conf";

/// The config file of bus `bus`'s process: `filter-chain-<bus>.conf`.
pub fn stage_config_file(stage: crate::graph::Stage) -> String {
    match stage {
        crate::graph::Stage::Bus(bus) => format!("filter-chain-{bus}.conf"),
        // A dot no bus name has: never a bus's file.
        crate::graph::Stage::Master => "filter-chain.master.conf".into(),
    }
}

impl FilterChain {
    /// The same process, called `what` in the log ("bus voice").
    pub fn named(mut self, what: impl Into<String>) -> FilterChain {
        self.what = what.into();
        self
    }

    /// Writes the config `file_name` (into `runtime_dir`, 0700) for
    /// `options`; the process starts at the first [`FilterChain::tick`].
    pub fn new(
        runtime_dir: &Path,
        file_name: &str,
        options: &FilterChainOptions,
        lv2_path: Option<String>,
    ) -> io::Result<FilterChain> {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(runtime_dir)?;
        let config_path = runtime_dir.join(file_name);
        stop_leftovers(&config_path);
        headroom_files::write_private(&config_path, filter_chain::standalone_config(options))?;
        Ok(FilterChain {
            what: "the processed sink".into(),
            config_path,
            lv2_path,
            child: None,
            started: None,
            backoff: RESTART_FIRST,
            restart_at: Some(Instant::now()),
            child_log: Arc::new(Mutex::new(ChildLog::default())),
            log_reader: None,
            problem: None,
        })
    }

    /// Why the processed sink's process is not running (or exited last),
    /// if it is not running healthily: e.g. `the plugin cannot be loaded
    /// (…); headroom.lv2 was looked for in LV2_PATH=… — install it with
    /// \`cargo xtask install\` or pass --lv2-path DIR`.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// What to say about a process that ended with `status`.
    fn explain_exit(&mut self, status: impl std::fmt::Display) -> String {
        // The child is gone, so its stderr is at its end: read it all.
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
        let log = self
            .child_log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        let searched = self.lv2_path.as_deref().map_or_else(
            || format!("LV2_PATH is not set, so lilv's default {LV2_DEFAULT_PATH}"),
            |p| format!("LV2_PATH={p}"),
        );
        match (log.plugin, log.last_error) {
            (Some(plugin), _) => format!(
                "its process exited ({status}): the headroom LV2 plugin cannot be loaded \
                 ({plugin}); headroom.lv2 was looked for in {searched}: install it with \
                 `cargo xtask install` (into ~/.lv2) or start the daemon with --lv2-path DIR"
            ),
            (None, Some(line)) => format!("its process exited ({status}): {line}"),
            (None, None) => format!("its process exited ({status})"),
        }
    }

    fn spawn(&mut self) -> io::Result<()> {
        let mut cmd = Command::new("pipewire");
        cmd.arg("-c")
            .arg(&self.config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(path) = &self.lv2_path {
            cmd.env("LV2_PATH", path);
        }
        die_with_parent(&mut cmd);
        let mut child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot start `pipewire -c {}`: {e}",
                    self.config_path.display()
                ),
            )
        })?;
        // A child failing as the last one did is not logged in full.
        let loud = self.problem.is_none();
        if let Some(stderr) = child.stderr.take() {
            self.log_reader =
                forward_stderr(self.what.clone(), stderr, self.child_log.clone(), loud);
        }
        if loud {
            tracing::info!(
                "started {} (pid {}, {})",
                self.what,
                child.id(),
                self.config_path.display()
            );
        } else {
            tracing::debug!("started {} again (pid {})", self.what, child.id());
        }
        self.child = Some(child);
        self.started = Some(Instant::now());
        Ok(())
    }

    /// Starts or restarts the process when due. Call periodically; returns
    /// true if it (re)started one.
    pub fn tick(&mut self) -> bool {
        if let Some(child) = &mut self.child {
            match child.try_wait() {
                Ok(None) => {
                    if self.started.is_some_and(|s| s.elapsed() > HEALTHY_AFTER) {
                        self.backoff = RESTART_FIRST;
                        self.problem = None;
                    }
                    return false;
                }
                Ok(Some(status)) => {
                    let problem = self.explain_exit(status);
                    if self.problem.as_ref() != Some(&problem) {
                        tracing::warn!("{} is down: {problem}; restarting it", self.what);
                    } else {
                        tracing::debug!(
                            "{} failed again; next try in {:?}",
                            self.what,
                            self.backoff
                        );
                    }
                    self.problem = Some(problem);
                    self.child = None;
                    self.restart_at = Some(Instant::now() + self.backoff);
                    self.backoff = next_backoff(self.backoff);
                }
                Err(e) => {
                    tracing::warn!("cannot watch {}: {e}", self.what);
                    return false;
                }
            }
        }
        if self.restart_at.is_some_and(|t| Instant::now() >= t) {
            self.restart_at = None;
            if let Err(e) = self.spawn() {
                tracing::warn!("{e}");
                self.problem = Some(e.to_string());
                self.restart_at = Some(Instant::now() + self.backoff);
                self.backoff = next_backoff(self.backoff);
                return false;
            }
            return true;
        }
        false
    }

    /// Replaces the process now: after PipeWire restarted, a filter-chain
    /// process may linger without a connection instead of exiting.
    pub fn restart(&mut self) {
        self.stop();
        self.backoff = RESTART_FIRST;
        self.restart_at = Some(Instant::now());
        self.tick();
    }

    /// Stops the process (SIGTERM, then SIGKILL after a moment).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Makes the child get SIGKILL when this thread's process dies (the
/// daemon spawns from its main thread, which lives as long as it does).
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: between fork and exec only async-signal-safe calls
    // (prctl, getppid) and no allocation.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent died before prctl took effect: do not outlive it.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// The pids of this user's `pipewire -c <config>` processes.
fn processes_for(config: &Path) -> Vec<libc::pid_t> {
    use std::os::unix::ffi::OsStrExt;
    let wanted: [&[u8]; 2] = [b"-c", config.as_os_str().as_bytes()];
    crate::own_processes::own_processes()
        .filter_map(|p| {
            let cmdline = fs::read(p.dir.join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .collect();
            let is_pipewire = args.first().is_some_and(|a| a.ends_with(b"pipewire"));
            (is_pipewire && args.len() == 3 && args[1..] == wanted[..]).then_some(p.pid)
        })
        .collect()
}

/// Stops processes hosting `config` that no router owns any more, and
/// waits (up to 2 s) for them to go: their sink would be a second
/// `headroom.processed`.
fn stop_leftovers(config: &Path) {
    let leftovers = processes_for(config);
    if leftovers.is_empty() {
        return;
    }
    for pid in &leftovers {
        tracing::warn!(
            "stopping a processed sink left running by an earlier router (pid {pid}, {})",
            config.display()
        );
        // SAFETY: plain kill(2); the pid was just checked to be ours.
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && !processes_for(config).is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for FilterChain {
    fn drop(&mut self) {
        self.stop();
    }
}
