//! Call parameters into the interface's `*In` types, once: a parameter
//! that is missing, mistyped or not one of its enum's values is named in
//! `org.varlink.service.InvalidParameter`, as varlink asks.

use headroom_client::{
    RouterError, SetBypassIn, SetLayerAIn, SetParameterIn, SetRouteIn, UnsetRouteIn, UseProfileIn,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::Call;

/// The `InvalidParameter` error reply naming `parameter`.
pub(crate) fn invalid(parameter: &str) -> Value {
    json!({
        "error": "org.varlink.service.InvalidParameter",
        "parameters": { "parameter": parameter },
    })
}

/// `parameters` as `T`; `Err` is the `InvalidParameter` reply naming the
/// first parameter serde could not take (its path: `topics`, `save`).
pub(crate) fn decode<T: DeserializeOwned>(parameters: &Map<String, Value>) -> Result<T, Value> {
    let value = Value::Object(parameters.clone());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let parameter = if path.is_empty() || path == "." {
            missing_field(&e.inner().to_string()).unwrap_or_else(|| "parameters".into())
        } else {
            // `topics[1]` names the parameter `topics`.
            path.split(['.', '[']).next().unwrap_or(&path).to_string()
        };
        invalid(&parameter)
    })
}

/// The field a "missing field `x`" error names.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// An app name for a user route: something besides blanks.
fn app(app: &str) -> Result<(), Value> {
    if app.trim().is_empty() {
        return Err(invalid("app"));
    }
    Ok(())
}

/// The `io.headroom.Router` method `name` with `parameters`; `Ok(None)`:
/// no such method.
pub(crate) fn call(name: &str, parameters: &Map<String, Value>) -> Result<Option<Call>, Value> {
    Ok(Some(match name {
        "GetStatus" => Call::GetStatus,
        "ListProfiles" => Call::ListProfiles { found: Vec::new() },
        "UseProfile" => {
            let UseProfileIn { name, for_device } = decode::<UseProfileIn>(parameters)?;
            // Read by the connection's task (see `connection::dispatch`).
            Call::UseProfile {
                name,
                for_device: for_device.unwrap_or(false),
                loaded: Err(RouterError::NotConnected {}),
            }
        }
        "ReloadProfiles" => Call::ReloadProfiles,
        "ListStreams" => Call::ListStreams,
        "GetParameters" => Call::GetParameters,
        "SetParameter" => Call::SetParameter(decode::<SetParameterIn>(parameters)?),
        "SetBypass" => Call::SetBypass(decode::<SetBypassIn>(parameters)?),
        "SetRoute" => {
            let set: SetRouteIn = decode(parameters)?;
            app(&set.app)?;
            if set.route == headroom_client::Route::Held {
                return Err(invalid("route"));
            }
            // A bus only with `processed`, and only a name a bus can have
            // (whether the profile has it is the router's to say).
            let bus_ok = match &set.bus {
                None => true,
                Some(bus) => {
                    set.route == headroom_client::Route::Processed
                        && headroom_profile::BusName::new(bus).is_ok()
                }
            };
            if !bus_ok {
                return Err(invalid("bus"));
            }
            Call::SetRoute(set)
        }
        "UnsetRoute" => {
            let unset: UnsetRouteIn = decode(parameters)?;
            app(&unset.app)?;
            Call::UnsetRoute(unset)
        }
        "SetLayerA" => {
            let set: SetLayerAIn = decode(parameters)?;
            app(&set.app)?;
            Call::SetLayerA(set)
        }
        "ListRoutes" => Call::ListRoutes,
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn errors_name_the_parameter() {
        let bad = |name: &str, params: Value| call(name, &map(params)).unwrap_err();
        assert_eq!(bad("UseProfile", json!({})), invalid("name"));
        assert_eq!(bad("UseProfile", json!({"name": 3})), invalid("name"));
        assert_eq!(
            bad(
                "SetParameter",
                json!({"id": "ceiling", "value": -3, "save": "yes"})
            ),
            invalid("save")
        );
        assert_eq!(
            bad("SetRoute", json!({"app": "x", "route": "Bypass"})),
            invalid("route")
        );
        assert_eq!(
            bad("SetRoute", json!({"app": " ", "route": "bypass"})),
            invalid("app")
        );
        // `held` is where a stream waits, not a route to choose.
        assert_eq!(
            bad("SetRoute", json!({"app": "x", "route": "held"})),
            invalid("route")
        );
    }

    #[test]
    fn good_calls_decode_into_the_interface_types() {
        let got = call(
            "SetParameter",
            &map(json!({"id": "ceiling", "value": -3, "save": null, "extra": 1})),
        )
        .unwrap();
        assert_eq!(
            got,
            Some(Call::SetParameter(SetParameterIn {
                id: "ceiling".into(),
                value: -3.0,
                save: None
            }))
        );
        assert_eq!(call("Fly", &Map::new()).unwrap(), None);
    }
}
