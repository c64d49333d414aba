//! One election's log and lifecycle, as the board's sequencer applies it
//! (`spec/record.md` §6.3 and §10: the board refuses exactly what the
//! verifier would fail, so its record always verifies).
//!
//! [`Shared`] is what request handlers read (the committed Merkle tree, the
//! published view, the committed ballot index); it changes only after a
//! durable commit. [`Machine`] is the sequencer's private state, which
//! also holds the entries staged for the next commit; if a commit fails,
//! the machine is thrown away and rebuilt from the database.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use urna_crypto::dkg::{
    combine_shares_unchecked, decryption_transcript, verify_ceremony, CeremonyMessage,
    CeremonyParams, CeremonyRecord, ThresholdKey,
};
use urna_crypto::{vartime_discrete_log, Ciphertext, CiphertextSum, PublicKey};
use urna_election::entry::{
    tag, tally_context, verify_credentials_signature, verify_manifest_signature,
};
use urna_election::{
    CredentialList, ElectionContext, ElectionError, EncryptedBallot, Entry, Manifest, Phase,
    TallyShare,
};
use urna_log::{BoardKey, CompactRange, Hash, MemoryTree, SignedTreeHead};

use crate::error::ApiError;
use crate::store::{BallotRow, ElectionCommit, StoredEntry, StoredHead};

/// Voting stage (`spec/record.md` §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Before the open entry.
    Setup,
    /// Between open and close.
    Open,
    /// After the close entry.
    Closed,
}

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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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

/// The name of a stored entry's kind by tag (and phase byte).
pub fn kind_of_bytes(bytes: &[u8]) -> &'static str {
    match bytes.first().copied() {
        Some(tag::MANIFEST) => "manifest",
        Some(tag::CEREMONY) => "ceremony",
        Some(tag::CREDENTIALS) => "credentials",
        Some(tag::STATE) if bytes.get(1) == Some(&1) => "open",
        Some(tag::STATE) => "close",
        Some(tag::BALLOT) => "ballot",
        Some(tag::SPOILED) => "spoiled",
        Some(tag::TALLY) => "tally_share",
        Some(tag::RESULT) => "result",
        Some(tag::REPLACEMENT) => "credential_replacement",
        _ => "unknown",
    }
}

/// The tracking code of a ballot entry's bytes (tag excluded, (H5)).
pub fn tracking_code_of_entry(entry_bytes: &[u8]) -> [u8; 32] {
    urna_election::codec::hash("urna/v1/tracking-code", entry_bytes.get(1..).unwrap_or(&[]))
}

/// The tracking code of an audited-ballot entry: that of its ballot part.
fn tracking_code_of_spoiled(s: &urna_election::SpoiledBallot) -> [u8; 32] {
    s.ballot.tracking_code().0 .0
}

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
    /// The same ballot was accepted before: answer with its receipt (B3).
    Duplicate {
        /// The earlier ballot.
        info: BallotInfo,
        /// Its tracking code.
        code: [u8; 32],
    },
}

