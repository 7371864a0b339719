//! A broken active profile at start (remembered from last time, so it
//! would come back at every login) does not leave the session
//! unprotected: the daemon runs on the shipped `default`, status shows the
//! problem with file:line:column, and fixing the file switches to it live.

mod common;

use common::*;
use headroom_client::Client;
use headroom_testdata::pipewire::PwGraph;

#[test]
fn a_broken_remembered_profile_starts_on_default_and_is_picked_up_once_fixed() {
    let mut graph = PwGraph::start().unwrap();
    let _speakers = graph.create_null_sink("speakers").unwrap();
    let profiles = graph.path("config/headroom/profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let mine = profiles.join("mine.toml");
    std::fs::write(&mine, "name = \"Mine\"\n[dsp]\nceiling = \"loud\"\n").unwrap();
    let state = graph.path("state/headroom");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("active-profile"), "mine\n").unwrap();

    let router = start_router(&mut graph, &[]);
    let rt = client_runtime();
    let mut client = rt
        .block_on(Client::connect(control_socket(&graph)))
        .unwrap();
    let status = rt.block_on(client.get_status()).unwrap();
    assert_eq!(status.profile, "Default", "{status:?}");
    let problem = status
        .profile_error
        .clone()
        .unwrap_or_else(|| panic!("no profile error in {status:?}"));
    assert!(problem.file.ends_with("mine.toml"), "{problem:?}");
    assert_eq!(
        (problem.line, problem.column),
        (Some(3), Some(11)),
        "{problem:?}"
    );
    assert!(
        graph.log(router).contains("mine.toml:3:11"),
        "{}",
        graph.log(router)
    );

    // Fixed: the daemon switches to it by itself.
    let fixed = profiles.join(".mine.toml.new");
    std::fs::write(&fixed, "name = \"Mine\"\n[dsp]\nceiling = -3.0\n").unwrap();
    std::fs::rename(&fixed, &mine).unwrap();
    let status = graph
        .wait_for("the fixed profile to become active", TIMEOUT, |_| {
            let status = rt.block_on(client.get_status()).unwrap();
            Ok((status.profile == "Mine").then_some(status))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
    assert_eq!(status.profile_error, None, "{status:?}");
    let processed = graph.find_node("headroom.processed").unwrap().unwrap();
    wait_for_ceiling(&mut graph, processed.id, -3.0, router);
}
