//! The COM objects the host hands to the plugin: the host context, the
//! per-block parameter changes, and an in-memory `IBStream`.

#![allow(non_snake_case)] // COM method names come from the VST3 SDK.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;

use vst3::Steinberg::Vst::*;
use vst3::Steinberg::*;
use vst3::{Class, ComWrapper};

/// The host context handed to `initialize`.
pub(super) struct HostApplication;

impl Class for HostApplication {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostApplication {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        let text: Vec<u16> = "headroom-host-tests".encode_utf16().collect();
        // SAFETY: the caller hands a String128 to fill.
        let out = unsafe { &mut *name };
        out.iter_mut().for_each(|c| *c = 0);
        for (o, c) in out.iter_mut().zip(text) {
            *o = c;
        }
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        if !obj.is_null() {
            // SAFETY: the caller hands a place for the result.
            unsafe { *obj = ptr::null_mut() };
        }
        kNotImplemented
    }
}

/// Parameter points for one parameter in one block.
pub(super) struct ParamQueue {
    pub(super) id: ParamID,
    pub(super) points: Vec<(i32, f64)>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }
    unsafe fn getPointCount(&self) -> int32 {
        self.points.len() as int32
    }
    unsafe fn getPoint(&self, index: int32, offset: *mut int32, value: *mut ParamValue) -> tresult {
        match self.points.get(index as usize) {
            Some(&(o, v)) if !offset.is_null() && !value.is_null() => {
                // SAFETY: checked non-null; the caller owns the targets.
                unsafe {
                    *offset = o;
                    *value = v;
                }
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }
    unsafe fn addPoint(&self, _offset: int32, _value: ParamValue, _index: *mut int32) -> tresult {
        kResultFalse
    }
}

/// The input parameter changes of one block.
pub(super) struct ParamChanges {
    pub(super) queues: Vec<ComWrapper<ParamQueue>>,
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }
    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        self.queues
            .get(index as usize)
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |r| r.as_ptr())
    }
    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut int32,
    ) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

/// An in-memory `IBStream` (what a DAW uses to save a project's plugin state).
pub(super) struct MemoryStream {
    pub(super) data: RefCell<Vec<u8>>,
    pub(super) pos: Cell<usize>,
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, n: int32, read: *mut int32) -> tresult {
        let data = self.data.borrow();
        let start = self.pos.get().min(data.len());
        let count = (n.max(0) as usize).min(data.len() - start);
        // SAFETY: the caller hands a buffer of at least `n` bytes.
        unsafe { ptr::copy_nonoverlapping(data[start..].as_ptr(), buffer as *mut u8, count) };
        self.pos.set(start + count);
        if !read.is_null() {
            // SAFETY: checked non-null.
            unsafe { *read = count as int32 };
        }
        kResultOk
    }
    unsafe fn write(&self, buffer: *mut c_void, n: int32, written: *mut int32) -> tresult {
        let count = n.max(0) as usize;
        // SAFETY: the caller hands `n` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(buffer as *const u8, count) };
        let mut data = self.data.borrow_mut();
        let pos = self.pos.get();
        if data.len() < pos + count {
            data.resize(pos + count, 0);
        }
        data[pos..pos + count].copy_from_slice(bytes);
        self.pos.set(pos + count);
        if !written.is_null() {
            // SAFETY: checked non-null.
            unsafe { *written = count as int32 };
        }
        kResultOk
    }
    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let base = match mode as IBStream_::IStreamSeekMode {
            IBStream_::IStreamSeekMode_::kIBSeekSet => 0,
            IBStream_::IStreamSeekMode_::kIBSeekCur => self.pos.get() as int64,
            IBStream_::IStreamSeekMode_::kIBSeekEnd => self.data.borrow().len() as int64,
            _ => return kInvalidArgument,
        };
        let target = base + pos;
        if target < 0 {
            return kInvalidArgument;
        }
        self.pos.set(target as usize);
        if !result.is_null() {
            // SAFETY: checked non-null.
            unsafe { *result = target };
        }
        kResultOk
    }
    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if !pos.is_null() {
            // SAFETY: checked non-null.
            unsafe { *pos = self.pos.get() as int64 };
        }
        kResultOk
    }
}
