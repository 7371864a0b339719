//! Encoding the processed audio: WAV (16/24/32-bit integer or 32-bit
//! float) and FLAC (16/24-bit), to a file (atomically, see [`atomic`]) or
//! to standard output (`-`).
//!
//! Integer output is quantised by the pipeline (with TPDF dither unless
//! turned off, see [`crate::dither`]); a sink only encodes.

pub mod atomic;
mod flac;
mod wav;

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::format::{Codec, SampleFormat};
use atomic::AtomicFile;

/// What the output file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutputSpec {
    /// [`Codec::Wav`] or [`Codec::Flac`].
    pub codec: Codec,
    pub sample_format: SampleFormat,
    /// TPDF dither before integer quantisation (ignored for float).
    pub dither: bool,
}

/// A block of audio as the file will hold it.
pub enum Block<'a> {
    Float(&'a [f32]),
    /// Integers at the output's bit depth.
    Int(&'a [i32]),
}

/// An encoder.
pub trait Sink {
    fn write(&mut self, block: Block<'_>) -> Result<(), String>;
    /// Completes the file (header sizes, checksums) and, for a file, moves
    /// it into place. Without this call nothing is left behind.
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// Where the bytes go.
pub(crate) enum Target {
    File(AtomicFile),
    Stdout(BufWriter<io::Stdout>),
}

impl Target {
    /// Rewrites header bytes; `false` when the target cannot seek (stdout).
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<bool> {
        match self {
            Target::File(f) => f.patch(offset, bytes).map(|()| true),
            Target::Stdout(_) => Ok(false),
        }
    }

    fn commit(self) -> Result<(), String> {
        match self {
            Target::File(f) => f.commit().map_err(|e| e.to_string()),
            Target::Stdout(mut s) => s.flush().map_err(|e| e.to_string()),
        }
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::File(f) => f.write(buf),
            Target::Stdout(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::File(f) => f.flush(),
            Target::Stdout(s) => s.flush(),
        }
    }
}

/// Opens the output (`-` is standard output). Errors are the problem only.
pub fn create(
    path: &Path,
    spec: OutputSpec,
    channels: usize,
    sample_rate: u32,
) -> Result<Box<dyn Sink>, String> {
    let target = if path.as_os_str() == crate::source::STDIO {
        Target::Stdout(BufWriter::with_capacity(1 << 16, io::stdout()))
    } else {
        Target::File(AtomicFile::create(path).map_err(|e| e.to_string())?)
    };
    Ok(match spec.codec {
        Codec::Flac => Box::new(flac::FlacSink::new(target, spec, channels, sample_rate)?),
        _ => Box::new(wav::WavSink::new(target, spec, channels, sample_rate)?),
    })
}
