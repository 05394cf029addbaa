//! "Did you mean" suggestions for misspelt keywords, by optimal-string-alignment distance.

/// The item keyword `word` was probably meant to be, if any.
pub(crate) fn item_keyword(word: &str) -> Option<&'static str> {
    // Words from other languages that mean one of ours.
    let alias = match word {
        "struct" | "enum" | "record" | "data" | "typedef" | "alias" => Some("type"),
        "func" | "function" | "def" | "fun" | "let" => Some("fn"),
        "state_machine" | "statemachine" | "fsm" => Some("machine"),
        "api" | "interface" => Some("service"),
        "exception" => Some("error"),
        _ => None,
    };
    alias.or_else(|| closest(word, super::ITEM_KEYWORDS))
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub(crate) fn closest(word: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.len() / 3).max(1);
    candidates
        .iter()
        .map(|&c| (distance(&lower, c), c))
        .filter(|&(d, c)| d <= limit && (d > 0 || c != word))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: edits, where swapping two neighbours counts as one.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the dynamic-programming table.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("tpye", "type"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("machien", "machine"), 1);
    }

    #[test]
    fn suggestions() {
        assert_eq!(item_keyword("tpye"), Some("type"));
        assert_eq!(item_keyword("Type"), Some("type"));
        assert_eq!(item_keyword("servce"), Some("service"));
        assert_eq!(item_keyword("struct"), Some("type"));
        assert_eq!(item_keyword("banana"), None);
    }
}
