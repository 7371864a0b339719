//! Ogg Opus: demuxed by `symphonia`'s Ogg reader (which knows the Opus
//! mapping and computes the pre-skip and end trim of each packet), decoded
//! by `opus-decoder`, a pure-Rust, RFC 8251-conformant Opus decoder
//! (symphonia has no Opus decoder). Mono and stereo streams (channel
//! mapping family 0); always 48 kHz. The decoder produces 16-bit samples,
//! so decoded peaks above full scale are clipped at it.

use opus_decoder::OpusDecoder;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;

use super::symphonia_src::describe;
use super::{Prefixed, Source};
use crate::format::{AudioFormat, Codec, SampleFormat};

const RATE: u32 = 48_000;

pub struct OpusSource {
    reader: Box<dyn FormatReader>,
    decoder: OpusDecoder,
    track_id: u32,
    channels: usize,
    total_frames: Option<u64>,
    frames_read: u64,
    pcm: Vec<f32>,
}

impl OpusSource {
    pub fn new(stream: Prefixed) -> Result<OpusSource, String> {
        let mss = MediaSourceStream::new(Box::new(ReadOnlySource::new(stream)), Default::default());
        let reader = symphonia::default::get_probe()
            .probe(
                &Hint::new(),
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| format!("not a readable Ogg Opus stream ({})", describe(&e)))?;
        let track = reader
            .default_track(TrackType::Audio)
            .ok_or("no audio track")?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or("the Opus track has no codec parameters")?;
        if params.codec != CODEC_ID_OPUS {
            return Err("the Ogg stream is not Opus".to_string());
        }
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        if !(1..=2).contains(&channels) {
            return Err(format!(
                "{channels}-channel Opus (multistream): headroom-wav decodes mono and stereo Opus"
            ));
        }
        let decoder = OpusDecoder::new(RATE, channels)
            .map_err(|e| format!("cannot start the Opus decoder: {e}"))?;
        Ok(OpusSource {
            track_id: track.id,
            total_frames: track.num_frames,
            reader,
            decoder,
            channels,
            frames_read: 0,
            pcm: vec![0.0; OpusDecoder::MAX_FRAME_SIZE_48K * channels],
        })
    }

    fn at(&self) -> String {
        format!("{:.3} s", self.frames_read as f64 / f64::from(RATE))
    }
}

impl Source for OpusSource {
    fn format(&self) -> AudioFormat {
        AudioFormat {
            codec: Codec::Opus,
            sample_rate: RATE,
            channels: self.channels,
            sample_format: SampleFormat::Float32,
        }
    }

    fn total_frames(&self) -> Option<u64> {
        self.total_frames
    }

    fn read(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        out.clear();
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => return Err(format!("{} at {}", describe(&e), self.at())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let frames = self
                .decoder
                .decode_float(&packet.data, &mut self.pcm, false)
                .map_err(|e| format!("corrupt Opus packet ({e}) at {}", self.at()))?;
            let start = (packet.trim_start.get() as usize).min(frames);
            let end = frames
                .saturating_sub(packet.trim_end.get() as usize)
                .max(start);
            if end == start {
                continue;
            }
            out.extend_from_slice(&self.pcm[start * self.channels..end * self.channels]);
            self.frames_read += (end - start) as u64;
            return Ok(());
        }
        if let Some(n) = self.total_frames {
            if self.frames_read < n {
                return Err(format!(
                    "truncated: the stream promises {n} frames, it ends after {}",
                    self.frames_read
                ));
            }
        }
        Ok(())
    }
}
