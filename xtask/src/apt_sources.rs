//! Reading and extending the machine's apt sources: find the Debian mirror
//! already configured and, if no `<codename>-backports` source exists, add
//! one that reuses it. Never hard-codes a mirror host: CI machines and
//! users point at different mirrors (or snapshots, or local caches).

use std::path::PathBuf;

use crate::cmd::Result;

const SOURCES_LIST: &str = "/etc/apt/sources.list";
const SOURCES_DIR: &str = "/etc/apt/sources.list.d";
/// The file this xtask writes; its name says who added it.
pub const BACKPORTS_FILE: &str = "/etc/apt/sources.list.d/headroom-backports.sources";

/// A configured Debian archive: where it is and how it is verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    pub uri: String,
    /// `Signed-By` value lines, verbatim (a keyring path or an inline key).
    pub signed_by: Vec<String>,
}

/// One apt source file and its format.
struct SourceFile {
    path: PathBuf,
    text: String,
    deb822: bool,
}

fn source_files() -> Vec<SourceFile> {
    let mut paths = vec![PathBuf::from(SOURCES_LIST)];
    if let Ok(entries) = std::fs::read_dir(SOURCES_DIR) {
        let mut more: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        more.sort();
        paths.extend(more);
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let deb822 = name.ends_with(".sources");
            if !deb822 && !name.ends_with(".list") {
                return None; // apt ignores other names (e.g. `.disabled`)
            }
            let text = std::fs::read_to_string(&path).ok()?;
            Some(SourceFile { path, text, deb822 })
        })
        .collect()
}

/// Debian's release codename from `/etc/os-release`, if this is Debian.
pub fn debian_codename() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim_matches('"').to_string())
    };
    (field("ID")? == "debian").then_some(())?;
    field("VERSION_CODENAME").filter(|c| !c.is_empty())
}

/// Makes sure apt knows `<codename>-backports`. Returns whether a source was
/// added (then `apt-get update` is needed). Needs root when it adds one.
pub fn ensure_backports(codename: &str) -> Result<bool> {
    let suite = format!("{codename}-backports");
    let files = source_files();
    if let Some(f) = files.iter().find(|f| has_suite(&f.text, f.deb822, &suite)) {
        eprintln!("apt: {suite} already configured in {}", f.path.display());
        return Ok(false);
    }
    let mirror = configured_mirror(codename)?;
    let stanza = backports_stanza(&mirror, codename);
    std::fs::write(BACKPORTS_FILE, &stanza)
        .map_err(|e| format!("could not write {BACKPORTS_FILE}: {e}"))?;
    eprintln!("apt: added {suite} from {} in {BACKPORTS_FILE}", mirror.uri);
    Ok(true)
}

/// The mirror this machine uses for Debian `codename` itself.
pub fn configured_mirror(codename: &str) -> Result<Mirror> {
    source_files()
        .iter()
        .find_map(|f| find_mirror(&f.text, f.deb822, codename))
        .ok_or_else(|| {
            format!(
                "no apt source for Debian `{codename}` found in {SOURCES_LIST} or {SOURCES_DIR}/; \
                 cannot add another suite without knowing which mirror this machine uses"
            )
        })
}

/// The deb822 stanza for `<codename>-backports` on `mirror`.
pub fn backports_stanza(mirror: &Mirror, codename: &str) -> String {
    suite_stanza(
        mirror,
        &format!("{codename}-backports"),
        "newer PipeWire/WirePlumber for Debian 12",
    )
}

/// A deb822 stanza for `suite` on `mirror`, saying `why` it was added.
pub fn suite_stanza(mirror: &Mirror, suite: &str, why: &str) -> String {
    let mut s = format!("# Added by `cargo xtask` (headroom): {why}.\n");
    s += "Types: deb\n";
    s += &format!("URIs: {}\n", mirror.uri);
    s += &format!("Suites: {suite}\n");
    s += "Components: main\n";
    if let Some((first, rest)) = mirror.signed_by.split_first() {
        s += &format!("Signed-By: {first}\n");
        for line in rest {
            s += &format!(" {line}\n");
        }
    }
    s
}

/// Whether an active `deb` source for `suite` is in this file.
pub fn has_suite(text: &str, deb822: bool, suite: &str) -> bool {
    if deb822 {
        stanzas(text)
            .iter()
            .any(|st| st.is_active_deb() && st.words("Suites").any(|s| s == suite))
    } else {
        one_line_entries(text).any(|e| e.suite == suite)
    }
}

/// The first active `deb` source for the release `codename` itself.
pub fn find_mirror(text: &str, deb822: bool, codename: &str) -> Option<Mirror> {
    if deb822 {
        stanzas(text).iter().find_map(|st| {
            if !st.is_active_deb() || !st.words("Suites").any(|s| s == codename) {
                return None;
            }
            Some(Mirror {
                uri: st.words("URIs").next()?.to_string(),
                signed_by: st
                    .field("Signed-By")
                    .map(|v| v.to_vec())
                    .unwrap_or_default(),
            })
        })
    } else {
        one_line_entries(text)
            .find(|e| e.suite == codename)
            .map(|e| Mirror {
                uri: e.uri.to_string(),
                signed_by: e.signed_by.map(|s| vec![s.to_string()]).unwrap_or_default(),
            })
    }
}

