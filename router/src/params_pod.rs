//! Filter-chain controls as a `Props` param: an object whose `params`
//! property is a struct of alternating name and value — what
//! `pw-cli set-param <node> Props '{ params = [ "headroom:ceiling" -3.0 ] }'`
//! builds.

use pipewire as pw;
use pw::spa::param::ParamType;
use pw::spa::pod::serialize::PodSerializer;
use pw::spa::pod::{Object, Pod, Property, PropertyFlags, Value};
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
