//! `tally check-evidence FILE`: check equivocation evidence offline
//! (`spec/log.md` §9, docs/attacks.md E5).
//!
//! The file holds one piece of evidence in any of the forms a mirror
//! serves: the JSON form of `spec/log.md` §11, an item of a mirror's
//! `GET /api/evidence` list (`{"evidence": {…}, …}`), the canonical binary
//! encoding (L22), or that encoding in hex. The check uses only the file:
//! the board key is inside the evidence.
//!
//! Exit codes of the command: 0 the evidence is valid (the board signed
//! two heads no honest board signs together), 1 it is not evidence,
//! 2 the file cannot be read or decoded.

use urna_log::{Evidence, EvidenceKind, EVIDENCE_LABEL};

/// Why a file is not valid evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceFileError {
    /// Not any of the accepted forms (exit 2).
    #[error("ERR_ENCODING: {0}")]
    Unreadable(String),
    /// Decoded, but it proves nothing (exit 1), with the log's error code.
    #[error("{code}: {message}")]
    NotEvidence {
        /// `ERR_EVIDENCE_INVALID`, `ERR_CHECKPOINT_INVALID`, `ERR_INCLUSION_INVALID`, …
        code: &'static str,
        /// What failed.
        message: String,
    },
}

/// Decode evidence from the bytes of a file, in any accepted form.
pub fn decode_evidence_file(bytes: &[u8]) -> Result<Evidence, EvidenceFileError> {
    if bytes.starts_with(EVIDENCE_LABEL) {
        return Evidence::decode(bytes)
            .map_err(|e| EvidenceFileError::Unreadable(format!("binary evidence: {e}")));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| EvidenceFileError::Unreadable("neither binary evidence nor text".into()))?
        .trim();
    if text.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| EvidenceFileError::Unreadable(format!("not JSON: {e}")))?;
        // A mirror's list item wraps the evidence object.
        let inner = match v.get("evidence") {
            Some(e) if e.is_object() => e.clone(),
            _ => v,
        };
        return serde_json::from_value(inner)
            .map_err(|e| EvidenceFileError::Unreadable(format!("not evidence JSON: {e}")));
    }
    let raw = hex::decode(text)
        .map_err(|e| EvidenceFileError::Unreadable(format!("not JSON, binary or hex: {e}")))?;
    Evidence::decode(&raw).map_err(|e| EvidenceFileError::Unreadable(format!("hex evidence: {e}")))
}

/// Decode and check evidence (`spec/log.md` (L23)–(L27)).
pub fn check_evidence_file(bytes: &[u8]) -> Result<(Evidence, EvidenceKind), EvidenceFileError> {
    let ev = decode_evidence_file(bytes)?;
    let kind = ev.verify().map_err(|e| EvidenceFileError::NotEvidence {
        code: e.code(),
        message: e.to_string(),
    })?;
    Ok((ev, kind))
}

/// The verdict, in words, for valid evidence.
pub fn describe(ev: &Evidence, kind: &EvidenceKind) -> String {
    let what = match kind {
        EvidenceKind::SplitView { size } => {
            format!("split view (L25): two different roots for the same tree size {size}")
        }
        EvidenceKind::Rollback => {
            "rollback (L26): a smaller tree signed at a later time".to_string()
        }
        EvidenceKind::ConflictingLeaf { index } => format!(
            "conflicting leaf (L27): leaf {index} differs between the trees of size {} and {}",
            ev.first.tree_size, ev.second.tree_size
        ),
        other => other.to_string(),
    };
    format!(
        "ERR_LOG_EQUIVOCATION: VALID EVIDENCE that board key {} misbehaved: {what}",
        hex::encode(ev.public_key.to_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use urna_log::{BoardKey, MemoryTree};

    fn split_view() -> Evidence {
        let key = BoardKey::from_seed(&[7; 32]);
        let mut a = MemoryTree::new();
        a.push_entry(b"manifest");
        a.push_entry(b"ballot-a");
        let mut b = MemoryTree::new();
        b.push_entry(b"manifest");
        b.push_entry(b"ballot-b");
        Evidence {
            public_key: key.public_key(),
            first: key.sign_tree_head("e1", 2, 10, a.root()).unwrap(),
            second: key.sign_tree_head("e1", 2, 11, b.root()).unwrap(),
            conflicting_leaf: None,
        }
    }

    #[test]
    fn e05_every_form_of_split_view_evidence_is_confirmed() {
        let ev = split_view();
        let json = serde_json::to_vec(&ev).unwrap();
        let wrapped =
            serde_json::to_vec(&serde_json::json!({"election": "x", "evidence": ev})).unwrap();
        let bin = ev.to_bytes();
        let hexed = hex::encode(&bin).into_bytes();
        for form in [json, wrapped, bin, hexed] {
            let (got, kind) = check_evidence_file(&form).unwrap();
            assert_eq!(got, ev);
            assert_eq!(kind, EvidenceKind::SplitView { size: 2 });
            assert!(describe(&got, &kind).contains("split view"));
        }
    }

    #[test]
    fn e05_honest_heads_and_tampered_signatures_are_not_evidence() {
        let mut ev = split_view();
        ev.second = ev.first; // the same head twice
        match check_evidence_file(&serde_json::to_vec(&ev).unwrap()) {
            Err(EvidenceFileError::NotEvidence { code, .. }) => {
                assert_eq!(code, "ERR_EVIDENCE_INVALID")
            }
            other => panic!("{other:?}"),
        }
        let mut ev = split_view();
        ev.second.signature[0] ^= 1;
        match check_evidence_file(&ev.to_bytes()) {
            Err(EvidenceFileError::NotEvidence { code, .. }) => {
                assert_eq!(code, "ERR_CHECKPOINT_INVALID")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_evidence_file(b"{\"public_key\": 1}"),
            Err(EvidenceFileError::Unreadable(_))
        ));
    }
}
