//! Streaming WAVE reader: RIFF, RF64/BW64 (files over 4 GiB, sizes in the
//! `ds64` chunk) and WAVE_FORMAT_EXTENSIBLE; 16/24/32-bit integer PCM and
//! 32/64-bit float. Reads sequentially (works on pipes); a `data` size of
//! 0 or 0xFFFFFFFF in a plain RIFF file means "until the end" (how
//! streaming writers mark an unknown length).

use std::io::{self, Read};

use super::{Prefixed, Source};
use crate::format::{AudioFormat, Codec, SampleFormat};

const SUPPORTED: &str = "headroom-wav reads 16-, 24- and 32-bit integer PCM and 32-bit float";
/// Frames decoded per [`Source::read`] call.
const BLOCK_FRAMES: usize = 4096;
const TAG_PCM: u16 = 1;
const TAG_FLOAT: u16 = 3;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

pub struct WavSource {
    reader: Prefixed,
    format: AudioFormat,
    bytes_per_sample: usize,
    /// Bytes of sample data left, `None` when the length is unknown.
    remaining: Option<u64>,
    total_frames: Option<u64>,
    frames_read: u64,
    raw: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads exactly `n` bytes, or says what was missing.
fn read_exact(r: &mut impl Read, n: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    r.read_exact(&mut buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("not a WAV file (truncated in the {what})"),
        _ => format!("cannot read: {e}"),
    })?;
    Ok(buf)
}

fn skip(r: &mut impl Read, n: u64, what: &str) -> Result<(), String> {
    let copied =
        io::copy(&mut r.take(n), &mut io::sink()).map_err(|e| format!("cannot read: {e}"))?;
    if copied < n {
        return Err(format!("not a WAV file (truncated in the {what} chunk)"));
    }
    Ok(())
}

impl WavSource {
    pub fn new(mut reader: Prefixed) -> Result<WavSource, String> {
        let header = read_exact(&mut reader, 12, "RIFF header")?;
        let rf64 = &header[0..4] != b"RIFF";
        let mut ds64_data: Option<u64> = None;
        let mut fmt: Option<(u16, usize, u32, usize, u16)> = None;
        loop {
            let chunk = read_exact(&mut reader, 8, "chunk list (no data chunk)")?;
            let id = [chunk[0], chunk[1], chunk[2], chunk[3]];
            let size = u32_at(&chunk, 4);
            let padded = u64::from(size) + u64::from(size & 1);
            match &id {
                b"ds64" => {
                    let body = read_exact(&mut reader, size as usize, "ds64 chunk")?;
                    if body.len() < 24 {
                        return Err(format!(
                            "ds64 chunk of {size} bytes; RF64 needs at least 24"
                        ));
                    }
                    ds64_data = Some(u64_at(&body, 8));
                    skip(&mut reader, padded - u64::from(size), "ds64")?;
                }
                b"fmt " => {
                    if size < 16 {
                        return Err(format!("fmt chunk of {size} bytes; WAV needs at least 16"));
                    }
                    let body = read_exact(&mut reader, size as usize, "fmt chunk")?;
                    skip(&mut reader, padded - u64::from(size), "fmt")?;
                    let mut tag = u16_at(&body, 0);
                    let channels = usize::from(u16_at(&body, 2));
                    let rate = u32_at(&body, 4);
                    let block_align = usize::from(u16_at(&body, 12));
                    let bits = u16_at(&body, 14);
                    if tag == TAG_EXTENSIBLE {
                        if body.len() < 40 {
                            return Err(format!(
                                "WAVE_FORMAT_EXTENSIBLE fmt chunk of {size} bytes; it needs 40"
                            ));
                        }
                        // The sub-format GUID starts with the format tag.
                        tag = u16_at(&body, 24);
                    }
                    fmt = Some((tag, channels, rate, block_align, bits));
                }
                b"data" => {
                    let (tag, channels, rate, block_align, bits) =
                        fmt.ok_or("not a WAV file (data chunk before any fmt chunk)")?;
                    let sample_format = sample_format(tag, bits)?;
                    if channels == 0 {
                        return Err("header says 0 channels".to_string());
                    }
                    let bytes_per_sample = usize::from(bits / 8);
                    if block_align != channels * bytes_per_sample {
                        return Err(format!(
                            "fmt chunk says {block_align} bytes per frame; {channels} channels of {bits} bits take {}",
                            channels * bytes_per_sample
                        ));
                    }
                    if rate == 0 {
                        return Err("header says 0 Hz".to_string());
                    }
                    let remaining = if rf64 && size == u32::MAX {
                        Some(ds64_data.ok_or("RF64 file without a ds64 chunk before its data")?)
                    } else if !rf64 && (size == u32::MAX || size == 0) {
                        None
                    } else {
                        Some(u64::from(size))
                    };
                    let frame_bytes = block_align as u64;
                    return Ok(WavSource {
                        reader,
                        format: AudioFormat {
                            codec: Codec::Wav,
                            sample_rate: rate,
                            channels,
                            sample_format,
                        },
                        bytes_per_sample,
                        remaining,
                        total_frames: remaining.map(|r| r / frame_bytes),
                        frames_read: 0,
                        raw: Vec::new(),
                    });
                }
                _ => skip(&mut reader, padded, &String::from_utf8_lossy(&id))?,
            }
        }
    }
}

