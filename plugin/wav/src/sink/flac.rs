//! Streaming FLAC writer (through `flacenc`): frames of 4096 samples are
//! encoded and written as they fill; STREAMINFO (total samples, frame
//! sizes, MD5 of the audio) is fixed up at the end. On standard output it
//! stays "unknown" (0), as the format allows.

use std::io::Write;

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use super::{Block, OutputSpec, Sink, Target};

const BLOCK_FRAMES: usize = 4096;
/// STREAMINFO starts after `fLaC` and its 4-byte block header.
const STREAMINFO_AT: u64 = 8;

pub struct FlacSink {
    target: Target,
    config: Verified<config::Encoder>,
    info: StreamInfo,
    framebuf: FrameBuf,
    context: Context,
    channels: usize,
    pending: Vec<i32>,
    frame_number: usize,
    total_frames: u64,
    bytes: ByteSink,
}

fn streaminfo_bytes(info: &StreamInfo) -> Result<Vec<u8>, String> {
    let mut sink = ByteSink::new();
    info.write(&mut sink)
        .map_err(|e| format!("FLAC STREAMINFO: {e:?}"))?;
    Ok(sink.into_inner())
}

impl FlacSink {
    pub fn new(
        mut target: Target,
        spec: OutputSpec,
        channels: usize,
        sample_rate: u32,
    ) -> Result<FlacSink, String> {
        let bits = usize::from(spec.sample_format.bits());
        if spec.sample_format.is_float() || bits > 24 {
            return Err(format!(
                "FLAC holds 16- or 24-bit integers, not {}",
                spec.sample_format
            ));
        }
        let mut info = StreamInfo::new(sample_rate as usize, channels, bits)
            .map_err(|e| format!("FLAC cannot hold this stream: {e:?}"))?;
        // Until the end is known (and for ever on stdout): fixed block
        // size, frame sizes "unknown".
        info.set_block_sizes(BLOCK_FRAMES, BLOCK_FRAMES)
            .map_err(|e| format!("FLAC block size: {e:?}"))?;
        info.set_frame_sizes(0, 0)
            .map_err(|e| format!("FLAC frame sizes: {e:?}"))?;
        let mut encoder = config::Encoder::default();
        encoder.block_size = BLOCK_FRAMES;
        let config = encoder
            .into_verified()
            .map_err(|(_, e)| format!("FLAC encoder settings: {e:?}"))?;
        let mut header = Vec::with_capacity(42);
        header.extend_from_slice(b"fLaC");
        // Last metadata block (0x80), type STREAMINFO (0), 34 bytes.
        header.extend_from_slice(&[0x80, 0, 0, 34]);
        header.extend_from_slice(&streaminfo_bytes(&info)?);
        target.write_all(&header).map_err(|e| e.to_string())?;
        Ok(FlacSink {
            target,
            config,
            info,
            framebuf: FrameBuf::with_size(channels, BLOCK_FRAMES)
                .map_err(|e| format!("FLAC frame buffer: {e:?}"))?,
            context: Context::new(bits, channels),
            channels,
            pending: Vec::with_capacity(BLOCK_FRAMES * channels),
            frame_number: 0,
            total_frames: 0,
            bytes: ByteSink::new(),
        })
    }

    fn encode_pending(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        (&mut self.framebuf, &mut self.context)
            .fill_interleaved(&self.pending)
            .map_err(|e| format!("FLAC encoder: {e:?}"))?;
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.framebuf,
            self.frame_number,
            &self.info,
        )
        .map_err(|e| format!("FLAC encoder: {e:?}"))?;
        self.info.update_frame_info(&frame);
        self.bytes.clear();
        frame
            .write(&mut self.bytes)
            .map_err(|e| format!("FLAC encoder: {e:?}"))?;
        self.target
            .write_all(self.bytes.as_slice())
            .map_err(|e| e.to_string())?;
        self.frame_number += 1;
        self.total_frames += (self.pending.len() / self.channels) as u64;
        self.pending.clear();
        Ok(())
    }
}

impl Sink for FlacSink {
    fn write(&mut self, block: Block<'_>) -> Result<(), String> {
        let Block::Int(mut x) = block else {
            return Err("FLAC needs integer samples".to_string());
        };
        while !x.is_empty() {
            let room = BLOCK_FRAMES * self.channels - self.pending.len();
            let n = room.min(x.len());
            self.pending.extend_from_slice(&x[..n]);
            x = &x[n..];
            if self.pending.len() == BLOCK_FRAMES * self.channels {
                self.encode_pending()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.encode_pending()?;
        self.info.set_total_samples(self.total_frames as usize);
        self.info.set_md5_digest(&self.context.md5_digest());
        // The last frame may be shorter; STREAMINFO states the fixed size.
        self.info
            .set_block_sizes(BLOCK_FRAMES, BLOCK_FRAMES)
            .map_err(|e| format!("FLAC block size: {e:?}"))?;
        let bytes = streaminfo_bytes(&self.info)?;
        self.target
            .patch(STREAMINFO_AT, &bytes)
            .map_err(|e| e.to_string())?;
        self.target.commit()
    }
}