/// The sequencer's private state of one election.
pub struct Machine {
    /// Shared with handlers.
    pub shared: Arc<Shared>,
    manifest: Manifest,
    manifest_hash: [u8; 32],
    params: CeremonyParams,
    stage: Stage,
    ceremony: Vec<Vec<u8>>,
    keys: Option<ThresholdKey>,
    credentials: Option<CredentialList>,
    ctx: Option<Arc<ElectionContext>>,
    pending_codes: HashMap<[u8; 32], BallotInfo>,
    alphas: HashSet<[u8; 32]>,
    last: HashMap<[u8; 32], Vec<Vec<Ciphertext>>>,
    sums: Vec<Vec<CiphertextSum>>,
    superseded: Vec<Vec<CiphertextSum>>,
    aggregates: Option<Vec<Vec<Ciphertext>>>,
    shares: BTreeMap<u32, TallyShare>,
    result_posted: bool,
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

fn ceremony_error(e: urna_crypto::Error) -> ApiError {
    ApiError::new(e.code(), format!("trustee ceremony: {e}"))
}

impl Machine {
    /// A new election from its (already decoded) manifest entry. Checks
    /// (M1)–(M8) and the organizer's signature (S1).
    pub fn create(entry: &Entry, head_placeholder: SignedTreeHead) -> Result<Self, ApiError> {
        let Entry::Manifest {
            manifest,
            signature,
        } = entry
        else {
            return Err(ApiError::new(
                "ERR_INVALID",
                "an election is created with a manifest entry (tag 1)",
            ));
        };
        manifest.validate()?;
        verify_manifest_signature(manifest, signature)?;
        let manifest_hash = manifest.hash().0;
        let params =
            CeremonyParams::new(manifest_hash, manifest.trustee_count(), manifest.threshold)
                .map_err(ceremony_error)?;
        let zero: Vec<Vec<CiphertextSum>> = manifest
            .contests
            .iter()
            .map(|c| vec![CiphertextSum::zero(); c.options.len()])
            .collect();
        let shared = Arc::new(Shared {
            id: manifest.election_id.clone(),
            manifest: Arc::new(manifest.clone()),
            tree: RwLock::new(MemoryTree::new()),
            view: RwLock::new(View {
                stage: Stage::Setup,
                manifest_hash,
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
        });
        Ok(Machine {
            shared,
            manifest: manifest.clone(),
            manifest_hash,
            params,
            stage: Stage::Setup,
            ceremony: Vec::new(),
            keys: None,
            credentials: None,
            ctx: None,
            pending_codes: HashMap::new(),
            alphas: HashSet::new(),
            last: HashMap::new(),
            sums: zero.clone(),
            superseded: zero,
            aggregates: None,
            shares: BTreeMap::new(),
            result_posted: false,
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
        self.manifest_hash
    }

    /// The context, if fixed.
    pub fn ctx(&self) -> Option<&Arc<ElectionContext>> {
        self.ctx.as_ref()
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

    /// The keys of the ceremony, deriving them now if the run is pending
    /// (the entry being applied ends the run, `spec/record.md` (O2)). Not
    /// stored: the caller stores them only if its entry is accepted.
    fn pending_keys(&self) -> Result<Option<ThresholdKey>, ApiError> {
        if let Some(k) = &self.keys {
            return Ok(Some(k.clone()));
        }
        if self.ceremony.is_empty() {
            return Ok(None);
        }
        let mut record = CeremonyRecord::new();
        for m in &self.ceremony {
            record.push(CeremonyMessage::from_bytes(m).map_err(ceremony_error)?);
        }
        let outcome = verify_ceremony(&self.params, &record).map_err(|e| {
            ApiError::new(
                e.code(),
                format!("the trustee ceremony posted so far does not verify: {e}"),
            )
        })?;
        Ok(Some(outcome.key().clone()))
    }

    fn context(
        &self,
        keys: &ThresholdKey,
        list: &CredentialList,
    ) -> Result<ElectionContext, ApiError> {
        Ok(ElectionContext::new(
            self.manifest.clone(),
            keys.joint_key().clone(),
            list.clone(),
        )?)
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

    /// Apply one entry in log order. `trusted` replays an entry already in
    /// the database (its proofs were verified when it was accepted);
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
            Entry::Ceremony(msg) => {
                // spec/record.md §6.3 (O2): one contiguous run, before the run ends.
                if self.stage != Stage::Setup || self.keys.is_some() {
                    return Err(ApiError::lifecycle(
                        "the trustee ceremony has ended; no more ceremony messages",
                    ));
                }
                let m = CeremonyMessage::from_bytes(msg).map_err(ceremony_error)?;
                let (election_id, sender) = match &m {
                    CeremonyMessage::Round1(r) => (*r.election_id(), r.sender()),
                    CeremonyMessage::Round2(r) => (*r.election_id(), r.sender()),
                    CeremonyMessage::Round3(r) => (*r.election_id(), r.sender()),
                    CeremonyMessage::Round4(r) => (*r.election_id(), r.sender()),
                };
                if election_id != self.manifest_hash {
                    return Err(ApiError::new(
                        "ERR_WRONG_ELECTION",
                        "the ceremony message names another election (its election id is not this manifest's hash)",
                    ));
                }
                self.params.check_index(sender).map_err(ceremony_error)?;
                let seq = self.stage_entry(bytes);
                self.ceremony.push(msg.clone());
                Ok(appended(seq, None))
            }
            Entry::Credentials { list, signature } => {
                // (O3), (R4)
                if self.stage != Stage::Setup || self.credentials.is_some() {
                    return Err(ApiError::new(
                        "ERR_CREDENTIALS_CHANGED",
                        "the credential list is fixed: one list, before voting opens",
                    ));
                }
                verify_credentials_signature(
                    list,
                    signature,
                    &self.manifest.credential_authority_key,
                    &urna_election::Hash32(self.manifest_hash),
                )?;
                let keys = self.pending_keys()?;
                let ctx = match &keys {
                    Some(k) => Some(Arc::new(self.context(k, list)?)),
                    None => None,
                };
                let seq = self.stage_entry(bytes);
                self.keys = keys;
                self.credentials = Some(list.clone());
                self.ctx = ctx;
                Ok(appended(seq, None))
            }
            Entry::Replacement(rep) => {
                // spec/record.md §4.3 (L5), §6.2 (S5): only in setup, for the current list.
                if self.stage != Stage::Setup {
                    return Err(ApiError::new(
                        "ERR_CREDENTIALS_CHANGED",
                        "the credential list is fixed once voting opens; a credential can only be replaced before",
                    ));
                }
                let Some(list) = &self.credentials else {
                    return Err(ApiError::lifecycle(
                        "a credential can only be replaced after the credential list is posted",
                    ));
                };
                let list = rep.apply(
                    list,
                    &self.manifest.credential_authority_key,
                    &urna_election::Hash32(self.manifest_hash),
                )?;
                let keys = self.pending_keys()?;
                let ctx = match &keys {
                    Some(k) => Some(Arc::new(self.context(k, &list)?)),
                    None => None,
                };
                let seq = self.stage_entry(bytes);
                self.keys = keys;
                self.credentials = Some(list);
                self.ctx = ctx;
                Ok(appended(seq, None))
            }
            Entry::State(s) => {
                // (S2) first: the board refuses what the organizer did not sign.
                s.verify(&self.manifest.organizer_key)?;
                match (s.phase, self.stage) {
                    (Phase::Open, Stage::Setup) => {
                        let Some(list) = &self.credentials else {
                            return Err(ApiError::lifecycle(
                                "voting cannot open before the credential list is posted",
                            ));
                        };
                        let Some(keys) = self.pending_keys()? else {
                            return Err(ApiError::lifecycle(
                                "voting cannot open before the trustee ceremony is posted",
                            ));
                        };
                        let ctx = match &self.ctx {
                            Some(c) => c.clone(),
                            None => Arc::new(self.context(&keys, list)?),
                        };
                        if ctx.fingerprint() != s.fingerprint {
                            return Err(ApiError::new(
                                "ERR_WRONG_ELECTION",
                                "the open entry names another election fingerprint than the manifest, key and credential list give",
                            ));
                        }
                        let seq = self.stage_entry(bytes);
                        self.keys = Some(keys);
                        self.ctx = Some(ctx);
                        self.stage = Stage::Open;
                        Ok(appended(seq, None))
                    }
                    (Phase::Close, Stage::Open) => {
                        let fp = self.ctx.as_ref().map(|c| c.fingerprint());
                        if fp != Some(s.fingerprint) {
                            return Err(ApiError::new(
                                "ERR_WRONG_ELECTION",
                                "the close entry names another election fingerprint",
                            ));
                        }
                        let seq = self.stage_entry(bytes);
                        self.stage = Stage::Closed;
                        self.aggregates = Some(
                            self.sums
                                .iter()
                                .zip(&self.superseded)
                                .map(|(s, x)| {
                                    s.iter()
                                        .zip(x)
                                        .map(|(s, x)| s.difference(x).to_ciphertext())
                                        .collect()
                                })
                                .collect(),
                        );
                        Ok(appended(seq, None))
                    }
                    (Phase::Open, st) => Err(ApiError::lifecycle(format!(
                        "voting cannot open: the election is {st:?}"
                    ))),
                    (Phase::Close, Stage::Setup) => {
                        Err(ApiError::lifecycle("voting cannot close before it opened"))
                    }
                    (Phase::Close, Stage::Closed) => {
                        Err(ApiError::lifecycle("voting is already closed"))
                    }
                }
            }
            Entry::Ballot(b) => {
                let code = tracking_code_of_entry(bytes);
                // B3 and G3, before the phase: a retry after close still gets its receipt.
                if let Some(info) = self.lookup(&code) {
                    if info.spoiled {
                        return Err(ApiError::new(
                            "ERR_BALLOT_SPOILED",
                            "this ballot was audited (spoiled); it can never be cast",
                        ));
                    }
                    return Ok(Outcome::Duplicate { info, code });
                }
                let Some(ctx) = self.ctx.clone() else {
                    return Err(ApiError::new(
                        "ERR_ELECTION_NOT_OPEN",
                        "voting has not opened",
                    ));
                };
                match self.stage {
                    Stage::Setup => {
                        return Err(ApiError::new(
                            "ERR_ELECTION_NOT_OPEN",
                            "voting has not opened",
                        ))
                    }
                    Stage::Closed => {
                        return Err(ApiError::new("ERR_ELECTION_CLOSED", "voting has closed"))
                    }
                    Stage::Open => {}
                }
                if !trusted {
                    match verdict {
                        Some(v) => v?,
                        None => b.verify(&ctx)?,
                    }
                }
                let alphas = self.fresh_alphas(b)?;
                let seq = self.stage_entry(bytes);
                self.alphas.extend(alphas);
                self.count(&ctx, b);
                let info = BallotInfo {
                    seq,
                    spoiled: false,
                    accepted_at_ms: now_ms,
                };
                self.pending_codes.insert(code, info);
                self.pending_ballots.push(BallotRow {
                    tracking_code: code,
                    seq,
                    credential: b.credential().to_bytes(),
                    spoiled: false,
                    accepted_at_ms: now_ms,
                });
                self.ballots_cast += 1;
                Ok(appended(seq, Some(code)))
            }
            Entry::Spoiled(s) => {
                let code = tracking_code_of_spoiled(s);
                if let Some(info) = self.lookup(&code) {
                    if info.spoiled {
                        return Ok(Outcome::Duplicate { info, code });
                    }
                    return Err(ApiError::new(
                        "ERR_BALLOT_SPOILED",
                        "this ballot was cast; a cast ballot cannot be audited",
                    ));
                }
                let Some(ctx) = self.ctx.clone() else {
                    return Err(ApiError::new(
                        "ERR_ELECTION_NOT_OPEN",
                        "audited ballots are accepted once the election key and credential list are fixed",
                    ));
                };
                if !trusted {
                    s.ballot.verify(&ctx)?;
                    s.verify_openings(&ctx)?;
                }
                let alphas = self.fresh_alphas(&s.ballot)?;
                let seq = self.stage_entry(bytes);
                self.alphas.extend(alphas);
                let info = BallotInfo {
                    seq,
                    spoiled: true,
                    accepted_at_ms: now_ms,
                };
                self.pending_codes.insert(code, info);
                self.pending_ballots.push(BallotRow {
                    tracking_code: code,
                    seq,
                    credential: s.ballot.credential().to_bytes(),
                    spoiled: true,
                    accepted_at_ms: now_ms,
                });
                self.ballots_spoiled += 1;
                Ok(appended(seq, Some(code)))
            }
            Entry::Tally(share) => {
                // (O7), (Y3)
                if self.stage != Stage::Closed {
                    return Err(ApiError::lifecycle(
                        "decryption shares are accepted only after voting closed",
                    ));
                }
                let x = u8::try_from(share.trustee)
                    .ok()
                    .and_then(|j| self.keys.as_ref()?.verification_key(j).cloned())
                    .ok_or_else(|| {
                        ApiError::new(
                            "ERR_SHARE_INVALID",
                            format!("trustee {} is not a qualified trustee", share.trustee),
                        )
                    })?;
                if self.shares.contains_key(&share.trustee) {
                    return Err(ApiError::new(
                        "ERR_SHARE_INVALID",
                        format!("trustee {} already posted its shares", share.trustee),
                    ));
                }
                if !trusted {
                    self.check_share(&x, share)?;
                }
                let seq = self.stage_entry(bytes);
                self.shares.insert(share.trustee, share.clone());
                self.provisional_result();
                Ok(appended(seq, None))
            }
            Entry::Result(r) => {
                // (O8), (S4), (Y4)–(Y6), §7.4
                if self.stage != Stage::Closed {
                    return Err(ApiError::lifecycle(
                        "the result is accepted only after voting closed",
                    ));
                }
                if self.result_posted {
                    return Err(ApiError::lifecycle("the result is already posted"));
                }
                let fp = self
                    .ctx
                    .as_ref()
                    .map(|c| c.fingerprint())
                    .ok_or_else(|| ApiError::lifecycle("no election context"))?;
                r.verify(&self.manifest.organizer_key, &fp)?;
                if !trusted {
                    // The board's own decryption, computed when the k-th
                    // share came in; recomputed only if that failed.
                    let totals = match &self.result {
                        Some(t) => t.totals.clone(),
                        None => self.decrypt()?,
                    };
                    if totals != r.totals {
                        return Err(ApiError::new(
                            "ERR_TALLY_MISMATCH",
                            format!(
                                "the announced totals differ from the decryption of the posted shares {totals:?}"
                            ),
                        ));
                    }
                }
                let seq = self.stage_entry(bytes);
                self.result_posted = true;
                self.result = Some(Arc::new(Totals {
                    totals: r.totals.clone(),
                    official: true,
                }));
                Ok(appended(seq, None))
            }
        }
    }

    /// The α of a ballot, if none repeats one already on the board or
    /// another of the same ballot (`spec/record.md` (R7), SECURITY-CASES A11).
    fn fresh_alphas(&self, b: &EncryptedBallot) -> Result<Vec<[u8; 32]>, ApiError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for c in b.contests() {
            for ct in c.ciphertexts() {
                let a = ct.alpha().to_bytes();
                if self.alphas.contains(&a) || !seen.insert(a) {
                    return Err(ApiError::new(
                        "ERR_DUPLICATE_CIPHERTEXT",
                        "a ciphertext of this ballot repeats one already on the board (reused randomness)",
                    ));
                }
                out.push(a);
            }
        }
        Ok(out)
    }

    /// (Y1), (Y2): running sums of accepted and superseded ballots.
    fn count(&mut self, ctx: &ElectionContext, b: &EncryptedBallot) {
        let cred = b.credential().to_bytes();
        let weight = ctx.credentials().weight(b.credential()).unwrap_or(0);
        if let Some(prev) = self.last.get(&cred) {
            for (ci, cts) in prev.iter().enumerate() {
                for (oi, ct) in cts.iter().enumerate() {
                    if let Some(s) = self.superseded.get_mut(ci).and_then(|r| r.get_mut(oi)) {
                        s.vartime_add_weighted(ct, weight);
                    }
                }
            }
        }
        let mut stored = Vec::with_capacity(b.contests().len());
        for (ci, c) in b.contests().iter().enumerate() {
            let mut row = Vec::with_capacity(c.ciphertexts().len());
            for (oi, ct) in c.ciphertexts().iter().enumerate() {
                if let Some(s) = self.sums.get_mut(ci).and_then(|r| r.get_mut(oi)) {
                    s.vartime_add_weighted(ct, weight);
                }
                row.push(*ct);
            }
            stored.push(row);
        }
        self.last.insert(cred, stored);
    }

    fn check_share(&self, x: &PublicKey, share: &TallyShare) -> Result<(), ApiError> {
        let (Some(ctx), Some(aggs)) = (&self.ctx, &self.aggregates) else {
            return Err(ApiError::lifecycle("no tally to decrypt"));
        };
        let bad = |m: String| ApiError::new("ERR_SHARE_INVALID", m);
        if share.shares.len() != aggs.len()
            || share
                .shares
                .iter()
                .zip(aggs)
                .any(|(s, a)| s.len() != a.len())
        {
            return Err(bad(
                "the shares do not match the contests and options of the manifest".into(),
            ));
        }
        let j = u8::try_from(share.trustee).map_err(|_| bad("trustee index".into()))?;
        let mut batch = urna_crypto::BatchVerifier::new();
        let mut names = Vec::new();
        for (ci, (row, arow)) in share.shares.iter().zip(aggs).enumerate() {
            for (oi, (s, agg)) in row.iter().zip(arow).enumerate() {
                if agg.alpha().is_identity() {
                    continue;
                }
                let base = tally_context(&ctx.fingerprint(), ci, oi);
                let mut t = decryption_transcript(&base, j);
                s.add_to_batch(&mut t, x, agg, &mut batch.item());
                names.push((ci, oi));
            }
        }
        match batch.vartime_check() {
            Ok(()) => Ok(()),
            Err(urna_crypto::Error::BatchFailed { failing }) => Err(bad(format!(
                "trustee {}: invalid decryption proof for (contest, option) {:?}",
                share.trustee,
                failing
                    .iter()
                    .filter_map(|i| names.get(*i))
                    .collect::<Vec<_>>()
            ))),
            Err(e) => Err(bad(e.to_string())),
        }
    }

    /// Once `k` valid shares are in (and no result is known yet), decrypt
    /// the tally and keep it as the provisional result. Runs when the
    /// `k`-th share is applied, live or on replay at startup, so every
    /// board that holds the log publishes the same totals. A failure
    /// (a count out of range, which (Y6) makes the result unpostable)
    /// leaves no result; the result entry then reports it.
    fn provisional_result(&mut self) {
        let Some(k) = self.keys.as_ref().map(|k| k.params().threshold()) else {
            return;
        };
        if self.result.is_some() || self.shares.len() < usize::from(k) {
            return;
        }
        match self.decrypt() {
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

    /// (Y4)–(Y6): decrypt with the `k` valid shares of smallest index.
    fn decrypt(&self) -> Result<Vec<Vec<u64>>, ApiError> {
        let (Some(ctx), Some(aggs), Some(keys)) = (&self.ctx, &self.aggregates, &self.keys) else {
            return Err(ApiError::lifecycle("no tally to decrypt"));
        };
        let k = keys.params().threshold();
        if self.shares.len() < usize::from(k) {
            return Err(ApiError::new(
                "ERR_INSUFFICIENT_SHARES",
                format!(
                    "{} valid decryption shares posted, {k} needed before the result",
                    self.shares.len()
                ),
            ));
        }
        let quorum: Vec<(u8, &TallyShare)> = self
            .shares
            .iter()
            .take(usize::from(k))
            .filter_map(|(j, s)| u8::try_from(*j).ok().map(|j| (j, s)))
            .collect();
        let total_weight = ctx.credentials().total_weight();
        let mut totals = Vec::with_capacity(aggs.len());
        for (ci, row) in aggs.iter().enumerate() {
            let bound = total_weight.saturating_mul(ctx.manifest().contests[ci].max_per_option());
            let mut out = Vec::with_capacity(row.len());
            for (oi, agg) in row.iter().enumerate() {
                if agg.alpha().is_identity() {
                    // α = 0: β = m·G in the clear, no shares needed (spec/record.md (Y5)).
                    out.push(vartime_discrete_log(&agg.beta().point(), bound)?);
                    continue;
                }
                let parts: Vec<(u8, urna_crypto::GroupElement)> = quorum
                    .iter()
                    .filter_map(|(j, s)| Some((*j, *s.shares.get(ci)?.get(oi)?.share())))
                    .collect();
                let m = combine_shares_unchecked(k, agg, &parts)?;
                out.push(vartime_discrete_log(&m, bound)?);
            }
            totals.push(out);
        }
        Ok(totals)
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
            create: self.uncommitted.then_some(self.manifest_hash),
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
                "ERR_LOG_INCONSISTENT",
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
        v.stage = self.stage;
        v.ctx = self.ctx.clone();
        if let Some(h) = self.head {
            v.head = h;
        }
        v.ballots_cast = self.ballots_cast;
        v.ballots_spoiled = self.ballots_spoiled;
        v.credentials = self.credentials.as_ref().map_or(0, |l| l.len() as u64);
        v.tally_shares = self.shares.len() as u64;
        v.result_posted = self.result_posted;
        v.result = self.result.clone();
    }
}
