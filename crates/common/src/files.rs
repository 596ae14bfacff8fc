//! Files for this user's eyes only: profiles, the metadata cache, the sandbox's data, an export's change
//! state. On Unix they are created 0600 in folders created 0700 (folders that exist already keep their
//! mode); elsewhere the operating system's defaults for the user's folders apply.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `dir` and any missing parent, each new one private to this user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Write access to `path`, created private to this user if missing.
fn private(truncate: bool) -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Opens `path` for writing (created if missing, emptied if not), private to this user when created.
pub fn create_private(path: &Path) -> io::Result<File> {
    private(true).open(path)
}

/// Opens (or creates, private) a file without emptying it: a lock file another process may hold.
pub fn open_private(path: &Path) -> io::Result<File> {
    private(false).open(path)
}

/// Makes an existing file private to this user (a file another library created, such as SQLite's).
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A temporary name beside `path`, unique to this process and call: two writers never share one.
fn temp_beside(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically and durably: a private temporary file beside it, fsync, rename over
/// `path`, fsync of the folder. A reader sees the old file or the new one, never part of either.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let temp = temp_beside(path);
    let written = (|| {
        let mut file = create_private(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    sync_dir_of(path);
    Ok(())
}

/// A rename is durable only once its folder is (best effort: not every platform can open a folder).
pub fn sync_dir_of(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn written_files_and_new_folders_are_private_and_whole() {
        let root = std::env::temp_dir().join(format!("d365desk-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let file = root.join("a").join("b").join("doc.json");
        write_private(&file, b"one").expect("written");
        assert_eq!(fs::read(&file).expect("read"), b"one");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&root.join("a")), 0o700);
        assert_eq!(mode(&root.join("a").join("b")), 0o700);
        write_private(&file, b"two").expect("rewritten");
        assert_eq!(fs::read(&file).expect("read"), b"two");
        let leftovers: Vec<_> = fs::read_dir(file.parent().expect("a folder"))
            .expect("listed")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file left behind");
        fs::write(root.join("loose"), b"x").expect("written");
        make_private(&root.join("loose")).expect("chmod");
        assert_eq!(mode(&root.join("loose")), 0o600);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn temporary_names_never_repeat() {
        let path = Path::new("/x/cache.json");
        assert_ne!(temp_beside(path), temp_beside(path));
    }
}
