//! Glob patterns for matching stream properties.
//!
//! - `*` matches any run of characters (also none), `?` exactly one;
//! - `[abc]` one of the listed characters, `[a-z]` one in the range,
//!   `[!abc]` (or `[^abc]`) one *not* listed; a `]` right after `[` or
//!   `[!` is a literal member (`[]]`);
//! - every other character is literal. To match `*`, `?` or `[` themselves,
//!   put them in a class: `[*]`, `[?]`, `[[]`.
//!
//! A pattern matches the *whole* value, ignoring case: `firefox` matches
//! `Firefox` but not `firefox-bin`; `firefox*` matches both.
//!
//! Matching never allocates.

use std::fmt;

/// A checked glob pattern. See the module docs for the syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// The pattern as written.
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// One character, stored case-folded.
    Char(char),
    /// `?`
    AnyOne,
    /// `*` (runs of several collapse into one).
    AnyRun,
    /// `[…]`: inclusive character ranges as written (a single member `a`
    /// is the range `a-a`).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a pattern was refused. Offsets are byte offsets into the pattern:
/// of the `[` for an unclosed class, of the range's first character for a
/// backwards range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobError {
    /// `""`: it could only match an empty value, which is never what was meant.
    Empty,
    /// A `[` whose class is never closed with `]`.
    UnclosedClass { offset: usize },
    /// A range whose end comes before its start, like `[z-a]`.
    ReversedRange {
        offset: usize,
        start: char,
        end: char,
    },
}

impl GlobError {
    /// Where in the pattern the problem is (byte offset).
    pub fn offset(&self) -> usize {
        match self {
            GlobError::Empty => 0,
            GlobError::UnclosedClass { offset } | GlobError::ReversedRange { offset, .. } => {
                *offset
            }
        }
    }
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::Empty => write!(f, "an empty pattern matches nothing; `*` matches any value"),
            GlobError::UnclosedClass { .. } => write!(
                f,
                "`[` opens a character class that is never closed with `]` (to match `[` itself, write `[[]`)"
            ),
            GlobError::ReversedRange { start, end, .. } => {
                write!(f, "range `{start}-{end}` is backwards; write `{end}-{start}`")
            }
        }
    }
}

impl std::error::Error for GlobError {}

/// One character as matching compares it: its lowercase form when that is a
/// single character (so `İ`, whose lowercase is two characters, stays itself).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The single-character upper-case form of `c`, or `c`.
fn upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

impl Glob {
    /// Checks `pattern` (see the module docs for the syntax).
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        let mut tokens = Vec::new();
        let mut offset = 0;
        while let Some(c) = pattern[offset..].chars().next() {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                    offset += 1;
                }
                '?' => {
                    tokens.push(Token::AnyOne);
                    offset += 1;
                }
                '[' => {
                    let (class, len) = parse_class(pattern, offset)?;
                    tokens.push(class);
                    offset += 1 + len;
                }
                c => {
                    tokens.push(Token::Char(fold(c)));
                    offset += c.len_utf8();
                }
            }
        }
        Ok(Glob {
            text: pattern.to_string(),
            tokens,
        })
    }

    /// A pattern matching exactly `text` (ignoring case): glob characters in
    /// it are escaped. `None` for an empty `text`.
    pub fn literal(text: &str) -> Option<Glob> {
        Glob::new(&escape(text)).ok()
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern matches all of `value`, ignoring case.
    pub fn matches(&self, value: &str) -> bool {
        let mut token = 0;
        let mut at = 0;
        // After a `*`: the token following it, and where in `value` the
        // run it has swallowed so far ends. On a mismatch, the run grows by
        // one character and matching resumes there.
        let mut star: Option<(usize, usize)> = None;
        loop {
            let next = value[at..].chars().next();
            match (self.tokens.get(token), next) {
                (Some(Token::AnyRun), _) => {
                    token += 1;
                    star = Some((token, at));
                    continue;
                }
                (Some(t), Some(c)) if t.matches(c) => {
                    token += 1;
                    at += c.len_utf8();
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            let Some((after_star, run_end)) = star else {
                return false;
            };
            let Some(c) = value[run_end..].chars().next() else {
                return false;
            };
            let run_end = run_end + c.len_utf8();
            star = Some((after_star, run_end));
            token = after_star;
            at = run_end;
        }
    }
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(p) => *p == fold(c),
            Token::AnyOne => true,
            Token::AnyRun => true,
            Token::Class { negated, ranges } => {
                let forms = [c, fold(c), upper(c)];
                let inside = ranges
                    .iter()
                    .any(|&(lo, hi)| forms.iter().any(|&f| lo <= f && f <= hi));
                inside != *negated
            }
        }
    }
}

