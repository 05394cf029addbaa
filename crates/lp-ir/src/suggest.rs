//! "Did you mean" suggestions for unknown names.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
///
/// A candidate equal up to ASCII case wins; otherwise the one with the smallest
/// Damerau-Levenshtein distance, if that distance is at most a third of the name's length
/// (and at least 1). Ties go to the alphabetically first candidate, so the answer does not
/// depend on the order of `candidates`.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'c str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance =
            if candidate.eq_ignore_ascii_case(name) { 0 } else { strsim::damerau_levenshtein(name, candidate) };
        if distance > limit {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The help line for a suggestion: "a type with a similar name exists: `Product`".
pub fn similar_help(what: &str, suggestion: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {what} with a similar name exists: `{suggestion}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos() {
        assert_eq!(did_you_mean("Prodcut", ["Product", "Platform"]), Some("Product"));
        assert_eq!(did_you_mean("product", ["Product", "Produce"]), Some("Product"));
        assert_eq!(did_you_mean("Xyz", ["Product"]), None);
        assert_eq!(did_you_mean("ab", ["ac", "aa"]), Some("aa"));
    }

    #[test]
    fn help_uses_the_right_article() {
        assert_eq!(similar_help("type", "Product"), "a type with a similar name exists: `Product`");
        assert_eq!(similar_help("event", "start"), "an event with a similar name exists: `start`");
    }
}
