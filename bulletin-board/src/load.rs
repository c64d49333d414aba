//! Rebuilding an election from the database: at start, after a failed
//! commit, and on a mirror. Every stored leaf hash and signed tree head is
//! re-checked (docs/attacks.md E8, E6), and the verified heads fill the
//! election's in-memory head index (`heads.rs`), so the read path never
//! scans the database for a head.

use std::collections::HashMap;

use urna_election::Entry;
use urna_log::{BoardPublicKey, SignedTreeHead};

use crate::machine::Machine;
use crate::store::Store;

/// Rebuild one election from the database, re-checking every stored leaf
/// hash and every signed tree head (docs/attacks.md E8, E6) under `log_key`
/// (the board's own key, or on a mirror the upstream board's key). Proofs
/// are not re-verified (they were when the entries were accepted).
pub async fn load_election(
    store: &dyn Store,
    log_key: &BoardPublicKey,
    id: &str,
) -> Result<Machine, String> {
    let heads = store.heads(id, u64::MAX).await.map_err(|e| e.to_string())?;
    let rows = store.ballots(id).await.map_err(|e| e.to_string())?;
    let times: HashMap<u64, u64> = rows.iter().map(|r| (r.seq, r.accepted_at_ms)).collect();
    let mut machine: Option<Machine> = None;
    let mut tree = urna_log::MemoryTree::new();
    let page = 2048u64;
    let mut next = 0u64;
    loop {
        let entries = store
            .entries(id, next, next + page)
            .await
            .map_err(|e| e.to_string())?;
        if entries.is_empty() {
            break;
        }
        for e in entries {
            if e.seq != next {
                return Err(format!("log index {next} is missing"));
            }
            let leaf = urna_log::leaf_hash(&e.bytes);
            if leaf.0 != e.leaf_hash {
                return Err(format!(
                    "entry {next}: the stored leaf hash is not the hash of the stored bytes"
                ));
            }
            let entry = Entry::from_bytes(&e.bytes)
                .map_err(|err| format!("entry {next} does not decode: {err}"))?;
            match machine.as_mut() {
                None => {
                    let placeholder = SignedTreeHead {
                        log_id: log_key.log_id(id),
                        tree_size: 0,
                        timestamp_ms: 1,
                        root_hash: urna_log::empty_root(),
                        signature: [0; 64],
                    };
                    let mut m = Machine::create(&entry, placeholder)
                        .map_err(|err| format!("entry 0: {err}"))?;
                    m.stage_manifest(&e.bytes, 1);
                    machine = Some(m);
                }
                Some(m) => {
                    let t = times.get(&next).copied().unwrap_or(0);
                    m.apply(&entry, &e.bytes, true, None, t)
                        .map_err(|err| format!("entry {next} replays as refused: {err}"))?;
                }
            }
            tree.push(leaf);
            next += 1;
        }
    }
    let mut m = machine.ok_or("the election has no entries")?;
    let mut last: Option<SignedTreeHead> = None;
    let mut index = crate::heads::HeadIndex::default();
    for h in &heads {
        let head = SignedTreeHead::decode(&h.head)
            .and_then(|s| s.verify(log_key, id).map(|v| v.into_signed()))
            .map_err(|err| format!("stored tree head of size {}: {err}", h.tree_size))?;
        let root = tree
            .root_at(head.tree_size)
            .map_err(|err| format!("stored tree head of size {}: {err}", h.tree_size))?;
        if root != head.root_hash || head.tree_size != h.tree_size {
            return Err(format!(
                "the stored tree head of size {} does not match the stored entries",
                h.tree_size
            ));
        }
        if let Some(prev) = last {
            if head.timestamp_ms < prev.timestamp_ms {
                return Err("stored tree heads go back in time".into());
            }
        }
        index.push(&head);
        last = Some(head);
    }
    let head = last.ok_or("no signed tree head")?;
    if head.tree_size != tree.len() {
        return Err(format!(
            "{} entries are not covered by the last signed tree head",
            tree.len() - head.tree_size
        ));
    }
    {
        let mut t = match m.shared.tree.write() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        *t = tree;
    }
    match m.shared.heads.write() {
        Ok(mut h) => *h = index,
        Err(p) => *p.into_inner() = index,
    }
    m.finish_replay(head);
    Ok(m)
}
