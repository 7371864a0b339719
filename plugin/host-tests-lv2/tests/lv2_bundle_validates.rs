//! The built bundle's description, checked by the LV2 tools themselves:
//! - `lv2_validate` (lv2-dev: `sord_validate` against the installed LV2
//!   specification) finds no error in `manifest.ttl` and `headroom.ttl`;
//! - `lv2info` (lilv, the library PipeWire's filter-chain uses too) finds
//!   the plugin and sees the contract's ports: stereo audio `in_l in_r
//!   out_l out_r`, one control input per parameter-table row in table order
//!   with the table's range and default (switches `lv2:toggled`), then
//!   `meter_instance` (integer 0–65535, default 0), and the outputs
//!   `latency` (reported as the plugin's latency) and the seven meters;
//!   the same for the surround plugin with `in_1..in_8`, `out_1..out_8`
//!   (each designated as its channel, FL FR FC LFE RL RR SL SR) and
//!   `volume_1..volume_8`.

use headroom_dsp::PARAMS;
use headroom_host_tests_lv2::*;

#[test]
fn lv2_validate_finds_no_error() {
    let bundle = bundle();
    let mut cmd = std::process::Command::new("lv2_validate");
    cmd.arg(bundle.join("manifest.ttl"))
        .arg(bundle.join("headroom.ttl"));
    let shown = format!("{cmd:?}");
    let out =
        headroom_testdata::pipewire::run_with_timeout(cmd, HOST_TIMEOUT).unwrap_or_else(|e| {
            panic!("{shown}: {e}; install lv2-dev and sordi (`cargo xtask deps --for test`)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    assert!(
        out.status.success() && stdout.contains("Found 0 errors") && !stderr.contains("error:"),
        "lv2_validate reports problems ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// One port as `lv2info` prints it.
#[derive(Debug, Default)]
struct Port {
    index: u32,
    types: Vec<String>,
    symbol: String,
    properties: Vec<String>,
    minimum: Option<f32>,
    maximum: Option<f32>,
    default: Option<f32>,
}

impl Port {
    fn is(&self, class: &str) -> bool {
        self.types.iter().any(|t| t.ends_with(&format!("#{class}")))
    }
    fn has(&self, property: &str) -> bool {
        self.properties
            .iter()
            .any(|p| p.ends_with(&format!("#{property}")))
    }
}

/// Parses lv2info's `Port N:` sections (continuation lines hold more
/// values of the field above them).
fn parse_ports(text: &str) -> Vec<Port> {
    let mut ports: Vec<Port> = Vec::new();
    let mut field = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(n) = trimmed
            .strip_prefix("Port ")
            .and_then(|r| r.strip_suffix(':'))
        {
            ports.push(Port {
                index: n.parse().expect("port index"),
                ..Port::default()
            });
            field.clear();
            continue;
        }
        let Some(port) = ports.last_mut() else {
            continue;
        };
        let value = match trimmed.split_once(':') {
            Some((key, value))
                if !value.starts_with("//")
                    && key.chars().all(|c| c.is_alphabetic() || c == ' ') =>
            {
                field = key.to_string();
                value.trim()
            }
            _ => trimmed,
        };
        if value.is_empty() {
            continue;
        }
        match field.as_str() {
            "Type" => port.types.push(value.to_string()),
            "Properties" => port.properties.push(value.to_string()),
            "Symbol" => port.symbol = value.to_string(),
            "Minimum" => port.minimum = value.parse().ok(),
            "Maximum" => port.maximum = value.parse().ok(),
            "Default" => port.default = value.parse().ok(),
            _ => {}
        }
    }
    ports
}

#[test]
fn lv2info_sees_the_contract_ports() {
    check_contract_ports(
        PLUGIN_URI,
        &["in_l", "in_r"],
        &["out_l", "out_r"],
        &["volume_l", "volume_r"],
    );
}

#[test]
fn lv2info_sees_the_surround_contract_ports() {
    let numbered = |prefix: &str| -> Vec<String> {
        (1..=SURROUND_CHANNELS)
            .map(|c| format!("{prefix}_{c}"))
            .collect()
    };
    let (inputs, outputs, volumes) = (numbered("in"), numbered("out"), numbered("volume"));
    let text = check_contract_ports(
        SURROUND_PLUGIN_URI,
        &strs(&inputs),
        &strs(&outputs),
        &strs(&volumes),
    );
    let designations: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Designation:"))
        .map(|d| d.trim().rsplit('#').next().unwrap_or(""))
        .collect();
    let channels = [
        "left",
        "right",
        "center",
        "lowFrequencyEffects",
        "rearLeft",
        "rearRight",
        "sideLeft",
        "sideRight",
    ];
    let want: Vec<&str> = channels.iter().chain(&channels).copied().collect();
    assert_eq!(
        designations, want,
        "channel designations of in_* then out_*"
    );
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Checks `uri`'s ports as lv2info shows them against the contract, with
/// the given audio and volume symbols; returns what lv2info said.
fn check_contract_ports(
    uri: &str,
    want_in: &[&str],
    want_out: &[&str],
    volumes: &[&str],
) -> String {
    let mut cmd = lv2_command("lv2info");
    cmd.arg(uri);
    let out = run_host(cmd);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with(uri),
        "lv2info did not find the plugin:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ports = parse_ports(&text);
    let symbols = |pred: &dyn Fn(&Port) -> bool| -> Vec<&str> {
        ports
            .iter()
            .filter(|p| pred(p))
            .map(|p| p.symbol.as_str())
            .collect()
    };
    let mut problems = Vec::new();

    let audio_in = symbols(&|p| p.is("AudioPort") && p.is("InputPort"));
    let audio_out = symbols(&|p| p.is("AudioPort") && p.is("OutputPort"));
    if audio_in != want_in || audio_out != want_out {
        problems.push(format!("audio ports: in {audio_in:?}, out {audio_out:?}"));
    }

    let control_in: Vec<&Port> = ports
        .iter()
        .filter(|p| p.is("ControlPort") && p.is("InputPort"))
        .collect();
    let mut expected: Vec<&str> = PARAMS.iter().map(|p| p.lv2_symbol).collect();
    expected.push("meter_instance");
    expected.extend(volumes);
    let got: Vec<&str> = control_in.iter().map(|p| p.symbol.as_str()).collect();
    if got != expected {
        problems.push(format!(
            "control inputs in index order {got:?}, want {expected:?}"
        ));
    }
    for (spec, port) in PARAMS.iter().zip(&control_in) {
        let range = (port.minimum, port.maximum, port.default);
        let want = (Some(spec.min), Some(spec.max), Some(spec.default));
        if range != want {
            problems.push(format!(
                "{}: (min, max, default) {range:?}, table says {want:?}",
                spec.key
            ));
        }
        if spec.is_toggle() != port.has("toggled") {
            problems.push(format!(
                "{}: lv2:toggled is {}, the table's unit is {:?}",
                spec.key,
                port.has("toggled"),
                spec.unit
            ));
        }
    }
    match control_in.get(PARAMS.len()) {
        Some(p)
            if (p.minimum, p.maximum, p.default) == (Some(0.0), Some(65535.0), Some(0.0))
                && p.has("integer") => {}
        other => problems.push(format!(
            "meter_instance should be integer 0..65535, default 0: {other:?}"
        )),
    }
    for volume in &control_in[(PARAMS.len() + 1).min(control_in.len())..] {
        if (volume.minimum, volume.maximum, volume.default) != (Some(0.0), Some(4.0), Some(1.0)) {
            problems.push(format!(
                "{} should be a linear gain 0..4, default 1 (unity when unconnected): {volume:?}",
                volume.symbol
            ));
        }
    }

    let control_out = symbols(&|p| p.is("ControlPort") && p.is("OutputPort"));
    let want_out = [
        "latency",
        "input_peak",
        "output_peak",
        "output_true_peak",
        "agc_gain",
        "comp_gr",
        "limiter_gr",
        "short_term_lufs",
    ];
    if control_out != want_out {
        problems.push(format!(
            "control outputs {control_out:?}, want {want_out:?}"
        ));
    }
    match ports.iter().find(|p| p.symbol == "latency") {
        Some(latency) if latency.has("reportsLatency") => {
            let line = format!("Has latency:       yes, reported by port {}", latency.index);
            if !text.contains(&line) {
                problems.push(format!("lv2info does not say `{line}`"));
            }
        }
        other => problems.push(format!("no lv2:reportsLatency port `latency`: {other:?}")),
    }
    assert!(
        problems.is_empty(),
        "{}\n\nlv2info said:\n{text}",
        problems.join("\n")
    );
    text
}
