//! Following an election: poll the upstream's signed tree head, check it
//! extends the last verified one, fetch and re-check the new entries
//! through the board's intake, and commit only under the board's own
//! head; find conflicting leaves when heads disagree.

use serde::Deserialize;
use urna_election::Entry;
use urna_log::{
    check_extends, BoardPublicKey, ConflictingLeaf, ConsistencyProof, Evidence, InclusionProof,
    SignedTreeHead,
};

use crate::machine::{kind_of_bytes, Machine};
use crate::sequencer::{load_election, lookup, now_ms};

use super::{MirrorError, MirrorState, Upstream};

/// Most elections a mirror follows when its operator names none: a board
/// full of elections cannot make a mirror follow them all.
pub const MAX_FOLLOWED: usize = 256;

/// The elections `up` lists, page by page (`spec/api.md` §5.9), at most `max`.
pub(super) async fn listed(
    up: &Upstream,
    max: usize,
) -> Result<Vec<serde_json::Value>, MirrorError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    while out.len() < max {
        let path = match &after {
            None => "/api/elections".to_string(),
            Some(a) => format!("/api/elections?after={a}"),
        };
        let v = up.get_json(&path).await?;
        let page = v
            .get("elections")
            .and_then(|e| e.as_array())
            .cloned()
            .unwrap_or_default();
        out.extend(page.into_iter().take(max - out.len()));
        // The next page, if any, from an id the upstream may not twist
        // into another query.
        match v.get("next").and_then(|n| n.as_str()) {
            Some(n) if urna_election::manifest::valid_id(n) && after.as_deref() != Some(n) => {
                after = Some(n.to_string())
            }
            _ => break,
        }
    }
    Ok(out)
}

impl MirrorState {
    /// The elections to follow: the configured ones, or the first
    /// [`MAX_FOLLOWED`] the upstream lists (`spec/api.md` §8.1).
    async fn election_ids(&self) -> Result<Vec<String>, MirrorError> {
        if !self.elections.is_empty() {
            return Ok(self.elections.clone());
        }
        Ok(listed(&self.upstream, MAX_FOLLOWED)
            .await?
            .iter()
            .filter_map(|e| e.get("election_id")?.as_str().map(str::to_string))
            .filter(|id| urna_election::manifest::valid_id(id))
            .collect())
    }

