//! A minimal LV2 host inside the test process, for what the command-line
//! hosts cannot do: any sample rate (including fractional ones, which no
//! WAV file can carry) and a different block size on every `run` call.
//!
//! It does what a host does and nothing more: `dlopen`s the bundle's
//! binary, asks `lv2_descriptor` for the plugin by URI, instantiates it
//! with no features (the TTL requires none), connects every port the TTL
//! lists (controls at their TTL defaults, outputs to host-owned floats),
//! activates and runs. Port indices, directions and defaults come from the
//! bundle's `headroom.ttl`, not from the plugin crate, so a disagreement
//! between the binary and its description fails here.

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::Path;

#[repr(C)]
struct Feature {
    uri: *const c_char,
    data: *mut c_void,
}

type Handle = *mut c_void;

#[repr(C)]
struct Descriptor {
    uri: *const c_char,
    instantiate: unsafe extern "C" fn(
        *const Descriptor,
        f64,
        *const c_char,
        *const *const Feature,
    ) -> Handle,
    connect_port: unsafe extern "C" fn(Handle, u32, *mut c_void),
    activate: Option<unsafe extern "C" fn(Handle)>,
    run: unsafe extern "C" fn(Handle, u32),
    deactivate: Option<unsafe extern "C" fn(Handle)>,
    cleanup: unsafe extern "C" fn(Handle),
    extension_data: Option<unsafe extern "C" fn(*const c_char) -> *const c_void>,
}

/// One port as the TTL describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub index: u32,
    pub symbol: String,
    pub input: bool,
    pub audio: bool,
    pub default: Option<f32>,
}

/// The ports of plugin `uri` in a headroom-style TTL (each plugin a
/// subject `<uri>` at the start of a line, with one `lv2:port` list of
/// bracketed blocks, each with `lv2:index`), in index order.
///
/// # Panics
/// When the TTL does not describe `uri`.
pub fn ports_from_ttl(ttl: &str, uri: &str) -> Vec<Port> {
    let subject = format!("\n<{uri}>");
    let start = ttl
        .find(&subject)
        .unwrap_or_else(|| panic!("the TTL does not describe {uri}"));
    let rest = &ttl[start + subject.len()..];
    let description = &rest[..rest.find("\n<").unwrap_or(rest.len())];
    let mut ports: Vec<Port> = description
        .split("lv2:index ")
        .skip(1)
        .map(|block| {
            let block = block.split(']').next().unwrap_or(block);
            let value = |key: &str| {
                block.split(key).nth(1).map(|rest| {
                    rest.trim_start()
                        .split([';', '\n'])
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches('"')
                        .to_string()
                })
            };
            let index: u32 = block
                .split_whitespace()
                .next()
                .and_then(|i| i.trim_end_matches(';').parse().ok())
                .unwrap_or_else(|| panic!("port without a numeric index: {block}"));
            Port {
                index,
                symbol: value("lv2:symbol").unwrap_or_default(),
                input: block.contains("lv2:InputPort"),
                audio: block.contains("lv2:AudioPort"),
                default: value("lv2:default").and_then(|d| d.parse().ok()),
            }
        })
        .collect();
    ports.sort_by_key(|p| p.index);
    ports
}

/// A live plugin instance. Dropping it calls `cleanup`.
pub struct Lv2Instance {
    descriptor: *const Descriptor,
    handle: Handle,
    ports: Vec<Port>,
    /// One float per control port (inputs hold values, outputs receive).
    controls: Vec<f32>,
    /// Host-owned audio buffers: in_l, in_r, out_l, out_r (by TTL order).
    audio: Vec<Vec<f32>>,
    max_block: usize,
    _library: libloading::Library,
}

