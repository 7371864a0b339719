//! `devices.toml` as the file thread keeps it: loaded at start, polled for
//! hand edits like the profile and `routes.toml`, and edited for
//! `UseProfile` with `for_device`.
//!
//! Guarantees:
//! - **Checked before taken.** A version is taken only if it parses
//!   ([`headroom_profile::devices::parse`]) *and* every profile it names
//!   exists on the search path; otherwise [`DevicesFile::error`] says
//!   where and what (`devices.toml:7:11: profile "nigth" does not exist
//!   (did you mean night?) …`) and the last good rules stay in force.
//! - **Settled.** A hand edit is read once its stamp has been unchanged
//!   for [`crate::profile_watch::SETTLE`] (never half-written).
//! - **Edits keep the file.** [`DevicesFile::save_for_device`] changes
//!   only the rule for that device (or adds one, first, so it wins), keeps
//!   comments and order, writes atomically, and is never reported back as
//!   a hand edit.

use headroom_profile::devices::{self, DeviceRules, DevicesProblem, DEVICES_FILE};
use headroom_profile::{ProfileError, SearchPath};
use std::path::{Path, PathBuf};

use crate::profile_watch::{stamp, Settling};

/// The largest devices file read (a few hundred rules fit many times).
const MAX_BYTES: u64 = 256 * 1024;

/// What a new devices file starts with.
const HEADER: &str = "\
# Which profile for which output device (see `headroom profile use --help`
# and profiles/examples/devices.toml). Rules are tried in order; the first
# whose conditions all match the output device wins.
";

/// The devices file: its rules in force and why a newer version is not.
#[derive(Debug, Clone, Default)]
pub struct DevicesFile {
    /// `devices.toml` in the config directory; `None` without a home.
    pub path: Option<PathBuf>,
    /// The last good rules (none while the file does not exist).
    pub rules: DeviceRules,
    /// Why the file as it is now cannot be used, until it can.
    pub error: Option<DevicesProblem>,
    /// The version the rules (or the error) come from.
    version: Settling,
}

/// Why `--for-device` could not be saved.
#[derive(Debug, Clone, PartialEq)]
pub enum DevicesSaveError {
    /// The file as it is cannot be used: it is not overwritten.
    Invalid(DevicesProblem),
    /// Writing failed.
    Write { file: String, message: String },
}

impl std::fmt::Display for DevicesSaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DevicesSaveError::Invalid(p) => write!(f, "{p} (fix it, then try again)"),
            DevicesSaveError::Write { file, message } => {
                write!(f, "cannot write {file}: {message}")
            }
        }
    }
}

impl DevicesFile {
    /// The standard file (`$XDG_CONFIG_HOME/headroom/devices.toml`), loaded.
    pub fn from_env(search: &SearchPath) -> DevicesFile {
        let path = headroom_files::headroom_config_dir().map(|d| d.join(DEVICES_FILE));
        DevicesFile::load(path, search)
    }

    /// `path`, not read yet: no rules until [`DevicesFile::load`].
    pub fn unread(path: Option<PathBuf>) -> DevicesFile {
        DevicesFile {
            path,
            ..Default::default()
        }
    }

    /// Loads `path`; a missing file is no rules, not an error.
    pub fn load(path: Option<PathBuf>, search: &SearchPath) -> DevicesFile {
        let loaded = path.as_deref().and_then(stamp);
        let (rules, error) = match path.as_deref().map(|p| read(p, search)) {
            None | Some(Ok(None)) => (DeviceRules::default(), None),
            Some(Ok(Some(rules))) => (rules, None),
            Some(Err(problem)) => (DeviceRules::default(), Some(problem)),
        };
        DevicesFile {
            path,
            rules,
            error,
            version: Settling::new(loaded),
        }
    }

    /// Call every poll: reads the file again once a change has settled.
    /// A version that cannot be used keeps the last good rules and sets
    /// `error`. Whether the rules or the error changed.
    pub fn poll(&mut self, search: &SearchPath) -> bool {
        let Some(path) = self.path.clone() else {
            return false;
        };
        if !self.version.settled(stamp(&path)) {
            return false;
        }
        let before = (self.rules.clone(), self.error.clone());
        match read(&path, search) {
            Ok(rules) => {
                self.rules = rules.unwrap_or_default();
                self.error = None;
            }
            Err(problem) => self.error = Some(problem),
        }
        (self.rules.clone(), self.error.clone()) != before
    }

    /// The file's name for messages.
    pub fn file(&self) -> String {
        self.path.as_ref().map_or_else(
            || format!("~/.config/headroom/{DEVICES_FILE}"),
            |p| p.display().to_string(),
        )
    }

