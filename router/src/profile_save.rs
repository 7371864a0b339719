//! `SetParameter` with `save`: one `[dsp]` value written into the active
//! profile's file, everything else in the file (comments, order, layout,
//! a trailing comment on the value itself) left as it was.
//!
//! A shipped profile is never edited in place: it is copied into the
//! user's profiles directory (`~/.config/headroom/profiles/<name>.toml`),
//! which overrides the shipped one by name from then on, and the copy is
//! edited. The edited text is checked as a profile before anything is
//! written, and written atomically, so a failure leaves every file as it
//! was.

use std::path::{Path, PathBuf};

use headroom_dsp::{ParamId, Unit};
use headroom_profile::{Profile, ProfileError, SearchPath};
use toml_edit::{DocumentMut, Item, Value};

/// Why a value could not be saved; every file is as it was.
#[derive(Debug)]
pub enum SaveError {
    /// The edited profile would not load (located in the edited text).
    Profile(Box<ProfileError>),
    /// `file` could not be read, edited or written.
    Failed { file: String, message: String },
}

/// The result of a save.
#[derive(Debug)]
pub struct Saved {
    /// The file written (the user's copy when the profile was shipped).
    pub path: PathBuf,
    /// The profile as the file now loads.
    pub profile: Profile,
    /// How the active profile is named from now on: unchanged, or the
    /// copy's name when a shipped profile was copied.
    pub profile_arg: String,
}

/// Writes `param = value` into the file of `profile` (active as
/// `profile_arg`); see the module docs.
pub fn save_parameter(
    profile: &Profile,
    profile_arg: &str,
    search: &SearchPath,
    param: ParamId,
    value: f32,
) -> Result<Saved, SaveError> {
    let failed = |file: &Path, message: String| SaveError::Failed {
        file: file.display().to_string(),
        message,
    };
    let Some(source) = profile.source.clone() else {
        return Err(SaveError::Failed {
            file: profile.name.clone(),
            message: "the profile is built in and has no file".into(),
        });
    };
    let (path, profile_arg) = match shipped_name(&source, search) {
        None => (source.clone(), profile_arg.to_string()),
        Some(name) => {
            let Some(user_dir) = &search.user_dir else {
                return Err(failed(
                    &source,
                    "it is a shipped profile and there is no user profiles directory to \
                     copy it to (neither XDG_CONFIG_HOME nor HOME is set)"
                        .into(),
                ));
            };
            let copy = user_dir.join(format!("{name}.toml"));
            if copy.exists() {
                return Err(failed(
                    &source,
                    format!(
                        "it is a shipped profile, and {} already exists: switch to that one \
                         (UseProfile {name}) and save there",
                        copy.display()
                    ),
                ));
            }
            (copy, name)
        }
    };
    let text = std::fs::read_to_string(&source)
        .map_err(|e| failed(&source, format!("cannot read it: {e}")))?;
    let new_text = set_dsp_value(&text, param, value).map_err(|m| failed(&source, m))?;
    let mut saved = Profile::parse(&new_text, &path.display().to_string())
        .map_err(|e| SaveError::Profile(Box::new(e)))?;
    saved.source = Some(path.clone());
    if saved.dsp.get(param) != Some(value) {
        return Err(failed(
            &source,
            format!("{} did not read back as {value}", param.spec().key),
        ));
    }
    headroom_files::write_atomically(&path, &new_text).map_err(|e| failed(&path, e.to_string()))?;
    Ok(Saved {
        path,
        profile: saved,
        profile_arg,
    })
}

/// The profile name of `file` if it lies in one of the shipped directories.
fn shipped_name(file: &Path, search: &SearchPath) -> Option<String> {
    let dir = file.parent()?.canonicalize().ok()?;
    let in_user_dir = search
        .user_dir
        .as_ref()
        .and_then(|d| d.canonicalize().ok())
        .is_some_and(|d| d == dir);
    let shipped = search
        .shipped_dirs
        .iter()
        .filter_map(|d| d.canonicalize().ok())
        .any(|d| d == dir);
    (shipped && !in_user_dir).then(|| file.file_stem()?.to_str().map(str::to_string))?
}

