//! LV2 entry point: hand-written `repr(C)` descriptors (the LV2 crates are
//! unmaintained), the instance behind them, and the TTL that describes them.
//!
//! Two plugins share one binary and one [`Instance`], each with its
//! [`ports::Layout`]: index 0 the stereo plugin ([`identity::LV2_URI`]),
//! index 1 the surround one, up to 7.1 ([`identity::LV2_URI_SURROUND`]).
//!
//! Only PipeWire's filter-chain and offline hosts are targeted: no features
//! are required, no extensions offered. In checked builds (`--features
//! checked` with debug assertions) `run` is wrapped in
//! `nice_assert_no_alloc::assert_no_alloc`, which aborts the host on any
//! allocation.

mod instance;
pub mod ports;
mod publisher;
pub mod ttl;

use std::ffi::{c_char, c_void};

use instance::Instance;

use crate::identity;

#[repr(C)]
pub struct Lv2Feature {
    pub uri: *const c_char,
    pub data: *mut c_void,
}

type Handle = *mut c_void;

#[repr(C)]
pub struct Lv2Descriptor {
    pub uri: *const c_char,
    pub instantiate: unsafe extern "C" fn(
        *const Lv2Descriptor,
        f64,
        *const c_char,
        *const *const Lv2Feature,
    ) -> Handle,
    pub connect_port: unsafe extern "C" fn(Handle, u32, *mut c_void),
    pub activate: Option<unsafe extern "C" fn(Handle)>,
    pub run: unsafe extern "C" fn(Handle, u32),
    pub deactivate: Option<unsafe extern "C" fn(Handle)>,
    pub cleanup: unsafe extern "C" fn(Handle),
    pub extension_data: Option<unsafe extern "C" fn(*const c_char) -> *const c_void>,
}

// SAFETY: the descriptor is immutable static data.
unsafe impl Sync for Lv2Descriptor {}

static STEREO: Lv2Descriptor = Lv2Descriptor {
    uri: identity::LV2_URI_C.as_ptr(),
    instantiate: instantiate_stereo,
    connect_port,
    activate: Some(activate),
    run,
    deactivate: None,
    cleanup,
    extension_data: None,
};

static SURROUND: Lv2Descriptor = Lv2Descriptor {
    uri: identity::LV2_URI_SURROUND_C.as_ptr(),
    instantiate: instantiate_surround,
    connect_port,
    activate: Some(activate),
    run,
    deactivate: None,
    cleanup,
    extension_data: None,
};

unsafe extern "C" fn instantiate_stereo(
    _descriptor: *const Lv2Descriptor,
    sample_rate: f64,
    _bundle_path: *const c_char,
    _features: *const *const Lv2Feature,
) -> Handle {
    instantiate(ports::STEREO, sample_rate)
}

unsafe extern "C" fn instantiate_surround(
    _descriptor: *const Lv2Descriptor,
    sample_rate: f64,
    _bundle_path: *const c_char,
    _features: *const *const Lv2Feature,
) -> Handle {
    instantiate(ports::SURROUND, sample_rate)
}

/// LV2 `instantiate` for either plugin (not real-time: allocates the
/// chain and starts the meter thread). Null on an unsupported rate.
fn instantiate(layout: ports::Layout, sample_rate: f64) -> Handle {
    match std::panic::catch_unwind(|| Instance::new(layout, sample_rate)) {
        Ok(Some(instance)) => Box::into_raw(Box::new(instance)).cast(),
        Ok(None) => {
            eprintln!(
                "headroom: cannot run at {sample_rate} Hz (supported: {}–{} Hz)",
                headroom_dsp::MIN_SAMPLE_RATE_HZ,
                headroom_dsp::MAX_SAMPLE_RATE_HZ
            );
            std::ptr::null_mut()
        }
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn connect_port(handle: Handle, port: u32, data: *mut c_void) {
    if let Some(instance) = handle.cast::<Instance>().as_mut() {
        instance.connect(port, data.cast());
    }
}

unsafe extern "C" fn activate(handle: Handle) {
    if let Some(instance) = handle.cast::<Instance>().as_mut() {
        instance.activate();
    }
}

unsafe extern "C" fn run(handle: Handle, sample_count: u32) {
    let Some(instance) = handle.cast::<Instance>().as_mut() else {
        return;
    };
    #[cfg(all(debug_assertions, feature = "checked"))]
    nice_assert_no_alloc::assert_no_alloc(|| instance.run(sample_count as usize));
    #[cfg(not(all(debug_assertions, feature = "checked")))]
    instance.run(sample_count as usize);
}

unsafe extern "C" fn cleanup(handle: Handle) {
    if !handle.is_null() {
        drop(Box::from_raw(handle.cast::<Instance>()));
    }
}

/// The LV2 entry point: index 0 is the stereo plugin, 1 the surround one.
///
/// # Safety
/// Called by LV2 hosts per the LV2 core specification.
#[no_mangle]
pub unsafe extern "C" fn lv2_descriptor(index: u32) -> *const Lv2Descriptor {
    match index {
        0 => &STEREO,
        1 => &SURROUND,
        _ => std::ptr::null(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary's descriptor indices and the TTL's plugins agree.
    #[test]
    fn every_descriptor_has_the_uri_the_ttl_gives_its_index() {
        for (index, (uri, ..)) in ttl::PLUGINS.iter().enumerate() {
            // SAFETY: a non-null descriptor is static, its URI NUL-terminated.
            let descriptor = unsafe { lv2_descriptor(index as u32).as_ref() }.expect("descriptor");
            let got = unsafe { std::ffi::CStr::from_ptr(descriptor.uri) };
            assert_eq!(got.to_str(), Ok(*uri), "descriptor {index}");
        }
        assert!(unsafe { lv2_descriptor(ttl::PLUGINS.len() as u32) }.is_null());
    }
}
