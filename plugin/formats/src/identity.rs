//! Names and ids every format publishes. Stable: hosts store them in
//! sessions, so changing one orphans users' saved projects.

pub const NAME: &str = "headroom";
pub const VENDOR: &str = "headroom";
pub const URL: &str = "https://github.com/headroom-audio/headroom";
pub const DESCRIPTION: &str =
    "Level rider, compressor and two-tier true-peak limiter with a ceiling that holds";
pub const CLAP_ID: &str = "io.github.headroom-audio.headroom";
/// `*headroom-dsp-1*` as ASCII.
pub const VST3_CLASS_ID: [u8; 16] = *b"*headroom-dsp-1*";
/// URI of the stereo LV2 plugin.
pub const LV2_URI: &str = "https://github.com/headroom-audio/headroom#stereo";
/// [`LV2_URI`] NUL-terminated, for the descriptor.
pub const LV2_URI_C: &std::ffi::CStr = c"https://github.com/headroom-audio/headroom#stereo";
/// URI of the surround LV2 plugin (up to 8 linked channels, FL FR FC LFE
/// RL RR SL SR).
pub const LV2_URI_SURROUND: &str = "https://github.com/headroom-audio/headroom#surround";
/// [`LV2_URI_SURROUND`] NUL-terminated, for the descriptor.
pub const LV2_URI_SURROUND_C: &std::ffi::CStr =
    c"https://github.com/headroom-audio/headroom#surround";
/// File name of the shared library inside every bundle.
pub const LV2_BINARY: &str = "headroom.so";

#[cfg(test)]
mod tests {
    #[test]
    fn lv2_uri_spellings_agree() {
        assert_eq!(super::LV2_URI_C.to_str(), Ok(super::LV2_URI));
        assert_eq!(headroom_profile::filter_chain::LV2_URI, super::LV2_URI);
        assert_eq!(
            super::LV2_URI_SURROUND_C.to_str(),
            Ok(super::LV2_URI_SURROUND)
        );
        assert_eq!(
            headroom_profile::filter_chain::LV2_URI_SURROUND,
            super::LV2_URI_SURROUND
        );
    }
}
