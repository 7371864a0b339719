//! Writing files while keeping a list of them: every file, symlink and
//! directory an install creates is recorded, so `uninstall` removes exactly
//! that and nothing else. The `.deb` staging uses the same writer (its list
//! is thrown away: dpkg keeps its own).
//!
//! The manifest is plain text, one entry a line, `KIND PATH`:
//! - `file /home/u/.local/bin/headroom` — a regular file;
//! - `link /home/u/.clap/headroom.clap` — a symlink;
//! - `dir /home/u/.clap` — a directory that did not exist before the
//!   install (removed by `uninstall` only if it is empty by then).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use crate::cmd::Result;

/// What one manifest line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    File,
    Link,
    Dir,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Link => "link",
            Kind::Dir => "dir",
        }
    }
}

/// The entries of one install, on-disk paths.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub entries: BTreeSet<(Kind, PathBuf)>,
}

impl Manifest {
    pub fn parse(text: &str) -> std::result::Result<Manifest, String> {
        let mut entries = BTreeSet::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (word, path) = line
                .split_once(' ')
                .ok_or_else(|| format!("line {}: expected `KIND PATH`, got `{line}`", n + 1))?;
            let kind = match word {
                "file" => Kind::File,
                "link" => Kind::Link,
                "dir" => Kind::Dir,
                other => return Err(format!("line {}: unknown kind `{other}`", n + 1)),
            };
            if !Path::new(path).is_absolute() {
                return Err(format!("line {}: `{path}` is not an absolute path", n + 1));
            }
            entries.insert((kind, PathBuf::from(path)));
        }
        Ok(Manifest { entries })
    }

    /// Reads `path`; no file is an empty manifest.
    pub fn load(path: &Path) -> Result<Manifest> {
        match fs::read_to_string(path) {
            Ok(text) => Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn render(&self) -> String {
        let mut text = String::from(
            "# Written by `cargo xtask install`; `cargo xtask uninstall` removes these.\n",
        );
        for (kind, path) in &self.entries {
            text += &format!("{} {}\n", kind.word(), path.display());
        }
        text
    }

    /// Removes every file and link listed, then every listed directory that
    /// is empty by then, deepest first. What is already gone is skipped;
    /// directories that still hold something not listed are kept. Returns
    /// the directories kept that way.
    pub fn remove_all(&self) -> Result<Vec<PathBuf>> {
        for (kind, path) in &self.entries {
            if *kind == Kind::Dir {
                continue;
            }
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
            }
        }
        let mut dirs: Vec<&PathBuf> = self
            .entries
            .iter()
            .filter(|(kind, _)| *kind == Kind::Dir)
            .map(|(_, path)| path)
            .collect();
        // Children before parents.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        let mut kept = Vec::new();
        for dir in dirs {
            match fs::remove_dir(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty => {
                    kept.push(dir.clone())
                }
                Err(e) => return Err(format!("cannot remove {}: {e}", dir.display())),
            }
        }
        Ok(kept)
    }
}

/// Writes files under `root` (`/` for a live install, a staging directory
/// for the package) and records each in a [`Manifest`]. Paths given to it
/// are as the installed system sees them.
pub struct Writer {
    root: PathBuf,
    pub manifest: Manifest,
}

impl Writer {
    /// `previous`: the manifest of an earlier install into the same place,
    /// so directories it created stay recorded when installing again.
    pub fn new(root: &Path, previous: Manifest) -> Writer {
        Writer {
            root: root.to_path_buf(),
            manifest: previous,
        }
    }

    /// Where `path` is on disk.
    pub fn on_disk(&self, path: &Path) -> PathBuf {
        let relative: PathBuf = path
            .components()
            .filter(|c| !matches!(c, Component::RootDir | Component::Prefix(_)))
            .collect();
        self.root.join(relative)
    }

