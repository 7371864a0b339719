//! Streaming WAV writer. The header is written first with placeholder
//! sizes and fixed up at the end; a file whose data passes 4 GiB becomes
//! RF64 (the reserved `JUNK` chunk turns into `ds64`, EBU Tech 3306). On
//! standard output the sizes stay 0xFFFFFFFF ("until the end").

use std::io::Write;

use super::{Block, OutputSpec, Sink, Target};
use crate::format::SampleFormat;

/// Offsets in the header written below.
const RIFF_SIZE_AT: u64 = 4;
const JUNK_AT: u64 = 12;
const HEADER_BYTES: u64 = 12 + 8 + 28 + 8 + 16 + 8;
const DATA_SIZE_AT: u64 = HEADER_BYTES - 4;

pub struct WavSink {
    target: Target,
    sample_format: SampleFormat,
    frame_bytes: u64,
    data_bytes: u64,
    bytes: Vec<u8>,
    /// Largest RIFF size a plain WAV may state; beyond it the file becomes
    /// RF64 (lowered only by tests).
    riff_limit: u64,
}

impl WavSink {
    pub fn new(
        mut target: Target,
        spec: OutputSpec,
        channels: usize,
        sample_rate: u32,
    ) -> Result<WavSink, String> {
        let bits = spec.sample_format.bits();
        let (tag, ok) = match spec.sample_format {
            SampleFormat::Float32 => (3u16, true),
            SampleFormat::Int16 | SampleFormat::Int24 | SampleFormat::Int32 => (1u16, true),
            SampleFormat::Float64 => (3u16, false),
        };
        if !ok {
            return Err(format!("cannot write {} WAV", spec.sample_format));
        }
        let ch = u16::try_from(channels).map_err(|_| format!("{channels} channels"))?;
        let block_align = ch * (bits / 8);
        let mut h = Vec::with_capacity(HEADER_BYTES as usize);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(b"WAVE");
        // Room for a ds64 chunk should the data outgrow 4 GiB.
        h.extend_from_slice(b"JUNK");
        h.extend_from_slice(&28u32.to_le_bytes());
        h.extend_from_slice(&[0u8; 28]);
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&ch.to_le_bytes());
        h.extend_from_slice(&sample_rate.to_le_bytes());
        h.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
        h.extend_from_slice(&block_align.to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        debug_assert_eq!(h.len() as u64, HEADER_BYTES);
        target.write_all(&h).map_err(|e| e.to_string())?;
        Ok(WavSink {
            target,
            sample_format: spec.sample_format,
            frame_bytes: u64::from(block_align),
            data_bytes: 0,
            bytes: Vec::new(),
            riff_limit: u64::from(u32::MAX - 1),
        })
    }
}

impl Sink for WavSink {
    fn write(&mut self, block: Block<'_>) -> Result<(), String> {
        self.bytes.clear();
        match (block, self.sample_format) {
            (Block::Float(x), _) => self.bytes.extend(x.iter().flat_map(|v| v.to_le_bytes())),
            (Block::Int(x), SampleFormat::Int16) => self
                .bytes
                .extend(x.iter().flat_map(|&v| (v as i16).to_le_bytes())),
            (Block::Int(x), SampleFormat::Int24) => self.bytes.extend(x.iter().flat_map(|&v| {
                let b = v.to_le_bytes();
                [b[0], b[1], b[2]]
            })),
            (Block::Int(x), _) => self.bytes.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        }
        self.data_bytes += self.bytes.len() as u64;
        self.target
            .write_all(&self.bytes)
            .map_err(|e| e.to_string())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        debug_assert_eq!(self.data_bytes % self.frame_bytes, 0);
        let riff_size = self.data_bytes + HEADER_BYTES - 8;
        if riff_size <= self.riff_limit {
            if self
                .target
                .patch(RIFF_SIZE_AT, &(riff_size as u32).to_le_bytes())
                .map_err(io)?
            {
                self.target
                    .patch(DATA_SIZE_AT, &(self.data_bytes as u32).to_le_bytes())
                    .map_err(io)?;
            }
        } else {
            let mut ds64 = Vec::with_capacity(36);
            ds64.extend_from_slice(b"ds64");
            ds64.extend_from_slice(&28u32.to_le_bytes());
            ds64.extend_from_slice(&riff_size.to_le_bytes());
            ds64.extend_from_slice(&self.data_bytes.to_le_bytes());
            ds64.extend_from_slice(&(self.data_bytes / self.frame_bytes).to_le_bytes());
            ds64.extend_from_slice(&0u32.to_le_bytes());
            if self.target.patch(0, b"RF64").map_err(io)? {
                self.target.patch(JUNK_AT, &ds64).map_err(io)?;
            }
        }
        self.target.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Codec;
    use crate::sink::atomic::AtomicFile;
    use crate::source::{self, Source};

    fn spec(sample_format: SampleFormat) -> OutputSpec {
        OutputSpec {
            codec: Codec::Wav,
            sample_format,
            dither: false,
        }
    }

    fn read_back(path: &std::path::Path) -> (Box<dyn Source>, Vec<f32>) {
        let mut src = source::open(path).unwrap();
        let mut all = Vec::new();
        let mut block = Vec::new();
        loop {
            src.read(&mut block).unwrap();
            if block.is_empty() {
                break;
            }
            all.extend_from_slice(&block);
        }
        (src, all)
    }

    #[test]
    fn past_the_riff_limit_the_file_becomes_rf64_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("headroom-rf64-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.wav");
        let x: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        for (limit, tag) in [(u64::from(u32::MAX - 1), b"RIFF"), (1000, b"RF64")] {
            let target = Target::File(AtomicFile::create(&path).unwrap());
            let mut sink = WavSink::new(target, spec(SampleFormat::Float32), 2, 48_000).unwrap();
            sink.riff_limit = limit;
            let mut sink: Box<dyn Sink> = Box::new(sink);
            sink.write(Block::Float(&x)).unwrap();
            sink.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(&bytes[..4], tag);
            let (src, y) = read_back(&path);
            assert_eq!(src.total_frames(), Some(1500), "{tag:?}");
            assert_eq!(y, x, "{tag:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sixteen_and_24_bit_samples_are_packed_little_endian() {
        let dir = std::env::temp_dir().join(format!("headroom-pack-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (fmt, scale) in [
            (SampleFormat::Int16, 32_768.0),
            (SampleFormat::Int24, 8_388_608.0),
        ] {
            let path = dir.join("p.wav");
            let ints = [
                0,
                1,
                -1,
                12_345,
                -12_345,
                (scale as i32) - 1,
                -(scale as i32),
            ];
            let target = Target::File(AtomicFile::create(&path).unwrap());
            let mut sink: Box<dyn Sink> =
                Box::new(WavSink::new(target, spec(fmt), 1, 44_100).unwrap());
            sink.write(Block::Int(&ints)).unwrap();
            sink.finish().unwrap();
            let mut r = hound::WavReader::open(&path).unwrap();
            let back: Vec<i32> = r.samples::<i32>().map(Result::unwrap).collect();
            assert_eq!(back, ints, "{fmt:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
