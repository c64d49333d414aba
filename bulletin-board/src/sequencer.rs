//! The sequencer: the one writer of every log (docs/style.md item 12, after Tessera and
//! Sunlight). Request handlers decode and pre-check; the sequencer, on its
//! own thread, drains up to `max_batch` pending submissions, verifies the
//! ballots among them with one batch ([`verify_ballots`]), applies every
//! entry in arrival order, commits all accepted entries and the signed
//! tree heads covering them in ONE durable transaction, and only then
//! answers each request with its receipt (zero merge delay).
//!
//! Crash behaviour, step by step:
//! 1. drain and verify: nothing written; a crash loses only unanswered requests;
//! 2. apply and sign: state staged in memory only; a crash loses nothing acknowledged;
//! 3. commit: one transaction; a crash before it returns leaves nothing,
//!    after it everything (entries, ballot index, head) — still unanswered,
//!    so clients retry and get the same receipt (B3);
//! 4. publish and answer: the tree and view handlers read are updated
//!    only after the commit, so no head or proof is ever served that the
//!    database does not hold.
//!
//! If the commit fails, every request of the batch gets 503 (no receipt)
//! and the touched elections are rebuilt from the database before the
//! next batch — whether or not the failed commit actually persisted.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use ed25519_dalek::SigningKey;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};
use urna_election::{verify_ballots, ElectionError, EncryptedBallot, Entry};
use urna_log::{BoardKey, BoardPublicKey, SignedTreeHead};

use crate::error::ApiError;
use crate::machine::{kind_name, BallotInfo, Machine, Outcome, Shared};
use crate::metrics::Metrics;
use crate::receipt::{Promise, Receipt};
use crate::store::Store;
use urna_api::ErrorCode;

pub use crate::load::load_election;

/// Milliseconds since the Unix epoch (never 0).
pub fn now_ms() -> u64 {
    crate::clock::wall_ms()
}

/// The board's key, in the two forms it signs with.
pub struct BoardKeys {
    /// Signs tree heads.
    pub board: BoardKey,
    /// Signs promises (same secret seed).
    pub signing: SigningKey,
    /// The public key.
    pub public: BoardPublicKey,
}

impl BoardKeys {
    /// From the 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let board = BoardKey::from_seed(seed);
        let public = board.public_key();
        BoardKeys {
            signing: SigningKey::from_bytes(seed),
            board,
            public,
        }
    }
}

/// Every election's shared state, by id.
pub type Registry = Arc<RwLock<HashMap<String, Arc<Shared>>>>;

/// Read the registry.
pub fn lookup(reg: &Registry, id: &str) -> Option<Arc<Shared>> {
    match reg.read() {
        Ok(r) => r.get(id).cloned(),
        Err(p) => p.into_inner().get(id).cloned(),
    }
}

