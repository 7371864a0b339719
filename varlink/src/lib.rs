//! Client for the `io.headroom.Router` varlink interface. The interface
//! definition and the typed calls arrive with the control-plane work; this
//! crate fixes its place (MPL-2.0, no PipeWire dependency) in the workspace.
