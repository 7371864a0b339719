//! Plain-text tables for the terminal: columns padded to their widest cell
//! (counted in characters, so `→` and accents line up).

/// Renders `rows` under `header`, two spaces between columns, no trailing
/// blanks.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            let pad = widths.get(i).copied().unwrap_or(0);
            text.extend(std::iter::repeat_n(
                ' ',
                pad.saturating_sub(cell.chars().count()),
            ));
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_by_characters() {
        let text = super::render(
            &["APP", "ROUTE"],
            &[
                vec!["Café".into(), "processed".into()],
                vec!["x".into(), "bypass".into()],
            ],
        );
        assert_eq!(text, "APP   ROUTE\nCafé  processed\nx     bypass\n");
    }
}
