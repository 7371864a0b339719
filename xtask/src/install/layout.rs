//! Where each installed file goes, as the running system sees it: the
//! user's home, a `--prefix`, or the Debian package's `/usr`.

use std::path::{Path, PathBuf};

use crate::cmd::Result;

/// Directories of one installation (absolute paths as seen at run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `headroom` and `headroom-wav`.
    pub bin: PathBuf,
    /// `headroom.lv2/`, which holds the one plugin binary the CLAP and VST3
    /// bundles link to.
    pub lv2: PathBuf,
    pub clap: PathBuf,
    pub vst3: PathBuf,
    /// `<share>/profiles`: the shipped profiles, where the router looks for
    /// them (`<bin>/../share/headroom/profiles`).
    pub share: PathBuf,
    /// `man1/` goes below it.
    pub man: PathBuf,
    /// Whether man pages are gzipped (Debian policy) or plain.
    pub gzip_man: bool,
    pub bash_completions: PathBuf,
    pub zsh_completions: PathBuf,
    pub fish_completions: PathBuf,
    pub systemd_user: PathBuf,
    /// A `wireplumber.conf.d` directory WirePlumber 0.5 reads.
    pub wireplumber: PathBuf,
    /// A `pipewire.conf.d` directory (`--pipewire-dropin`).
    pub pipewire: PathBuf,
    /// The standalone filter-chain config `install` renders from a profile.
    pub filter_chain_conf: PathBuf,
    /// The list of what `install` wrote (not part of the package).
    pub manifest: PathBuf,
}

impl Layout {
    /// `~/.local/bin`, `~/.lv2`, `~/.clap`, `~/.vst3` and the XDG config and
    /// data homes: the places hosts, shells and systemd search per user.
    pub fn user() -> Result<Layout> {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_absolute())
            .ok_or("HOME is not set to an absolute path: use --prefix DIR")?;
        let config = headroom_files::config_home().unwrap_or_else(|| home.join(".config"));
        let data = headroom_files::data_home().unwrap_or_else(|| home.join(".local/share"));
        let local = home.join(".local");
        Ok(Layout {
            bin: local.join("bin"),
            lv2: home.join(".lv2"),
            clap: home.join(".clap"),
            vst3: home.join(".vst3"),
            // `<bin>/../share/headroom`, so the router finds its profiles.
            share: local.join("share/headroom"),
            man: local.join("share/man"),
            gzip_man: false,
            bash_completions: data.join("bash-completion/completions"),
            // Not on zsh's default fpath: `install` says how to add it.
            zsh_completions: data.join("zsh/site-functions"),
            fish_completions: config.join("fish/completions"),
            systemd_user: config.join("systemd/user"),
            wireplumber: config.join("wireplumber/wireplumber.conf.d"),
            pipewire: config.join("pipewire/pipewire.conf.d"),
            filter_chain_conf: config.join("headroom/filter-chain.conf"),
            manifest: local.join("share/headroom/install-manifest"),
        })
    }

    /// Everything below `prefix`, in the FHS places under it.
    pub fn prefix(prefix: &Path) -> Layout {
        let share = prefix.join("share");
        let lib = prefix.join("lib");
        Layout {
            bin: prefix.join("bin"),
            lv2: lib.join("lv2"),
            clap: lib.join("clap"),
            vst3: lib.join("vst3"),
            share: share.join("headroom"),
            man: share.join("man"),
            gzip_man: false,
            bash_completions: share.join("bash-completion/completions"),
            zsh_completions: share.join("zsh/site-functions"),
            fish_completions: share.join("fish/vendor_completions.d"),
            systemd_user: lib.join("systemd/user"),
            wireplumber: share.join("wireplumber/wireplumber.conf.d"),
            pipewire: share.join("pipewire/pipewire.conf.d"),
            filter_chain_conf: share.join("headroom/filter-chain.conf"),
            manifest: share.join("headroom/install-manifest"),
        }
    }

    /// The Debian package's `/usr`.
    pub fn debian() -> Layout {
        Layout {
            gzip_man: true,
            zsh_completions: "/usr/share/zsh/vendor-completions".into(),
            ..Layout::prefix(Path::new("/usr"))
        }
    }

    /// Whether CLAP hosts find `clap` without `CLAP_PATH`: the CLAP
    /// standard's Linux search path is `~/.clap` and `/usr/lib/clap`.
    pub fn clap_is_searched(&self) -> bool {
        let home_clap = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".clap"));
        self.clap == Path::new("/usr/lib/clap") || Some(&self.clap) == home_clap.as_ref()
    }
}
