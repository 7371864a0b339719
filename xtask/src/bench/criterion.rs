//! The criterion bench of the DSP (`plugin/dsp/benches/chain.rs`): running
//! it and turning its estimates into realtime factors.

use crate::cmd::{self, Result};

/// Sample rate the bench runs at, Hz.
pub const SAMPLE_RATE_HZ: f64 = 48_000.0;
/// Host block sizes the bench measures, frames.
pub const BLOCKS: [usize; 3] = [32, 128, 1024];

/// A criterion group of the bench and how the table names it.
pub struct Group {
    pub id: &'static str,
    pub label: &'static str,
}

/// Must match the group names in `plugin/dsp/benches/chain.rs`.
pub const CHAIN: Group = Group {
    id: "chain",
    label: "headroom chain, defaults (AGC, compressor, limiter)",
};
pub const LIMITER_ONLY: Group = Group {
    id: "chain_limiter_only",
    label: "headroom chain, limiter only (AGC and compressor off)",
};
pub const STAGES: [Group; 4] = [
    Group {
        id: "agc",
        label: "stage: AGC",
    },
    Group {
        id: "compressor",
        label: "stage: compressor",
    },
    Group {
        id: "lookahead_limiter",
        label: "stage: limiter tier 1 (lookahead)",
    },
    Group {
        id: "safety_limiter",
        label: "stage: limiter tier 2 (safety)",
    },
];

/// Runs the bench. `quick` trades precision for time (a smoke run).
pub fn run(quick: bool) -> Result {
    let mut bench = cmd::cargo();
    bench.args(["bench", "-p", "headroom-dsp", "--bench", "chain"]);
    if quick {
        bench.args(["--", "--warm-up-time", "0.5", "--measurement-time", "1"]);
    }
    cmd::run(&mut bench)
}

/// Audio seconds per second of processing for `group` at `block` frames,
/// from the last run's estimate (criterion's slope, else its mean).
pub fn realtime_factor(group: &Group, block: usize) -> Result<f64> {
    let path = cmd::target_dir()
        .join("criterion")
        .join(group.id)
        .join(block.to_string())
        .join("new/estimates.json");
    let json = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "could not read {}: {e} (did the bench run?)",
            path.display()
        )
    })?;
    let ns_per_block = point_estimate(&json, "slope")
        .or_else(|| point_estimate(&json, "mean"))
        .filter(|ns| *ns > 0.0)
        .ok_or_else(|| format!("{}: no slope or mean estimate", path.display()))?;
    let audio_seconds = block as f64 / SAMPLE_RATE_HZ;
    Ok(audio_seconds / (ns_per_block * 1e-9))
}

/// `estimates.json` → `<key>.point_estimate`, without a JSON library: the
/// first `point_estimate` after `"<key>":` belongs to it (the confidence
/// interval before it has none).
fn point_estimate(json: &str, key: &str) -> Option<f64> {
    let after_key = &json[json.find(&format!("\"{key}\":"))? + key.len() + 3..];
    if after_key.trim_start().starts_with("null") {
        return None;
    }
    let field = "\"point_estimate\":";
    let value = &after_key[after_key.find(field)? + field.len()..];
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(value.len());
    value[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":5169.2,"upper_bound":5201.2},"point_estimate":5185.5,"standard_error":8.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":5164.3,"upper_bound":5197.4},"point_estimate":5176.7,"standard_error":8.7},"slope":{"confidence_interval":{"confidence_level":0.95,"lower_bound":5148.3,"upper_bound":5165.2},"point_estimate":5.1558e3,"standard_error":4.3}}"#;

    #[test]
    fn reads_the_point_estimate_of_the_named_statistic() {
        assert_eq!(point_estimate(ESTIMATES, "mean"), Some(5185.5));
        assert_eq!(point_estimate(ESTIMATES, "median"), Some(5176.7));
        assert_eq!(point_estimate(ESTIMATES, "slope"), Some(5155.8));
        assert_eq!(
            point_estimate(r#"{"slope":null,"mean":{"point_estimate":2}}"#, "slope"),
            None
        );
        assert_eq!(point_estimate(ESTIMATES, "std_dev"), None);
    }
}
