//! `headroom-wav`: see `headroom-wav --help` and the library docs.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match headroom_wav::cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        // --help, --version and usage errors (exit code 2).
        Err(e) => e.exit(),
    };
    match headroom_wav::cli::run(cli) {
        Ok(done) => {
            // A closed stdout (`| head`) is not worth failing over.
            if done.to_stderr {
                let _ = std::io::stderr().lock().write_all(done.text.as_bytes());
            } else {
                let _ = std::io::stdout().lock().write_all(done.text.as_bytes());
            }
            ExitCode::from(done.exit_code as u8)
        }
        Err(e) => {
            eprintln!("headroom-wav: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
