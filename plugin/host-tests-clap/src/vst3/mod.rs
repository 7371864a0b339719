//! A small VST3 host on the `vst3` bindings (the crate nice-plug itself
//! builds on): `dlopen`s the bundle's `.so`, calls `ModuleEntry` and
//! `GetPluginFactory`, enumerates classes, creates the component, and drives
//! `IAudioProcessor` the way a DAW does — bus arrangements, process setup,
//! bus activation, `setActive`, `setProcessing`, `process` with
//! `IParameterChanges` — plus `IEditController` parameter queries and
//! `getState`/`setState` through an in-memory `IBStream`.

mod com;

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void};
use std::path::Path;
use std::ptr;
use std::rc::Rc;

use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::MediaTypes_::kAudio;
use vst3::Steinberg::Vst::ProcessModes_::kRealtime;
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::*;
use vst3::Steinberg::*;
use vst3::{ComPtr, ComWrapper, Interface};

use com::{HostApplication, MemoryStream, ParamChanges, ParamQueue};

type ModuleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
type ModuleExitFn = unsafe extern "C" fn() -> bool;
type GetPluginFactoryFn = unsafe extern "system" fn() -> *mut c_void;

/// Chars of a fixed-size C string field.
fn c_text(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A fixed-size UTF-16 field (`String128`).
fn wide_text(chars: &[TChar]) -> String {
    let units: Vec<u16> = chars.iter().take_while(|&&c| c != 0).copied().collect();
    String::from_utf16_lossy(&units)
}

struct Library {
    factory: Option<ComPtr<IPluginFactory>>,
    library: Option<libloading::Library>,
}

impl Drop for Library {
    fn drop(&mut self) {
        self.factory = None;
        if let Some(library) = self.library.take() {
            // SAFETY: the symbol has this signature in every VST3 module on Linux.
            unsafe {
                if let Ok(exit) = library.get::<ModuleExitFn>(b"ModuleExit\0") {
                    exit();
                }
            }
        }
    }
}

/// A class the factory offers.
#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub cid: [u8; 16],
    pub category: String,
    pub name: String,
    /// From `IPluginFactory2` (empty if the factory lacks it).
    pub subcategories: String,
    pub vendor: String,
}

/// A loaded VST3 module.
pub struct Vst3Module {
    library: Rc<Library>,
}

impl Vst3Module {
    /// `dlopen`s `path` (kept mapped for the rest of the process, see
    /// [`crate::pin_library`]), calls `ModuleEntry` and `GetPluginFactory`.
    pub fn load(path: &Path) -> Vst3Module {
        crate::pin_library(path);
        Self::load_unpinned(path)
    }

    /// Like [`Vst3Module::load`], but `ModuleExit` and `dlclose` happen when
    /// the module and its last plugin are dropped.
    pub fn load_unpinned(path: &Path) -> Vst3Module {
        // SAFETY: loading runs the module's initialisers; that is the point.
        let library = unsafe { libloading::os::unix::Library::new(path) }
            .unwrap_or_else(|e| panic!("cannot dlopen {}: {e}", path.display()));
        // SAFETY: the exported symbols have the signatures the VST3 SDK
        // specifies for Linux modules.
        let factory = unsafe {
            let handle = library.into_raw();
            let library = libloading::os::unix::Library::from_raw(handle);
            let entry = library
                .get::<ModuleEntryFn>(b"ModuleEntry\0")
                .expect("the module exports no ModuleEntry");
            assert!(entry(handle), "ModuleEntry returned false");
            let get_factory = library
                .get::<GetPluginFactoryFn>(b"GetPluginFactory\0")
                .expect("the module exports no GetPluginFactory");
            let factory = ComPtr::from_raw(get_factory() as *mut IPluginFactory)
                .expect("GetPluginFactory returned null");
            (factory, libloading::Library::from(library))
        };
        Vst3Module {
            library: Rc::new(Library {
                factory: Some(factory.0),
                library: Some(factory.1),
            }),
        }
    }

    fn factory(&self) -> &ComPtr<IPluginFactory> {
        self.library.factory.as_ref().unwrap()
    }

