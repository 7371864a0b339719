//! `headroom monitor` in a real terminal (tmux, 80×24) against a live
//! router: the bus meters and the playing app appear and move, the screen
//! says so in words when the router stops and recovers when it is back,
//! and `q` quits.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use headroom_testdata::pipewire::{run_with_timeout, PwGraph};

/// A tmux server of the test's own, with the graph's environment.
struct Tmux {
    socket: PathBuf,
    base: Command,
}

impl Tmux {
    fn new(graph: &PwGraph) -> Tmux {
        let socket = graph.path("tmux.sock");
        let mut base = graph.command("tmux");
        base.env("TERM", "xterm-256color").arg("-S").arg(&socket);
        Tmux { socket, base }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
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

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "monitor"]).stdout)
            .into_owned()
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "monitor"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[test]
fn the_monitor_screen_shows_meters_and_apps_and_survives_a_restart() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &["--profile", "default"]);
    let wav = tone_wav(&graph, "tone.wav", 120);
    let _app = play_untargeted(&mut graph, &wav, "Video Call", "call-app");
    graph.wait_for_node("call-app", TIMEOUT).unwrap();

    let tmux = Tmux::new(&graph);
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-x",
        "80",
        "-y",
        "24",
        "-s",
        "monitor",
        &format!("{} monitor", env!("CARGO_BIN_EXE_headroom")),
    ]);
    assert!(started.status.success(), "{started:?}");

    let wait_screen = |graph: &mut PwGraph, what: &str, wanted: &[&str]| -> String {
        graph
            .wait_for(what, TIMEOUT, |_| {
                let screen = tmux.screen();
                Ok(wanted.iter().all(|w| screen.contains(w)).then_some(screen))
            })
            .unwrap_or_else(|e| panic!("{e}\nscreen:\n{}", tmux.screen()))
    };
    let first = wait_screen(
        &mut graph,
        "the live screen",
        &[
            "profile Default",
            "processed sink",
            "true peak",
            "Video Call",
            "processed",
            "q quit",
        ],
    );
    assert!(first.lines().all(|l| l.chars().count() <= 80), "{first}");
    // The meters move while the tone plays: the screen changes by itself.
    graph
        .wait_for("the meters to move", TIMEOUT, |_| {
            Ok((tmux.screen() != first).then_some(()))
        })
        .unwrap();

    // The router stops: the screen says so; it comes back: so does the view.
    graph.stop(router, 15).unwrap();
    wait_screen(&mut graph, "the absent router in words", &["not running"]);
    let _router = start_router(&mut graph, &["--profile", "night"]);
    wait_screen(
        &mut graph,
        "the view after the restart",
        &["profile Night", "Video Call"],
    );

    tmux.run(&["send-keys", "-t", "monitor", "q"]);
    graph
        .wait_for("q to quit the monitor", TIMEOUT, |_| {
            Ok((!tmux.alive()).then_some(()))
        })
        .unwrap();
}