    /// One poll of every followed election.
    pub async fn sync_all(&self) {
        let ids = match self.election_ids().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the upstream's elections");
                return;
            }
        };
        for id in ids {
            if self.halted(&id).is_some() {
                continue;
            }
            match self.sync_election(&id).await {
                Ok(()) => self.update(&id, |s| {
                    s.last_error = None;
                    s.last_sync_ms = now_ms();
                }),
                Err(MirrorError::Unreachable(e) | MirrorError::Deferred(e)) => {
                    tracing::warn!(election = %id, error = %e, "upstream unreachable; retrying later");
                    self.update(&id, |s| s.last_error = Some(e));
                }
                Err(MirrorError::Misbehaviour(reason)) => self.halt(&id, reason),
                Err(MirrorError::Store(e)) => {
                    tracing::error!(election = %id, error = %e, "mirror storage failed");
                    self.update(&id, |s| s.last_error = Some(format!("storage: {e}")));
                }
            }
        }
    }

    /// Fetch and verify the upstream's latest head for `id` (L13–L16).
    async fn upstream_head(&self, id: &str) -> Result<SignedTreeHead, MirrorError> {
        let head: SignedTreeHead = self
            .upstream
            .get_field(&format!("/api/elections/{id}/tree-head"), "tree_head")
            .await?;
        head.verify(&self.log_key(), id)
            .map(|v| v.into_signed())
            .map_err(|e| {
                MirrorError::Misbehaviour(format!(
                    "{}: the upstream's tree head does not verify under the board key: {e}",
                    e.code()
                ))
            })
    }

    /// One poll of one election (`spec/api.md` §8.1 (M1)–(M3)).
    pub async fn sync_election(&self, id: &str) -> Result<(), MirrorError> {
        let head = self.upstream_head(id).await?;
        let mut machines = self.machines.lock().await;
        let last = machines.get(id).and_then(|m| m.head().copied());
        let from = match last {
            Some(l) if l == head => return Ok(()),
            Some(l) => {
                if let Some(ev) = Evidence::from_heads(self.log_key(), l, head) {
                    drop(machines);
                    self.keep_evidence(id, &ev).await?;
                    return Err(MirrorError::Misbehaviour(
                        "the board's head contradicts the last verified one".into(),
                    ));
                }
                if head.tree_size < l.tree_size {
                    // An older head (a stale cache in front of the board,
                    // or a restored backup): never go back (L19). A fork
                    // shows as a conflicting leaf; otherwise wait for a
                    // current head.
                    let shared = lookup(&self.app.registry, id);
                    drop(machines);
                    if let Some(shared) = shared {
                        if let Some(ev) =
                            find_conflict(&self.upstream, &self.log_key(), &shared, l, head).await?
                        {
                            self.keep_evidence(id, &ev).await?;
                            return Err(MirrorError::Misbehaviour(
                                "the board's head forks from the verified log".into(),
                            ));
                        }
                    }
                    return Err(MirrorError::Unreachable(format!(
                        "the upstream serves a head of {} entries, older than the {} already verified (L19); waiting for a current one",
                        head.tree_size, l.tree_size
                    )));
                }
                if head.tree_size == l.tree_size {
                    return Ok(()); // same tree, re-signed: nothing new
                }
                // (L17)–(L21) with the upstream's consistency proof.
                let proof: ConsistencyProof = self
                    .upstream
                    .get_field(
                        &format!(
                            "/api/elections/{id}/proof/consistency?first={}&second={}",
                            l.tree_size, head.tree_size
                        ),
                        "consistency_proof",
                    )
                    .await?;
                let vl = l.verify(&self.log_key(), id).map_err(|e| {
                    MirrorError::Misbehaviour(format!("stored head does not verify: {e}"))
                })?;
                let vh = head.verify(&self.log_key(), id).map_err(|e| {
                    MirrorError::Misbehaviour(format!("upstream head does not verify: {e}"))
                })?;
                if let Err(e) = check_extends(&vl, &vh, &proof) {
                    let shared = lookup(&self.app.registry, id);
                    drop(machines);
                    if let Some(shared) = shared {
                        if let Some(ev) =
                            find_conflict(&self.upstream, &self.log_key(), &shared, l, head).await?
                        {
                            self.keep_evidence(id, &ev).await?;
                        }
                    }
                    return Err(MirrorError::Misbehaviour(format!(
                        "{}: the board's head of size {} does not extend the verified head of size {}: {e}",
                        e.code(),
                        head.tree_size,
                        l.tree_size
                    )));
                }
                l.tree_size
            }
            None => 0,
        };

        // Fetch every new entry before touching the state machine, so an
        // unreachable upstream leaves it as it was.
        let mut fetched: Vec<Vec<u8>> = Vec::new();
        let mut next = from;
        while next < head.tree_size {
            let end = (next + 1000).min(head.tree_size);
            let rows: Vec<urna_api::wire::EntryRow> = self
                .upstream
                .get_field(
                    &format!("/api/elections/{id}/entries?start={next}&end={end}"),
                    "entries",
                )
                .await?;
            if rows.is_empty() {
                return Err(MirrorError::Unreachable(format!(
                    "the upstream served no entries from {next} though its head has {}",
                    head.tree_size
                )));
            }
            for row in rows {
                if row.index != next || next >= end {
                    return Err(MirrorError::Misbehaviour(format!(
                        "the upstream served entry {} where entry {next} was asked for",
                        row.index
                    )));
                }
                let bytes = hex::decode(&row.entry).map_err(|e| {
                    MirrorError::Misbehaviour(format!("entry {next} is not hex: {e}"))
                })?;
                fetched.push(bytes);
                next += 1;
            }
        }

        // Apply with the board's own state machine, off the async threads
        // (ballot proofs are verified here).
        let machine = machines.remove(id);
        let log_key = self.log_key();
        let (machine, result) = tokio::task::spawn_blocking(move || {
            let mut machine = machine;
            let r = apply_all(&mut machine, &log_key, from, &fetched, head);
            (machine, r)
        })
        .await
        .map_err(|e| MirrorError::Misbehaviour(format!("internal: {e}")))?;
        let Some(mut machine) = machine else {
            return Err(MirrorError::Misbehaviour(
                "internal: no election state".into(),
            ));
        };
        let commit = match result {
            Ok(c) => c,
            Err(reason) => {
                // The machine holds refused state: drop it; handlers keep
                // serving the last committed state.
                return Err(MirrorError::Misbehaviour(reason));
            }
        };
        let created = machine.uncommitted;
        match self.app.store.commit(vec![commit]).await {
            Ok(()) => {
                machine.committed();
                if created {
                    if let Ok(mut r) = self.app.registry.write() {
                        r.insert(id.to_string(), machine.shared.clone());
                    }
                }
                machines.insert(id.to_string(), machine);
                Ok(())
            }
            Err(e) => {
                // Rebuild from the database (the commit may or may not have landed).
                drop(machine);
                if let Ok(m) = load_election(self.app.store.as_ref(), &log_key, id).await {
                    if let Ok(mut r) = self.app.registry.write() {
                        r.insert(id.to_string(), m.shared.clone());
                    }
                    machines.insert(id.to_string(), m);
                }
                Err(MirrorError::Store(e))
            }
        }
    }
}

