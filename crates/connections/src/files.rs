//! The files a person names (a certificate, another tool's connections), read as the window and the CLI both
//! read them: a regular file only, no further than its limit (a FIFO or a device reports no size and never
//! ends; a huge file is not what was meant).

use std::io::Read;
use std::path::Path;

/// A certificate file (PEM or PKCS#12) is small; anything larger is not one.
pub const MAX_CERTIFICATE_FILE: u64 = 256 * 1024;

/// Connection files are small; a larger one is not read whole.
pub const MAX_IMPORT_FILE: u64 = 16 * 1024 * 1024;

/// The bytes of the regular file at `path`, at most `limit` of them; otherwise why not, as a sentence that
/// names the file (`what` says what it should have been, e.g. "a certificate file").
pub fn read_small_file(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| format!("{shown} cannot be read: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown} cannot be read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown} is too large to be {what} (more than {} KiB)", limit / 1024));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_within_its_limit_is_read() {
        let dir = std::env::temp_dir().join(format!("d365desk-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("small");
        std::fs::write(&file, [1u8; 10]).unwrap();
        assert_eq!(read_small_file(&file, 10, "x").unwrap().len(), 10);
        let large = read_small_file(&file, 9, "a certificate file").unwrap_err();
        assert!(large.contains("too large to be a certificate file"), "{large}");
        assert!(read_small_file(&dir, 10, "x").unwrap_err().contains("is not a file"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
