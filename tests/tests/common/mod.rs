//! What the repository-wide tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Expand `(R1)–(R3)` into `R1, R2, R3`; `None` if it is not a valid range.
pub fn expand_range(lo: &str, hi: &str) -> Option<Vec<String>> {
    let split = |id: &str| -> Option<(String, u32)> {
        let digits = id.find(|c: char| c.is_ascii_digit())?;
        Some((id[..digits].to_string(), id[digits..].parse().ok()?))
    };
    let (p_lo, n_lo) = split(lo)?;
    let (p_hi, n_hi) = split(hi)?;
    if p_lo != p_hi || n_lo > n_hi || n_hi - n_lo > 100 {
        return None;
    }
    Some((n_lo..=n_hi).map(|n| format!("{p_lo}{n}")).collect())
}

pub fn workspace_root() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
        .parent()
        .expect("tests/ lives inside the workspace")
        .to_path_buf()
}