/// Every election of the registry, sorted by id (a poisoned lock still
/// gives its last state, as in [`lookup`]).
pub fn elections(reg: &Registry) -> Vec<Arc<Shared>> {
    let mut all: Vec<Arc<Shared>> = match reg.read() {
        Ok(r) => r.values().cloned().collect(),
        Err(p) => p.into_inner().values().cloned().collect(),
    };
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

/// The answer to a submission.
pub type Reply = oneshot::Sender<Result<Receipt, ApiError>>;

/// A staged outcome and where its answer goes, once the commit is decided.
type Answer = (Reply, Result<Staged, ApiError>);

/// A submission for the sequencer (already decoded and canonical).
pub enum Command {
    /// Create an election from its manifest entry.
    Create {
        /// The decoded entry.
        entry: Box<Entry>,
        /// Its canonical bytes.
        bytes: Vec<u8>,
        /// Where to answer.
        reply: Reply,
    },
    /// Append an entry to an election.
    Append {
        /// Election id.
        election: String,
        /// The decoded entry.
        entry: Box<Entry>,
        /// Its canonical bytes.
        bytes: Vec<u8>,
        /// Where to answer.
        reply: Reply,
    },
}

/// Build a receipt for a committed entry from the shared state.
pub fn make_receipt(
    shared: &Shared,
    keys: &BoardKeys,
    seq: u64,
    kind: &str,
    code: Option<[u8; 32]>,
    timestamp_ms: u64,
) -> Result<Receipt, ApiError> {
    let view = shared.view();
    let head = view.head;
    let tree = match shared.tree.read() {
        Ok(t) => t,
        Err(p) => p.into_inner(),
    };
    let leaf_hash = tree
        .leaf_hash(seq)
        .ok_or_else(|| ApiError::internal(format!("no committed leaf {seq}")))?;
    let proof = tree
        .inclusion_proof(seq, head.tree_size)
        .map_err(ApiError::internal)?;
    drop(tree);
    let promise = Promise {
        log_id: keys.public.log_id(&shared.id),
        manifest_hash: view.manifest_hash,
        log_index: seq,
        timestamp_ms,
        leaf_hash,
        tracking_code: code.unwrap_or([0; 32]),
        signature: [0; 64],
    }
    .sign(&keys.signing);
    Ok(Receipt {
        election: shared.id.clone(),
        kind: kind.to_string(),
        log_index: seq,
        leaf_hash,
        tracking_code: code.map(hex::encode),
        short_code: code.map(|c| urna_election::TrackingCode(urna_election::Hash32(c)).short()),
        timestamp_ms,
        promise: hex::encode(promise.to_bytes()),
        tree_head: head,
        inclusion_proof: proof,
    })
}

/// The receipt of a committed ballot (B3 retries, lookups by tracking code).
pub fn ballot_receipt(
    shared: &Shared,
    keys: &BoardKeys,
    code: [u8; 32],
    info: BallotInfo,
) -> Result<Receipt, ApiError> {
    let kind = if info.spoiled { "spoiled" } else { "ballot" };
    make_receipt(
        shared,
        keys,
        info.seq,
        kind,
        Some(code),
        info.accepted_at_ms,
    )
}

/// The sequencer's state.
pub struct Sequencer {
    machines: HashMap<String, Machine>,
    dirty: HashSet<String>,
    store: Arc<dyn Store>,
    keys: Arc<BoardKeys>,
    registry: Registry,
    metrics: Arc<Metrics>,
    max_batch: usize,
    rt: Handle,
    /// Timestamps of promises and heads: monotonic, jump-bounded.
    clock: crate::clock::Clock,
}

struct Item {
    election: Option<String>,
    entry: Box<Entry>,
    bytes: Vec<u8>,
    reply: Reply,
}

enum Staged {
    Appended {
        election: String,
        seq: u64,
        kind: &'static str,
        code: Option<[u8; 32]>,
        ts: u64,
    },
    Duplicate {
        election: String,
        code: [u8; 32],
        info: BallotInfo,
    },
}

impl Sequencer {
    /// A sequencer over already loaded elections.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        machines: HashMap<String, Machine>,
        store: Arc<dyn Store>,
        keys: Arc<BoardKeys>,
        registry: Registry,
        metrics: Arc<Metrics>,
        max_batch: usize,
        rt: Handle,
    ) -> Self {
        // Never date an entry before a head already signed, even after a
        // restart on a clock that went back.
        let floor = machines
            .values()
            .map(|m| m.shared.view().head.timestamp_ms)
            .max()
            .unwrap_or(1);
        Sequencer {
            clock: crate::clock::Clock::new(floor),
            machines,
            dirty: HashSet::new(),
            store,
            keys,
            registry,
            metrics,
            max_batch: max_batch.max(1),
            rt,
        }
    }

    /// Run until every sender is gone (on its own thread).
    pub fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
    }

    fn reload(&mut self, id: &str) -> bool {
        let store = self.store.clone();
        let keys = self.keys.clone();
        let result = self
            .rt
            .block_on(async { load_election(store.as_ref(), &keys.public, id).await });
        match result {
            Ok(m) => {
                if let Ok(mut r) = self.registry.write() {
                    r.insert(id.to_string(), m.shared.clone());
                }
                self.machines.insert(id.to_string(), m);
                true
            }
            Err(e) => {
                tracing::error!(election = id, error = %e, "cannot rebuild the election from the database");
                false
            }
        }
    }

    /// One batch of submissions, in the crash-safe order of
    /// `spec/api.md` §6: rebuild elections whose last commit failed,
    /// batch-verify the new ballots, apply everything in arrival order,
    /// sign and commit in one transaction, and only then publish and
    /// answer (or, if the commit failed, answer without receipts and
    /// rebuild from the database).
    fn process(&mut self, batch: Vec<Command>) {
        let now = self.clock.now();
        let items = Self::items(batch);
        self.rebuild_dirty();
        let mut verdicts = self.verify_ballots(&items);
        let (staged, touched) = self.apply_in_order(items, &mut verdicts, now);
        if self.sign_and_commit(&touched, now) {
            self.publish_and_answer(staged, &touched);
        } else {
            self.answer_failed_commit(staged, touched);
        }
    }

    /// The batch's commands as items in arrival order.
    fn items(batch: Vec<Command>) -> Vec<Item> {
        batch
            .into_iter()
            .map(|c| match c {
                Command::Create {
                    entry,
                    bytes,
                    reply,
                } => Item {
                    election: None,
                    entry,
                    bytes,
                    reply,
                },
                Command::Append {
                    election,
                    entry,
                    bytes,
                    reply,
                } => Item {
                    election: Some(election),
                    entry,
                    bytes,
                    reply,
                },
            })
            .collect()
    }

    /// Elections whose last commit failed are rebuilt first.
    fn rebuild_dirty(&mut self) {
        let dirty: Vec<String> = self.dirty.iter().cloned().collect();
        for id in dirty {
            if self.reload(&id) {
                self.dirty.remove(&id);
            }
        }
    }

    /// Step 1: one batch verification per election for the new ballots.
    fn verify_ballots(&self, items: &[Item]) -> HashMap<usize, Result<(), ElectionError>> {
        let mut verdicts: HashMap<usize, Result<(), ElectionError>> = HashMap::new();
        let mut groups: HashMap<String, Vec<(usize, EncryptedBallot)>> = HashMap::new();
        for (i, it) in items.iter().enumerate() {
            if let (Some(id), Entry::Ballot(b)) = (&it.election, it.entry.as_ref()) {
                let Some(m) = self.machines.get(id) else {
                    continue;
                };
                if m.ctx().is_none() || m.shared.code(&b.tracking_code().0 .0).is_some() {
                    continue;
                }
                groups.entry(id.clone()).or_default().push((i, b.clone()));
            }
        }
        let mut batch_size = 0usize;
        for (id, list) in groups {
            let Some(ctx) = self.machines.get(&id).and_then(|m| m.ctx().cloned()) else {
                continue;
            };
            let ballots: Vec<EncryptedBallot> = list.iter().map(|(_, b)| b.clone()).collect();
            batch_size += ballots.len();
            let results = verify_ballots(&ctx, &ballots);
            for ((i, _), r) in list.into_iter().zip(results) {
                verdicts.insert(i, r);
            }
        }
        if batch_size > 0 {
            self.metrics.observe_batch(batch_size);
        }
        verdicts
    }

    /// Step 2: apply in arrival order; the answers to give once the commit
    /// is durable, and the elections with staged entries.
    fn apply_in_order(
        &mut self,
        items: Vec<Item>,
        verdicts: &mut HashMap<usize, Result<(), ElectionError>>,
        now: u64,
    ) -> (Vec<Answer>, Vec<String>) {
        let mut staged: Vec<Answer> = Vec::with_capacity(items.len());
        let mut touched: Vec<String> = Vec::new();
        for (i, it) in items.into_iter().enumerate() {
            let kind = kind_name(&it.entry);
            let r = match &it.election {
                None => self.create(&it.entry, &it.bytes, now),
                Some(id) => {
                    if self.dirty.contains(id) {
                        Err(ApiError::storage())
                    } else if let Some(m) = self.machines.get_mut(id) {
                        m.apply(&it.entry, &it.bytes, false, verdicts.remove(&i), now)
                            .map(|o| match o {
                                Outcome::Appended {
                                    seq,
                                    code,
                                    timestamp_ms,
                                } => Staged::Appended {
                                    election: id.clone(),
                                    seq,
                                    kind,
                                    code,
                                    ts: timestamp_ms,
                                },
                                Outcome::Repeat { seq, timestamp_ms } => Staged::Appended {
                                    election: id.clone(),
                                    seq,
                                    kind,
                                    code: None,
                                    ts: timestamp_ms,
                                },
                                Outcome::Duplicate { info, code } => Staged::Duplicate {
                                    election: id.clone(),
                                    code,
                                    info,
                                },
                            })
                    } else {
                        Err(ApiError::not_found(format!("no election `{id}`")))
                    }
                }
            };
            if let Ok(Staged::Appended { election, .. }) = &r {
                if !touched.contains(election) {
                    touched.push(election.clone());
                }
            }
            staged.push((it.reply, r));
        }
        (staged, touched)
    }

    /// Step 3: sign the heads and commit everything in one transaction.
    /// `true` if nothing needed committing or the commit is durable.
    fn sign_and_commit(&mut self, touched: &[String], now: u64) -> bool {
        let mut commits = Vec::new();
        let mut prepare_failed = None;
        for id in touched {
            if let Some(m) = self.machines.get_mut(id) {
                match m.prepare_commit(&self.keys.board, now) {
                    Ok(Some(c)) => commits.push(c),
                    Ok(None) => {}
                    Err(e) => prepare_failed = Some(e),
                }
            }
        }
        if prepare_failed.is_some() {
            false
        } else if commits.is_empty() {
            true
        } else {
            let store = self.store.clone();
            let entries: usize = commits.iter().map(|c| c.entries.len()).sum();
            match self.rt.block_on(async move { store.commit(commits).await }) {
                Ok(()) => {
                    self.metrics.entries_appended(entries as u64);
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "commit failed; no receipt issued");
                    self.metrics.commit_failed();
                    false
                }
            }
        }
    }

    /// Step 4: publish the committed state to handlers, then answer.
    fn publish_and_answer(&mut self, staged: Vec<Answer>, touched: &[String]) {
        for id in touched {
            if let Some(m) = self.machines.get_mut(id) {
                let new = m.uncommitted;
                m.committed();
                if new {
                    if let Ok(mut r) = self.registry.write() {
                        r.insert(id.clone(), m.shared.clone());
                    }
                }
            }
        }
        for (reply, r) in staged {
            let answer = r.and_then(|s| self.answer(s));
            let _ = reply.send(answer);
        }
    }

    /// The commit failed: no receipt for anything staged (a duplicate
    /// already durable still gets its receipt), and the touched elections
    /// are rebuilt from the database.
    fn answer_failed_commit(&mut self, staged: Vec<Answer>, touched: Vec<String>) {
        let touched_set: HashSet<&String> = touched.iter().collect();
        for (reply, r) in staged {
            let answer = match r {
                Ok(Staged::Duplicate {
                    election,
                    code,
                    info,
                }) if !touched_set.contains(&election)
                    || self
                        .machines
                        .get(&election)
                        .and_then(|m| m.shared.code(&code))
                        .is_some() =>
                {
                    self.answer(Staged::Duplicate {
                        election,
                        code,
                        info,
                    })
                }
                Ok(_) => Err(ApiError::storage()),
                Err(e) if touched.is_empty() => Err(e),
                Err(_) => Err(ApiError::storage()),
            };
            let _ = reply.send(answer);
        }
        for id in touched {
            let created = self.machines.get(&id).is_some_and(|m| m.uncommitted);
            self.machines.remove(&id);
            if created {
                // Did the failed commit persist the election after all?
                let exists = self
                    .rt
                    .block_on(async { self.store.elections().await })
                    .map(|l| l.contains(&id));
                match exists {
                    Ok(true) | Err(_) => {
                        self.dirty.insert(id.clone());
                        if self.reload(&id) {
                            self.dirty.remove(&id);
                        }
                    }
                    Ok(false) => {}
                }
            } else {
                self.dirty.insert(id.clone());
                if self.reload(&id) {
                    self.dirty.remove(&id);
                }
            }
        }
    }

    fn create(&mut self, entry: &Entry, bytes: &[u8], now: u64) -> Result<Staged, ApiError> {
        let election = match entry {
            Entry::Manifest { manifest, .. } => manifest.election_id.as_str(),
            _ => "",
        };
        let placeholder = SignedTreeHead {
            log_id: self.keys.public.log_id(election),
            tree_size: 0,
            timestamp_ms: 1,
            root_hash: urna_log::empty_root(),
            signature: [0; 64],
        };
        let mut m = Machine::create(entry, placeholder)?;
        let id = m.id().to_string();
        if self.machines.contains_key(&id) || self.dirty.contains(&id) {
            return Err(ApiError::new(
                ErrorCode::ElectionExists,
                format!("an election `{id}` already exists on this board"),
            ));
        }
        let Outcome::Appended {
            seq, timestamp_ms, ..
        } = m.stage_manifest(bytes, now)
        else {
            return Err(ApiError::internal("manifest staging"));
        };
        self.machines.insert(id.clone(), m);
        Ok(Staged::Appended {
            election: id,
            seq,
            kind: "manifest",
            code: None,
            ts: timestamp_ms,
        })
    }

    fn answer(&self, s: Staged) -> Result<Receipt, ApiError> {
        match s {
            Staged::Appended {
                election,
                seq,
                kind,
                code,
                ts,
            } => {
                let m = self
                    .machines
                    .get(&election)
                    .ok_or_else(|| ApiError::internal("election vanished"))?;
                make_receipt(&m.shared, &self.keys, seq, kind, code, ts)
            }
            Staged::Duplicate {
                election,
                code,
                info,
            } => {
                let m = self
                    .machines
                    .get(&election)
                    .ok_or_else(|| ApiError::internal("election vanished"))?;
                // A duplicate of a ballot staged in this very batch: its
                // time is the batch's; the committed index has it now.
                let info = m.shared.code(&code).unwrap_or(info);
                ballot_receipt(&m.shared, &self.keys, code, info)
            }
        }
    }
}