impl Lv2Instance {
    /// Loads `bundle/headroom.so` and instantiates plugin `uri` at
    /// `sample_rate`; `None` when the plugin refuses the rate (returns a
    /// null handle). `controls` override TTL defaults by symbol.
    pub fn new(
        bundle: &Path,
        uri: &str,
        sample_rate: f64,
        max_block: usize,
        controls: &[(&str, f32)],
    ) -> Option<Lv2Instance> {
        let ttl = std::fs::read_to_string(bundle.join("headroom.ttl")).expect("headroom.ttl");
        let ports = ports_from_ttl(&ttl, uri);
        let binary = bundle.join("headroom.so");
        // SAFETY: loading a plugin runs its initialisers, as a host's dlopen does.
        let library = unsafe { libloading::Library::new(&binary) }
            .unwrap_or_else(|e| panic!("cannot dlopen {}: {e}", binary.display()));
        // SAFETY: `lv2_descriptor` has this signature per the LV2 core spec.
        let entry: libloading::Symbol<unsafe extern "C" fn(u32) -> *const Descriptor> =
            unsafe { library.get(b"lv2_descriptor\0") }.expect("no lv2_descriptor");
        let mut descriptor = std::ptr::null();
        for i in 0.. {
            // SAFETY: the entry point returns null past the last plugin.
            let d = unsafe { entry(i) };
            if d.is_null() {
                break;
            }
            // SAFETY: a non-null descriptor's URI is a valid C string.
            if unsafe { CStr::from_ptr((*d).uri) }.to_str() == Ok(uri) {
                descriptor = d;
                break;
            }
        }
        assert!(
            !descriptor.is_null(),
            "{uri} not offered by {}",
            binary.display()
        );
        let bundle_path = CString::new(format!("{}/", bundle.display())).unwrap();
        let features: [*const Feature; 1] = [std::ptr::null()];
        // SAFETY: per the LV2 core spec; features is a null-terminated list.
        let handle = unsafe {
            ((*descriptor).instantiate)(
                descriptor,
                sample_rate,
                bundle_path.as_ptr(),
                features.as_ptr(),
            )
        };
        if handle.is_null() {
            return None;
        }
        let controls = ports
            .iter()
            .map(|p| {
                controls
                    .iter()
                    .find(|(s, _)| *s == p.symbol)
                    .map(|&(_, v)| v)
                    .or(p.default)
                    .unwrap_or(0.0)
            })
            .collect();
        let audio_dirs: Vec<bool> = ports.iter().filter(|p| p.audio).map(|p| p.input).collect();
        assert_eq!(
            audio_dirs,
            [true, true, false, false],
            "expected two audio inputs, then two outputs"
        );
        let audio_ports = audio_dirs.len();
        let mut instance = Lv2Instance {
            descriptor,
            handle,
            ports,
            controls,
            audio: vec![vec![0.0; max_block]; audio_ports],
            max_block,
            _library: library,
        };
        instance.connect_all();
        // SAFETY: instantiated and fully connected.
        if let Some(activate) = unsafe { (*descriptor).activate } {
            unsafe { activate(handle) };
        }
        Some(instance)
    }

    fn connect_all(&mut self) {
        let mut audio = 0;
        for (i, port) in self.ports.iter().enumerate() {
            let data: *mut c_void = if port.audio {
                audio += 1;
                self.audio[audio - 1].as_mut_ptr().cast()
            } else {
                (&mut self.controls[i] as *mut f32).cast()
            };
            // SAFETY: the buffers live as long as the instance and never move
            // (no Vec here is resized after this).
            unsafe { ((*self.descriptor).connect_port)(self.handle, port.index, data) };
        }
    }

    /// Value of a control port (input or output) by symbol.
    pub fn control(&self, symbol: &str) -> f32 {
        let i = self
            .ports
            .iter()
            .position(|p| p.symbol == symbol && !p.audio)
            .unwrap_or_else(|| panic!("no control port {symbol}"));
        self.controls[i]
    }

    /// Runs interleaved stereo through the plugin in blocks whose sizes
    /// cycle through `blocks` (each 1..=max_block); returns the output.
    pub fn process(&mut self, input: &[f32], blocks: &[usize]) -> Vec<f32> {
        assert!(blocks.iter().all(|&b| (1..=self.max_block).contains(&b)));
        let frames = input.len() / 2;
        let mut output = vec![0.0; input.len()];
        let mut start = 0;
        let mut sizes = blocks.iter().cycle();
        while start < frames {
            let n = (*sizes.next().unwrap()).min(frames - start);
            for f in 0..n {
                self.audio[0][f] = input[2 * (start + f)];
                self.audio[1][f] = input[2 * (start + f) + 1];
            }
            // SAFETY: every port is connected to a buffer of ≥ n floats.
            unsafe { ((*self.descriptor).run)(self.handle, n as u32) };
            for f in 0..n {
                output[2 * (start + f)] = self.audio[2][f];
                output[2 * (start + f) + 1] = self.audio[3][f];
            }
            start += n;
        }
        output
    }
}

impl Drop for Lv2Instance {
    fn drop(&mut self) {
        // SAFETY: the handle came from instantiate and is cleaned up once.
        unsafe {
            if let Some(deactivate) = (*self.descriptor).deactivate {
                deactivate(self.handle);
            }
            ((*self.descriptor).cleanup)(self.handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ports_from_ttl() {
        let ttl = r#"
<urn:other>
    lv2:port [
        lv2:index 7 ;
        lv2:symbol "other" ;
    ] .

<urn:this>
    lv2:port [
        lv2:index 1 ;
        a lv2:OutputPort, lv2:AudioPort ;
        lv2:symbol "out" ;
    ] , [
        lv2:index 0 ;
        a lv2:InputPort, lv2:ControlPort ;
        lv2:symbol "gain" ;
        lv2:default -1.5 ;
    ] .

<urn:next>
    lv2:port [
        lv2:index 9 ;
        lv2:symbol "next" ;
    ] ."#;
        let ports = ports_from_ttl(ttl, "urn:this");
        assert_eq!(ports.len(), 2);
        assert_eq!(
            ports[0],
            Port {
                index: 0,
                symbol: "gain".into(),
                input: true,
                audio: false,
                default: Some(-1.5)
            }
        );
        assert_eq!(
            ports[1],
            Port {
                index: 1,
                symbol: "out".into(),
                input: false,
                audio: true,
                default: None
            }
        );
    }
}
