//! The profiles file: one JSON document with a format version, written atomically (temporary file, fsync,
//! rename), the previous version kept as `.bak`. Every change re-reads the file under an exclusive lock,
//! so the app and the CLI writing at once do not lose each other's changes. A file that cannot be read is
//! reported and never overwritten. The file, its backup and its lock are this user's only (0600 in a 0700
//! folder, on Unix).

use std::fs;
use std::io::Write;

use d365_common::files;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, VaultError};
use crate::profile::Profile;

/// The file format this version writes (and the newest it reads).
pub const FORMAT: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Document {
    format: u32,
    profiles: Vec<Profile>,
}

#[derive(Debug, Clone)]
pub struct ProfileFile {
    path: PathBuf,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> VaultError + 'a {
    move |source| VaultError::Io { action, path: path.to_owned(), source }
}

impl ProfileFile {
    pub fn new(dir: &Path) -> Self {
        Self { path: dir.join("profiles.json") }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn backup_path(&self) -> PathBuf {
        self.path.with_extension("json.bak")
    }

    /// The profiles as stored now (none when there is no file yet).
    pub fn read(&self) -> Result<Vec<Profile>> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(io("read", &self.path)(err)),
        };
        let corrupt = |detail: String| VaultError::CorruptProfiles { path: self.path.clone(), detail };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        // A format too large for a u32 is a newer one too, not a small one wrapped around.
        let format = value.get("format").and_then(serde_json::Value::as_u64).unwrap_or(0);
        let format = u32::try_from(format).unwrap_or(u32::MAX);
        if format > FORMAT {
            return Err(VaultError::NewerFormat { path: self.path.clone(), found: format });
        }
        let document: Document = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        Ok(document.profiles)
    }

    /// Reads, changes and writes the profiles under an exclusive lock; `change`'s error aborts the write.
    pub fn update<T>(&self, change: impl FnOnce(&mut Vec<Profile>) -> Result<T>) -> Result<T> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        files::create_private_dir(dir).map_err(io("create", dir))?;
        let lock_path = self.path.with_extension("lock");
        let lock = files::open_private(&lock_path).map_err(io("open", &lock_path))?;
        // std's advisory file lock (flock on Unix, LockFileEx on Windows); released on drop too.
        lock.lock().map_err(io("lock", &lock_path))?;
        let mut profiles = self.read()?;
        let result = change(&mut profiles)?;
        self.write(&profiles)?;
        lock.unlock().map_err(io("unlock", &lock_path))?;
        Ok(result)
    }

    fn write(&self, profiles: &[Profile]) -> Result<()> {
        let document = Document { format: FORMAT, profiles: profiles.to_vec() };
        let mut text = serde_json::to_string_pretty(&document).map_err(|e| VaultError::Io {
            action: "serialise",
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        text.push('\n');
        let temp = self.path.with_extension(format!("json.tmp-{}", std::process::id()));
        {
            let mut file = files::create_private(&temp).map_err(io("create", &temp))?;
            file.write_all(text.as_bytes()).map_err(io("write", &temp))?;
            file.sync_all().map_err(io("sync", &temp))?;
        }
        if self.path.exists() {
            fs::copy(&self.path, self.backup_path()).map_err(io("back up", &self.path))?;
        }
        fs::rename(&temp, &self.path).map_err(io("replace", &self.path))?;
        files::sync_dir_of(&self.path);
        Ok(())
    }
}
