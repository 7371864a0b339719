//! The built `headroom.clap` loads in a real CLAP host (clack-host), exports
//! exactly the plugin the contract names, and offers stereo main ports (and
//! a working mono configuration).

use headroom_host_tests_clap::audio::{assert_finite, left_channel, true_peak_dbtp};
use headroom_host_tests_clap::clap::{descriptors, ClapPlugin, PLUGIN_ID};
use headroom_host_tests_clap::clap_bundle;

/// The factory exports one plugin, with the contract's id, name and
/// vendor, and features that put it among audio effects (stereo, limiter).
#[test]
fn factory_exports_headroom_with_its_id_name_vendor_and_features() {
    let list = descriptors(&clap_bundle());
    assert_eq!(list.len(), 1, "expected one plugin, got {list:#?}");
    let d = &list[0];
    assert_eq!(d.id, PLUGIN_ID);
    assert_eq!(d.name, "headroom");
    assert_eq!(d.vendor, "headroom");
    assert!(!d.version.is_empty(), "empty version");
    for feature in ["audio-effect", "stereo", "limiter"] {
        assert!(
            d.features.iter().any(|f| f == feature),
            "feature {feature:?} missing from {:?}",
            d.features
        );
    }
}

/// Default layout: one main input and one main output port, two channels
/// each, typed "stereo", processable in place.
#[test]
fn main_ports_are_stereo() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    for is_input in [true, false] {
        let ports = plugin.audio_ports(is_input);
        let dir = if is_input { "input" } else { "output" };
        assert_eq!(ports.len(), 1, "{dir} ports: {ports:#?}");
        let port = &ports[0];
        assert!(port.is_main, "{dir} port is not main: {port:?}");
        assert_eq!(port.channels, 2, "{dir} port: {port:?}");
        assert_eq!(
            port.port_type.as_deref(),
            Some("stereo"),
            "{dir} port: {port:?}"
        );
    }
    let input = &plugin.audio_ports(true)[0];
    let output = &plugin.audio_ports(false)[0];
    assert_eq!(input.in_place_pair, Some(output.id));
}

/// If the plugin offers port configurations, a stereo one and a mono one
/// are among them, and selecting mono gives 1-channel ports that process
/// and limit.
#[test]
fn mono_configuration_selects_and_limits() {
    let mut plugin = ClapPlugin::load(&clap_bundle());
    let configs = plugin.port_configs();
    if configs.is_empty() {
        // The contract makes mono optional; stereo is checked above.
        eprintln!("no audio-ports-config extension: mono layout not offered");
        return;
    }
    assert!(
        configs.iter().any(|c| c.2 == Some(2) && c.3 == Some(2)),
        "no stereo configuration in {configs:?}"
    );
    let mono = configs
        .iter()
        .find(|c| c.2 == Some(1) && c.3 == Some(1))
        .unwrap_or_else(|| panic!("no mono configuration in {configs:?}"));
    assert!(
        plugin.select_port_config(mono.0),
        "select({mono:?}) refused"
    );
    assert_eq!(plugin.audio_ports(true)[0].channels, 1);
    assert_eq!(plugin.audio_ports(false)[0].channels, 1);

    plugin.activate(48_000.0, 512, 1).unwrap();
    let input = left_channel(&headroom_testdata::signals::hot_float(48_000, 1.0));
    let output = plugin.process_interleaved(&input, &[512], &[]);
    assert_finite(&output, "mono output");
    let tp = true_peak_dbtp(&output, 1);
    assert!(tp <= -1.0, "mono output true peak {tp:.3} dBTP > -1 dBTP");
    assert!(tp > -12.0, "mono output is implausibly quiet: {tp:.1} dBTP");
}
