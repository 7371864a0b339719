//! What a file's audio is: codec, sample encoding, rate and channels.

use std::fmt;

use serde::Serialize;

/// Codecs headroom-wav reads (and, for WAV and FLAC, writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    /// RIFF/RF64 WAVE, PCM or IEEE float (plain or WAVE_FORMAT_EXTENSIBLE).
    Wav,
    Flac,
    /// Ogg Vorbis.
    Vorbis,
    /// Ogg Opus (always 48 kHz).
    Opus,
    /// MPEG-1/2 Layer III.
    Mp3,
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Codec::Wav => "WAV",
            Codec::Flac => "FLAC",
            Codec::Vorbis => "Ogg Vorbis",
            Codec::Opus => "Ogg Opus",
            Codec::Mp3 => "MP3",
        })
    }
}

/// Sample encodings. Lossy codecs decode to [`SampleFormat::Float32`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleFormat {
    Int16,
    Int24,
    Int32,
    Float32,
    Float64,
}

impl SampleFormat {
    /// Bits per sample.
    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::Int16 => 16,
            SampleFormat::Int24 => 24,
            SampleFormat::Int32 | SampleFormat::Float32 => 32,
            SampleFormat::Float64 => 64,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, SampleFormat::Float32 | SampleFormat::Float64)
    }
}

impl fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SampleFormat::Int16 => "16-bit int",
            SampleFormat::Int24 => "24-bit int",
            SampleFormat::Int32 => "32-bit int",
            SampleFormat::Float32 => "32-bit float",
            SampleFormat::Float64 => "64-bit float",
        })
    }
}

/// Shape of a file's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AudioFormat {
    pub codec: Codec,
    /// Hz.
    pub sample_rate: u32,
    pub channels: usize,
    pub sample_format: SampleFormat,
}

/// The name the rest of the crate (and older code) uses.
pub type WavFormat = AudioFormat;

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} Hz, {} ch, {}",
            self.codec, self.sample_rate, self.channels, self.sample_format
        )
    }
}
