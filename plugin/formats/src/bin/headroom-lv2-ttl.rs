//! Writes the LV2 bundle's Turtle files (generated from the parameter table
//! and the port layout) into a directory. Used by `cargo xtask bundle`.
//!
//! Usage: headroom-lv2-ttl <BUNDLE_DIR>

use std::process::ExitCode;

use headroom_plugin::lv2::ttl;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!(
            "usage: headroom-lv2-ttl <BUNDLE_DIR>\n\n\
             Writes manifest.ttl and {} for the headroom LV2 bundle into BUNDLE_DIR.",
            ttl::PLUGIN_TTL
        );
        return ExitCode::from(2);
    };
    let dir = std::path::Path::new(dir);
    for (name, text) in [
        ("manifest.ttl", ttl::manifest()),
        (ttl::PLUGIN_TTL, ttl::plugin()),
    ] {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("headroom-lv2-ttl: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
