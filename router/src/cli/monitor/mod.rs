//! `headroom monitor`: the live view of what headroom does (full-screen
//! terminal UI), or the same data as line-delimited JSON for scripts.

mod actions;
mod feed;
mod hold;
pub mod json;
mod keys;
mod tui;
pub mod view;

use std::path::PathBuf;
use std::process::ExitCode;

/// Runs the full-screen monitor until the user quits.
pub fn run_screen(socket: Option<PathBuf>) -> ExitCode {
    let runtime = match super::client_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runtime.block_on(tui::run(socket)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom monitor: the terminal failed: {e}");
            ExitCode::from(super::EXIT_FAILED)
        }
    }
}
