//! The active profile as the router applies it: routes for streams and the
//! DSP settings for the processed sink.

use headroom_dsp::PARAMS;
use headroom_profile::filter_chain::GRAPH_NODE;
use headroom_profile::{Profile, StreamInfo};

use crate::graph::StreamView;
use crate::routing::Decision;

/// Decides `stream`'s route by the profile's rules.
pub fn decide(profile: &Profile, stream: &StreamView) -> Decision {
    let info = StreamInfo {
        app_name: stream.app_name.as_deref(),
        binary: stream.binary.as_deref(),
        role: stream.role.as_deref(),
        node_name: stream.node_name.as_deref(),
        channels: stream.channels,
    };
    let decision = profile.decide(&info);
    Decision {
        route: decision.route,
        reason: decision.reason.to_string(),
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
