//! "Open monitor": `headroom monitor` in a terminal window. Terminals are
//! tried in order — `$TERMINAL`, Debian's `x-terminal-emulator`, then the
//! usual desktops' own — and the first one found on `PATH` is started;
//! with none, the error names what was looked for.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Known terminals and how each is told the command to run.
const KNOWN: &[(&str, &[&str])] = &[
    ("x-terminal-emulator", &["-e"]),
    ("gnome-terminal", &["--"]),
    ("konsole", &["-e"]),
    ("xfce4-terminal", &["-x"]),
    ("kgx", &["--"]),
    ("alacritty", &["-e"]),
    ("kitty", &[]),
    ("foot", &[]),
    ("wezterm", &["start", "--"]),
    ("xterm", &["-e"]),
];

/// The terminal commands to try, in order: `terminal_env` (`$TERMINAL`,
/// which takes `-e`) first, then [`KNOWN`]. Each runs `monitor`.
pub fn candidates(terminal_env: Option<&str>, monitor: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    if let Some(t) = terminal_env.map(str::trim).filter(|t| !t.is_empty()) {
        let mut args = vec!["-e".to_string()];
        args.extend(monitor.iter().cloned());
        out.push((t.to_string(), args));
    }
    for (program, flags) in KNOWN {
        let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        args.extend(monitor.iter().cloned());
        out.push((program.to_string(), args));
    }
    out
}

/// `program` found on `path` (or itself when it names a file).
fn find_program(program: &str, path: Option<&OsString>) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Starts `headroom monitor` (this binary, with `socket` when given) in
/// the first terminal found; returns the terminal's name. Never waits for
/// the terminal: it is reaped by a thread of its own.
pub fn open_monitor(socket: Option<&Path>) -> Result<String, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the headroom binary to run: {e}"))?;
    let mut monitor = vec![exe.display().to_string()];
    if let Some(socket) = socket {
        monitor.extend(["--socket".to_string(), socket.display().to_string()]);
    }
    monitor.push("monitor".into());
    let terminal_env = std::env::var("TERMINAL").ok();
    let path = std::env::var_os("PATH");
    let tried = candidates(terminal_env.as_deref(), &monitor);
    for (program, args) in &tried {
        let Some(found) = find_program(program, path.as_ref()) else {
            continue;
        };
        let mut child = Command::new(&found)
            .args(args)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", found.display()))?;
        std::thread::spawn(move || child.wait());
        return Ok(program.clone());
    }
    let names: Vec<&str> = tried.iter().map(|(p, _)| p.as_str()).collect();
    Err(format!(
        "no terminal to open the monitor in: none of {} is installed (set $TERMINAL, \
         or run `headroom monitor` in one)",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_env_comes_first_then_debians_alternative() {
        let monitor = vec!["/usr/bin/headroom".to_string(), "monitor".to_string()];
        let tried = candidates(Some("foot"), &monitor);
        assert_eq!(
            tried[0],
            (
                "foot".into(),
                vec!["-e".into(), "/usr/bin/headroom".into(), "monitor".into()]
            )
        );
        assert_eq!(tried[1].0, "x-terminal-emulator");
        let gnome = tried.iter().find(|(p, _)| p == "gnome-terminal").unwrap();
        assert_eq!(gnome.1, ["--", "/usr/bin/headroom", "monitor"]);
        assert_eq!(candidates(Some(" "), &monitor)[0].0, "x-terminal-emulator");
    }

    #[test]
    fn programs_are_found_on_the_path_only() {
        let path = OsString::from("/nonexistent:/bin:/usr/bin");
        assert!(find_program("sh", Some(&path)).is_some());
        assert!(find_program("no-such-terminal-here", Some(&path)).is_none());
        assert!(find_program("sh", None).is_none());
    }
}
