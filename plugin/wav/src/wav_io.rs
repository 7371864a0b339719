//! In-memory helpers: reading a whole file (any supported format) and
//! encoding deterministic 16-bit fixtures such as the demo clip.

use std::io::Cursor;
use std::path::Path;

use crate::error::WavError;
use crate::format::AudioFormat;
use crate::source;

/// Decoded audio: interleaved samples, 1.0 = full scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub format: AudioFormat,
    pub samples: Vec<f32>,
}

impl Audio {
    pub fn frames(&self) -> usize {
        self.samples.len() / self.format.channels.max(1)
    }

    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / self.format.sample_rate as f64
    }
}

/// Reads a whole file into memory (for tests and short clips; `process`
/// and `analyze` stream instead).
pub fn read_all(path: &Path) -> Result<Audio, WavError> {
    let mut src = source::open(path)?;
    let format = src.format();
    let mut samples = Vec::new();
    let mut block = Vec::new();
    loop {
        src.read(&mut block).map_err(|e| WavError::input(path, e))?;
        if block.is_empty() {
            return Ok(Audio { format, samples });
        }
        samples.extend_from_slice(&block);
    }
}

/// Encodes interleaved samples as a 16-bit PCM WAV in memory (rounded, no
/// dither: used for deterministic fixtures such as the demo clip).
pub fn encode_pcm16(samples: &[f32], channels: u16, sample_rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    {
        let mut writer =
            hound::WavWriter::new(&mut bytes, spec).expect("writing to memory cannot fail");
        for &s in samples {
            let q = (f64::from(s) * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
            writer
                .write_sample(q)
                .expect("writing to memory cannot fail");
        }
        writer.finalize().expect("writing to memory cannot fail");
    }
    bytes.into_inner()
}
