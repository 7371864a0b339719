//! A private PipeWire graph for tests: its own `pipewire` daemon and
//! WirePlumber in a fresh 0700 runtime directory, so a test never touches
//! (or depends on) the user's session, and several graphs can run side by
//! side. Everything it starts is killed, and its directory removed, on drop.
//!
//! ```no_run
//! use std::time::Duration;
//! use headroom_testdata::pipewire::PwGraph;
//!
//! let mut graph = PwGraph::start()?;
//! graph.create_null_sink("speakers")?;
//! let out = graph.path("out.wav");
//! let recording = graph.start_recording("speakers", &out)?;
//! let player = graph.play(&graph.path("in.wav"), "speakers", "{ application.name=test }")?;
//! graph.wait_exit(player, Duration::from_secs(30))?;
//! graph.stop_recording(recording)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! What it takes on Debian 12 with PipeWire 1.4 / WirePlumber 0.5, also as
//! root and with no session bus:
//! - `XDG_RUNTIME_DIR` and `PIPEWIRE_RUNTIME_DIR` both point at the private
//!   runtime directory (the server listens there, clients connect there);
//!   `XDG_STATE_HOME`/`XDG_CONFIG_HOME` are private too, so WirePlumber
//!   restores no saved targets or volumes from an earlier run.
//! - No D-Bus: `DBUS_SESSION_BUS_ADDRESS=disabled:` and no `DISPLAY`, so
//!   nothing tries to autolaunch a bus daemon that would outlive the test.
//!   PipeWire and WirePlumber then log "Failed to connect to session bus";
//!   that is harmless (portal, reservation and jack-detect are skipped).
//! - Running as root needs nothing special.
//! - `pw-cli create-node adapter { … object.linger=true }` returns before
//!   the node exists: poll `pw-cli ls Node` for it.
//! - A stream is linked by WirePlumber some milliseconds after it appears:
//!   [`PwGraph::start_recording`] waits for the recorder's link before it
//!   returns, so what is played next is captured from its first sample.
//! - `pw-record` writes a valid WAV header only when it exits on SIGINT.
//! - Float WAVs pass through `pw-cat` → graph → `pw-record` unchanged, also
//!   samples beyond ±1.0.

mod objects;
mod process;
mod streams;

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use objects::{parse_pw_cli_ls, PwObject};
pub use process::{run_with_timeout, wait_until, SIGINT, SIGKILL, SIGTERM};
pub use streams::Recording;

use process::signal_group;

/// The graph's sample rate (PipeWire's `default.clock.rate`), Hz. Recordings
/// are made at this rate so nothing is resampled on the way.
pub const GRAPH_RATE_HZ: u32 = 48_000;
/// How long the daemons get to come up, and short commands to finish. Far
/// above what they need: CI machines have 2 slow cores and build meanwhile.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How much more a recording captures once it is asked to stop.
pub const RECORDING_TAIL: Duration = Duration::from_millis(300);
/// Interval between checks while waiting for something in the graph.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long a process gets to exit after SIGINT/SIGTERM before SIGKILL.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// A process started by [`PwGraph::spawn`] (an index into the graph's children).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildId(usize);

struct Spawned {
    name: String,
    log: PathBuf,
    child: Child,
}

/// A running private graph: `pipewire` + `wireplumber` and every process
/// started through it. See the module docs.
pub struct PwGraph {
    root: PathBuf,
    runtime_dir: PathBuf,
    children: Vec<Spawned>,
    pipewire: ChildId,
    wireplumber: ChildId,
    /// `pipewire-pulse`, when the graph speaks the PulseAudio protocol.
    pulse: Option<ChildId>,
}

/// What a graph starts with besides `pipewire` and `wireplumber`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Setup<'a> {
    /// WirePlumber configuration fragments, `(file name, text)`, written
    /// to its `wireplumber.conf.d` before it starts (and kept across
    /// [`PwGraph::restart_daemons`]).
    pub wireplumber_conf: &'a [(&'a str, &'a str)],
    /// Also run `pipewire-pulse`, as desktops do: browsers, chat apps and
    /// the desktop's volume keys (`pactl`, `paplay`) talk through it.
    pub pulse: bool,
}

impl PwGraph {
    /// Creates the private directories, starts `pipewire`, waits until it
    /// answers, starts `wireplumber` and waits until it has published the
    /// `default` metadata (its policy is then loading).
    pub fn start() -> io::Result<PwGraph> {
        Self::start_with(Setup::default())
    }

