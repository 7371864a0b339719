//! Only the user can reach the control socket: a client run as another
//! user (`nobody`, through `setpriv`) is refused by the 0700 directory,
//! and by the 0600 socket even when the directory is opened up. The same
//! client is answered once the socket itself is opened to everyone, so it
//! is the modes that refuse it, nothing else. Needs root (to switch
//! users); skipped otherwise.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use headroom_testdata::pipewire::PwGraph;

const NOBODY: &str = "65534";

/// Calls GetInfo as `nobody` through socat: everything it printed.
fn get_info_as_nobody(socket: &Path) -> String {
    let mut child = Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "socat",
            "-t5",
            "-",
        ])
        .arg(format!("UNIX-CONNECT:{}", socket.display()))
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setpriv and socat run");
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"{\"method\": \"org.varlink.service.GetInfo\"}\0");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn another_user_is_refused_by_the_directory_and_by_the_socket() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: switching to another user needs root");
        return;
    }
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let socket = control_socket(&graph);
    let dir = socket.parent().unwrap().to_path_buf();

    // The test's own private directories are 0700 too: let `nobody` walk
    // down to headroom's directory, so only headroom's modes stand guard.
    let opened: Vec<(PathBuf, u32)> = dir
        .ancestors()
        .skip(1)
        .map(Path::to_path_buf)
        .filter_map(|d| {
            let mode = std::fs::metadata(&d).ok()?.permissions().mode() & 0o7777;
            (mode & 0o001 == 0).then_some((d, mode))
        })
        .collect();
    for (d, mode) in &opened {
        chmod(d, mode | 0o001);
    }

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&dir), mode(&socket)), (0o700, 0o600));
    let refused = get_info_as_nobody(&socket);
    assert!(refused.contains("Permission denied"), "{refused}");
    assert!(!refused.contains("headroom-router"), "{refused}");

    // The socket's own mode refuses as well.
    chmod(&dir, 0o711);
    let refused = get_info_as_nobody(&socket);
    assert!(refused.contains("Permission denied"), "{refused}");
    assert!(!refused.contains("headroom-router"), "{refused}");

    // The control: opened to everyone, the same client is answered.
    chmod(&socket, 0o666);
    let answered = get_info_as_nobody(&socket);
    assert!(answered.contains("headroom-router"), "{answered}");

    chmod(&socket, 0o600);
    chmod(&dir, 0o700);
    for (d, mode) in opened.iter().rev() {
        chmod(d, *mode);
    }
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
