//! One election's log and lifecycle, as the board's sequencer applies it
//! (`spec/record.md` §6.3 and §10: the board refuses exactly what the
//! verifier would fail, so its record always verifies).
//!
//! [`Shared`] is what request handlers read (the committed Merkle tree, the
//! published view, the committed ballot index); it changes only after a
//! durable commit. [`Machine`] is the sequencer's private state, which
//! also holds the entries staged for the next commit; if a commit fails,
//! the machine is thrown away and rebuilt from the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use urna_election::rules::{Admission, ProofCheck, Refusal, Rules};
use urna_election::{ElectionContext, ElectionError, Entry, Manifest, Phase};
use urna_log::{BoardKey, CompactRange, Hash, MemoryTree, SignedTreeHead};

use crate::error::ApiError;
use crate::store::{BallotRow, ElectionCommit, StoredEntry, StoredHead};
use urna_api::ErrorCode;

/// Voting stage (`spec/record.md` §6.3), as the rule-book defines it.
pub use urna_election::rules::Stage;

/// A committed (or staged) ballot of the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotInfo {
    /// Log index.
    pub seq: u64,
    /// Audited rather than cast.
    pub spoiled: bool,
    /// Time in the receipt.
    pub accepted_at_ms: u64,
}

/// What handlers may read without the sequencer.
#[derive(Clone, Debug)]
pub struct View {
    /// Stage.
    pub stage: Stage,
    /// Manifest hash (H2).
    pub manifest_hash: [u8; 32],
    /// The election context once manifest, key and list are fixed.
    pub ctx: Option<Arc<ElectionContext>>,
    /// The latest committed signed tree head.
    pub head: SignedTreeHead,
    /// Accepted ballot entries (re-votes included).
    pub ballots_cast: u64,
    /// Audited ballots.
    pub ballots_spoiled: u64,
    /// Credentials in the list (0 before it).
    pub credentials: u64,
    /// Tally share entries.
    pub tally_shares: u64,
    /// Whether the result is posted.
    pub result_posted: bool,
    /// The totals, once the board can compute them (`spec/api.md` §5.9).
    pub result: Option<Arc<Totals>>,
}

/// The totals of an election, per contest and option in manifest order,
/// as the board knows them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// `totals[contest][option]`: the sum over the counted ballots.
    pub totals: Vec<Vec<u64>>,
    /// `true` once the organizer's signed result entry (tag 8), which the
    /// board checked equals these totals, is in the log; `false` while
    /// they are only the board's own decryption with the first `k` valid
    /// tally shares (`spec/record.md` (Y4)–(Y6)), i.e. provisional.
    pub official: bool,
}

/// The committed state of one election, shared with request handlers.
#[derive(Debug)]
pub struct Shared {
    /// Election id.
    pub id: String,
    /// The manifest (immutable: the election's first entry).
    pub manifest: Arc<Manifest>,
    /// The Merkle tree of every committed entry.
    pub tree: RwLock<MemoryTree>,
    /// The published view.
    pub view: RwLock<View>,
    /// Committed ballot index: tracking code → ballot.
    pub codes: RwLock<HashMap<[u8; 32], BallotInfo>>,
    /// Every committed signed tree head, compactly (`heads.rs`).
    pub heads: RwLock<crate::heads::HeadIndex>,
}

impl Shared {
    /// A snapshot of the view.
    pub fn view(&self) -> View {
        match self.view.read() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The committed ballot with this tracking code.
    pub fn code(&self, code: &[u8; 32]) -> Option<BallotInfo> {
        match self.codes.read() {
            Ok(c) => c.get(code).copied(),
            Err(p) => p.into_inner().get(code).copied(),
        }
    }
}

/// The name of an entry kind, as in receipts.
pub fn kind_name(e: &Entry) -> &'static str {
    match e {
        Entry::Manifest { .. } => "manifest",
        Entry::Ceremony(_) => "ceremony",
        Entry::Credentials { .. } => "credentials",
        Entry::State(s) if s.phase == Phase::Open => "open",
        Entry::State(_) => "close",
        Entry::Ballot(_) => "ballot",
        Entry::Spoiled(_) => "spoiled",
        Entry::Tally(_) => "tally_share",
        Entry::Result(_) => "result",
        Entry::Replacement(_) => "credential_replacement",
    }
}

