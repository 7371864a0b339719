//! Layer A's passive taps, on the PipeWire thread: one capture stream per
//! ridden app stream, linked by the session manager straight to the app's
//! output ports (`target.object` = the app node's serial). The app's own
//! link to its sink is untouched, so the tap adds no latency to what the
//! user hears; `node.passive` keeps it from holding the graph awake, and
//! `node.dont-reconnect` keeps it from falling back to a microphone when
//! the app goes.

use std::collections::HashMap;
use std::sync::Arc;

use pipewire as pw;
use pw::properties::properties;
use pw::spa;
use pw::stream::{StreamListener, StreamRc};

use crate::layer_a::detector::{Detector, LevelMeter};

/// Prefix of the taps' `node.name` (`headroom.tap.<app node id>`). Taps
/// are capture streams, so the router never takes them for apps.
pub const TAP_NAME_PREFIX: &str = "headroom.tap.";

/// One live tap. The listener (owning the [`Detector`]) must go before the
/// stream; both go before the core (the stream holds a core reference).
pub struct Tap {
    _listener: StreamListener<Detector>,
    stream: StreamRc,
}

impl Drop for Tap {
    fn drop(&mut self) {
        let _ = self.stream.disconnect();
    }
}

/// The taps of one connection, by app node id.
#[derive(Default)]
pub struct Taps {
    taps: HashMap<u32, Tap>,
}

impl Taps {
    /// Starts (or restarts) the tap on `node`.
    pub fn start(
        &mut self,
        core: &pw::core::CoreRc,
        node: u32,
        serial: u64,
        meter: Arc<LevelMeter>,
    ) {
        self.taps.remove(&node);
        match start_tap(core, node, serial, meter) {
            Ok(tap) => {
                self.taps.insert(node, tap);
            }
            Err(e) => tracing::warn!("cannot tap node {node}: {e}"),
        }
    }

    pub fn stop(&mut self, node: u32) {
        self.taps.remove(&node);
    }

    pub fn clear(&mut self) {
        self.taps.clear();
    }
}

fn start_tap(
    core: &pw::core::CoreRc,
    node: u32,
    serial: u64,
    meter: Arc<LevelMeter>,
) -> Result<Tap, pw::Error> {
    let name = format!("{TAP_NAME_PREFIX}{node}");
    let props = properties! {
        *pw::keys::MEDIA_TYPE => "Audio",
        *pw::keys::MEDIA_CATEGORY => "Capture",
        *pw::keys::NODE_NAME => name.as_str(),
        *pw::keys::MEDIA_NAME => "headroom level tap",
        // `pw::keys::TARGET_OBJECT` needs a pipewire-rs feature; same key.
        "target.object" => serial.to_string(),
        *pw::keys::NODE_PASSIVE => "true",
        *pw::keys::NODE_DONT_RECONNECT => "true",
        // Nothing for WirePlumber to save or restore about a tap.
        "state.restore-props" => "false",
        "state.restore-target" => "false",
    };
    let stream = StreamRc::new(core.clone(), &name, props)?;
    let listener = stream
        .add_local_listener_with_user_data(Detector::new(meter))
        .process(|stream, detector| {
            // Real-time thread: no allocation, lock or syscall from here on
            // (checked in debug builds, see `rt_check`).
            crate::layer_a::detector::rt_check(|| {
                let Some(mut buffer) = stream.dequeue_buffer() else {
                    return;
                };
                let Some(data) = buffer.datas_mut().first_mut() else {
                    return;
                };
                let chunk = data.chunk();
                let (offset, size) = (chunk.offset() as usize, chunk.size() as usize);
                if let Some(bytes) = data.data() {
                    let start = offset.min(bytes.len());
                    let end = start.saturating_add(size).min(bytes.len());
                    detector.process_bytes(&bytes[start..end]);
                }
            })
        })
        .register()?;

    // F32, any rate and channel count: the converter hands us the app's
    // samples as they are (levels are averaged over channels).
    let mut info = spa::param::audio::AudioInfoRaw::new();
    info.set_format(spa::param::audio::AudioFormat::F32LE);
    let format = spa::pod::Value::Object(spa::pod::Object {
        type_: spa::utils::SpaTypes::ObjectParamFormat.as_raw(),
        id: spa::param::ParamType::EnumFormat.as_raw(),
        properties: info.into(),
    });
    let bytes =
        spa::pod::serialize::PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &format)
            .map_err(|_| pw::Error::CreationFailed)?
            .0
            .into_inner();
    let pod = spa::pod::Pod::from_bytes(&bytes).ok_or(pw::Error::CreationFailed)?;
    stream.connect(
        spa::utils::Direction::Input,
        None,
        pw::stream::StreamFlags::AUTOCONNECT
            | pw::stream::StreamFlags::MAP_BUFFERS
            | pw::stream::StreamFlags::RT_PROCESS,
        &mut [pod],
    )?;
    Ok(Tap {
        _listener: listener,
        stream,
    })
}
