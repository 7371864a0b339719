//! The processed sink's host process: `pipewire -c <generated config>`
//! running headroom's LV2 plugin in a filter-chain. Started, watched and
//! restarted (with back-off) by the router.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use headroom_profile::filter_chain::{self, FilterChainOptions};

/// Shortest and longest wait before restarting a filter-chain that died.
const RESTART_FIRST: Duration = Duration::from_millis(200);
const RESTART_MAX: Duration = Duration::from_secs(5);
/// A process that ran this long resets the back-off.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);

pub struct FilterChain {
    config_path: PathBuf,
    /// `LV2_PATH` for the child (where `headroom.lv2` is).
    lv2_path: Option<String>,
    child: Option<Child>,
    started: Option<Instant>,
    backoff: Duration,
    restart_at: Option<Instant>,
}

/// Writes `text` to `path` through a temp file and a rename.
fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

impl FilterChain {
    /// Writes the config (into `runtime_dir`, 0700) for `options`.
    pub fn new(
        runtime_dir: &Path,
        options: &FilterChainOptions,
        lv2_path: Option<String>,
    ) -> io::Result<FilterChain> {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(runtime_dir)?;
        let config_path = runtime_dir.join("filter-chain.conf");
        write_atomic(&config_path, &filter_chain::standalone_config(options))?;
        Ok(FilterChain {
            config_path,
            lv2_path,
            child: None,
            started: None,
            backoff: RESTART_FIRST,
            restart_at: Some(Instant::now()),
        })
    }

    fn spawn(&mut self) -> io::Result<()> {
        let mut cmd = Command::new("pipewire");
        cmd.arg("-c")
            .arg(&self.config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(path) = &self.lv2_path {
            cmd.env("LV2_PATH", path);
        }
        let child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot start `pipewire -c {}`: {e}",
                    self.config_path.display()
                ),
            )
        })?;
        tracing::info!(
            "started the processed sink (pid {}, {})",
            child.id(),
            self.config_path.display()
        );
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
                    }
                    return false;
                }
                Ok(Some(status)) => {
                    tracing::warn!(
                        "the processed sink exited ({status}); restarting in {:?}",
                        self.backoff
                    );
                    self.child = None;
                    self.restart_at = Some(Instant::now() + self.backoff);
                    self.backoff = (self.backoff * 2).min(RESTART_MAX);
                }
                Err(e) => {
                    tracing::warn!("cannot watch the processed sink: {e}");
                    return false;
                }
            }
        }
        if self.restart_at.is_some_and(|t| Instant::now() >= t) {
            self.restart_at = None;
            if let Err(e) = self.spawn() {
                tracing::warn!("{e}");
                self.restart_at = Some(Instant::now() + self.backoff);
                self.backoff = (self.backoff * 2).min(RESTART_MAX);
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

impl Drop for FilterChain {
    fn drop(&mut self) {
        self.stop();
    }
}
