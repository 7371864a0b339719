//! Ogg Opus: demuxed by `symphonia`'s Ogg reader (which knows the Opus
//! mapping and the end trim of each packet; the pre-skip is applied here),
//! decoded by `ruopus`, a pure-Rust Opus decoder that passes the official
//! conformance vectors (symphonia has no Opus decoder). Mono and stereo
//! streams (channel mapping family 0); always 48 kHz; float output, so
//! decoded peaks above full scale are kept.

use ruopus::OpusDecoder;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::formats::{FormatReader, TrackType};

use super::symphonia_src::{next_packet, open_container};
use super::{Input, Source};
use crate::format::{AudioFormat, Codec, SampleFormat};

const RATE: u32 = 48_000;

pub struct OpusSource {
    reader: Box<dyn FormatReader>,
    decoder: OpusDecoder,
    track_id: u32,
    channels: usize,
    total_frames: Option<u64>,
    frames_read: u64,
    /// Where the next packet should start (stream time base), once known.
    next_pts: Option<i64>,
    pcm: Vec<f32>,
    /// Frames of the stream's pre-skip not yet dropped.
    preskip_left: usize,
}

impl OpusSource {
    pub fn new(input: Input) -> Result<OpusSource, String> {
        let last_granule = input.ogg_last_granule();
        let reader = open_container(input, "Ogg Opus")?;
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
        let decoder = OpusDecoder::new(channels);
        Ok(OpusSource {
            track_id: track.id,
            // Symphonia counts the pre-skip in the stream's length.
            // (When it cannot tell, e.g. damage in the middle stops its
            // search for the end, the last page's granule position does.)
            total_frames: track
                .num_frames
                .or(last_granule)
                .map(|n| n.saturating_sub(u64::from(track.delay.unwrap_or(0)))),
            preskip_left: track.delay.unwrap_or(0) as usize,
            reader,
            decoder,
            channels,
            frames_read: 0,
            next_pts: None,
            pcm: Vec::new(),
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
            let seconds = self.frames_read as f64 / f64::from(RATE);
            let next = next_packet(
                self.reader.as_mut(),
                self.track_id,
                &mut self.next_pts,
                seconds,
            );
            let Some(packet) = next? else {
                break;
            };
            // A decoder bug must not take the whole batch down: a panic
            // on a damaged packet is reported as this file's error.
            let decoder = &mut self.decoder;
            let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                decoder.decode_packet(&packet.data)
            }));
            self.pcm = match decoded {
                Ok(Ok(pcm)) => pcm,
                Ok(Err(e)) => return Err(format!("corrupt Opus packet ({e:?}) at {}", self.at())),
                Err(_) => {
                    return Err(format!(
                        "the Opus decoder failed on the packet at {}",
                        self.at()
                    ))
                }
            };
            let frames = self.pcm.len() / self.channels;
            // The container's pre-skip: symphonia reports it as the track's
            // delay and trims only the end, so the start is trimmed here
            // (counting any trim it does report against the pre-skip).
            let trim_start = packet.trim_start.get() as usize;
            self.preskip_left = self.preskip_left.saturating_sub(trim_start);
            let extra = self.preskip_left.min(frames.saturating_sub(trim_start));
            self.preskip_left -= extra;
            let start = (trim_start + extra).min(frames);
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
                    "corrupt or truncated: the stream promises {n} frames, only {} could be decoded",
                    self.frames_read
                ));
            }
        }
        Ok(())
    }
}
