//! Format-preserving edits of a checked routes document (`toml_edit`):
//! comments, order and layout stay; comments above a removed route move
//! to what follows, so none is lost.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

/// One kind of entry: the table array it lives in and its key besides
/// `app`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entries {
    pub array: &'static str,
    pub field: &'static str,
}

/// `[[route]]`: `app` and `route`.
pub(super) const ROUTE: Entries = Entries {
    array: "route",
    field: "route",
};
/// `[[layer_a]]`: `app` and `enabled`.
pub(super) const LAYER_A: Entries = Entries {
    array: "layer_a",
    field: "enabled",
};

fn same_app(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// `app` of an entry, whether `[[route]]` or an inline table.
fn app_of_table(t: &Table) -> Option<&str> {
    t.get("app").and_then(Item::as_str)
}

/// Whether an inline-table entry is `app`'s.
fn inline_is_for(entry: &Value, app: &str) -> bool {
    entry
        .as_inline_table()
        .and_then(|t| t.get("app"))
        .and_then(Value::as_str)
        .is_some_and(|a| same_app(a, app))
}

/// Sets `app`'s `kind.field` to `setting`: the first entry for it is
/// updated (and takes the new spelling), later ones for it go; else an
/// entry is appended.
pub(super) fn set(doc: &mut DocumentMut, kind: Entries, app: &str, setting: Value) {
    let mut doc_trailing = Some(doc.trailing().as_str().unwrap_or("").to_string());
    doc.set_trailing("");
    let item = doc
        .entry(kind.array)
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(array) = item.as_array_mut() {
        let mut found = false;
        let mut i = 0;
        while i < array.len() {
            let hit = array.get(i).is_some_and(|v| inline_is_for(v, app));
            if hit && found {
                array.remove(i);
                continue;
            }
            if let (true, Some(t)) = (hit, array.get_mut(i).and_then(Value::as_inline_table_mut)) {
                t.insert("app", app.into());
                t.insert(kind.field, setting.clone());
                found = true;
            }
            i += 1;
        }
        if !found {
            let mut t = toml_edit::InlineTable::new();
            t.insert("app", app.into());
            t.insert(kind.field, setting);
            array.push(t);
        }
        if let Some(rest) = doc_trailing {
            doc.set_trailing(rest);
        }
        return;
    }
    let Some(tables) = item.as_array_of_tables_mut() else {
        if let Some(rest) = doc_trailing {
            doc.set_trailing(rest);
        }
        return;
    };
    let mut found = false;
    let mut i = 0;
    while i < tables.len() {
        let hit = tables
            .get(i)
            .and_then(app_of_table)
            .is_some_and(|a| same_app(a, app));
        if hit && found {
            tables.remove(i);
            continue;
        }
        if let (true, Some(t)) = (hit, tables.get_mut(i)) {
            t["app"] = toml_edit::value(app);
            t[kind.field] = Item::Value(setting.clone());
            found = true;
        }
        i += 1;
    }
    if !found {
        let mut t = Table::new();
        t["app"] = toml_edit::value(app);
        t[kind.field] = Item::Value(setting);
        if tables.is_empty() {
            // Comments in a file without routes trail the document;
            // keep them above the first route, where they were.
            let trailing = doc_trailing.take().unwrap_or_default();
            if !trailing.is_empty() {
                t.decor_mut().set_prefix(trailing);
            }
        }
        tables.push(t);
    }
    if let Some(rest) = doc_trailing {
        doc.set_trailing(rest);
    }
}

/// Removes every entry of `kind` for `app`; whether there was one.
pub(super) fn unset(doc: &mut DocumentMut, kind: Entries, app: &str) -> bool {
    let Some(item) = doc.get_mut(kind.array) else {
        return false;
    };
    let mut removed = false;
    if let Some(array) = item.as_array_mut() {
        let mut i = 0;
        while i < array.len() {
            let hit = array.get(i).is_some_and(|v| inline_is_for(v, app));
            if hit {
                array.remove(i);
                removed = true;
            } else {
                i += 1;
            }
        }
    } else if let Some(tables) = item.as_array_of_tables_mut() {
        // Comments above a removed route move to what follows it, so
        // none is lost (a file's header sits above its first route).
        let mut orphaned = String::new();
        let mut i = 0;
        while i < tables.len() {
            let Some(table) = tables.get_mut(i) else {
                break;
            };
            let prefix = table
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("");
            if !orphaned.is_empty() {
                let joined = format!("{orphaned}{prefix}");
                table.decor_mut().set_prefix(joined);
                orphaned.clear();
            }
            if app_of_table(table).is_some_and(|a| same_app(a, app)) {
                orphaned = table
                    .decor()
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or("")
                    .to_string();
                tables.remove(i);
                removed = true;
            } else {
                i += 1;
            }
        }
        if !orphaned.is_empty() {
            let trailing = format!("{orphaned}{}", doc.trailing().as_str().unwrap_or(""));
            doc.set_trailing(trailing);
        }
    }
    removed
}
