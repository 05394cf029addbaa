//! The file system the server's pipeline reads: open documents over the disk, and writes (the
//! verdict cache) kept in memory, so the language server never writes to the disk.

use lp_driver::fs::{FileSystem, MemFs, OsFs};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Open documents over the disk. Cheap to clone: a snapshot shares the texts.
#[derive(Debug, Clone, Default)]
pub struct OverlayFs {
    /// The open documents' current texts by path.
    pub docs: Arc<BTreeMap<PathBuf, String>>,
    /// What the pipeline wrote (the verdict cache), shared across snapshots.
    pub writes: Arc<MemFs>,
}

impl FileSystem for OverlayFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if let Some(text) = self.docs.get(path) {
            return Ok(text.as_bytes().to_vec());
        }
        if self.writes.is_file(path) {
            return self.writes.read(path);
        }
        OsFs.read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let disk = OsFs.read_dir(path);
        let mut out: Vec<PathBuf> =
            self.docs.keys().filter_map(|p| Some(path.join(p.strip_prefix(path).ok()?.components().next()?))).collect();
        match disk {
            Ok(entries) => out.extend(entries),
            Err(e) if out.is_empty() => return Err(e),
            Err(_) => {}
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        OsFs.is_dir(path) || self.docs.keys().any(|p| p != path && p.starts_with(path))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.docs.contains_key(path) || self.writes.is_file(path) || OsFs.is_file(path)
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.writes.write_atomic(path, bytes)
    }

    fn create_dir_all(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.writes.rename(from, to)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.writes.remove_dir_all(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_documents_shadow_the_disk_and_writes_stay_in_memory() {
        let dir = std::env::temp_dir().join(format!("lp-lsp-overlay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("a.adt"), "on disk").expect("write");
        let mut docs = BTreeMap::new();
        docs.insert(dir.join("a.adt"), "in the editor".to_string());
        docs.insert(dir.join("new/b.adt"), "unsaved".to_string());
        let fs = OverlayFs { docs: Arc::new(docs), writes: Arc::default() };
        assert_eq!(fs.read(&dir.join("a.adt")).expect("open"), b"in the editor");
        assert!(fs.is_dir(&dir.join("new")));
        let entries = fs.read_dir(&dir).expect("listing");
        assert_eq!(entries, vec![dir.join("a.adt"), dir.join("new")]);
        fs.write_atomic(&dir.join("cache.json"), b"{}").expect("memory write");
        assert!(!dir.join("cache.json").exists(), "nothing reaches the disk");
        assert_eq!(fs.read(&dir.join("cache.json")).expect("kept"), b"{}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
