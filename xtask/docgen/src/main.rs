//! `headroom-docgen OUT_DIR`: writes the man pages and shell completions of
//! `headroom` and `headroom-wav` from the same clap definitions their
//! `--help` comes from, so the three never drift apart. `cargo xtask
//! install` and `cargo xtask deb` run it; nothing here is installed itself.
//!
//! Layout of `OUT_DIR`:
//! - `man1/headroom.1`, `man1/headroom-status.1`, … (one page per
//!   subcommand, as git does), and the same for `headroom-wav`;
//! - `completions/bash/headroom`, `completions/zsh/_headroom`,
//!   `completions/fish/headroom.fish`, and the same for `headroom-wav`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap_complete::Shell;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out] = args.as_slice() else {
        eprintln!("usage: headroom-docgen OUT_DIR");
        return ExitCode::from(2);
    };
    match generate(Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom-docgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The commands documented: (binary name, definition).
fn commands() -> [(&'static str, clap::Command); 2] {
    [
        ("headroom", headroom_router::cli::command()),
        ("headroom-wav", headroom_wav::cli::command()),
    ]
}

fn generate(out: &Path) -> Result<(), String> {
    let man1 = out.join("man1");
    // Pages of subcommands that were renamed or removed must not linger.
    let _ = std::fs::remove_dir_all(&man1);
    mkdir(&man1)?;
    for (name, command) in commands() {
        let command = command.name(name).bin_name(name);
        clap_mangen::generate_to(command.clone(), &man1).map_err(|e| {
            format!(
                "cannot write the man pages of {name} in {}: {e}",
                man1.display()
            )
        })?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let dir = out.join("completions").join(shell.to_string());
            mkdir(&dir)?;
            clap_complete::generate_to(shell, &mut command.clone(), name, &dir).map_err(|e| {
                format!(
                    "cannot write the {shell} completions of {name} in {}: {e}",
                    dir.display()
                )
            })?;
        }
    }
    Ok(())
}

fn mkdir(dir: &PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
