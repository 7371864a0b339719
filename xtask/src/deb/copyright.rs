//! `/usr/share/doc/headroom/copyright` in the machine-readable format
//! (DEP-5): the licence of each part of the tree, read from the crates'
//! `Cargo.toml` files, and the crates from crates.io linked into the
//! shipped binaries with their licences, as `cargo tree` reports them.

use std::collections::BTreeSet;

use crate::cmd::{self, Result};

/// The shipped binaries' packages.
const SHIPPED: &[&str] = &["headroom-router", "headroom-wav", "headroom-plugin"];

/// The licence stanzas, pointing at Debian's copies of the texts (the
/// repository's own are in `LICENSES/`).
const LICENSE_TEXTS: &str = "\
License: GPL-3+
 This program is free software: you can redistribute it and/or modify it
 under the terms of the GNU General Public License as published by the Free
 Software Foundation, either version 3 of the License, or (at your option)
 any later version.
 .
 This program is distributed in the hope that it will be useful, but WITHOUT
 ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
 FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public License for
 more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 3 can be found in `/usr/share/common-licenses/GPL-3'.

License: MPL-2.0
 This Source Code Form is subject to the terms of the Mozilla Public
 License, v. 2.0. If a copy of the MPL was not distributed with this
 file, You can obtain one at https://mozilla.org/MPL/2.0/.
 .
 On Debian systems, the complete text of the Mozilla Public License
 version 2.0 can be found in `/usr/share/common-licenses/MPL-2.0'.
";

/// The DEP-5 name of an SPDX expression used by the workspace's crates.
fn dep5_name(spdx: &str) -> Result<&'static str> {
    match spdx {
        "GPL-3.0-or-later" => Ok("GPL-3+"),
        "MPL-2.0" => Ok("MPL-2.0"),
        other => Err(format!(
            "no DEP-5 licence paragraph for `{other}`: add it to xtask/src/deb/copyright.rs"
        )),
    }
}

/// The workspace members' directories with their licences, from the root
/// `Cargo.toml`'s `members` and each member's `license` field.
fn member_licences() -> Result<Vec<(String, String)>> {
    let root = cmd::workspace_root();
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let manifest = read(&root.join("Cargo.toml"))?;
    let members = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .ok_or("no `members = [...]` in the workspace Cargo.toml")?;
    let mut out = Vec::new();
    for member in members.split(',').map(|m| m.trim().trim_matches('"')) {
        if member.is_empty() {
            continue;
        }
        let path = root.join(member).join("Cargo.toml");
        let licence = read(&path)?
            .lines()
            .find_map(|l| l.strip_prefix("license = "))
            .map(|v| v.trim().trim_matches('"').to_string())
            .ok_or_else(|| format!("{}: no `license` field", path.display()))?;
        out.push((member.to_string(), licence));
    }
    Ok(out)
}

/// `name version: licence` of every crates.io crate linked into the shipped binaries.
fn linked_crates() -> Result<Vec<String>> {
    let mut tree = cmd::cargo();
    tree.args([
        "tree", "--edges", "normal", "--prefix", "none", "--format", "{p}\t{l}",
    ]);
    for package in SHIPPED {
        tree.args(["-p", package]);
    }
    let text = cmd::output(&mut tree)?;
    let crates: BTreeSet<String> = text
        .lines()
        // Workspace crates show their path: `name v0.1.0 (/src/…)`.
        .filter(|l| !l.contains(" (/") && !l.trim().is_empty())
        .map(|l| {
            let (package, licence) = l.split_once('\t').unwrap_or((l, ""));
            let package = package.trim_end_matches(" (*)");
            let licence = if licence.is_empty() {
                "see the crate"
            } else {
                licence
            };
            format!("{package}: {licence}")
        })
        .collect();
    Ok(crates.into_iter().collect())
}

/// `2025-2026 the headroom authors`: the years of the tree's history.
fn copyright_notice() -> Result<String> {
    let years = cmd::output(cmd::command("git").args(["log", "--format=%ad", "--date=format:%Y"]))?;
    let years: BTreeSet<&str> = years
        .lines()
        .map(str::trim)
        .filter(|y| !y.is_empty())
        .collect();
    let (first, last) = match (years.first(), years.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => return Err("git log shows no commits to take the copyright years from".into()),
    };
    let span = if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    };
    Ok(format!("{span} the headroom authors"))
}

pub fn render(repository: &str) -> Result<String> {
    let members = member_licences()?;
    let notice = copyright_notice()?;
    let mut text = format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: headroom\n\
         Source: {repository}\n\
         Comment: The binaries also link these crates from crates.io, each under\n \
         its own licence (the texts are in each crate's sources):\n"
    );
    for line in linked_crates()? {
        text += &format!(" {line}\n");
    }
    // The GPL crates' licence covers everything not listed in another paragraph.
    text += &format!("\nFiles: *\nCopyright: {notice}\nLicense: GPL-3+\n");
    let mut by_licence: Vec<(&str, Vec<&str>)> = Vec::new();
    for (dir, spdx) in &members {
        let name = dep5_name(spdx)?;
        if name == "GPL-3+" {
            continue;
        }
        match by_licence.iter_mut().find(|(n, _)| *n == name) {
            Some((_, dirs)) => dirs.push(dir),
            None => by_licence.push((name, vec![dir])),
        }
    }
    for (name, dirs) in by_licence {
        let files: Vec<String> = dirs.iter().map(|d| format!("{d}/*")).collect();
        text += &format!(
            "\nFiles: {}\nCopyright: {notice}\nLicense: {name}\n",
            files.join("\n ")
        );
    }
    text += "\n";
    text += LICENSE_TEXTS;
    Ok(text)
}