/// Apply fetched entries `from…` to the machine (creating it at entry 0)
/// and prepare the commit under `head`. The error names the entry.
fn apply_all(
    machine: &mut Option<Machine>,
    log_key: &BoardPublicKey,
    from: u64,
    fetched: &[Vec<u8>],
    head: SignedTreeHead,
) -> Result<crate::store::ElectionCommit, String> {
    let now = now_ms();
    let placeholder = |entry: &Entry| SignedTreeHead {
        // The manifest's election: its log (spec/log.md (L12)).
        log_id: match entry {
            Entry::Manifest { manifest, .. } => log_key.log_id(&manifest.election_id),
            _ => head.log_id,
        },
        tree_size: 0,
        timestamp_ms: 1,
        root_hash: urna_log::empty_root(),
        signature: [0; 64],
    };
    crate::replay::apply_entries(machine, &placeholder, from, fetched, now).map_err(|r| {
        let kind = fetched
            .get((r.index - from) as usize)
            .map_or("unknown", |b| kind_of_bytes(b));
        format!(
            "entry {} ({kind}) is refused: {}: {}; the mirror keeps its last verified state",
            r.index, r.code, r.message
        )
    })?;
    let m = machine
        .as_mut()
        .ok_or_else(|| "the upstream's log is empty".to_string())?;
    m.prepare_mirror_commit(head, now).map_err(|e| {
        format!(
            "{}: {} (an entry was altered, or the head was signed over other entries)",
            e.code, e.message
        )
    })
}

/// Look for a leaf that differs between this mirror's verified tree (head
/// `ours`) and the tree of `theirs` as served by `source` (`spec/log.md`
/// (L27)): compare leaf hashes below both sizes, then prove the first
/// difference on both sides. `Ok(None)` if the source shows no difference
/// or cannot prove one (its proofs are checked, never trusted).
pub async fn find_conflict(
    source: &Upstream,
    log_key: &BoardPublicKey,
    shared: &crate::machine::Shared,
    ours: SignedTreeHead,
    theirs: SignedTreeHead,
) -> Result<Option<Evidence>, MirrorError> {
    let id = shared.id.clone();
    let n = ours.tree_size.min(theirs.tree_size);
    let mut start = 0u64;
    let mut index = None;
    'pages: while start < n {
        let end = (start + 1000).min(n);
        #[derive(Deserialize)]
        struct Row {
            index: u64,
            leaf_hash: urna_log::Hash,
        }
        let rows: Vec<Row> = source
            .get_field(
                &format!("/api/elections/{id}/entries?start={start}&end={end}"),
                "entries",
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        for r in &rows {
            if r.index >= n {
                break 'pages;
            }
            if tree.leaf_hash(r.index) != Some(r.leaf_hash) {
                index = Some(r.index);
                break 'pages;
            }
        }
        start += rows.len() as u64;
    }
    let Some(index) = index else {
        return Ok(None);
    };
    let theirs_proof: InclusionProof = source
        .get_field(
            &format!(
                "/api/elections/{id}/proof/inclusion?index={index}&tree_size={}",
                theirs.tree_size
            ),
            "inclusion_proof",
        )
        .await?;
    let theirs_leaf: urna_log::Hash = source
        .get_field(
            &format!(
                "/api/elections/{id}/proof/inclusion?index={index}&tree_size={}",
                theirs.tree_size
            ),
            "leaf_hash",
        )
        .await?;
    let (ours_leaf, ours_proof) = {
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        let Some(leaf) = tree.leaf_hash(index) else {
            return Ok(None);
        };
        match tree.inclusion_proof(index, ours.tree_size) {
            Ok(p) => (leaf, p),
            Err(_) => return Ok(None),
        }
    };
    let ev = Evidence {
        public_key: *log_key,
        first: ours,
        second: theirs,
        conflicting_leaf: Some(ConflictingLeaf {
            index,
            first_leaf_hash: ours_leaf,
            first_proof: ours_proof,
            second_leaf_hash: theirs_leaf,
            second_proof: theirs_proof,
        }),
    };
    Ok(ev.verify().is_ok().then_some(ev))
}
