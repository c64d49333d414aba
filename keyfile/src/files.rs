//! Writing files whole or not at all (spec/trustees.md §16 (KF7),
//! spec/record.md §1.4 (KR4)).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

use crate::Error;

/// Who may read a file we write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only the owner (0600): key files.
    Secret,
    /// The usual permissions (0644 before the umask): messages, shares.
    Public,
}

/// Refuse early, before any passphrase prompt or computation, if `path`
/// exists and `force` is not given.
pub fn check_absent(path: &Path, force: bool, hint: &'static str) -> Result<(), Error> {
    if !force && fs::symlink_metadata(path).is_ok() {
        return Err(Error::Exists {
            path: path.to_path_buf(),
            hint,
        });
    }
    Ok(())
}

/// Write `bytes` to `path` atomically: into a new temporary file beside it
/// (created with the final permissions, so a secret is never readable by
/// others, not even for a moment), flushed to disk, then moved to `path`.
/// A crash leaves either the old file or the new one, never half a file.
/// Without `force` an existing file is never replaced, not even one that
/// appears while this runs: the temporary file is hard-linked to `path`,
/// which fails if `path` exists (or, on a file system without hard links,
/// renamed after a last check).
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: Mode,
    force: bool,
    hint: &'static str,
) -> Result<(), Error> {
    check_absent(path, force, hint)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
            )
        })?;
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:016x}",
        std::process::id(),
        OsRng.next_u64()
    ));
    let result = write_new(&tmp, bytes, mode).and_then(|()| {
        if force {
            fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        } else {
            match fs::hard_link(&tmp, path) {
                Ok(()) => remove(&tmp),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::Exists {
                        path: path.to_path_buf(),
                        hint,
                    })
                }
                Err(_) => {
                    check_absent(path, false, hint)?;
                    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
                }
            }
        }
        sync_dir(&dir);
        Ok(())
    });
    if result.is_err() {
        // The temporary file holds nothing secret in clear (key files are
        // sealed before they are written); removing it is tidiness only.
        remove(&tmp);
    }
    result
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            eprintln!("warning: could not remove {}: {e}", path.display());
        }
    }
}

fn write_new(path: &Path, bytes: &[u8], mode: Mode) -> Result<(), Error> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(match mode {
            Mode::Secret => 0o600,
            Mode::Public => 0o644,
        });
    }
    #[cfg(not(unix))]
    let _ = mode; // no permission bits to set on this platform
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

/// Make the rename durable. Some file systems cannot sync a directory;
/// the rename has happened either way, so a failure here is not an error.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        if d.sync_all().is_err() {
            // Not durable across a power cut on this file system; nothing to do.
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_whole_and_never_replaced_unless_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("k");
        write_atomic(&path, b"one", Mode::Secret, false, "hint").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = write_atomic(&path, b"two", Mode::Secret, false, "hint").unwrap_err();
        assert!(matches!(e, Error::Exists { .. }), "{e}");
        assert!(e.to_string().ends_with("Nothing was written. hint"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"three", Mode::Secret, true, "hint").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