    /// Creates `dir` and its missing parents (0755), recording each one made.
    pub fn mkdir(&mut self, dir: &Path) -> Result {
        let dir = self.on_disk(dir);
        let mut missing = Vec::new();
        let mut at = dir.as_path();
        while fs::symlink_metadata(at).is_err() {
            missing.push(at.to_path_buf());
            match at.parent() {
                Some(parent) => at = parent,
                None => break,
            }
        }
        for made in missing.into_iter().rev() {
            fs::create_dir(&made).map_err(|e| format!("cannot create {}: {e}", made.display()))?;
            set_mode(&made, 0o755)?;
            self.manifest.entries.insert((Kind::Dir, made));
        }
        Ok(())
    }

    /// Writes `contents` to `path` (atomically: temp file and rename), mode `mode`.
    pub fn file(&mut self, path: &Path, contents: &[u8], mode: u32) -> Result {
        if let Some(parent) = path.parent() {
            self.mkdir(parent)?;
        }
        let dest = self.on_disk(path);
        let temp = temp_beside(&dest);
        let written = fs::write(&temp, contents)
            .map_err(|e| format!("cannot write {}: {e}", temp.display()))
            .and_then(|()| set_mode(&temp, mode))
            .and_then(|()| rename(&temp, &dest));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written?;
        self.manifest.entries.insert((Kind::File, dest));
        Ok(())
    }

    /// Copies the file `from` to `path`.
    pub fn copy(&mut self, from: &Path, path: &Path, mode: u32) -> Result {
        let contents =
            fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        self.file(path, &contents, mode)
    }

    /// Installs the ELF file `from` at `path`, stripped of debug information
    /// and symbols unless `strip` is `None`.
    pub fn binary(&mut self, from: &Path, path: &Path, strip: Option<Strip>, mode: u32) -> Result {
        let Some(strip) = strip else {
            return self.copy(from, path, mode);
        };
        let stripped = crate::cmd::target_dir().join(format!(
            "strip-tmp/{}-{}",
            std::process::id(),
            from.file_name().unwrap_or_default().to_string_lossy()
        ));
        if let Some(dir) = stripped.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        strip.run(from, &stripped)?;
        let result = self.copy(&stripped, path, mode);
        let _ = fs::remove_file(&stripped);
        result
    }

    /// Makes `link` a symlink to `target` (relative when both are absolute
    /// paths, so the tree can be moved or staged), replacing what was there.
    pub fn symlink(&mut self, link: &Path, target: &Path) -> Result {
        if let Some(parent) = link.parent() {
            self.mkdir(parent)?;
        }
        let pointing_at = match link.parent() {
            Some(parent) if target.is_absolute() => relative_path(parent, target),
            _ => target.to_path_buf(),
        };
        let dest = self.on_disk(link);
        let temp = temp_beside(&dest);
        let _ = fs::remove_file(&temp);
        std::os::unix::fs::symlink(&pointing_at, &temp)
            .map_err(|e| format!("cannot create the symlink {}: {e}", temp.display()))?;
        if let Err(e) = rename(&temp, &dest) {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        self.manifest.entries.insert((Kind::Link, dest));
        Ok(())
    }

    /// Fills a directory tree with `fill` beside `path` and swaps it in
    /// whole (see [`crate::bundle::swap_in`]): a host scanning meanwhile
    /// sees the old tree or the new one. `fill` gets a writer rooted at the
    /// new tree; every file in it is recorded under `path`.
    pub fn tree(&mut self, path: &Path, fill: impl FnOnce(&mut Writer) -> Result) -> Result {
        if let Some(parent) = path.parent() {
            self.mkdir(parent)?;
        }
        let dest = self.on_disk(path);
        let staging = temp_beside(&dest);
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
        set_mode(&staging, 0o755)?;
        let mut inner = Writer::new(&staging, Manifest::default());
        let filled = fill(&mut inner).and_then(|()| crate::bundle::swap_in(&staging, &dest));
        if filled.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        filled?;
        // The tree is headroom's own, whoever made it first.
        self.manifest.entries.insert((Kind::Dir, dest.clone()));
        for (kind, staged) in inner.manifest.entries {
            let relative = staged
                .strip_prefix(&staging)
                .expect("the inner writer writes under its root");
            self.manifest.entries.insert((kind, dest.join(relative)));
        }
        Ok(())
    }
}

/// How to strip an ELF file (as Debian's `dh_strip` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// An executable: every symbol and all debug information.
    Executable,
    /// A shared library or plugin: what dynamic linking does not need.
    SharedLibrary,
}