pub use urna_api::wire::kind_of_bytes;

/// What applying an entry did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Appended at `seq` (staged until the commit).
    Appended {
        /// Log index.
        seq: u64,
        /// Ballot tracking code, for ballots and audited ballots.
        code: Option<[u8; 32]>,
        /// Acceptance time.
        timestamp_ms: u64,
    },
    /// The same ceremony message was accepted before at `seq`: answer
    /// with a receipt for that entry (spec/trustees.md §5.8 (N3)).
    Repeat {
        /// Its log index.
        seq: u64,
        /// When it was accepted (or the board last loaded it).
        timestamp_ms: u64,
    },
    /// The same ballot was accepted before: answer with its receipt (B3).
    Duplicate {
        /// The earlier ballot.
        info: BallotInfo,
        /// Its tracking code.
        code: [u8; 32],
    },
}

/// The sequencer's private state of one election: the rule-book's state
/// plus what the board adds — entries staged for the next commit, the
/// tracking-code index of receipts, the provisional result.
pub struct Machine {
    /// Shared with handlers.
    pub shared: Arc<Shared>,
    rules: Rules,
    pending_codes: HashMap<[u8; 32], BallotInfo>,
    /// `(log index, time)` of each admitted ceremony message, in admission order.
    ceremony_receipts: Vec<(u64, u64)>,
    /// Provisional once `k` valid shares are in, official with the result entry.
    result: Option<Arc<Totals>>,
    ballots_cast: u64,
    ballots_spoiled: u64,
    /// Compact range of the committed entries.
    range: CompactRange,
    /// The latest committed head.
    head: Option<SignedTreeHead>,
    /// Entries staged for the next commit.
    pending: Vec<StoredEntry>,
    pending_ballots: Vec<BallotRow>,
    staged: Option<(CompactRange, SignedTreeHead)>,
    /// Created in the current batch, not committed yet.
    pub uncommitted: bool,
}

/// The board's answer for an entry the rule-book refuses: its code and
/// words (the check it fails is in the verifier's report, not here).
fn refused(r: Refusal) -> ApiError {
    ApiError::coded(r.code, r.message)
}

