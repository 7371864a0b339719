//! All-or-nothing output files: the project's streaming atomic writer
//! (`headroom_files::AtomicFile`: temp file beside the target, fsync,
//! rename, fsync of the directory; nothing left behind on failure).

pub use headroom_files::AtomicFile;