    /// [`PwGraph::start`] with more of a desktop (see [`Setup`]); with
    /// `pulse`, returns once `pactl info` answers.
    pub fn start_with(setup: Setup) -> io::Result<PwGraph> {
        let root = private_dir()?;
        let runtime_dir = root.join("runtime");
        for sub in ["runtime", "state", "config", "logs"] {
            fs::DirBuilder::new().mode(0o700).create(root.join(sub))?;
        }
        let mut graph = PwGraph {
            root,
            runtime_dir,
            children: Vec::new(),
            pipewire: ChildId(0),
            wireplumber: ChildId(0),
            pulse: None,
        };
        if !setup.wireplumber_conf.is_empty() {
            let dir = graph.root.join("config/wireplumber/wireplumber.conf.d");
            fs::create_dir_all(&dir)?;
            for (name, text) in setup.wireplumber_conf {
                fs::write(dir.join(name), text)?;
            }
        }
        graph.start_daemons()?;
        if setup.pulse {
            graph.start_pulse()?;
        }
        Ok(graph)
    }

    /// Starts `pipewire-pulse` and waits until `pactl info` answers.
    fn start_pulse(&mut self) -> io::Result<()> {
        let pulse = self.spawn("pipewire-pulse", self.command("pipewire-pulse"))?;
        self.pulse = Some(pulse);
        self.wait_for(
            "pipewire-pulse to answer `pactl info`",
            STARTUP_TIMEOUT,
            |g| {
                let mut info = g.command("pactl");
                info.arg("info");
                let out = g.run(info, STARTUP_TIMEOUT)?;
                Ok(out.status.success().then_some(()))
            },
        )
    }

    /// Starts `pipewire`, waits until it answers, starts `wireplumber` and
    /// waits until it has published the `default` metadata.
    fn start_daemons(&mut self) -> io::Result<()> {
        self.pipewire = self.spawn("pipewire", self.command("pipewire"))?;
        // Until WirePlumber runs, watch only the new pipewire (an earlier
        // WirePlumber may be dead after `restart_daemons`).
        self.wireplumber = self.pipewire;
        self.wait_for("pipewire to answer `pw-cli info 0`", STARTUP_TIMEOUT, |g| {
            Ok(g.pw_cli(&["info", "0"]).ok())
        })?;
        self.wireplumber = self.spawn("wireplumber", self.command("wireplumber"))?;
        self.wait_for(
            "WirePlumber to publish the `default` metadata",
            STARTUP_TIMEOUT,
            |g| {
                let metadata = g.objects("Metadata")?;
                Ok(metadata
                    .into_iter()
                    .find(|m| m.prop("metadata.name") == Some("default")))
            },
        )?;
        Ok(())
    }

    /// Kills `pipewire` and `wireplumber` the way a crash would (SIGKILL)
    /// and starts them again. Everything in the graph is new afterwards:
    /// ids, serials; null sinks must be created again.
    pub fn restart_daemons(&mut self) -> io::Result<()> {
        let pulse = self.pulse.take();
        for id in pulse.into_iter().chain([self.wireplumber, self.pipewire]) {
            let _ = self.stop(id, SIGKILL);
        }
        self.start_daemons()?;
        if pulse.is_some() {
            self.start_pulse()?;
        }
        Ok(())
    }

    /// The graph's `XDG_RUNTIME_DIR` (sockets, and `headroom/` meter blocks).
    pub fn runtime_dir(&self) -> &Path {
        &self.runtime_dir
    }

