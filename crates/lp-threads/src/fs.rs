//! The file-system boundary of the threads module: a trait, the operating system's
//! implementation and an in-memory one for tests. Every read and write of a workspace goes
//! through it.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

/// What the threads module needs from a file system.
pub trait Fs: Send + Sync + std::fmt::Debug {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries of a folder (full paths), in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// Replaces a file so that readers see the old bytes or the new ones (a temporary
    /// sibling, then a rename); creates missing parent folders.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// The absolute path without `.`, `..` or links; an error if nothing is there.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;

    fn exists(&self, path: &Path) -> bool {
        self.is_file(path) || self.is_dir(path)
    }

    /// A file as text (invalid UTF-8 is replaced, never an error).
    fn read_text(&self, path: &Path) -> io::Result<String> {
        Ok(String::from_utf8_lossy(&self.read(path)?).into_owned())
    }
}

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

impl Fs for OsFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name =
            path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
        let tmp = dir.join(format!(".{}.leanos-tmp-{}", name.to_string_lossy(), std::process::id()));
        std::fs::write(&tmp, bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
        path.canonicalize()
    }
}

/// Files held in memory under absolute paths; folders are implied by the files in them.
#[derive(Debug, Default)]
pub struct MemFs {
    files: RwLock<BTreeMap<PathBuf, Vec<u8>>>,
}

impl MemFs {
    pub fn new() -> MemFs {
        MemFs::default()
    }

    /// Adds or replaces a file (the path is normalized; relative paths are taken from `/`).
    pub fn insert(&self, path: impl AsRef<Path>, bytes: impl Into<Vec<u8>>) {
        if let Ok(mut files) = self.files.write() {
            files.insert(normalize(path.as_ref()), bytes.into());
        }
    }
}

/// `path` made absolute (from `/`) with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("`{}` does not exist", path.display()))
}

impl Fs for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let files = self.files.read().map_err(|_| io::Error::other("poisoned"))?;
        files.get(&normalize(path)).cloned().ok_or_else(|| not_found(path))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let dir = normalize(path);
        if !self.is_dir(&dir) {
            return Err(not_found(path));
        }
        let files = self.files.read().map_err(|_| io::Error::other("poisoned"))?;
        let mut out: Vec<PathBuf> = files
            .keys()
            .filter_map(|k| k.strip_prefix(&dir).ok().and_then(|rest| rest.components().next()))
            .map(|c| path.join(c.as_os_str()))
            .collect();
        out.dedup();
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        let dir = normalize(path);
        self.files.read().is_ok_and(|files| files.keys().any(|k| k != &dir && k.starts_with(&dir)))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.read().is_ok_and(|files| files.contains_key(&normalize(path)))
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.insert(path, bytes.to_vec());
        Ok(())
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let p = normalize(path);
        if self.exists(&p) { Ok(p) } else { Err(not_found(path)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_fs_implies_folders() {
        let fs = MemFs::new();
        fs.insert("/w/threads/a/b.md", "x");
        assert!(fs.is_dir(Path::new("/w/threads")));
        assert!(fs.is_file(Path::new("/w/threads/./a/../a/b.md")));
        assert_eq!(fs.read_dir(Path::new("/w")).expect("dir"), vec![PathBuf::from("/w/threads")]);
        assert_eq!(fs.canonicalize(Path::new("/w/threads/a/..")).expect("c"), PathBuf::from("/w/threads"));
        assert!(fs.canonicalize(Path::new("/w/none")).is_err());
    }
}
