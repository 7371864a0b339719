//! `unload-churn clap|vst3`: 200 rounds of three worker threads that each
//! load the plugin library (unpinned), instantiate, process, drop
//! everything and exit. Run by `tests/plugin_survives_being_unloaded.rs` in
//! a child process: a crash shows up as the child's signal.

use headroom_host_tests_clap::clap::ClapPlugin;
use headroom_host_tests_clap::vst3::Vst3Module;
use headroom_host_tests_clap::{clap_bundle, vst3_binary};

fn main() {
    let format = std::env::args().nth(1).unwrap_or_default();
    if format != "clap" && format != "vst3" {
        eprintln!("usage: unload-churn clap|vst3");
        std::process::exit(2);
    }
    for round in 0..200 {
        let workers: Vec<_> = (0..3)
            .map(|i| {
                let format = format.clone();
                std::thread::spawn(move || {
                    let frames = 480 * (1 + i + round % 3);
                    let input = vec![0.1f32; 2 * frames];
                    if format == "clap" {
                        let mut plugin = ClapPlugin::load_unpinned(&clap_bundle());
                        plugin.activate(48_000.0, 64, 2).unwrap();
                        plugin.process_interleaved(&input, &[64], &[]);
                    } else {
                        let module = Vst3Module::load_unpinned(&vst3_binary());
                        let class = module.classes()[0].cid;
                        let mut plugin = module.create(class);
                        plugin.activate(48_000.0, 64, 2);
                        plugin.process_interleaved(&input, 64, &[]);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    }
}