impl Machine {
    /// A new election from its (already decoded) manifest entry. Checks
    /// (M1)–(M8) and the organizer's signature (S1), as (R2).
    pub fn create(entry: &Entry, head_placeholder: SignedTreeHead) -> Result<Self, ApiError> {
        let Entry::Manifest {
            manifest,
            signature,
        } = entry
        else {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                "an election is created with a manifest entry (tag 1)",
            ));
        };
        Rules::check_manifest(manifest, signature).map_err(refused)?;
        let rules = Rules::new(manifest.clone());
        let shared = Arc::new(Shared {
            id: manifest.election_id.clone(),
            manifest: rules.manifest().clone(),
            tree: RwLock::new(MemoryTree::new()),
            view: RwLock::new(View {
                stage: Stage::Setup,
                manifest_hash: rules.manifest_hash().0,
                ctx: None,
                head: head_placeholder,
                ballots_cast: 0,
                ballots_spoiled: 0,
                credentials: 0,
                tally_shares: 0,
                result_posted: false,
                result: None,
            }),
            codes: RwLock::new(HashMap::new()),
            heads: RwLock::new(Default::default()),
        });
        Ok(Machine {
            shared,
            rules,
            pending_codes: HashMap::new(),
            ceremony_receipts: Vec::new(),
            result: None,
            ballots_cast: 0,
            ballots_spoiled: 0,
            range: CompactRange::new(),
            head: None,
            pending: Vec::new(),
            pending_ballots: Vec::new(),
            staged: None,
            uncommitted: true,
        })
    }

    /// Election id.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Manifest hash.
    pub fn manifest_hash(&self) -> [u8; 32] {
        self.rules.manifest_hash().0
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        self.rules.manifest()
    }

    /// The context, if fixed.
    pub fn ctx(&self) -> Option<&Arc<ElectionContext>> {
        self.rules.ctx()
    }

    /// The index the next entry gets.
    pub fn next_seq(&self) -> u64 {
        self.range.size() + self.pending.len() as u64
    }

    /// Whether entries are staged.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The latest committed head.
    pub fn head(&self) -> Option<&SignedTreeHead> {
        self.head.as_ref()
    }

    fn lookup(&self, code: &[u8; 32]) -> Option<BallotInfo> {
        self.pending_codes
            .get(code)
            .copied()
            .or_else(|| self.shared.code(code))
    }

    fn stage_entry(&mut self, bytes: &[u8]) -> u64 {
        let seq = self.next_seq();
        self.pending.push(StoredEntry {
            seq,
            tag: bytes.first().copied().unwrap_or(0),
            bytes: bytes.to_vec(),
            leaf_hash: urna_log::leaf_hash(bytes).0,
        });
        seq
    }

    /// Stage the manifest entry of a new election (log index 0).
    pub fn stage_manifest(&mut self, bytes: &[u8], now_ms: u64) -> Outcome {
        let seq = self.stage_entry(bytes);
        Outcome::Appended {
            seq,
            code: None,
            timestamp_ms: now_ms,
        }
    }

    /// Stage an accepted ballot or audited ballot with its index row.
    fn stage_ballot(
        &mut self,
        bytes: &[u8],
        code: [u8; 32],
        credential: [u8; 32],
        spoiled: bool,
        now_ms: u64,
    ) -> u64 {
        let seq = self.stage_entry(bytes);
        let info = BallotInfo {
            seq,
            spoiled,
            accepted_at_ms: now_ms,
        };
        self.pending_codes.insert(code, info);
        self.pending_ballots.push(BallotRow {
            tracking_code: code,
            seq,
            credential,
            spoiled,
            accepted_at_ms: now_ms,
        });
        if spoiled {
            self.ballots_spoiled += 1;
        } else {
            self.ballots_cast += 1;
        }
        seq
    }

    /// Apply one entry in log order: the rule-book decides, the board
    /// stages what it accepts. `trusted` replays an entry already in the
    /// database (its proofs were verified when it was accepted);
    /// `verdict` is the batch verification of a ballot, if it ran.
    pub fn apply(
        &mut self,
        entry: &Entry,
        bytes: &[u8],
        trusted: bool,
        verdict: Option<Result<(), ElectionError>>,
        now_ms: u64,
    ) -> Result<Outcome, ApiError> {
        let appended = |seq, code| Outcome::Appended {
            seq,
            code,
            timestamp_ms: now_ms,
        };
        match entry {
            Entry::Manifest { .. } => Err(ApiError::lifecycle(
                "an election has exactly one manifest, its first entry",
            )),
            Entry::Ceremony(msg) => match self.rules.ceremony(msg).map_err(refused)? {
                Admission::New => {
                    let seq = self.stage_entry(bytes);
                    self.ceremony_receipts.push((seq, now_ms));
                    Ok(appended(seq, None))
                }
                Admission::Repeat(at) => {
                    let (seq, timestamp_ms) = self
                        .ceremony_receipts
                        .get(at)
                        .copied()
                        .ok_or_else(|| ApiError::internal("ceremony receipt index"))?;
                    Ok(Outcome::Repeat { seq, timestamp_ms })
                }
            },
            Entry::Credentials { list, signature } => {
                self.rules
                    .credentials_list(list, signature)
                    .map_err(refused)?;
                Ok(appended(self.stage_entry(bytes), None))
            }
            Entry::Replacement(rep) => {
                self.rules.replacement(rep).map_err(refused)?;
                Ok(appended(self.stage_entry(bytes), None))
            }
            Entry::State(s) => {
                self.rules.state_change(s).map_err(refused)?;
                Ok(appended(self.stage_entry(bytes), None))
            }
            Entry::Ballot(b) => {
                let code = b.tracking_code().0 .0;
                // B3 and G3, before the phase: a retry after close still gets its receipt.
                if let Some(info) = self.lookup(&code) {
                    if info.spoiled {
                        return Err(ApiError::new(
                            ErrorCode::BallotSpoiled,
                            "this ballot was audited (spoiled); it can never be cast",
                        ));
                    }
                    return Ok(Outcome::Duplicate { info, code });
                }
                let proofs = match (trusted, verdict) {
                    (true, _) => ProofCheck::Trusted,
                    (false, Some(v)) => ProofCheck::Verdict(v),
                    (false, None) => ProofCheck::Verify,
                };
                self.rules.ballot(b, code, proofs).map_err(refused)?;
                let seq = self.stage_ballot(bytes, code, b.credential().to_bytes(), false, now_ms);
                Ok(appended(seq, Some(code)))
            }
            Entry::Spoiled(s) => {
                let code = s.tracking_code().0 .0;
                if let Some(info) = self.lookup(&code) {
                    if info.spoiled {
                        return Ok(Outcome::Duplicate { info, code });
                    }
                    return Err(ApiError::new(
                        ErrorCode::BallotSpoiled,
                        "this ballot was cast; a cast ballot cannot be audited",
                    ));
                }
                self.rules.audited(s, !trusted).map_err(refused)?;
                // The index row of an audit names no credential: the
                // board keeps no link between a credential and an audit
                // (docs/attacks.md G10).
                let seq = self.stage_ballot(bytes, code, [0; 32], true, now_ms);
                Ok(appended(seq, Some(code)))
            }
            Entry::Tally(share) => {
                self.rules.share(share, !trusted).map_err(refused)?;
                let seq = self.stage_entry(bytes);
                self.provisional_result();
                Ok(appended(seq, None))
            }
            Entry::Result(r) => {
                // (O8), (S4), (Y4)–(Y6), §7.4. The board posts a result
                // only when it can already check it: k valid shares are in.
                self.rules.result_allowed().map_err(refused)?;
                if !trusted {
                    // The board's own decryption, computed when the k-th
                    // share came in; recomputed only if that failed.
                    let totals = match &self.result {
                        Some(t) => t.totals.clone(),
                        None => self.rules.decrypt().map_err(refused)?,
                    };
                    self.rules.check_result(r, &totals).map_err(refused)?;
                }
                self.rules.result().map_err(refused)?;
                let seq = self.stage_entry(bytes);
                self.result = Some(Arc::new(Totals {
                    totals: r.totals.clone(),
                    official: true,
                }));
                Ok(appended(seq, None))
            }
        }
    }

    /// Once `k` valid shares are in (and no result is known yet), decrypt
    /// the tally and keep it as the provisional result. Runs when the
    /// `k`-th share is applied, live or on replay at startup, so every
    /// board that holds the log publishes the same totals. A failure
    /// (a count out of range, which (Y6) makes the result unpostable)
    /// leaves no result; the result entry then reports it.
    fn provisional_result(&mut self) {
        let Some(k) = self.rules.keys().map(|k| k.params().threshold()) else {
            return;
        };
        if self.result.is_some() || self.rules.shares().len() < usize::from(k) {
            return;
        }
        match self.rules.decrypt() {
            Ok(totals) => {
                self.result = Some(Arc::new(Totals {
                    totals,
                    official: false,
                }))
            }
            Err(e) => {
                tracing::warn!(election = %self.shared.id, code = e.code, "the tally does not decrypt")
            }
        }
    }

    /// Sign the head over the staged entries and describe the commit.
    /// `None` if nothing is staged.
    pub fn prepare_commit(
        &mut self,
        key: &BoardKey,
        now_ms: u64,
    ) -> Result<Option<ElectionCommit>, ApiError> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let range = self.staged_range()?;
        // Heads never go back in time (spec/record.md (R13)).
        let ts = now_ms.max(self.head.map_or(1, |h| h.timestamp_ms)).max(1);
        let head = key
            .sign_tree_head(&self.shared.id, range.size(), ts, range.root())
            .map_err(ApiError::internal)?;
        Ok(Some(self.stage_commit(range, head, now_ms)))
    }

    /// The compact range of the committed entries and the staged ones.
    fn staged_range(&self) -> Result<CompactRange, ApiError> {
        let mut range = self.range.clone();
        for e in &self.pending {
            range.push(Hash(e.leaf_hash)).map_err(ApiError::internal)?;
        }
        Ok(range)
    }

    /// Stage `range` under `head` and describe the durable commit.
    fn stage_commit(
        &mut self,
        range: CompactRange,
        head: SignedTreeHead,
        now_ms: u64,
    ) -> ElectionCommit {
        let commit = ElectionCommit {
            election: self.shared.id.clone(),
            create: self.uncommitted.then_some(self.manifest_hash()),
            entries: self.pending.clone(),
            ballots: self.pending_ballots.clone(),
            head: StoredHead {
                tree_size: head.tree_size,
                head: head.to_bytes(),
            },
            head_timestamp_ms: head.timestamp_ms,
            now_ms,
        };
        self.staged = Some((range, head));
        commit
    }

    /// A mirror's commit (`spec/api.md` §8.1 (M3)): the staged entries
    /// under the upstream board's signed tree head `head` (already
    /// verified under the upstream key), which must cover exactly the
    /// committed and staged entries with the same root. Nothing is signed
    /// here: the mirror republishes the board's own head.
    pub fn prepare_mirror_commit(
        &mut self,
        head: SignedTreeHead,
        now_ms: u64,
    ) -> Result<ElectionCommit, ApiError> {
        let range = self.staged_range()?;
        if range.size() != head.tree_size || range.root() != head.root_hash {
            return Err(ApiError::new(
                ErrorCode::LogInconsistent,
                format!(
                    "the {} entries fetched do not hash to the root of the board's signed tree head of size {}",
                    range.size(),
                    head.tree_size
                ),
            ));
        }
        Ok(self.stage_commit(range, head, now_ms))
    }

    /// After a durable commit: publish the staged entries to handlers.
    pub fn committed(&mut self) {
        let Some((range, head)) = self.staged.take() else {
            return;
        };
        {
            let mut tree = match self.shared.tree.write() {
                Ok(t) => t,
                Err(p) => p.into_inner(),
            };
            for e in &self.pending {
                tree.push(Hash(e.leaf_hash));
            }
        }
        {
            let mut codes = match self.shared.codes.write() {
                Ok(c) => c,
                Err(p) => p.into_inner(),
            };
            codes.extend(self.pending_codes.drain());
        }
        // After the tree, before the view (`heads.rs`).
        match self.shared.heads.write() {
            Ok(mut h) => h.push(&head),
            Err(p) => p.into_inner().push(&head),
        }
        self.pending.clear();
        self.pending_ballots.clear();
        self.range = range;
        self.head = Some(head);
        self.uncommitted = false;
        self.publish();
    }

    /// Install state rebuilt from the database (replay) as committed.
    pub fn finish_replay(&mut self, head: SignedTreeHead) {
        {
            let mut codes = match self.shared.codes.write() {
                Ok(c) => c,
                Err(p) => p.into_inner(),
            };
            codes.extend(self.pending_codes.drain());
        }
        let mut range = self.range.clone();
        for e in &self.pending {
            // Cannot fail below 2^64 entries.
            let _ = range.push(Hash(e.leaf_hash));
        }
        self.range = range;
        self.pending.clear();
        self.pending_ballots.clear();
        self.head = Some(head);
        self.uncommitted = false;
        self.publish();
    }

    fn publish(&self) {
        let mut v = match self.shared.view.write() {
            Ok(v) => v,
            Err(p) => p.into_inner(),
        };
        v.stage = self.rules.stage();
        v.ctx = self.rules.ctx().cloned();
        if let Some(h) = self.head {
            v.head = h;
        }
        v.ballots_cast = self.ballots_cast;
        v.ballots_spoiled = self.ballots_spoiled;
        v.credentials = self.rules.credentials().map_or(0, |l| l.len() as u64);
        v.tally_shares = self.rules.shares().len() as u64;
        v.result_posted = self.rules.result_seen();
        v.result = self.result.clone();
    }
}