    /// Makes `profile` the one for output device `device` (its
    /// `node.name`): the rule that names exactly that device takes the
    /// profile, else a new rule is put first. The file is checked as it
    /// is now before it is changed, and the result is taken as the rules
    /// in force.
    pub fn save_for_device(
        &mut self,
        device: &str,
        profile: &str,
        search: &SearchPath,
    ) -> Result<(), DevicesSaveError> {
        let path = self.path.clone().ok_or_else(|| DevicesSaveError::Write {
            file: self.file(),
            message: "neither XDG_CONFIG_HOME nor HOME is set".into(),
        })?;
        let file = path.display().to_string();
        let text = match headroom_files::read_small_text(&path, MAX_BYTES) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HEADER.to_string(),
            Err(e) => {
                return Err(DevicesSaveError::Write {
                    file,
                    message: e.to_string(),
                })
            }
        };
        devices::parse(&text, &file).map_err(DevicesSaveError::Invalid)?;
        let edited = with_device_profile(&text, device, profile);
        let rules = devices::parse(&edited, &file).map_err(DevicesSaveError::Invalid)?;
        check_profiles(&rules, search)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| DevicesSaveError::Write {
                file: file.clone(),
                message: e.to_string(),
            })?;
        }
        headroom_files::write_atomically(&path, &edited).map_err(|e| DevicesSaveError::Write {
            file,
            message: e.to_string(),
        })?;
        self.rules = rules;
        self.error = None;
        self.version.take(stamp(&path));
        Ok(())
    }
}

/// Every profile `rules` name must exist: the first that does not is the
/// problem, at the place that names it.
fn check_profiles(rules: &DeviceRules, search: &SearchPath) -> Result<(), DevicesProblem> {
    for (name, at) in rules.profiles() {
        if let Err(e) = search.resolve(name) {
            let message = match e {
                ProfileError::NotFound {
                    suggestion,
                    available,
                    ..
                } => format!(
                    "profile \"{name}\" does not exist{} (profiles: {})",
                    suggestion.map_or_else(String::new, |s| format!(" (did you mean {s}?)")),
                    available.join(", ")
                ),
                other => format!("profile \"{name}\": {other}"),
            };
            return Err(DevicesProblem::at(at, message));
        }
    }
    Ok(())
}

impl From<DevicesProblem> for DevicesSaveError {
    fn from(p: DevicesProblem) -> Self {
        DevicesSaveError::Invalid(p)
    }
}

/// Reads and checks the file: `None` when it does not exist.
fn read(path: &Path, search: &SearchPath) -> Result<Option<DeviceRules>, DevicesProblem> {
    let file = path.display().to_string();
    let text = match headroom_files::read_small_text(path, MAX_BYTES) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(DevicesProblem {
                file,
                line: None,
                column: None,
                message: format!("cannot be read: {e}"),
            })
        }
    };
    let rules = devices::parse(&text, &file)?;
    check_profiles(&rules, search)?;
    Ok(Some(rules))
}