impl Strip {
    fn run(self, from: &Path, to: &Path) -> Result {
        let mut strip = crate::cmd::command("strip");
        strip.args(["--remove-section=.comment", "--remove-section=.note"]);
        if self == Strip::SharedLibrary {
            strip.arg("--strip-unneeded");
        }
        strip.arg("-o").arg(to).arg(from);
        crate::cmd::output(&mut strip).map(drop)
    }
}

/// `to` as seen from the directory `from` (both absolute): `../x/y`.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    out
}

fn temp_beside(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.new-{}", std::process::id()))
}

fn set_mode(path: &Path, mode: u32) -> Result {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))
}

fn rename(from: &Path, to: &Path) -> Result {
    fs::rename(from, to)
        .map_err(|e| format!("cannot move {} to {}: {e}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path under `dir` (relative), with a marker for its kind.
    fn listing(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            for entry in fs::read_dir(&at).unwrap() {
                let path = entry.unwrap().path();
                let meta = fs::symlink_metadata(&path).unwrap();
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                if meta.is_dir() {
                    out.push(format!("{rel}/"));
                    stack.push(path);
                } else {
                    out.push(rel);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn removing_the_manifest_restores_the_directory_exactly() {
        let dir = std::env::temp_dir().join(format!("xtask-manifest-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("share/other")).unwrap();
        fs::write(dir.join("share/other/keep.txt"), "not ours").unwrap();
        let before = listing(&dir);

        let mut writer = Writer::new(&dir, Manifest::default());
        writer
            .file(Path::new("/bin/tool"), b"#!/bin/sh\n", 0o755)
            .unwrap();
        writer
            .file(Path::new("/share/other/ours.txt"), b"ours", 0o644)
            .unwrap();
        writer
            .tree(Path::new("/lib/lv2/x.lv2"), |w| {
                w.file(Path::new("/x.so"), b"elf", 0o644)?;
                w.file(Path::new("/sub/manifest.ttl"), b"ttl", 0o644)
            })
            .unwrap();
        writer
            .symlink(
                Path::new("/lib/clap/x.clap"),
                Path::new("/lib/lv2/x.lv2/x.so"),
            )
            .unwrap();
        assert_eq!(
            fs::read_link(dir.join("lib/clap/x.clap")).unwrap(),
            Path::new("../lv2/x.lv2/x.so")
        );
        assert_eq!(fs::read(dir.join("lib/clap/x.clap")).unwrap(), b"elf");
        // Installing again over the first install keeps everything recorded.
        let text = writer.manifest.render();
        let mut again = Writer::new(&dir, Manifest::parse(&text).unwrap());
        again
            .tree(Path::new("/lib/lv2/x.lv2"), |w| {
                w.file(Path::new("/x.so"), b"elf2", 0o644)
            })
            .unwrap();
        assert_eq!(
            Manifest::parse(&again.manifest.render()).unwrap(),
            again.manifest
        );

        assert_eq!(again.manifest.remove_all().unwrap(), Vec::<PathBuf>::new());
        assert_eq!(listing(&dir), before);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn relative_paths_climb_to_the_common_parent() {
        assert_eq!(
            relative_path(
                Path::new("/usr/lib/vst3/h.vst3/Contents/x86_64-linux"),
                Path::new("/usr/lib/lv2/h.lv2/h.so")
            ),
            Path::new("../../../../lv2/h.lv2/h.so")
        );
        assert_eq!(
            relative_path(
                Path::new("/home/u/.clap"),
                Path::new("/home/u/.lv2/h.lv2/h.so")
            ),
            Path::new("../.lv2/h.lv2/h.so")
        );
    }
}