/// `text` with `[dsp]`'s `param` set to `value`, keeping everything else.
fn set_dsp_value(text: &str, param: ParamId, value: f32) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("it is not valid TOML now: {e}"))?;
    let spec = param.spec();
    let new: Value = if spec.unit == Unit::Toggle {
        (value >= 0.5).into()
    } else {
        // The f32's shortest decimal form: -4.5, not -4.5000000001.
        value
            .to_string()
            .parse::<f64>()
            .unwrap_or(f64::from(value))
            .into()
    };
    let dsp = doc
        .entry("dsp")
        .or_insert_with(|| Item::Table(toml_edit::Table::new()));
    let key = spec.key;
    match dsp {
        Item::Table(table) => match table.get_mut(key).and_then(Item::as_value_mut) {
            Some(old) => replace_keeping_decor(old, new),
            None => {
                table.insert(key, Item::Value(new));
            }
        },
        Item::Value(Value::InlineTable(table)) => match table.get_mut(key) {
            Some(old) => replace_keeping_decor(old, new),
            None => {
                table.insert(key, new);
            }
        },
        _ => return Err("its `dsp` is not a table".into()),
    }
    Ok(doc.to_string())
}

/// Replaces `old` by `new`, keeping the spaces and comment around `old`.
fn replace_keeping_decor(old: &mut Value, mut new: Value) {
    *new.decor_mut() = old.decor().clone();
    *old = new;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_changes_and_comments_stay() {
        let text = "# top\nname = \"Mine\"\n\n[dsp]\n# the limit\nceiling = -3.0 # safe\nagc_target = -24\n";
        let edited = set_dsp_value(text, ParamId::LimiterCeiling, -4.5).unwrap();
        assert_eq!(
            edited,
            "# top\nname = \"Mine\"\n\n[dsp]\n# the limit\nceiling = -4.5 # safe\nagc_target = -24\n"
        );
        let added = set_dsp_value("name = \"x\"\n", ParamId::LimiterCeiling, -2.0).unwrap();
        assert_eq!(
            Profile::parse(&added, "x.toml")
                .unwrap()
                .dsp
                .get(ParamId::LimiterCeiling),
            Some(-2.0)
        );
        let inline =
            set_dsp_value("dsp = { ceiling = -3.0 }\n", ParamId::LimiterCeiling, -6.0).unwrap();
        assert_eq!(inline, "dsp = { ceiling = -6.0 }\n");
        assert!(set_dsp_value("dsp = 3\n", ParamId::LimiterCeiling, -6.0).is_err());
    }

    #[test]
    fn shipped_profiles_are_copied_and_user_ones_edited_in_place() {
        let root = std::env::temp_dir().join(format!("headroom-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (shipped, user) = (root.join("shipped"), root.join("user"));
        std::fs::create_dir_all(&shipped).unwrap();
        std::fs::write(
            shipped.join("night.toml"),
            "# night\n[dsp]\nceiling = -3.0\n",
        )
        .unwrap();
        let search = SearchPath {
            user_dir: Some(user.clone()),
            shipped_dirs: vec![shipped.clone()],
        };
        let profile = search.load("night").unwrap();
        let saved =
            save_parameter(&profile, "night", &search, ParamId::LimiterCeiling, -5.0).unwrap();
        assert_eq!(saved.path, user.join("night.toml"));
        assert_eq!(saved.profile_arg, "night");
        assert_eq!(
            std::fs::read_to_string(shipped.join("night.toml")).unwrap(),
            "# night\n[dsp]\nceiling = -3.0\n"
        );
        assert_eq!(
            std::fs::read_to_string(user.join("night.toml")).unwrap(),
            "# night\n[dsp]\nceiling = -5.0\n"
        );
        // The copy now wins by name and is edited in place.
        let profile = search.load("night").unwrap();
        assert_eq!(
            profile.source.as_deref(),
            Some(user.join("night.toml").as_path())
        );
        let again = save_parameter(&profile, "night", &search, ParamId::CompEnabled, 0.0).unwrap();
        assert_eq!(again.path, user.join("night.toml"));
        assert!(std::fs::read_to_string(&again.path)
            .unwrap()
            .contains("comp_enabled = false"));
        // A copy that cannot be written: an error, and nothing changed.
        std::fs::write(shipped.join("voice.toml"), "[dsp]\nceiling = -3.0\n").unwrap();
        let blocked = SearchPath {
            user_dir: Some(PathBuf::from("/dev/null/profiles")),
            shipped_dirs: vec![shipped.clone()],
        };
        let profile = blocked.load("voice").unwrap();
        match save_parameter(&profile, "voice", &blocked, ParamId::LimiterCeiling, -5.0) {
            Err(SaveError::Failed { file, .. }) => {
                assert_eq!(file, "/dev/null/profiles/voice.toml")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read_to_string(shipped.join("voice.toml")).unwrap(),
            "[dsp]\nceiling = -3.0\n"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