    /// A path for a scratch file inside the graph's private directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// A command that talks to this graph (and only to it): the private
    /// XDG directories set, no session bus, no display, stdin closed.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("PIPEWIRE_RUNTIME_DIR", &self.runtime_dir)
            .env("XDG_STATE_HOME", self.root.join("state"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
            .env("PIPEWIRE_LOG_SYSTEMD", "false")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("PIPEWIRE_REMOTE")
            .env_remove("PIPEWIRE_CORE")
            .env_remove("PIPEWIRE_NODE")
            .env_remove("PULSE_SERVER")
            .stdin(Stdio::null());
        cmd
    }

    /// Starts `cmd` in its own process group with stdout and stderr going to
    /// `logs/<name>.log`; it is killed when the graph is dropped.
    pub fn spawn(&mut self, name: &str, mut cmd: Command) -> io::Result<ChildId> {
        let log = self
            .root
            .join("logs")
            .join(format!("{}-{name}.log", self.children.len()));
        let file = File::create(&log)?;
        cmd.stdout(file.try_clone()?).stderr(file).process_group(0);
        let child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("could not start {name} ({cmd:?}): {e}; is PipeWire installed (`cargo xtask deps --for test`)?"),
            )
        })?;
        self.children.push(Spawned {
            name: name.to_string(),
            log,
            child,
        });
        Ok(ChildId(self.children.len() - 1))
    }

    /// Exit status of a spawned process if it has ended.
    pub fn try_status(&mut self, id: ChildId) -> io::Result<Option<ExitStatus>> {
        self.children[id.0].child.try_wait()
    }

    /// Everything a spawned process printed so far.
    pub fn log(&self, id: ChildId) -> String {
        fs::read_to_string(&self.children[id.0].log).unwrap_or_default()
    }

    /// OS process id of a spawned process.
    pub fn pid(&self, id: ChildId) -> u32 {
        self.children[id.0].child.id()
    }

    /// OS process ids of everything started through the graph so far, the
    /// daemons first.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(|s| s.child.id()).collect()
    }

    /// Waits for a spawned process to end by itself.
    pub fn wait_exit(&mut self, id: ChildId, timeout: Duration) -> io::Result<ExitStatus> {
        let name = self.children[id.0].name.clone();
        self.wait_for(&format!("{name} to finish"), timeout, |g| g.try_status(id))
    }

    /// Sends `signal` (e.g. SIGINT = 2) to a spawned process's group and
    /// waits for it to exit; SIGKILL after a grace period.
    pub fn stop(&mut self, id: ChildId, signal: i32) -> io::Result<ExitStatus> {
        let spawned = &mut self.children[id.0];
        if let Some(status) = spawned.child.try_wait()? {
            return Ok(status);
        }
        signal_group(&spawned.child, signal);
        let start = Instant::now();
        while start.elapsed() < EXIT_GRACE {
            if let Some(status) = spawned.child.try_wait()? {
                return Ok(status);
            }
            thread::sleep(POLL_INTERVAL);
        }
        signal_group(&spawned.child, SIGKILL);
        spawned.child.wait()?;
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "{} did not exit within {EXIT_GRACE:?} of signal {signal}; killed",
                spawned.name
            ),
        ))
    }

    /// Polls `probe` until it yields a value; fails early, with their logs,
    /// if `pipewire` or `wireplumber` died meanwhile.
    pub fn wait_for<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut(&mut Self) -> io::Result<Option<T>>,
    ) -> io::Result<T> {
        let start = Instant::now();
        loop {
            self.daemons_alive()?;
            if let Some(value) = probe(self)? {
                return Ok(value);
            }
            if start.elapsed() > timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "timed out after {timeout:?} waiting for {what}\n{}",
                        self.daemon_logs()
                    ),
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    fn daemons_alive(&mut self) -> io::Result<()> {
        let mut daemons = self.daemons();
        daemons.extend(self.pulse);
        for id in daemons {
            if let Some(status) = self.try_status(id)? {
                return Err(io::Error::other(format!(
                    "{} exited ({status})\n{}",
                    self.children[id.0].name,
                    self.daemon_logs()
                )));
            }
        }
        Ok(())
    }

    /// The tails of the daemons' logs, for error messages.
    pub fn daemon_logs(&self) -> String {
        let mut ids = self.daemons();
        ids.extend(self.pulse);
        ids.iter()
            .map(|&id| {
                let log = self.log(id);
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                format!(
                    "--- {} log (tail) ---\n{}",
                    self.children[id.0].name,
                    tail.join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `pipewire` and, once it runs, `wireplumber`.
    fn daemons(&self) -> Vec<ChildId> {
        let mut ids = vec![self.pipewire];
        if self.wireplumber != self.pipewire {
            ids.push(self.wireplumber);
        }
        ids
    }

    /// Runs `cmd` to completion, see [`run_with_timeout`].
    pub fn run(&self, cmd: Command, timeout: Duration) -> io::Result<Output> {
        run_with_timeout(cmd, timeout)
    }
}

impl Drop for PwGraph {
    /// Ends every process started through the graph (newest first, the
    /// daemons last; SIGTERM to the whole group, SIGKILL after a grace
    /// period) and removes the private directory. When a test is failing,
    /// the daemons' logs are printed first.
    fn drop(&mut self) {
        if thread::panicking() && !self.children.is_empty() {
            eprintln!("{}", self.daemon_logs());
        }
        for spawned in self.children.iter_mut().rev() {
            if !matches!(spawned.child.try_wait(), Ok(None)) {
                continue; // ended and reaped: its group id may be reused
            }
            signal_group(&spawned.child, SIGTERM);
            let start = Instant::now();
            while start.elapsed() < EXIT_GRACE {
                if let Ok(Some(_)) = spawned.child.try_wait() {
                    break;
                }
                thread::sleep(POLL_INTERVAL);
            }
            if let Ok(None) = spawned.child.try_wait() {
                signal_group(&spawned.child, SIGKILL);
                let _ = spawned.child.wait();
            }
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Makes a new 0700 directory for one graph. Kept short: the sockets inside
/// must fit in `sun_path` (108 bytes).
fn private_dir() -> io::Result<PathBuf> {
    static GRAPHS: AtomicU32 = AtomicU32::new(0);
    let mut base = std::env::temp_dir();
    if base.as_os_str().len() > 40 {
        base = PathBuf::from("/tmp");
    }
    for _ in 0..100 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!(
            "headroom-pw-{}-{}-{nanos:x}",
            std::process::id(),
            GRAPHS.fetch_add(1, Ordering::Relaxed)
        ));
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                // The umask may have narrowed the mode; never widened it.
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "could not create a private graph directory",
    ))
}
