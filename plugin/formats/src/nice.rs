//! CLAP and VST3 through nice-plug: a thin shell around [`headroom_dsp::Chain`].

use std::num::NonZeroU32;
use std::sync::Arc;

use headroom_dsp::{Chain, ParamValues, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ};
use nice_plug::prelude::*;

use crate::host_params::HostParams;
use crate::identity;

/// The DSP state of one plugin instance. Everything is allocated in
/// `activate`; `reset` and `process` never allocate.
pub struct HeadroomPlugin {
    params: Arc<HostParams>,
    /// `None` until the host activates the plugin.
    chain: Option<Chain>,
    /// What the chain was last given, to call `set_params` only on change.
    applied: ParamValues,
}

impl Default for HeadroomPlugin {
    fn default() -> Self {
        HeadroomPlugin {
            params: Arc::new(HostParams::new()),
            chain: None,
            applied: ParamValues::default(),
        }
    }
}

impl Plugin for HeadroomPlugin {
    const NAME: &'static str = identity::NAME;
    const VENDOR: &'static str = identity::VENDOR;
    const URL: &'static str = identity::URL;
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    type Editor = ();
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    /// Builds the chain for this rate and layout (allocates; not on the
    /// audio thread) and reports its latency.
    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = layout
            .main_output_channels
            .map(|c| c.get() as usize)
            .unwrap_or(2);
        if !(MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&config.sample_rate) {
            nice_log!(
                "headroom: sample rate {} Hz is outside {MIN_SAMPLE_RATE_HZ}–{MAX_SAMPLE_RATE_HZ} Hz",
                config.sample_rate
            );
            return false;
        }
        let values = self.params.values();
        match Chain::with_params(config.sample_rate, channels, values) {
            Ok(chain) => {
                context.set_latency_samples(chain.latency_samples() as u32);
                self.chain = Some(chain);
                self.applied = values;
                true
            }
            Err(e) => {
                nice_log!("headroom: cannot activate: {e}");
                false
            }
        }
    }

    /// Clears delay lines and envelopes. Real-time safe.
    fn reset(&mut self) {
        if let Some(chain) = &mut self.chain {
            chain.reset();
        }
    }

    /// Real-time safe: no allocation, no locks, no system calls. Parameter
    /// changes reach the chain once per block; the chain glides them in.
    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        crate::alloc_canary();
        let Some(chain) = &mut self.chain else {
            return ProcessStatus::Normal;
        };
        let values = self.params.values_over(&self.applied);
        if values != self.applied {
            chain.set_params(&values);
            self.applied = values;
        }
        chain.process(buffer.as_slice());
        ProcessStatus::Normal
    }
}

impl ClapPlugin for HeadroomPlugin {
    const CLAP_ID: &'static str = identity::CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> = Some(identity::DESCRIPTION);
    const CLAP_MANUAL_URL: Option<&'static str> = Some(identity::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = Some(identity::URL);
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Limiter,
        ClapFeature::Compressor,
        ClapFeature::Mastering,
    ];
}

impl Vst3Plugin for HeadroomPlugin {
    const VST3_CLASS_ID: [u8; 16] = identity::VST3_CLASS_ID;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Dynamics];
}

nice_export_clap!(HeadroomPlugin);
nice_export_vst3!(HeadroomPlugin);
