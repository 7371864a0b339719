//! LV2 entry point: a hand-written `repr(C)` descriptor (the LV2 crates are
//! unmaintained), the instance behind it, and the TTL that describes it.
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

static DESCRIPTOR: Lv2Descriptor = Lv2Descriptor {
    uri: identity::LV2_URI_C.as_ptr(),
    instantiate,
    connect_port,
    activate: Some(activate),
    run,
    deactivate: None,
    cleanup,
    extension_data: None,
};

unsafe extern "C" fn instantiate(
    _descriptor: *const Lv2Descriptor,
    sample_rate: f64,
    _bundle_path: *const c_char,
    _features: *const *const Lv2Feature,
) -> Handle {
    match std::panic::catch_unwind(|| Instance::new(sample_rate)) {
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

/// The LV2 entry point: index 0 is the stereo plugin.
///
/// # Safety
/// Called by LV2 hosts per the LV2 core specification.
#[no_mangle]
pub unsafe extern "C" fn lv2_descriptor(index: u32) -> *const Lv2Descriptor {
    if index == 0 {
        &DESCRIPTOR
    } else {
        std::ptr::null()
    }
}
