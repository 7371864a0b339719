//! The active profile as the router applies it: routes for streams and the
//! DSP settings for the processed sink.

use headroom_dsp::PARAMS;
use headroom_profile::filter_chain::GRAPH_NODE;
use headroom_profile::{Profile, Rule, StreamInfo};

use crate::graph::StreamView;
use crate::routing::Decision;

/// Decides `stream`'s route by the user's `overlay` rules (`SetRoute`),
/// then the profile's rules.
pub fn decide(profile: &Profile, overlay: &[Rule], stream: &StreamView) -> Decision {
    let info = StreamInfo {
        app_name: stream.app_name.as_deref(),
        binary: stream.binary.as_deref(),
        role: stream.role.as_deref(),
        node_name: stream.node_name.as_deref(),
        channels: stream.channels,
    };
    let decision = profile.decide_with(overlay, &info);
    Decision {
        route: decision.route,
        reason: decision.reason.to_string(),
        layer_a: decision.layer_a,
    }
}

/// The profile's `[dsp]` values as filter-chain controls
/// (`"headroom:<symbol>"`), every parameter of the table.
pub fn dsp_controls(profile: &Profile) -> Vec<(String, f32)> {
    let values = profile.params();
    PARAMS
        .iter()
        .map(|spec| {
            (
                format!("{GRAPH_NODE}:{}", spec.lv2_symbol),
                values.get(spec.id),
            )
        })
        .collect()
}
