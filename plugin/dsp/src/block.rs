//! The DSP's block geometry: how many frames one internal step handles and
//! how many channels one chain links. A leaf module (it depends on nothing)
//! so that every stage can size its buffers from it without importing the
//! chain.

/// Frames processed per internal step; host blocks of any size are split
/// into chunks of this many frames. Output never depends on the split.
pub const CHUNK: usize = 64;
/// Most channels one chain links.
pub const MAX_CHANNELS: usize = 8;
