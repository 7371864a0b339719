//! The interface file stays inside what systemd's varlink parser accepts
//! (`sd_varlink_idl_parse`, which `varlinkctl introspect` and
//! `list-methods` use), so `varlinkctl` shows it formatted instead of
//! falling back to the raw text:
//! - inside `( … )` a `#` comment may only stand where a field name is
//!   expected (right after `(` or `,`): not after the last field, not
//!   after a field on the same line;
//! - field names start with a letter and have no doubled or trailing `_`;
//! - no empty `()` for a type (a method's `()` is fine).

use crate::INTERFACE_DESCRIPTION;

/// Each `#` inside parentheses, with its 1-based line, whose previous
/// token is not `(` or `,`.
fn misplaced_comments(text: &str) -> Vec<usize> {
    let mut depth = 0usize;
    let mut previous = ' ';
    let mut bad = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let (code, comment) = match line.split_once('#') {
            Some((code, _)) => (code, true),
            None => (line, false),
        };
        for c in code.chars().filter(|c| !c.is_whitespace()) {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
        if comment && depth > 0 && previous != '(' && previous != ',' {
            bad.push(number + 1);
        }
    }
    bad
}

fn field_name_is_valid(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !name.contains("__")
        && !name.ends_with('_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[test]
fn comments_stand_only_where_systemd_accepts_them() {
    assert_eq!(
        misplaced_comments(INTERFACE_DESCRIPTION),
        Vec::<usize>::new()
    );
    // The check itself: both of systemd's refusals are caught.
    assert_eq!(
        misplaced_comments("type T (\n  a: int\n  # late\n)\n"),
        vec![3]
    );
    assert_eq!(
        misplaced_comments("type T (\n  a: int, # inline\n  b: int\n)\n"),
        Vec::<usize>::new()
    );
    assert_eq!(
        misplaced_comments("type T (\n  a: int # inline\n)\n"),
        vec![2]
    );
}

#[test]
fn field_names_are_valid_for_systemd() {
    for line in INTERFACE_DESCRIPTION.lines() {
        let code = line.split('#').next().unwrap_or_default().trim();
        if code.starts_with("method ") || code.starts_with("type ") || code.starts_with("error ") {
            assert!(
                !code.contains(" ()") || code.starts_with("method ") || code.starts_with("error "),
                "empty type: {line}"
            );
            continue;
        }
        if let Some((name, _)) = code.split_once(':') {
            assert!(
                field_name_is_valid(name.trim()),
                "field name `{}` in: {line}",
                name.trim()
            );
        }
    }
    assert!(
        !field_name_is_valid("_x") && !field_name_is_valid("a__b") && !field_name_is_valid("b_")
    );
}
