//! Filter-chain controls as a `Props` param: an object whose `params`
//! property is a struct of alternating name and value — what
//! `pw-cli set-param <node> Props '{ params = [ "headroom:ceiling" -3.0 ] }'`
//! builds; and the stream volumes Layer A reads and writes.

use pipewire as pw;
use pw::spa::param::ParamType;
use pw::spa::pod::deserialize::PodDeserializer;
use pw::spa::pod::serialize::PodSerializer;
use pw::spa::pod::{Object, Pod, Property, PropertyFlags, Value, ValueArray};
use pw::spa::utils::SpaTypes;

/// The serialized pod for `params`.
pub fn props_pod(params: &[(String, f32)]) -> Vec<u8> {
    let mut fields = Vec::with_capacity(params.len() * 2);
    for (name, value) in params {
        fields.push(Value::String(name.clone()));
        fields.push(Value::Float(*value));
    }
    let object = Value::Object(Object {
        type_: SpaTypes::ObjectParamProps.as_raw(),
        id: ParamType::Props.as_raw(),
        properties: vec![Property {
            key: pw::spa::sys::SPA_PROP_params,
            flags: PropertyFlags::empty(),
            value: Value::Struct(fields),
        }],
    });
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &object)
        .map(|(cursor, _)| cursor.into_inner())
        .unwrap_or_default()
}

/// Sends `params` to `node` as its `Props`.
pub fn set_params(node: &pw::node::Node, params: &[(String, f32)]) {
    let bytes = props_pod(params);
    if let Some(pod) = Pod::from_bytes(&bytes) {
        node.set_param(ParamType::Props, 0, pod);
    }
}

/// The serialized `Props` pod setting `softVolumes` (one linear volume per
/// channel): the volume the stream's converter applies, leaving
/// `channelVolumes` (the user's volume) as it is. See `layer_a`.
pub fn soft_volumes_pod(volumes: &[f32]) -> Vec<u8> {
    let object = Value::Object(Object {
        type_: SpaTypes::ObjectParamProps.as_raw(),
        id: ParamType::Props.as_raw(),
        properties: vec![Property {
            key: pw::spa::sys::SPA_PROP_softVolumes,
            flags: PropertyFlags::empty(),
            value: Value::ValueArray(ValueArray::Float(volumes.to_vec())),
        }],
    });
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &object)
        .map(|(cursor, _)| cursor.into_inner())
        .unwrap_or_default()
}

/// Sends `softVolumes` to `node`.
pub fn set_soft_volumes(node: &pw::node::Node, volumes: &[f32]) {
    let bytes = soft_volumes_pod(volumes);
    if let Some(pod) = Pod::from_bytes(&bytes) {
        node.set_param(ParamType::Props, 0, pod);
    }
}

/// The `channelVolumes` in a `Props` pod, if it has them.
pub fn channel_volumes(pod: &Pod) -> Option<Vec<f32>> {
    float_array(pod, pw::spa::sys::SPA_PROP_channelVolumes)
}

/// The filter-chain controls in a `Props` pod (its `params` struct of
/// alternating names and numbers), if it has them.
pub fn controls(pod: &Pod) -> Option<Vec<(String, f32)>> {
    let (_, value) = PodDeserializer::deserialize_any_from(pod.as_bytes()).ok()?;
    let Value::Object(object) = value else {
        return None;
    };
    let fields = object.properties.into_iter().find_map(|p| {
        match (p.key == pw::spa::sys::SPA_PROP_params, p.value) {
            (true, Value::Struct(fields)) => Some(fields),
            _ => None,
        }
    })?;
    let mut controls = Vec::with_capacity(fields.len() / 2);
    for pair in fields.chunks(2) {
        let [Value::String(name), value] = pair else {
            continue;
        };
        let value = match value {
            Value::Float(v) => *v,
            Value::Double(v) => *v as f32,
            Value::Int(v) => *v as f32,
            Value::Bool(v) => f32::from(u8::from(*v)),
            _ => continue,
        };
        controls.push((name.clone(), value));
    }
    Some(controls)
}

/// The `softVolumes` in a `Props` pod, if it has them.
pub fn soft_volumes(pod: &Pod) -> Option<Vec<f32>> {
    float_array(pod, pw::spa::sys::SPA_PROP_softVolumes)
}

/// The non-empty float array under `key` in a `Props` pod.
fn float_array(pod: &Pod, key: u32) -> Option<Vec<f32>> {
    let (_, value) = PodDeserializer::deserialize_any_from(pod.as_bytes()).ok()?;
    let Value::Object(object) = value else {
        return None;
    };
    object
        .properties
        .into_iter()
        .find_map(|p| match (p.key == key, p.value) {
            (true, Value::ValueArray(ValueArray::Float(v))) if !v.is_empty() => Some(v),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_read_back_what_props_pod_writes() {
        let params = vec![
            ("headroom:ceiling".to_string(), -6.0),
            ("headroom:agc_enabled".to_string(), 1.0),
        ];
        let bytes = props_pod(&params);
        let pod = Pod::from_bytes(&bytes).unwrap();
        assert_eq!(controls(pod), Some(params));
        assert_eq!(channel_volumes(pod), None);
    }

    #[test]
    fn channel_volumes_are_found_and_soft_volumes_are_not_mistaken_for_them() {
        let object = Value::Object(Object {
            type_: SpaTypes::ObjectParamProps.as_raw(),
            id: ParamType::Props.as_raw(),
            properties: vec![
                Property {
                    key: pw::spa::sys::SPA_PROP_softVolumes,
                    flags: PropertyFlags::empty(),
                    value: Value::ValueArray(ValueArray::Float(vec![0.1, 0.1])),
                },
                Property {
                    key: pw::spa::sys::SPA_PROP_channelVolumes,
                    flags: PropertyFlags::empty(),
                    value: Value::ValueArray(ValueArray::Float(vec![0.5, 0.25])),
                },
            ],
        });
        let bytes = PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &object)
            .unwrap()
            .0
            .into_inner();
        let pod = Pod::from_bytes(&bytes).unwrap();
        assert_eq!(channel_volumes(pod), Some(vec![0.5, 0.25]));
        let soft = soft_volumes_pod(&[0.3, 0.3]);
        assert_eq!(channel_volumes(Pod::from_bytes(&soft).unwrap()), None);
    }
}
