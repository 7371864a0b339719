//! A project saved with an earlier headroom keeps its settings: each CLAP
//! state blob kept in `testdata/plugin-state/` (one per released state
//! layout, never edited) loads into the current build with every parameter
//! as it was saved.
//!
//! The blobs hold every parameter at a non-default value (the ceiling at
//! −6 dBTP, toggles flipped, others 30 % into their range), written by
//! this test with `HEADROOM_WRITE_STATE_FIXTURE=1` when a new state version
//! ships; commit the new file beside the old ones.

use std::path::PathBuf;

use headroom_dsp::PARAMS;
use headroom_host_tests_clap::clap::ClapPlugin;
use headroom_host_tests_clap::{clap_bundle, non_default, param_hash};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/plugin-state")
}

#[test]
fn states_saved_by_earlier_versions_load_every_parameter() {
    let current = fixtures().join(format!("clap-{}.state", env!("CARGO_PKG_VERSION")));
    if std::env::var_os("HEADROOM_WRITE_STATE_FIXTURE").is_some() {
        let mut plugin = ClapPlugin::load(&clap_bundle());
        let changes: Vec<(u32, f64)> = PARAMS
            .iter()
            .map(|s| (param_hash(s.key), plugin.value_for(s, non_default(s))))
            .collect();
        plugin.flush_params(&changes);
        std::fs::create_dir_all(fixtures()).unwrap();
        std::fs::write(&current, plugin.save_state().unwrap()).unwrap();
    }
    let mut blobs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("testdata/plugin-state/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "state"))
        .collect();
    blobs.sort();
    assert!(
        !blobs.is_empty(),
        "no state fixtures in {}",
        fixtures().display()
    );
    for blob in blobs {
        let bytes = std::fs::read(&blob).unwrap();
        let mut plugin = ClapPlugin::load(&clap_bundle());
        assert!(plugin.load_state(&bytes), "{} was refused", blob.display());
        for spec in PARAMS.iter() {
            let id = param_hash(spec.key);
            let value = plugin.param_value(id).unwrap();
            let text = plugin.value_to_text(id, value).unwrap();
            assert_eq!(
                text,
                spec.format(non_default(spec)),
                "{}: {}",
                blob.display(),
                spec.key
            );
        }
    }
}