    /// The factory's vendor string (`PFactoryInfo`).
    pub fn vendor(&self) -> String {
        // SAFETY: PFactoryInfo is plain data; the factory fills it.
        unsafe {
            let mut info: PFactoryInfo = std::mem::zeroed();
            assert_eq!(self.factory().getFactoryInfo(&mut info), kResultOk);
            c_text(&info.vendor)
        }
    }

    /// Every class the factory offers.
    pub fn classes(&self) -> Vec<ClassInfo> {
        let factory = self.factory();
        let factory2 = factory.cast::<IPluginFactory2>();
        // SAFETY: the info structs are plain data the factory fills.
        unsafe {
            (0..factory.countClasses())
                .map(|i| {
                    let mut info: PClassInfo = std::mem::zeroed();
                    assert_eq!(factory.getClassInfo(i, &mut info), kResultOk);
                    let mut class = ClassInfo {
                        cid: info.cid.map(|b| b as u8),
                        category: c_text(&info.category),
                        name: c_text(&info.name),
                        subcategories: String::new(),
                        vendor: String::new(),
                    };
                    if let Some(f2) = &factory2 {
                        let mut info2: PClassInfo2 = std::mem::zeroed();
                        if f2.getClassInfo2(i, &mut info2) == kResultOk {
                            class.subcategories = c_text(&info2.subCategories);
                            class.vendor = c_text(&info2.vendor);
                        }
                    }
                    class
                })
                .collect()
        }
    }

    /// Creates and initialises the component with class id `cid`.
    pub fn create(&self, cid: [u8; 16]) -> Vst3Plugin {
        let mut obj: *mut c_void = ptr::null_mut();
        let tuid: TUID = cid.map(|b| b as c_char);
        let iid: TUID = IComponent::IID.map(|b| b as c_char);
        // SAFETY: standard factory call; on success `obj` is an owned IComponent.
        let component = unsafe {
            let result = self
                .factory()
                .createInstance(tuid.as_ptr(), iid.as_ptr(), &mut obj);
            assert_eq!(result, kResultOk, "createInstance failed");
            ComPtr::from_raw(obj as *mut IComponent).expect("createInstance gave null")
        };
        let host = ComWrapper::new(HostApplication);
        let context = host.to_com_ptr::<FUnknown>().unwrap();
        // SAFETY: the context outlives the call (plugins must addRef to keep it).
        let result = unsafe { component.initialize(context.as_ptr()) };
        assert_eq!(result, kResultOk, "IComponent::initialize failed");
        let processor = component
            .cast::<IAudioProcessor>()
            .expect("the component is not an IAudioProcessor");
        let controller = component
            .cast::<IEditController>()
            .expect("the component is not an IEditController (single-component plugin)");
        Vst3Plugin {
            controller,
            processor,
            component,
            _host: context,
            channels: 0,
            active: false,
            _library: self.library.clone(),
        }
    }
}

/// What `IEditController::getParameterInfo` said about one parameter.
#[derive(Debug, Clone)]
pub struct Vst3Param {
    pub id: u32,
    pub title: String,
    pub units: String,
    pub step_count: i32,
    pub default_normalized: f64,
}

/// One plugin instance (component + audio processor + edit controller).
pub struct Vst3Plugin {
    controller: ComPtr<IEditController>,
    processor: ComPtr<IAudioProcessor>,
    component: ComPtr<IComponent>,
    _host: ComPtr<FUnknown>,
    channels: usize,
    active: bool,
    _library: Rc<Library>,
}

impl Vst3Plugin {
    /// `(name, channel count)` of every audio bus in one direction.
    pub fn audio_buses(&self, input: bool) -> Vec<(String, i32)> {
        let dir = if input { kInput } else { kOutput } as BusDirection;
        // SAFETY: BusInfo is plain data the component fills.
        unsafe {
            (0..self.component.getBusCount(kAudio as MediaType, dir))
                .map(|i| {
                    let mut info: BusInfo = std::mem::zeroed();
                    let r = self
                        .component
                        .getBusInfo(kAudio as MediaType, dir, i, &mut info);
                    assert_eq!(r, kResultOk, "getBusInfo({i})");
                    (wide_text(&info.name), info.channelCount)
                })
                .collect()
        }
    }