/// `text` (a valid devices file) with `device`'s own rule set to
/// `profile`: the first `[[device]]` whose only condition is `name =
/// "<device>"` gets the profile; without one, such a rule is put before
/// every other, so it wins. Comments and order stay.
fn with_device_profile(text: &str, device: &str, profile: &str) -> String {
    use toml_edit::{value, DocumentMut, Item};
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return text.to_string();
    };
    let own = |t: &toml_edit::Table| {
        t.len() == 2
            && t.get("name").and_then(Item::as_str) == Some(device)
            && t.contains_key("profile")
    };
    let mut found = false;
    if let Some(rules) = doc.get_mut("device").and_then(Item::as_array_of_tables_mut) {
        if let Some(rule) = rules.iter_mut().find(|t| own(t)) {
            rule["profile"] = value(profile);
            found = true;
        }
    }
    if found {
        return doc.to_string();
    }
    let block = format!(
        "# Saved by `headroom profile use {} --for-device` on this device.\n[[device]]\nname = {}\nprofile = {}\n\n",
        profile,
        toml_edit::Value::from(device),
        toml_edit::Value::from(profile)
    );
    // Before the first [[device]] header line (a rule wins by coming
    // first), else at the end.
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[device]]") {
            let mut out = String::with_capacity(text.len() + block.len());
            out.push_str(&text[..offset]);
            out.push_str(&block);
            out.push_str(&text[offset..]);
            return out;
        }
        offset += line.len();
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile_watch::SETTLE;
    use std::time::Instant;

    fn search(dir: &Path) -> SearchPath {
        SearchPath {
            user_dir: Some(dir.join("profiles")),
            shipped_dirs: Vec::new(),
        }
    }

    fn setup(name: &str) -> (PathBuf, SearchPath) {
        let dir =
            std::env::temp_dir().join(format!("headroom-devices-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("profiles")).unwrap();
        for p in ["default", "night"] {
            std::fs::write(dir.join("profiles").join(format!("{p}.toml")), "").unwrap();
        }
        let s = search(&dir);
        (dir, s)
    }

    fn wait_for_poll(file: &mut DevicesFile, search: &SearchPath) -> bool {
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        while Instant::now() < deadline {
            if file.poll(search) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn a_profile_that_does_not_exist_is_named_and_the_last_good_rules_stay() {
        let (dir, search) = setup("missing");
        let path = dir.join(DEVICES_FILE);
        std::fs::write(
            &path,
            "[[device]]\nname = \"phones\"\nprofile = \"night\"\n",
        )
        .unwrap();
        let mut file = DevicesFile::load(Some(path.clone()), &search);
        assert_eq!(file.error, None);
        assert_eq!(file.rules.rules.len(), 1);
        std::fs::write(
            &path,
            "fallback = \"default\"\n[[device]]\nname = \"phones\"\nprofile = \"nigth\"\n",
        )
        .unwrap();
        assert!(wait_for_poll(&mut file, &search));
        let error = file.error.clone().expect("a problem");
        assert_eq!(error.line, Some(4), "{error}");
        assert!(
            error.message.contains("\"nigth\" does not exist"),
            "{error}"
        );
        assert!(error.message.contains("did you mean night"), "{error}");
        assert!(error.message.contains("default, night"), "{error}");
        // The last good rules are still in force.
        assert_eq!(file.rules.rules[0].profile, "night");
        assert_eq!(file.rules.fallback, None);
        // Fixed: taken.
        std::fs::write(&path, "fallback = \"default\"\n").unwrap();
        assert!(wait_for_poll(&mut file, &search));
        assert_eq!(file.error, None);
        assert_eq!(file.rules.fallback.as_deref(), Some("default"));
        assert!(file.rules.rules.is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn saving_for_a_device_puts_its_rule_first_and_keeps_the_rest() {
        let (dir, search) = setup("save");
        let path = dir.join(DEVICES_FILE);
        let mut file = DevicesFile::load(Some(path.clone()), &search);
        // No file yet: created with a header and the one rule.
        file.save_for_device("speakers", "default", &search)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Which profile"), "{text}");
        assert_eq!(file.rules.rules.len(), 1);
        std::fs::write(
            &path,
            "# mine\nfallback = \"default\"\n\n# headphones\n[[device]]\nform_factor = \"headphone\"\nprofile = \"night\"\n",
        )
        .unwrap();
        let mut file = DevicesFile::load(Some(path.clone()), &search);
        file.save_for_device("alsa_output.\"odd\"", "default", &search)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# mine") && text.contains("# headphones"),
            "{text}"
        );
        let rules = devices::parse(&text, "x").unwrap();
        assert_eq!(rules.rules.len(), 2);
        assert!(rules.rules[0].describe().contains("odd"), "{text}");
        assert_eq!(rules.rules[0].profile, "default");
        assert_eq!(rules.rules[1].profile, "night");
        // Again for the same device: its rule changes, nothing is added.
        file.save_for_device("alsa_output.\"odd\"", "night", &search)
            .unwrap();
        let rules = devices::parse(&std::fs::read_to_string(&path).unwrap(), "x").unwrap();
        assert_eq!(rules.rules.len(), 2);
        assert_eq!(rules.rules[0].profile, "night");
        assert_eq!(file.rules, rules_with_origin(&path));
        // Our own write is not a hand edit.
        std::thread::sleep(SETTLE * 2);
        assert!(!file.poll(&search) && !file.poll(&search));
        // A profile that does not exist is refused, the file untouched.
        let before = std::fs::read_to_string(&path).unwrap();
        let e = file
            .save_for_device("speakers", "film", &search)
            .unwrap_err();
        assert!(e.to_string().contains("\"film\" does not exist"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        // A broken file is not overwritten.
        std::fs::write(&path, "[[device]\n").unwrap();
        let e = file
            .save_for_device("speakers", "night", &search)
            .unwrap_err();
        assert!(matches!(e, DevicesSaveError::Invalid(_)), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[[device]\n");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn rules_with_origin(path: &Path) -> DeviceRules {
        let text = std::fs::read_to_string(path).unwrap();
        devices::parse(&text, &path.display().to_string()).unwrap()
    }
}
