//! A file written as a stream and still all-or-nothing (large outputs,
//! headers patched at the end): written to a hidden temporary file in the
//! target's directory, flushed to disk (`fsync`), renamed over the target,
//! and the directory synced so the rename itself survives a crash. A
//! failure, or dropping the writer before [`AtomicFile::commit`], removes
//! the temporary file and leaves any existing target untouched.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
}

/// The temporary file for `path`: hidden, beside it (so the rename cannot
/// cross file systems), unique per process and per call.
fn temp_path_for(path: &Path) -> Option<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = path.file_name()?.to_string_lossy();
    let dir = parent_dir(path);
    Some(dir.join(format!(
        ".{name}.headroom-tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl AtomicFile {
    /// Creates the temporary file. Errors say the problem only (the
    /// caller names the file).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        if target.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        let temp = temp_path_for(target)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    fn file(&mut self) -> &mut BufWriter<File> {
        self.file.as_mut().expect("written after commit")
    }

    /// Overwrites `bytes` at `offset` (header fix-ups), then returns to the end.
    pub fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let f = self.file();
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(bytes)?;
        f.seek(SeekFrom::End(0))?;
        Ok(())
    }

    /// Flushes, syncs, renames into place and syncs the directory.
    pub fn commit(mut self) -> io::Result<()> {
        let context = |what: &str, e: io::Error| io::Error::new(e.kind(), format!("{what}: {e}"));
        let file = self.file.take().expect("committed once");
        let file = file
            .into_inner()
            .map_err(|e| context("cannot write it", e.into_error()))?;
        file.sync_all()
            .map_err(|e| context("cannot sync it to disk", e))?;
        drop(file);
        fs::rename(&self.temp, &self.target)
            .map_err(|e| context("cannot move it into place", e))?;
        // The rename is durable only once the directory entry is.
        if let Ok(dir) = File::open(parent_dir(&self.target)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("headroom-atomic-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn nothing_appears_until_commit_and_a_drop_leaves_nothing() {
        let d = scratch("drop");
        let target = d.join("out.wav");
        fs::write(&target, "old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new!").unwrap();
        f.patch(0, b"N").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "New!");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }
}