fn sample_format(tag: u16, bits: u16) -> Result<SampleFormat, String> {
    match (tag, bits) {
        (TAG_PCM, 16) => Ok(SampleFormat::Int16),
        (TAG_PCM, 24) => Ok(SampleFormat::Int24),
        (TAG_PCM, 32) => Ok(SampleFormat::Int32),
        (TAG_FLOAT, 32) => Ok(SampleFormat::Float32),
        (TAG_FLOAT, 64) => Ok(SampleFormat::Float64),
        (TAG_PCM, bits) => Err(format!(
            "unsupported sample format {bits}-bit integer: {SUPPORTED}"
        )),
        (TAG_FLOAT, bits) => Err(format!(
            "unsupported sample format {bits}-bit float: {SUPPORTED}"
        )),
        (tag, _) => Err(format!(
            "unsupported WAV encoding (format tag 0x{tag:04X}, compressed?): {SUPPORTED}"
        )),
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl Source for WavSource {
    fn format(&self) -> AudioFormat {
        self.format
    }

    fn total_frames(&self) -> Option<u64> {
        self.total_frames
    }

    fn read(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        out.clear();
        let frame_bytes = self.bytes_per_sample * self.format.channels;
        let mut want = BLOCK_FRAMES * frame_bytes;
        if let Some(left) = self.remaining {
            want = want.min(left as usize);
        }
        if want == 0 {
            return Ok(());
        }
        self.raw.resize(want, 0);
        let got = fill(&mut self.reader, &mut self.raw).map_err(|e| format!("cannot read: {e}"))?;
        let whole = got / frame_bytes * frame_bytes;
        let truncated = match self.remaining {
            Some(_) => got < want,
            None => got != whole,
        };
        if truncated {
            let promised = self
                .total_frames
                .map_or_else(|| "whole frames".to_string(), |n| format!("{n} frames"));
            return Err(format!(
                "truncated: the header promises {promised}, the data ends after {} frames{}",
                self.frames_read + (whole / frame_bytes) as u64,
                if got != whole {
                    " and a partial frame"
                } else {
                    ""
                }
            ));
        }
        if let Some(left) = &mut self.remaining {
            *left -= got as u64;
        }
        self.frames_read += (whole / frame_bytes) as u64;
        let raw = &self.raw[..whole];
        out.reserve(whole / self.bytes_per_sample);
        match self.format.sample_format {
            SampleFormat::Int16 => out.extend(
                raw.chunks_exact(2)
                    .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0),
            ),
            SampleFormat::Int24 => out.extend(raw.chunks_exact(3).map(|b| {
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                (f64::from(v) / 8_388_608.0) as f32
            })),
            SampleFormat::Int32 => out.extend(raw.chunks_exact(4).map(|b| {
                (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
            })),
            SampleFormat::Float32 => out.extend(
                raw.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ),
            SampleFormat::Float64 => out.extend(
                raw.chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32),
            ),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: Vec<u8>) -> Result<WavSource, String> {
        let empty: Box<dyn Read + Send + Sync> = Box::new(io::empty());
        WavSource::new(io::Cursor::new(bytes).chain(empty))
    }

    fn all(s: &mut WavSource) -> Result<Vec<f32>, String> {
        let mut v = Vec::new();
        let mut block = Vec::new();
        loop {
            s.read(&mut block)?;
            if block.is_empty() {
                return Ok(v);
            }
            v.extend_from_slice(&block);
        }
    }

    /// An RF64 file: sizes 0xFFFFFFFF in the header, real ones in ds64.
    fn rf64(samples: &[f32]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut b = Vec::new();
        b.extend_from_slice(b"RF64");
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(b"WAVE");
        b.extend_from_slice(b"ds64");
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&(data.len() as u64 + 60).to_le_bytes());
        b.extend_from_slice(&(data.len() as u64).to_le_bytes());
        b.extend_from_slice(&(samples.len() as u64 / 2).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        // WAVE_FORMAT_EXTENSIBLE with the IEEE float sub-format.
        b.extend_from_slice(b"fmt ");
        b.extend_from_slice(&40u32.to_le_bytes());
        b.extend_from_slice(&0xFFFEu16.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&48_000u32.to_le_bytes());
        b.extend_from_slice(&(48_000u32 * 8).to_le_bytes());
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(&32u16.to_le_bytes());
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&32u16.to_le_bytes());
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&3u16.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]);
        b.extend_from_slice(b"data");
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(&data);
        b
    }

    #[test]
    fn rf64_with_extensible_float_is_read_with_ds64_sizes() {
        let x: Vec<f32> = (0..2000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        let mut s = source(rf64(&x)).unwrap();
        assert_eq!(s.format().sample_format, SampleFormat::Float32);
        assert_eq!(s.format().channels, 2);
        assert_eq!(s.total_frames(), Some(1000));
        assert_eq!(all(&mut s).unwrap(), x);
    }

    #[test]
    fn a_cut_rf64_file_is_truncated_not_short() {
        let x = vec![0.25f32; 2000];
        let mut bytes = rf64(&x);
        bytes.truncate(bytes.len() - 10);
        let e = all(&mut source(bytes).unwrap()).unwrap_err();
        assert!(
            e.contains("truncated: the header promises 1000 frames"),
            "{e}"
        );
        assert!(
            e.contains("ends after 998 frames and a partial frame"),
            "{e}"
        );
    }

    #[test]
    fn compressed_encodings_are_named() {
        let mut b = rf64(&[0.0; 4]);
        // Sub-format ADPCM (2).
        let at = b.windows(4).position(|w| w == b"fmt ").unwrap() + 8 + 24;
        b[at] = 2;
        let e = source(b).err().unwrap();
        assert!(e.contains("format tag 0x0002"), "{e}");
    }
}
