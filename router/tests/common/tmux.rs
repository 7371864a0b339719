//! A tmux server of a test's own, with the graph's environment: a real
//! terminal (80×24 unless told) to drive a full-screen program in, with
//! `send-keys`, and read back, with `capture-pane`.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;
use std::process::Command;

use headroom_testdata::pipewire::{run_with_timeout, PwGraph};

use super::TIMEOUT;

/// The one session a test runs, named [`SESSION`].
pub struct Tmux {
    socket: PathBuf,
    base: Command,
}

pub const SESSION: &str = "monitor";

impl Tmux {
    pub fn new(graph: &PwGraph) -> Tmux {
        let socket = graph.path("tmux.sock");
        let mut base = graph.command("tmux");
        base.env("TERM", "xterm-256color").arg("-S").arg(&socket);
        Tmux { socket, base }
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(self.base.get_program());
        cmd.args(self.base.get_args()).args(args);
        for (key, value) in self.base.get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        run_with_timeout(cmd, TIMEOUT).unwrap()
    }

    /// Starts `command` in an 80×24 terminal.
    pub fn start(&self, command: &str) {
        let started = self.run(&[
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            SESSION,
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
    }

    /// Types `keys` (tmux key names: `q`, `Down`, `Enter` …).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        let sent = self.run(&args);
        assert!(sent.status.success(), "{sent:?}");
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout)
            .into_owned()
    }

    pub fn alive(&self) -> bool {
        self.run(&["has-session", "-t", SESSION]).status.success()
    }

    /// Waits until the screen shows every one of `wanted`; the screen.
    pub fn wait_screen(&self, graph: &mut PwGraph, what: &str, wanted: &[&str]) -> String {
        graph
            .wait_for(what, TIMEOUT, |_| {
                let screen = self.screen();
                Ok(wanted.iter().all(|w| screen.contains(w)).then_some(screen))
            })
            .unwrap_or_else(|e| panic!("{e}\nscreen:\n{}", self.screen()))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        let _ = std::fs::remove_file(&self.socket);
    }
}
