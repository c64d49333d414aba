//! Writing output files whole or not at all (spec/trustees.md §16 (KF7)).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

use super::TrusteeError;

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
pub fn check_absent(path: &Path, force: bool, hint: &'static str) -> Result<(), TrusteeError> {
    if !force && fs::symlink_metadata(path).is_ok() {
        return Err(TrusteeError::Exists {
            path: path.to_path_buf(),
            hint,
        });
    }
    Ok(())
}

/// Write `bytes` to `path` atomically: into a new temporary file beside it
/// (created with the final permissions, so a secret is never readable by
/// others, not even for a moment), flushed to disk, then renamed over
/// `path`. A crash leaves either the old file or the new one, never half a
/// file. Refuses to replace an existing file unless `force`.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: Mode,
    force: bool,
    hint: &'static str,
) -> Result<(), TrusteeError> {
    check_absent(path, force, hint)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| TrusteeError::BadInput {
            path: path.to_path_buf(),
            reason: "not a file name".into(),
        })?;
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:016x}",
        std::process::id(),
        OsRng.next_u64()
    ));
    let result = write_new(&tmp, bytes, mode).and_then(|()| {
        fs::rename(&tmp, path).map_err(|e| TrusteeError::io(path, e))?;
        sync_dir(&dir);
        Ok(())
    });
    if result.is_err() {
        // The temporary file holds nothing secret in clear (key files are
        // sealed before they are written); removing it is tidiness only.
        if let Err(e) = fs::remove_file(&tmp) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!("warning: could not remove {}: {e}", tmp.display());
            }
        }
    }
    result
}

fn write_new(path: &Path, bytes: &[u8], mode: Mode) -> Result<(), TrusteeError> {
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
    let mut f = opts.open(path).map_err(|e| TrusteeError::io(path, e))?;
    f.write_all(bytes).map_err(|e| TrusteeError::io(path, e))?;
    f.sync_all().map_err(|e| TrusteeError::io(path, e))
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
