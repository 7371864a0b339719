//! `headroom monitor`: the live view of what headroom does (full-screen
//! terminal UI), or the same data as line-delimited JSON for scripts.

pub mod view;
