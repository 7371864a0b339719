//! The Rust wire types mirror `io.headroom.Router.varlink` field for
//! field: for each type and method, a JSON object with every field the
//! interface declares (a sample value of the declared type) must
//! deserialise into the Rust type and serialise back with exactly those
//! fields. A field the interface has and the struct lacks would be
//! dropped; one the struct requires and the interface lacks would fail.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::types::*;
use crate::INTERFACE_DESCRIPTION;

/// `name: type` pairs (or enum values, with an empty type) of each
/// `type`, and of each method's input (`Name.in`) and output (`Name.out`).
fn declarations() -> BTreeMap<String, Vec<(String, String)>> {
    // Comments out, then one line.
    let text: String = INTERFACE_DESCRIPTION
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = BTreeMap::new();
    let fields = |inside: &str| -> Vec<(String, String)> {
        inside
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| match f.split_once(':') {
                Some((n, t)) => (n.trim().to_string(), t.trim().to_string()),
                None => (f.to_string(), String::new()),
            })
            .collect()
    };
    let mut rest = text.as_str();
    while let Some(at) = rest.find(['t', 'm']) {
        rest = &rest[at..];
        let (kind, after) = if let Some(a) = rest.strip_prefix("type ") {
            ("type", a)
        } else if let Some(a) = rest.strip_prefix("method ") {
            ("method", a)
        } else {
            rest = &rest[1..];
            continue;
        };
        let open = after.find('(').unwrap();
        let name = after[..open].trim().to_string();
        let close = after[open..].find(')').unwrap() + open;
        let input = fields(&after[open + 1..close]);
        rest = &after[close + 1..];
        if kind == "type" {
            out.insert(name, input);
            continue;
        }
        let arrow = rest.find("->").unwrap();
        let open = rest[arrow..].find('(').unwrap() + arrow;
        let close = rest[open..].find(')').unwrap() + open;
        out.insert(format!("{name}.in"), input);
        out.insert(format!("{name}.out"), fields(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out
}

/// A sample value of varlink type `ty`.
fn sample(ty: &str, all: &BTreeMap<String, Vec<(String, String)>>) -> Value {
    let ty = ty.trim_start_matches('?');
    if let Some(item) = ty.strip_prefix("[]") {
        return json!([sample(item, all)]);
    }
    match ty {
        "string" => json!("x"),
        "int" => json!(1),
        "float" => json!(1.5),
        "bool" => json!(true),
        named => {
            let decl = &all[named];
            if decl.iter().all(|(_, t)| t.is_empty()) {
                json!(decl[0].0) // an enum: its first value
            } else {
                object(named, all)
            }
        }
    }
}

fn object(name: &str, all: &BTreeMap<String, Vec<(String, String)>>) -> Value {
    let map: Map<String, Value> = all[name]
        .iter()
        .map(|(field, ty)| (field.clone(), sample(ty, all)))
        .collect();
    Value::Object(map)
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str) {
    let all = declarations();
    let declared = object(name, &all);
    let parsed: T = serde_json::from_value(declared.clone())
        .unwrap_or_else(|e| panic!("{name}: {e} in {declared}"));
    let back = serde_json::to_value(parsed).unwrap();
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&back), keys(&declared), "{name}");
}

#[test]
fn every_wire_type_mirrors_the_interface() {
    round_trip::<Stream>("Stream");
    round_trip::<LayerA>("LayerA");
    round_trip::<UserRoute>("UserRoute");
    round_trip::<Sink>("Sink");
    round_trip::<ProfileProblem>("ProfileProblem");
    round_trip::<ProfileEntry>("ProfileEntry");
    round_trip::<Parameter>("Parameter");
    round_trip::<Event>("Event");
    round_trip::<Meters>("Meters");
    round_trip::<StreamLevels>("StreamLevels");
}

#[test]
fn every_method_mirrors_the_interface() {
    round_trip::<Status>("GetStatus.out");
    round_trip::<Profiles>("ListProfiles.out");
    round_trip::<UseProfileIn>("UseProfile.in");
    round_trip::<ProfileChanged>("UseProfile.out");
    round_trip::<ProfileChanged>("ReloadProfiles.out");
    round_trip::<Streams>("ListStreams.out");
    round_trip::<Parameters>("GetParameters.out");
    round_trip::<SetParameterIn>("SetParameter.in");
    round_trip::<ParameterSet>("SetParameter.out");
    round_trip::<SetBypassIn>("SetBypass.in");
    round_trip::<SetRouteIn>("SetRoute.in");
    round_trip::<UnsetRouteIn>("UnsetRoute.in");
    round_trip::<RouteUnset>("UnsetRoute.out");
    round_trip::<Routes>("ListRoutes.out");
    round_trip::<MonitorIn>("Monitor.in");
    round_trip::<MonitorReply>("Monitor.out");
    for empty in ["GetStatus.in", "SetBypass.out", "SetRoute.out"] {
        assert!(declarations()[empty].is_empty(), "{empty}");
    }
}
