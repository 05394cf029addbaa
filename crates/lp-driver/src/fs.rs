//! The file-system boundary of the core: a trait, the real implementation and an in-memory one.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// What the pipeline needs from a file system.
pub trait FileSystem: Send + Sync {
    /// Reads a whole file. A path that exists but is not a regular file (a FIFO, a device, a
    /// socket, a folder) is refused without being opened, with an error that
    /// [`not_regular_file`] recognizes: a FIFO would block the open and `/dev/zero` never ends.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Lists the entries of a directory (full paths), in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// Whether anything (a file, a folder, a FIFO, a device) is at `path`.
    fn exists(&self, path: &Path) -> bool {
        self.is_file(path) || self.is_dir(path)
    }
    /// Takes the exclusive advisory lock of the lock file `path` (created if missing), calling
    /// `waiting` once first when another process holds it, then blocking until it is free. The
    /// lock lasts as long as the returned guard; the operating system releases it when the
    /// process ends, so a killed holder never leaves it stale. In-memory file systems have no
    /// other process to exclude and take no lock.
    fn lock_exclusive(&self, path: &Path, waiting: &dyn Fn()) -> io::Result<FileLock> {
        let _ = (path, waiting);
        Ok(FileLock { _file: None })
    }
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

/// An exclusive lock taken with [`FileSystem::lock_exclusive`], released when dropped.
#[derive(Debug)]
pub struct FileLock {
    /// The open lock file; closing it releases the lock.
    _file: Option<std::fs::File>,
}

/// Why a path was not read: it is not a regular file. Carried inside the [`io::Error`] that
/// [`FileSystem::read`] returns; [`not_regular_file`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRegularFile {
    /// What the path is instead, e.g. `a FIFO (named pipe)`.
    pub kind: &'static str,
}

impl std::fmt::Display for NotRegularFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file", self.kind)
    }
}

impl std::error::Error for NotRegularFile {}

/// What a read error says about the path when the path is not a regular file: its kind.
pub fn not_regular_file(error: &io::Error) -> Option<&'static str> {
    error.get_ref().and_then(|e| e.downcast_ref::<NotRegularFile>()).map(|n| n.kind)
}

/// An error unless `meta` describes a regular file.
fn require_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    let kind = if ft.is_dir() { "a folder" } else { special_kind(&ft) };
    Err(io::Error::new(io::ErrorKind::InvalidInput, NotRegularFile { kind }))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

impl FileSystem for OsFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        // The type is looked at before the open: opening a FIFO blocks until a writer comes.
        require_regular(&std::fs::metadata(path)?)?;
        let mut file = std::fs::File::open(path)?;
        // The path may have been replaced between the two looks; the open file is what is read.
        let meta = file.metadata()?;
        require_regular(&meta)?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 26));
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
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

    fn exists(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok()
    }

    fn lock_exclusive(&self, path: &Path, waiting: &dyn Fn()) -> io::Result<FileLock> {
        let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                file.lock()?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        Ok(FileLock { _file: Some(file) })
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
