//! `headroom`: the router daemon (`headroom daemon`) and the command line
//! that controls it (`headroom status`, `headroom profile use night`, …).

/// Debug builds check the real-time contract of Layer A's tap callbacks
/// (`layer_a::detector::rt_check`): an allocation there aborts. Release builds use
/// the system allocator untouched.
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: nice_assert_no_alloc::AllocDisabler = nice_assert_no_alloc::AllocDisabler;

fn main() -> std::process::ExitCode {
    headroom_router::cli::main()
}
