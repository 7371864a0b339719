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
        let mut command = command
            .name(name)
            .bin_name(name)
            .disable_help_subcommand(true);
        command.build();
        let source = format!("{name} {}", command.get_version().unwrap_or_default());
        write_pages(&command, &source, &man1)?;
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

/// The page of `command` and, recursively, of each visible subcommand
/// (`headroom-profile-use.1`), as `clap_mangen::generate_to` names them.
/// Every page's footer names the program and version it documents
/// (`headroom 0.1.0`), subcommands' pages included.
fn write_pages(command: &clap::Command, source: &str, dir: &Path) -> Result<(), String> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, source, dir)?;
    }
    let man = clap_mangen::Man::new(without_own_name(command)).source(source);
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    render(&man, command, &mut page)
        .and_then(|()| std::fs::write(&path, page))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `command` with its about text not starting with its own name: `headroom:
/// an audio safety net…` reads `headroom - an audio safety net…` in NAME.
fn without_own_name(command: &clap::Command) -> clap::Command {
    let prefix = format!("{}: ", command.get_name());
    match command.get_about().map(|a| a.to_string()) {
        Some(about) if about.starts_with(&prefix) => {
            command.clone().about(about[prefix.len()..].to_string())
        }
        _ => command.clone(),
    }
}

/// `clap_mangen::Man::render`, except for the text after the options: it
/// holds examples lined up in columns, which roff's filling would reflow.
fn render(
    man: &clap_mangen::Man,
    command: &clap::Command,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if command.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(out)?;
    }
    if let Some(text) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
    {
        examples_section(&text.to_string()).to_writer(out)?;
    }
    if command
        .get_version()
        .or_else(|| command.get_long_version())
        .is_some()
    {
        man.render_version_section(out)?;
    }
    if command.get_author().is_some() {
        man.render_authors_section(out)?;
    }
    Ok(())
}

/// The `after_help` text as written, line for line (`.nf`).
fn examples_section(text: &str) -> roff::Roff {
    let title = if text.trim_start().starts_with("Example") {
        "EXAMPLES"
    } else {
        "NOTES"
    };
    let mut page = roff::Roff::new();
    page.control("SH", [title]).control("nf", []);
    for line in text.lines() {
        page.text([roff::roman(line)]);
    }
    page.control("fi", []);
    page
}

fn mkdir(dir: &PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
