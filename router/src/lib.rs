//! The router daemon (per-app routing on PipeWire, profiles, Layer A) and the
//! `headroom` CLI arrive with the router work; this crate fixes its place
//! (GPL-3.0-or-later, depends on the DSP library only for the parameter
//! table and meters) in the workspace.
