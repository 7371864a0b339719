//! "Did you mean …?" for mistyped keys and names.

/// Levenshtein distance between `a` and `b`, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// [`nearest`] over owned candidates.
pub fn nearest_owned(word: &str, candidates: impl IntoIterator<Item = String>) -> Option<String> {
    let candidates: Vec<String> = candidates.into_iter().collect();
    nearest(word, candidates.iter().map(String::as_str)).map(str::to_string)
}

/// The candidate closest to `word`, if any is close enough to be what the
/// user meant: within an edit distance of a third of the word's length (at
/// least 2), or containing / contained in it (`threshold` → `comp_threshold`).
/// Comparison ignores ASCII case and treats `-` like `_`.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let normalise = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let word = normalise(word);
    if word.is_empty() {
        return None;
    }
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let c = normalise(candidate);
            let distance = edit_distance(&word, &c);
            let related = word.len() >= 3 && (c.contains(&word) || word.contains(&c));
            // Containment ranks after any close spelling, but still counts.
            let score = if distance <= limit {
                distance
            } else if related {
                limit + 1
            } else {
                return None;
            };
            Some((score, candidate))
        })
        .min_by_key(|&(score, _)| score)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_known_values() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ceiling", "celing"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("dBTP", "dBTP"), 0);
    }

    #[test]
    fn suggests_the_closest_key() {
        let keys = ["ceiling", "comp_ratio", "comp_threshold", "agc_target"];
        assert_eq!(nearest("celing", keys), Some("ceiling"));
        assert_eq!(nearest("comp_raito", keys), Some("comp_ratio"));
        assert_eq!(nearest("threshold", keys), Some("comp_threshold"));
        assert_eq!(nearest("AGC-TARGET", keys), Some("agc_target"));
        assert_eq!(nearest("banana", keys), None);
        assert_eq!(nearest("", keys), None);
    }
}
