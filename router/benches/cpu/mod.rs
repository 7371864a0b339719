//! CPU use of processes, from `/proc/<pid>/stat`, for the router's live
//! benchmarks.
#![allow(dead_code)] // each bench uses its own subset

use std::time::{Duration, Instant};

/// utime + stime of `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// CPU of `pids` over `window`, % of one core each.
pub fn cpu_percent(pids: &[u32], window: Duration) -> Vec<f64> {
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let before: Vec<u64> = pids.iter().map(|&p| cpu_ticks(p)).collect();
    let start = Instant::now();
    std::thread::sleep(window);
    let elapsed = start.elapsed().as_secs_f64();
    pids.iter()
        .zip(before)
        .map(|(&p, b)| (cpu_ticks(p) - b) as f64 / ticks_per_s / elapsed * 100.0)
        .collect()
}
