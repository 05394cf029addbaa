//! `threads new TYPE NAME`: creates a thread folder with `metadata.yaml` and a Stage 1 file
//! to fill in.

use crate::fs::Fs;
use crate::workspace::TYPES;
use std::io;
use std::path::{Path, PathBuf};

/// Whether a thread name is kebab-case: lower-case letters and digits in `-`-separated words.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// A YAML scalar for a name: quoted when a YAML 1.1 reader would take it for a boolean, or
/// when it reads as a number.
fn scalar(s: &str) -> String {
    if lp_yaml::yaml11_bool(s) || s.parse::<f64>().is_ok() { format!("\"{s}\"") } else { s.to_string() }
}

/// The type-specific metadata fields LeanOS lists, as comments to fill in.
fn type_fields(kind: &str) -> &'static str {
    match kind {
        "business" => "# revenue_impact:\n# cost:\n# roi:\n",
        "sales" => "# deal_size:\n# close_probability:\n# segment:\n# icp_match_score:\n# lead_source:\n",
        "marketing" => "# budget:\n# target_reach:\n# target_conversions:\n",
        _ => "# parent_thread:\n# complexity:\n# effort_weeks:\n# business_value:\n",
    }
}

/// Creates `threads/KIND/NAME/` under `root`, through `fs`. Fails if the type or name is invalid or the
/// folder exists. Returns the files written.
pub fn new_thread(
    fs: &dyn Fs,
    root: &Path,
    kind: &str,
    name: &str,
    owner: &str,
    date: &str,
) -> io::Result<Vec<PathBuf>> {
    if !TYPES.contains(&kind) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{kind}` is not a thread type: use {}", TYPES.join(", ")),
        ));
    }
    if !valid_name(name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` is not a thread name: use lower-case words separated by `-`"),
        ));
    }
    let dir = root.join("threads").join(kind).join(name);
    if fs.exists(&dir) {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("`{}` already exists", dir.display())));
    }
    let n = scalar(name);
    let o = scalar(owner);
    let metadata = format!(
        "thread_id: {}\ntype: {kind}\nstatus: draft\nowner: {o}\ncreated: {date}\nupdated: {date}\nstage: 1\ncanvas_assumptions: []\nrelated_threads: []\n{}",
        scalar(&format!("{kind}-{name}")),
        type_fields(kind)
    );
    let input = format!(
        "---\nthread: {n}\nstage: 1\ndate: {date}\nowner: {o}\nsource: metric\n---\n# {name}: input\n\n\
         ## Facts\n\n\
         <!-- One observed fact per line, with where it comes from and when, for example:\n\
         - 38% of trial merchants churn in week 2 (source: billing dashboard, 2026-11-02)\n\
         No opinions and no solutions here. -->\n\n\
         ## Context\n"
    );
    let files = vec![(dir.join("metadata.yaml"), metadata), (dir.join("1-input.md"), input)];
    for (p, text) in &files {
        fs.write_atomic(p, text.as_bytes())?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("premium-tier"));
        assert!(valid_name("2026-11-24-launch"));
        assert!(!valid_name("Premium"));
        assert!(!valid_name("a--b"));
        assert!(!valid_name("../x"));
        assert!(!valid_name(""));
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("2026"), "\"2026\"");
    }
}
