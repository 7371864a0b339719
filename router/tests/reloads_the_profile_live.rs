//! Editing the active profile takes effect without a restart: a new
//! ceiling reaches the running DSP; a broken edit (out-of-range value) is
//! reported with its file:line:column (in the log and in `GetStatus`) and
//! the last good settings stay.
//! Editors that save by renaming a new file over the old one work.

mod common;

use std::path::Path;

use common::*;
use headroom_testdata::pipewire::PwGraph;

/// Saves `text` the way many editors do: a new file renamed over the old.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("toml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn edits_reach_the_dsp_and_broken_edits_keep_the_last_good_profile() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let profile = graph.path("mine.toml");
    std::fs::write(&profile, "[dsp]\nceiling = -2.0\n").unwrap();
    let router = start_router(&mut graph, &["--profile", profile.to_str().unwrap()]);
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    graph
        .wait_for("ceiling -2 pushed to the DSP", TIMEOUT, |g| {
            Ok((dsp_ceiling(g, processed.id) == Some(-2.0)).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    save_by_rename(&profile, "name = \"Mine\"\n[dsp]\nceiling = -6.0\n");
    graph
        .wait_for("ceiling -6 after the edit", TIMEOUT, |g| {
            Ok((dsp_ceiling(g, processed.id) == Some(-6.0)).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));

    // A broken edit: out of range on line 3.
    std::fs::write(&profile, "name = \"Mine\"\n[dsp]\nceiling = 3.0\n").unwrap();
    let location = format!("{}:3:11", profile.display());
    graph
        .wait_for("the router to report the broken edit", TIMEOUT, |g| {
            Ok(g.log(router).contains(&location).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert!(graph.log(router).contains("keeping the last good profile"));
    assert_eq!(dsp_ceiling(&graph, processed.id), Some(-6.0));
    // Status shows the problem with its place, and the profile still active.
    let rt = client_runtime();
    let mut client = rt
        .block_on(headroom_client::Client::connect(control_socket(&graph)))
        .unwrap();
    let status = rt.block_on(client.get_status()).unwrap();
    assert_eq!(status.profile, "Mine");
    let problem = status.profile_error.expect("status shows the broken edit");
    assert_eq!(problem.file, profile.display().to_string());
    assert_eq!((problem.line, problem.column), (Some(3), Some(11)));
    assert!(graph.try_status(router).unwrap().is_none(), "router died");

    // Fixed again: applies.
    save_by_rename(&profile, "[dsp]\nceiling = -3.0\n");
    graph
        .wait_for("ceiling -3 after the fix", TIMEOUT, |g| {
            Ok((dsp_ceiling(g, processed.id) == Some(-3.0)).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}
