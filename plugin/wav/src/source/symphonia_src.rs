//! FLAC, Ogg Vorbis (and Ogg FLAC) and MP3 through `symphonia`, read
//! sequentially (pipes work). Corrupt packets are errors, not skipped: an
//! offline tool must not quietly drop audio.

use std::io;

use symphonia::core::codecs::audio::well_known::{CODEC_ID_FLAC, CODEC_ID_MP3, CODEC_ID_VORBIS};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;

use super::{Input, Source};
use crate::format::{AudioFormat, Codec, SampleFormat};

pub struct SymphoniaSource {
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    format: AudioFormat,
    total_frames: Option<u64>,
    frames_read: u64,
    /// Where the next packet should start (stream time base), once known.
    next_pts: Option<i64>,
}

pub(super) fn describe(e: &Error) -> String {
    match e {
        Error::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            "truncated: the stream ends inside a packet".to_string()
        }
        Error::IoError(io) => format!("cannot read: {io}"),
        Error::DecodeError(why) => format!("corrupt data ({why})"),
        Error::Unsupported(what) => format!("unsupported: {what}"),
        other => other.to_string(),
    }
}

/// The next packet of track `track_id` from `reader`; `Ok(None)` at the
/// end. A damaged page or frame is skipped by the container reader (it
/// resynchronises); the gap it leaves in the timestamps, which
/// `next_pts` follows, is reported as corruption. `seconds` is where
/// the stream is, for messages.
pub(super) fn next_packet(
    reader: &mut dyn FormatReader,
    track_id: u32,
    next_pts: &mut Option<i64>,
    seconds: f64,
) -> Result<Option<Packet>, String> {
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("{} at {seconds:.3} s", describe(&e))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let pts = packet.pts.get();
        if let Some(expected) = *next_pts {
            if pts > expected {
                return Err(format!(
                    "corrupt: {} frames missing at {seconds:.3} s (damaged or lost data)",
                    pts - expected
                ));
            }
        }
        let span = packet.dur.get() + packet.trim_start.get() + packet.trim_end.get();
        *next_pts = Some(pts.saturating_add(span as i64));
        return Ok(Some(packet));
    }
}

/// The container reader Symphonia's probe finds for `input`; an error
/// says it is not a readable `what` stream, and why.
pub(super) fn open_container(input: Input, what: &str) -> Result<Box<dyn FormatReader>, String> {
    let mss = MediaSourceStream::new(input.media_source(), Default::default());
    symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| format!("not a readable {what} stream ({})", describe(&e)))
}

impl SymphoniaSource {
    pub fn new(input: Input) -> Result<SymphoniaSource, String> {
        let last_granule = input.ogg_last_granule();
        let reader = open_container(input, "FLAC, Ogg or MP3")?;
        let track = reader
            .default_track(TrackType::Audio)
            .ok_or("no audio track")?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or("the audio track has no codec parameters")?
            .clone();
        let codec = match params.codec {
            CODEC_ID_FLAC => Codec::Flac,
            CODEC_ID_VORBIS => Codec::Vorbis,
            CODEC_ID_MP3 => Codec::Mp3,
            other => return Err(format!("unsupported codec ({other:?}) in this container")),
        };
        let sample_rate = params
            .sample_rate
            .ok_or("the stream gives no sample rate")?;
        let channels = params
            .channels
            .as_ref()
            .map(|c| c.count())
            .ok_or("the stream gives no channel count")?;
        let sample_format = match (codec, params.bits_per_sample) {
            (Codec::Flac, Some(16)) => SampleFormat::Int16,
            (Codec::Flac, Some(24)) => SampleFormat::Int24,
            (Codec::Flac, Some(32)) => SampleFormat::Int32,
            (Codec::Flac, Some(bits)) => {
                return Err(format!(
                "unsupported sample format {bits}-bit FLAC: headroom-wav reads 16-, 24- and 32-bit"
            ))
            }
            _ => SampleFormat::Float32,
        };
        let track_id = track.id;
        // Ogg Vorbis: the last page's granule position is the length, when
        // the reader could not find it (damage stops its search).
        let total_frames = track.num_frames.or(if codec == Codec::Vorbis {
            last_granule
        } else {
            None
        });
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| describe(&e))?;
        Ok(SymphoniaSource {
            reader,
            decoder,
            track_id,
            format: AudioFormat {
                codec,
                sample_rate,
                channels,
                sample_format,
            },
            total_frames,
            frames_read: 0,
            next_pts: None,
        })
    }

    fn at(&self) -> String {
        format!(
            "{:.3} s",
            self.frames_read as f64 / f64::from(self.format.sample_rate)
        )
    }
}

impl Source for SymphoniaSource {
    fn format(&self) -> AudioFormat {
        self.format
    }

    fn total_frames(&self) -> Option<u64> {
        self.total_frames
    }

    fn read(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        out.clear();
        loop {
            let seconds = self.frames_read as f64 / f64::from(self.format.sample_rate);
            let next = next_packet(
                self.reader.as_mut(),
                self.track_id,
                &mut self.next_pts,
                seconds,
            );
            let Some(packet) = next? else {
                break;
            };
            let at = self.at();
            let decoded = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(e) => return Err(format!("{} at {at}", describe(&e))),
            };
            if decoded.frames() == 0 {
                continue;
            }
            if decoded.spec().channels().count() != self.format.channels
                || decoded.spec().rate() != self.format.sample_rate
            {
                return Err(format!(
                    "the stream changes format at {at} ({} ch, {} Hz); headroom-wav needs one format per file",
                    decoded.spec().channels().count(),
                    decoded.spec().rate()
                ));
            }
            out.resize(decoded.samples_interleaved(), 0.0);
            decoded.copy_to_slice_interleaved(&mut out[..]);
            self.frames_read += decoded.frames() as u64;
            return Ok(());
        }
        if let Some(n) = self.total_frames {
            if self.frames_read < n {
                return Err(format!(
                    "corrupt or truncated: the header promises {n} frames, only {} could be decoded",
                    self.frames_read
                ));
            }
        }
        Ok(())
    }
}
