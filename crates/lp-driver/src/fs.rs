//! The file-system boundary of the core: a trait, the real implementation and an in-memory one.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// What the pipeline needs from a file system.
pub trait FileSystem: Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Lists the entries of a directory (full paths), in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// Replaces a file's contents so that readers see the old bytes or the new ones, never a
    /// mix: a temporary file next to it, then a rename.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Creates a directory and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Renames a file or directory (atomically on one file system).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a directory and everything below it; a missing one is not an error.
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Whether the path itself is a symbolic link, without following it. Only the real file
    /// system has links.
    fn is_symlink(&self, _path: &Path) -> bool {
        false
    }
    /// A form of the path in which two paths to the same place are equal: `.` and `..`
    /// resolved, and on the real file system links too.
    fn canonical(&self, path: &Path) -> PathBuf {
        lexical_normal(path)
    }
}

/// The path with `.` segments dropped and `..` applied to the segment before it, without
/// looking at the disk.
pub fn lexical_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

impl FileSystem for OsFs {
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
        let name =
            path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
        let tmp = dir.join(format!(".{}.leanos-tmp-{}", name.to_string_lossy(), std::process::id()));
        std::fs::write(&tmp, bytes)?;
        // Keep the original file's permissions when there is one.
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn is_symlink(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| lexical_normal(path))
    }
}

/// Files held in memory, for tests and the language server's open documents.
#[derive(Debug, Default)]
pub struct MemFs {
    files: RwLock<BTreeMap<PathBuf, Vec<u8>>>,
}

impl MemFs {
    pub fn new() -> Self {
        MemFs::default()
    }

    /// Adds or replaces a file.
    pub fn insert(&self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        if let Ok(mut files) = self.files.write() {
            files.insert(path.into(), bytes.into());
        }
    }

    /// Copies the spec files (`.adt` and `leanos.toml`) below a real folder into memory under
    /// `prefix`, skipping hidden folders and build output; for tests and benchmarks that edit
    /// a project without touching the disk.
    pub fn load_project(dir: &Path, prefix: &Path) -> io::Result<MemFs> {
        fn walk(dir: &Path, root: &Path, prefix: &Path, fs: &MemFs) -> io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let p = entry?.path();
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if p.is_dir() {
                    if !name.starts_with('.') && name != "artifacts" {
                        walk(&p, root, prefix, fs)?;
                    }
                } else if (name.ends_with(".adt") || name == "leanos.toml")
                    && let Ok(rel) = p.strip_prefix(root)
                {
                    fs.insert(prefix.join(rel), std::fs::read(&p)?);
                }
            }
            Ok(())
        }
        let fs = MemFs::new();
        walk(dir, dir, prefix, &fs)?;
        Ok(fs)
    }

    fn poisoned() -> io::Error {
        io::Error::other("in-memory file system lock poisoned")
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let files = self.files.read().map_err(|_| Self::poisoned())?;
        files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let files = self.files.read().map_err(|_| Self::poisoned())?;
        let mut out: Vec<PathBuf> = files
            .keys()
            .filter_map(|p| {
                let rest = p.strip_prefix(path).ok()?;
                let first = rest.components().next()?;
                Some(path.join(first))
            })
            .collect();
        out.dedup();
        if out.is_empty() && !files.keys().any(|p| p.starts_with(path)) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.read().map(|f| f.keys().any(|p| p != path && p.starts_with(path))).unwrap_or(false)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.read().map(|f| f.contains_key(path)).unwrap_or(false)
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.insert(path, bytes);
        Ok(())
    }

    fn create_dir_all(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut files = self.files.write().map_err(|_| Self::poisoned())?;
        let moved: Vec<PathBuf> = files.keys().filter(|p| p.starts_with(from)).cloned().collect();
        if moved.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such file or directory"));
        }
        for p in moved {
            if let Some(bytes) = files.remove(&p) {
                let rest = p.strip_prefix(from).map(Path::to_path_buf).unwrap_or_default();
                files.insert(if rest.as_os_str().is_empty() { to.to_path_buf() } else { to.join(rest) }, bytes);
            }
        }
        Ok(())
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut files = self.files.write().map_err(|_| Self::poisoned())?;
        files.retain(|p, _| !p.starts_with(path));
        Ok(())
    }
}
