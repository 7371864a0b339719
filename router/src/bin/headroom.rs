//! `headroom`: the router daemon (`headroom daemon`) and the command line
//! that controls it (`headroom status`, `headroom profile use night`, …).

fn main() -> std::process::ExitCode {
    headroom_router::cli::main()
}