/// One deb822 paragraph: fields with their (possibly multi-line) values.
struct Stanza {
    fields: Vec<(String, Vec<String>)>,
}

impl Stanza {
    fn field(&self, key: &str) -> Option<&[String]> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    fn words<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a str> {
        self.field(key)
            .unwrap_or(&[])
            .iter()
            .flat_map(|l| l.split_whitespace())
    }

    fn is_active_deb(&self) -> bool {
        let enabled = self.words("Enabled").next().unwrap_or("yes");
        enabled.eq_ignore_ascii_case("yes") && self.words("Types").any(|t| t == "deb")
    }
}

fn stanzas(text: &str) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut current = Stanza { fields: Vec::new() };
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                out.push(std::mem::replace(
                    &mut current,
                    Stanza { fields: Vec::new() },
                ));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.fields.last_mut() {
                value.push(line.trim().to_string());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            let value = value.trim();
            let lines = if value.is_empty() {
                vec![]
            } else {
                vec![value.to_string()]
            };
            current.fields.push((key.trim().to_string(), lines));
        }
    }
    if !current.fields.is_empty() {
        out.push(current);
    }
    out
}

/// A `deb [options] URI suite components…` line of `sources.list`.
struct OneLineEntry<'a> {
    uri: &'a str,
    suite: &'a str,
    signed_by: Option<&'a str>,
}

fn one_line_entries(text: &str) -> impl Iterator<Item = OneLineEntry<'_>> {
    text.lines().filter_map(|line| {
        let line = line.split('#').next()?;
        let mut words = line.split_whitespace();
        if words.next()? != "deb" {
            return None;
        }
        let mut signed_by = None;
        let mut next = words.next()?;
        if let Some(first_option) = next.strip_prefix('[') {
            let mut option = first_option;
            loop {
                let (body, last) = match option.strip_suffix(']') {
                    Some(body) => (body, true),
                    None => (option, false),
                };
                if let Some(path) = body.strip_prefix("signed-by=") {
                    signed_by = Some(path);
                }
                if last {
                    break;
                }
                option = words.next()?;
            }
            next = words.next()?;
        }
        Some(OneLineEntry {
            uri: next,
            suite: words.next()?,
            signed_by,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_SOURCES: &str = "\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
";

    #[test]
    fn finds_the_release_mirror_in_deb822_not_the_security_one() {
        let m = find_mirror(DEBIAN_SOURCES, true, "bookworm").unwrap();
        assert_eq!(m.uri, "http://mirror.example/debian");
        assert_eq!(
            m.signed_by,
            ["/usr/share/keyrings/debian-archive-keyring.gpg"]
        );
        assert!(!has_suite(DEBIAN_SOURCES, true, "bookworm-backports"));
    }

    #[test]
    fn disabled_and_deb_src_stanzas_do_not_count() {
        let text = "Types: deb-src\nURIs: http://a/debian\nSuites: bookworm-backports\n\n\
                    Types: deb\nURIs: http://b/debian\nSuites: bookworm-backports\nEnabled: no\n";
        assert!(!has_suite(text, true, "bookworm-backports"));
        assert_eq!(find_mirror(text, true, "bookworm"), None);
    }

    #[test]
    fn reads_one_line_sources_with_options() {
        let text = "# deb http://old/debian bookworm main\n\
                    deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main contrib\n\
                    deb http://m/debian bookworm-backports main\n";
        let m = find_mirror(text, false, "bookworm").unwrap();
        assert_eq!(m.uri, "http://m/debian");
        assert_eq!(m.signed_by, ["/k.gpg"]);
        assert!(has_suite(text, false, "bookworm-backports"));
        assert!(!has_suite(
            "# deb http://m/debian bookworm-backports main\n",
            false,
            "bookworm-backports"
        ));
    }

    #[test]
    fn backports_stanza_reuses_mirror_and_keeps_inline_keys() {
        let mirror = Mirror {
            uri: "http://m/debian".into(),
            signed_by: vec!["-----BEGIN PGP PUBLIC KEY BLOCK-----".into(), ".".into()],
        };
        let stanza = backports_stanza(&mirror, "bookworm");
        assert!(stanza.contains("URIs: http://m/debian\nSuites: bookworm-backports\n"));
        assert!(stanza.ends_with("Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n"));
        // What we write is recognised as present next time.
        assert!(has_suite(&stanza, true, "bookworm-backports"));
        assert_eq!(
            find_mirror(&stanza, true, "bookworm-backports")
                .unwrap()
                .signed_by,
            mirror.signed_by
        );
    }
}
