//! Decoding any supported input as a stream of interleaved `f32` blocks.
//!
//! [`open`] recognises the format from the file's first bytes (not its
//! name): RIFF/RF64 WAVE, FLAC, Ogg (Vorbis or Opus) and MP3. Memory use is
//! bounded by one decoded packet whatever the file's length. Every error
//! names the file and the problem, and a stream that ends early (fewer
//! frames than its header promises, or a cut inside a packet) is an error,
//! never a silently shorter result.

mod ogg_opus;
mod symphonia_src;
pub mod wav;

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::error::WavError;
use crate::format::AudioFormat;

/// The path that means standard input/output.
pub const STDIO: &str = "-";

/// A decoder producing interleaved samples, 1.0 = full scale.
pub trait Source {
    fn format(&self) -> AudioFormat;
    /// Frames the file says it holds, if it says.
    fn total_frames(&self) -> Option<u64>;
    /// Replaces `out` with the next interleaved samples (a whole number of
    /// frames); leaves it empty at the end of the stream. Errors are the
    /// problem only (the caller adds the file name).
    fn read(&mut self, out: &mut Vec<f32>) -> Result<(), String>;
}

/// What the first bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wav,
    Flac,
    OggOpus,
    Ogg,
    Mp3,
}

fn sniff(head: &[u8]) -> Option<Kind> {
    let starts = |tag: &[u8]| head.starts_with(tag);
    if (starts(b"RIFF") || starts(b"RF64") || starts(b"BW64")) && head.get(8..12) == Some(b"WAVE") {
        return Some(Kind::Wav);
    }
    if starts(b"fLaC") {
        return Some(Kind::Flac);
    }
    if starts(b"OggS") {
        // The first page carries the identification header.
        let opus = head.windows(8).any(|w| w == b"OpusHead");
        return Some(if opus { Kind::OggOpus } else { Kind::Ogg });
    }
    if starts(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        return Some(Kind::Mp3);
    }
    None
}

/// Bytes read to recognise the format (the Ogg identification page fits).
const SNIFF_BYTES: usize = 64;

/// A reader with its first bytes put back in front.
pub(crate) type Prefixed = io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send + Sync>>;

/// What a container reader gets: a file it can seek in (so it can read the
/// stream's length and exact end from its last page), or a pipe.
pub(crate) enum Input {
    File(File),
    Stream(Prefixed),
}

impl Input {
    /// The granule position of the last Ogg page in the file's final
    /// 64 KiB (for Vorbis the stream's length, for Opus its length plus
    /// the pre-skip); `None` for pipes and other formats.
    pub(crate) fn ogg_last_granule(&self) -> Option<u64> {
        use std::io::{Seek, SeekFrom};
        let Input::File(f) = self else { return None };
        let mut f = f.try_clone().ok()?;
        let len = f.metadata().ok()?.len();
        let start = len.saturating_sub(65_536);
        f.seek(SeekFrom::Start(start)).ok()?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).ok()?;
        f.seek(SeekFrom::Start(0)).ok()?;
        let at = tail.windows(4).rposition(|w| w == b"OggS")?;
        let granule = tail.get(at + 6..at + 14)?;
        let g = u64::from_le_bytes(granule.try_into().ok()?);
        (g != u64::MAX).then_some(g)
    }

    pub(crate) fn media_source(self) -> Box<dyn symphonia::core::io::MediaSource> {
        match self {
            Input::File(f) => Box::new(f),
            Input::Stream(s) => Box::new(symphonia::core::io::ReadOnlySource::new(s)),
        }
    }
}

/// Opens `path` (or standard input for `-`) and picks the decoder.
pub fn open(path: &Path) -> Result<Box<dyn Source>, WavError> {
    let is_stdin = path.as_os_str() == STDIO;
    let reader: Box<dyn Read + Send + Sync> = if is_stdin {
        Box::new(BufReader::with_capacity(1 << 16, io::stdin()))
    } else {
        if path.is_dir() {
            return Err(WavError::input(path, "is a directory, not an audio file"));
        }
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => WavError::input(path, "no such file"),
            _ => WavError::input(path, format!("cannot read: {e}")),
        })?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let mut reader = reader;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| WavError::input(path, format!("cannot read: {e}")))?;
    let kind = sniff(&head).ok_or_else(|| {
        let what = if head.is_empty() {
            "is empty".to_string()
        } else {
            format!(
                "starts with {:?}",
                String::from_utf8_lossy(&head[..head.len().min(8)])
            )
        };
        WavError::input(
            path,
            format!(
                "not a WAV file (no RIFF/RF64 WAVE header), nor FLAC, Ogg Vorbis, Opus or MP3: it {what}"
            ),
        )
    })?;
    let stream: Prefixed = io::Cursor::new(head).chain(reader);
    if kind == Kind::Wav {
        let wav = wav::WavSource::new(stream).map_err(|e| WavError::input(path, e))?;
        return Ok(Box::new(wav));
    }
    let input = if is_stdin {
        Input::Stream(stream)
    } else {
        File::open(path)
            .map(Input::File)
            .map_err(|e| WavError::input(path, format!("cannot read: {e}")))?
    };
    let source: Box<dyn Source> = match kind {
        Kind::OggOpus => {
            Box::new(ogg_opus::OpusSource::new(input).map_err(|e| WavError::input(path, e))?)
        }
        _ => Box::new(
            symphonia_src::SymphoniaSource::new(input).map_err(|e| WavError::input(path, e))?,
        ),
    };
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(Kind::Wav));
        assert_eq!(sniff(b"RF64\xff\xff\xff\xffWAVEds64"), Some(Kind::Wav));
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI "), None);
        assert_eq!(sniff(b"fLaC\0"), Some(Kind::Flac));
        assert_eq!(sniff(b"OggS\0\x02......OpusHead"), Some(Kind::OggOpus));
        assert_eq!(sniff(b"OggS\0\x02.......vorbis"), Some(Kind::Ogg));
        assert_eq!(sniff(b"ID3\x04"), Some(Kind::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90]), Some(Kind::Mp3));
        assert_eq!(sniff(b"these are not samples"), None);
        assert_eq!(sniff(b""), None);
    }
}
