//! Reading and writing WAV files (through `hound`).
//!
//! Everything in between is interleaved `f32` with 1.0 = full scale. The
//! output is never left half-written: it goes to a temporary file in the
//! same directory, which is renamed over the target only once complete.

use std::fmt;
use std::fs;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dither::Tpdf24;
use crate::error::WavError;

/// Sample encodings headroom-wav reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleFormat {
    Int16,
    Int24,
    Int32,
    Float32,
}

impl SampleFormat {
    /// Bits per sample.
    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::Int16 => 16,
            SampleFormat::Int24 => 24,
            SampleFormat::Int32 | SampleFormat::Float32 => 32,
        }
    }
}

impl fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SampleFormat::Int16 => "16-bit int",
            SampleFormat::Int24 => "24-bit int",
            SampleFormat::Int32 => "32-bit int",
            SampleFormat::Float32 => "32-bit float",
        })
    }
}

/// Shape of a WAV file's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WavFormat {
    pub sample_rate: u32,
    pub channels: usize,
    pub sample_format: SampleFormat,
}

impl fmt::Display for WavFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} Hz, {} ch, {}",
            self.sample_rate, self.channels, self.sample_format
        )
    }
}

/// Decoded audio: interleaved samples, 1.0 = full scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub format: WavFormat,
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

const SUPPORTED: &str = "headroom-wav reads 16-, 24- and 32-bit integer PCM and 32-bit float";

/// Reads a whole WAV file. Every failure is a [`WavError::Input`] naming the file.
pub fn read_wav(path: &Path) -> Result<Audio, WavError> {
    if path.is_dir() {
        return Err(WavError::input(path, "is a directory, not a WAV file"));
    }
    let reader = hound::WavReader::open(path).map_err(|e| match e {
        hound::Error::IoError(io) if io.kind() == io::ErrorKind::NotFound => {
            WavError::input(path, "no such file")
        }
        hound::Error::IoError(io) => WavError::input(path, format!("cannot read: {io}")),
        hound::Error::FormatError(why) => WavError::input(path, format!("not a WAV file ({why})")),
        hound::Error::Unsupported => {
            WavError::input(path, format!("unsupported WAV encoding: {SUPPORTED}"))
        }
        other => WavError::input(path, format!("not a readable WAV file ({other})")),
    })?;
    let spec = reader.spec();
    let sample_format = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, 16) => SampleFormat::Int16,
        (hound::SampleFormat::Int, 24) => SampleFormat::Int24,
        (hound::SampleFormat::Int, 32) => SampleFormat::Int32,
        (hound::SampleFormat::Float, 32) => SampleFormat::Float32,
        (kind, bits) => {
            let kind = match kind {
                hound::SampleFormat::Int => "integer",
                hound::SampleFormat::Float => "float",
            };
            return Err(WavError::input(
                path,
                format!("unsupported sample format {bits}-bit {kind}: {SUPPORTED}"),
            ));
        }
    };
    if spec.channels == 0 {
        return Err(WavError::input(path, "header says 0 channels"));
    }
    let format = WavFormat {
        sample_rate: spec.sample_rate,
        channels: usize::from(spec.channels),
        sample_format,
    };
    let corrupt =
        |e: hound::Error| WavError::input(path, format!("corrupt or truncated sample data ({e})"));
    let samples: Vec<f32> = match sample_format {
        SampleFormat::Float32 => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(corrupt)?,
        int => {
            let scale = 1.0 / f64::from(1u32 << (int.bits() - 1));
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                .collect::<Result<_, _>>()
                .map_err(corrupt)?
        }
    };
    Ok(Audio { format, samples })
}

/// How the output is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// 32-bit IEEE float: exact, no dither needed.
    Float32,
    /// 24-bit integer with TPDF dither (see [`crate::dither`]).
    Int24,
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutputFormat::Float32 => "32-bit float",
            OutputFormat::Int24 => "24-bit int (TPDF dither)",
        })
    }
}

/// Writes `samples` to `path` atomically (temp file + rename) and returns the
/// samples as written, i.e. after 24-bit quantisation, so measurements
/// describe the file rather than the float data before it.
pub fn write_wav(
    path: &Path,
    samples: &[f32],
    channels: usize,
    sample_rate: u32,
    format: OutputFormat,
) -> Result<Vec<f32>, WavError> {
    let channels_u16 = u16::try_from(channels)
        .map_err(|_| WavError::output(path, format!("{channels} channels")))?;
    match format {
        OutputFormat::Float32 => {
            let spec = hound::WavSpec {
                channels: channels_u16,
                sample_rate,
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
            };
            write_atomically(path, spec, |w| {
                samples.iter().try_for_each(|&s| w.write_sample(s))
            })?;
            Ok(samples.to_vec())
        }
        OutputFormat::Int24 => {
            let spec = hound::WavSpec {
                channels: channels_u16,
                sample_rate,
                bits_per_sample: 24,
                sample_format: hound::SampleFormat::Int,
            };
            let mut dither = Tpdf24::new();
            let ints: Vec<i32> = samples.iter().map(|&s| dither.quantize(s)).collect();
            write_atomically(path, spec, |w| {
                ints.iter().try_for_each(|&s| w.write_sample(s))
            })?;
            Ok(ints.iter().map(|&q| Tpdf24::to_f32(q)).collect())
        }
    }
}

/// The temporary file `write_wav` writes before renaming: hidden, in the
/// target's directory (so the rename cannot cross file systems), unique per process.
pub fn temp_path_for(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(dir.join(format!(".{name}.headroom-tmp-{}", std::process::id())))
}

type FileWriter = hound::WavWriter<io::BufWriter<fs::File>>;

fn write_atomically(
    path: &Path,
    spec: hound::WavSpec,
    write: impl FnOnce(&mut FileWriter) -> hound::Result<()>,
) -> Result<(), WavError> {
    if path.is_dir() {
        return Err(WavError::output(path, "is a directory"));
    }
    let temp = temp_path_for(path).ok_or_else(|| WavError::output(path, "not a file name"))?;
    let result = (|| -> Result<(), String> {
        let mut writer = hound::WavWriter::create(&temp, spec).map_err(describe_write_error)?;
        write(&mut writer).map_err(describe_write_error)?;
        writer.finalize().map_err(describe_write_error)?;
        fs::rename(&temp, path).map_err(|e| format!("cannot move it into place: {e}"))
    })();
    result.map_err(|problem| {
        let _ = fs::remove_file(&temp);
        WavError::output(path, problem)
    })
}

fn describe_write_error(e: hound::Error) -> String {
    match e {
        hound::Error::IoError(io) => io.to_string(),
        other => other.to_string(),
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
