//! Finding a profile by name: the user's directory first, then the shipped ones.

use std::path::{Path, PathBuf};

use crate::{suggest, Profile, ProfileError};

/// Environment variable naming the shipped-profiles directory (several may be
/// given, separated like `PATH`). Set it when running from an unusual layout.
pub const PROFILES_DIR_ENV: &str = "HEADROOM_PROFILES_DIR";

/// The repository's `profiles/`, known at build time: it makes `cargo run`
/// and the tests find the shipped profiles without any set-up.
const BUILD_TREE_PROFILES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles");

/// Whether a `--profile` argument names a file rather than a profile:
/// it contains `/` or ends with `.toml`.
pub fn is_path_like(arg: &str) -> bool {
    arg.contains('/') || arg.ends_with(".toml")
}

/// Where profiles are looked up by name, in order: `user_dir`, then each of
/// `shipped_dirs`. The first `NAME.toml` found wins, so a user's
/// `night.toml` overrides the shipped one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    pub user_dir: Option<PathBuf>,
    pub shipped_dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// The standard search path:
    /// 1. `$XDG_CONFIG_HOME/headroom/profiles` (`~/.config/headroom/profiles`
    ///    when `XDG_CONFIG_HOME` is unset or not absolute);
    /// 2. every directory in `$HEADROOM_PROFILES_DIR`;
    /// 3. `<executable's dir>/../share/headroom/profiles` (an installed layout);
    /// 4. the source tree's `profiles/` this crate was built from, if it still exists.
    pub fn from_env() -> SearchPath {
        let user_dir = headroom_files::headroom_config_dir().map(|c| c.join("profiles"));

        let mut shipped_dirs: Vec<PathBuf> = std::env::var_os(PROFILES_DIR_ENV)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
        {
            if let Ok(installed) = exe_dir.join("../share/headroom/profiles").canonicalize() {
                if installed.is_dir() {
                    shipped_dirs.push(installed);
                }
            }
        }
        // Canonical, so messages show `/src/headroom/profiles`, not `…/plugin/profile/../../profiles`.
        if let Ok(build_tree) = Path::new(BUILD_TREE_PROFILES_DIR).canonicalize() {
            if build_tree.is_dir() {
                shipped_dirs.push(build_tree);
            }
        }
        SearchPath {
            user_dir,
            shipped_dirs,
        }
    }

    /// The search directories in order.
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.user_dir
            .iter()
            .chain(self.shipped_dirs.iter())
            .map(PathBuf::as_path)
    }

    /// The file a `--profile` argument means: the argument itself if it is
    /// path-like (see [`is_path_like`]), else the first `NAME.toml` on the
    /// search path.
    pub fn resolve(&self, arg: &str) -> Result<PathBuf, ProfileError> {
        if is_path_like(arg) {
            return Ok(PathBuf::from(arg));
        }
        if !arg.is_empty() && !arg.starts_with('.') {
            let file = format!("{arg}.toml");
            if let Some(found) = self.dirs().map(|d| d.join(&file)).find(|p| p.is_file()) {
                return Ok(found);
            }
        }
        let available = self.available();
        Err(ProfileError::NotFound {
            name: arg.to_string(),
            searched: self.dirs().map(Path::to_path_buf).collect(),
            suggestion: suggest::nearest(arg, available.iter().map(String::as_str))
                .map(str::to_string),
            available,
        })
    }

    /// Resolves and loads a profile (see [`SearchPath::resolve`]).
    pub fn load(&self, arg: &str) -> Result<Profile, ProfileError> {
        Profile::load(&self.resolve(arg)?)
    }

    /// Names of all profiles on the search path, sorted, each once.
    pub fn available(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .dirs()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                if path.extension()? != "toml" || !path.is_file() {
                    return None;
                }
                Some(path.file_stem()?.to_string_lossy().into_owned())
            })
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