    /// Every parameter, via `IEditController`.
    pub fn params(&self) -> Vec<Vst3Param> {
        // SAFETY: ParameterInfo is plain data the controller fills.
        unsafe {
            (0..self.controller.getParameterCount())
                .map(|i| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    assert_eq!(self.controller.getParameterInfo(i, &mut info), kResultOk);
                    Vst3Param {
                        id: info.id,
                        title: wide_text(&info.title),
                        units: wide_text(&info.units),
                        step_count: info.stepCount,
                        default_normalized: info.defaultNormalizedValue,
                    }
                })
                .collect()
        }
    }

    /// `getParamStringByValue`.
    pub fn param_text(&self, id: u32, normalized: f64) -> String {
        let mut s: String128 = [0; 128];
        // SAFETY: `s` is the String128 the call fills.
        let r = unsafe {
            self.controller
                .getParamStringByValue(id, normalized, &mut s)
        };
        assert_eq!(r, kResultOk, "getParamStringByValue({id})");
        wide_text(&s)
    }

    /// `plainParamToNormalized`.
    pub fn plain_to_normalized(&self, id: u32, plain: f64) -> f64 {
        // SAFETY: plain call.
        unsafe { self.controller.plainParamToNormalized(id, plain) }
    }

    /// `getParamNormalized`.
    pub fn param_normalized(&self, id: u32) -> f64 {
        // SAFETY: plain call.
        unsafe { self.controller.getParamNormalized(id) }
    }

    /// `IAudioProcessor::getLatencySamples`.
    pub fn latency(&self) -> u32 {
        // SAFETY: plain call.
        unsafe { self.processor.getLatencySamples() }
    }

    /// Sets `channels`-channel main buses, sets up processing at
    /// `sample_rate` for blocks up to `max_block`, activates the buses and
    /// the component, and starts processing.
    pub fn activate(&mut self, sample_rate: f64, max_block: usize, channels: usize) {
        let mut arrangement = match channels {
            1 => SpeakerArr::kMono,
            2 => SpeakerArr::kStereo,
            n => panic!("no speaker arrangement for {n} channels in this host"),
        };
        let mut output = arrangement;
        let mut setup = ProcessSetup {
            processMode: kRealtime as int32,
            symbolicSampleSize: kSample32 as int32,
            maxSamplesPerBlock: max_block as int32,
            sampleRate: sample_rate,
        };
        // SAFETY: plain calls with valid pointers to locals.
        unsafe {
            let r = self
                .processor
                .setBusArrangements(&mut arrangement, 1, &mut output, 1);
            assert_eq!(r, kResultOk, "setBusArrangements({channels} channels)");
            assert_eq!(
                self.processor.canProcessSampleSize(kSample32 as int32),
                kResultOk
            );
            assert_eq!(self.processor.setupProcessing(&mut setup), kResultOk);
            for dir in [kInput, kOutput] {
                let r = self
                    .component
                    .activateBus(kAudio as MediaType, dir as BusDirection, 0, 1);
                assert_eq!(r, kResultOk, "activateBus");
            }
            assert_eq!(self.component.setActive(1), kResultOk, "setActive(true)");
            self.processor.setProcessing(1);
        }
        self.channels = channels;
        self.active = true;
    }

    /// Processes interleaved audio in blocks of `block` frames; each
    /// `(frame, id, normalized value)` change arrives as a one-point
    /// parameter queue in the block holding its frame.
    pub fn process_interleaved(
        &mut self,
        input: &[f32],
        block: usize,
        changes: &[(usize, u32, f64)],
    ) -> Vec<f32> {
        self.process_interleaved_blocks(input, &[block], changes)
    }

    /// Like [`process_interleaved`](Self::process_interleaved), with block
    /// sizes cycling through `block_sizes` (each at most the `max_block`
    /// given to [`activate`](Self::activate)).
    pub fn process_interleaved_blocks(
        &mut self,
        input: &[f32],
        block_sizes: &[usize],
        changes: &[(usize, u32, f64)],
    ) -> Vec<f32> {
        let channels = self.channels;
        assert!(self.active, "activate first");
        assert!(block_sizes.iter().all(|&b| b >= 1));
        let largest = block_sizes.iter().copied().max().unwrap_or(1);
        let frames = input.len() / channels;
        let mut output = vec![0.0f32; input.len()];
        let mut ins = vec![vec![0.0f32; largest]; channels];
        let mut outs = vec![vec![0.0f32; largest]; channels];
        let mut sizes = block_sizes.iter().cycle();
        let mut start = 0;
        while start < frames {
            let n = (*sizes.next().unwrap()).min(frames - start);
            for (c, buf) in ins.iter_mut().enumerate() {
                for (f, v) in buf[..n].iter_mut().enumerate() {
                    *v = input[(start + f) * channels + c];
                }
            }
            let mut in_ptrs: Vec<*mut f32> = ins.iter_mut().map(|b| b.as_mut_ptr()).collect();
            let mut out_ptrs: Vec<*mut f32> = outs.iter_mut().map(|b| b.as_mut_ptr()).collect();
            let mut in_bus = AudioBusBuffers {
                numChannels: channels as int32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: in_ptrs.as_mut_ptr(),
                },
            };
            let mut out_bus = AudioBusBuffers {
                numChannels: channels as int32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: out_ptrs.as_mut_ptr(),
                },
            };
            let queues = changes
                .iter()
                .filter(|c| c.0 >= start && c.0 < start + n)
                .map(|&(frame, id, value)| {
                    ComWrapper::new(ParamQueue {
                        id,
                        points: vec![((frame - start) as i32, value)],
                    })
                })
                .collect();
            let param_changes = ComWrapper::new(ParamChanges { queues });
            let param_ptr = param_changes
                .as_com_ref::<IParameterChanges>()
                .unwrap()
                .as_ptr();
            let mut data = ProcessData {
                processMode: kRealtime as int32,
                symbolicSampleSize: kSample32 as int32,
                numSamples: n as int32,
                numInputs: 1,
                numOutputs: 1,
                inputs: &mut in_bus,
                outputs: &mut out_bus,
                inputParameterChanges: param_ptr,
                outputParameterChanges: ptr::null_mut(),
                inputEvents: ptr::null_mut(),
                outputEvents: ptr::null_mut(),
                processContext: ptr::null_mut(),
            };
            // SAFETY: every pointer in `data` points to locals alive for the call.
            let r = unsafe { self.processor.process(&mut data) };
            assert_eq!(r, kResultOk, "process failed at frame {start}");
            for (c, buf) in outs.iter().enumerate() {
                for (f, v) in buf[..n].iter().enumerate() {
                    output[(start + f) * channels + c] = *v;
                }
            }
            start += n;
        }
        output
    }

    /// `IComponent::getState` into memory.
    pub fn get_state(&self) -> Vec<u8> {
        let stream = ComWrapper::new(MemoryStream {
            data: RefCell::new(Vec::new()),
            pos: Cell::new(0),
        });
        let ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
        // SAFETY: the stream outlives the call.
        let r = unsafe { self.component.getState(ptr) };
        assert_eq!(r, kResultOk, "getState");
        let data = stream.data.borrow().clone();
        data
    }

    /// `IComponent::setState` from memory; whether the plugin accepted it.
    pub fn set_state(&self, blob: &[u8]) -> bool {
        let stream = ComWrapper::new(MemoryStream {
            data: RefCell::new(blob.to_vec()),
            pos: Cell::new(0),
        });
        let ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
        // SAFETY: the stream outlives the call.
        unsafe { self.component.setState(ptr) == kResultOk }
    }
}

impl Drop for Vst3Plugin {
    fn drop(&mut self) {
        // SAFETY: the teardown sequence a host performs.
        unsafe {
            if self.active {
                self.processor.setProcessing(0);
                self.component.setActive(0);
            }
            self.component.terminate();
        }
    }
}