/// Parses the class whose `[` is at byte `open` of `pattern`. Returns the
/// token and the byte length of what follows the `[` up to and including
/// the closing `]`.
fn parse_class(pattern: &str, open: usize) -> Result<(Token, usize), GlobError> {
    let body = &pattern[open + 1..];
    let mut chars = body.char_indices().peekable();
    let negated = matches!(chars.peek(), Some((_, '!' | '^')));
    if negated {
        chars.next();
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while let Some((i, c)) = chars.next() {
        if c == ']' && !first {
            return Ok((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        let mut lookahead = chars.clone();
        let range_end = match (lookahead.next(), lookahead.next()) {
            (Some((_, '-')), Some((_, end))) if end != ']' => Some(end),
            _ => None,
        };
        match range_end {
            Some(end) => {
                if end < c {
                    return Err(GlobError::ReversedRange {
                        offset: open + 1 + i,
                        start: c,
                        end,
                    });
                }
                chars.next();
                chars.next();
                ranges.push((c, end));
            }
            None => ranges.push((c, c)),
        }
    }
    Err(GlobError::UnclosedClass { offset: open })
}

/// `text` with `*`, `?` and `[` put in classes, so it matches itself only.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, value: &str) -> bool {
        Glob::new(pattern).unwrap().matches(value)
    }

    #[test]
    fn literal_patterns_match_the_whole_value() {
        assert!(m("firefox", "firefox"));
        assert!(!m("firefox", "firefox-bin"));
        assert!(!m("firefox", "my-firefox"));
        assert!(!m("firefox", ""));
        assert!(m("alsa_playback.x", "alsa_playback.x"));
        assert!(!m("alsa_playback.x", "alsa_playbackXx"), "`.` is literal");
    }

    #[test]
    fn star_matches_any_run() {
        assert!(m("*", ""));
        assert!(m("*", "anything at all"));
        assert!(m("ardour*", "ardour"));
        assert!(m("ardour*", "ardour-8.12"));
        assert!(m("*fox", "firefox"));
        assert!(m("f*f*x", "firefox"));
        assert!(m("a**b", "a-b"));
        assert!(!m("ardour*", "xardour"));
        // Backtracking: the first `c` is not the right one.
        assert!(m("*c?d", "abcxcyd"));
        assert!(m("*aab", "aaaab"));
        assert!(!m("*a*b*c", "acb"));
    }

    #[test]
    fn question_mark_matches_one_character() {
        assert!(m("ardour?", "ardour8"));
        assert!(!m("ardour?", "ardour"));
        assert!(!m("ardour?", "ardour10"));
        assert!(m("??", "é✓"), "one character, not one byte");
    }

    #[test]
    fn classes_and_ranges() {
        assert!(m("ardour[678]", "ardour7"));
        assert!(!m("ardour[678]", "ardour9"));
        assert!(m("ardour[0-9]*", "ardour8.12"));
        assert!(!m("ardour[0-9]*", "ardourx"));
        assert!(m("[!0-9]*", "x1"));
        assert!(!m("[!0-9]*", "1x"));
        assert!(m("[^a]", "b"), "`^` negates like `!`");
        assert!(m("[]]", "]"), "`]` first is a member");
        assert!(m("[!]]", "x") && !m("[!]]", "]"));
        assert!(m("[a-]", "-"), "`-` last is a member");
        assert!(m("a[*]", "a*") && !m("a[*]", "ab"));
        assert!(m("[[]x", "[x"));
    }

    #[test]
    fn matching_ignores_case() {
        assert!(m("firefox", "Firefox"));
        assert!(m("FIREFOX", "firefox"));
        assert!(m("Spotify*", "spotify-launcher"));
        assert!(m("[a-z]x", "QX"));
        assert!(m("[A-Z]x", "qx"));
        assert!(m("[!a-z]", "1") && !m("[!a-z]", "Q"));
        assert!(m("musique-é", "MUSIQUE-É"));
        assert!(m("bitwig*", "BitwigAudioEngine-X64"));
    }

    #[test]
    fn bad_patterns_are_refused_with_their_offset() {
        assert_eq!(Glob::new(""), Err(GlobError::Empty));
        assert_eq!(
            Glob::new("fire[fox"),
            Err(GlobError::UnclosedClass { offset: 4 })
        );
        assert_eq!(Glob::new("[]"), Err(GlobError::UnclosedClass { offset: 0 }));
        assert_eq!(
            Glob::new("é[z-a]"),
            Err(GlobError::ReversedRange {
                offset: 3,
                start: 'z',
                end: 'a'
            })
        );
        assert_eq!(
            GlobError::ReversedRange {
                offset: 0,
                start: 'z',
                end: 'a'
            }
            .to_string(),
            "range `z-a` is backwards; write `a-z`"
        );
    }

    #[test]
    fn literals_escape_glob_characters() {
        assert_eq!(escape("a*b?[c]"), "a[*]b[?][[]c]");
        let g = Glob::literal("Weird*App?").unwrap();
        assert!(g.matches("weird*app?"));
        assert!(!g.matches("Weird-App!"));
        assert_eq!(g.as_str(), "Weird[*]App[?]");
        assert_eq!(Glob::literal(""), None);
        assert_eq!(Glob::new("a*").unwrap().to_string(), "a*");
    }
}
