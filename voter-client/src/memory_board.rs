//! [`MemoryBoard`]: an in-memory bulletin board for one election, for
//! tests and demonstrations (feature `testing`). It applies the ballot
//! rules of the rule-book (`urna_election::rules`), the same code the board
//! and the verifier drive, so it cannot drift from them.

use std::collections::HashMap;
use std::sync::Mutex;

use urna_election::rules::{BallotKind, ProofCheck, Rules};
use urna_election::{AuditRequest, ElectionContext, Entry};
use urna_log::{BoardKey, BoardPublicKey, InclusionProof, MemoryTree, SignedTreeHead};

use crate::board::BoardApi;
use crate::election::{Election, ElectionBundle};
use crate::error::{ClientError, Result};
use crate::receipt::{BoardReceipt, Promise};

struct State {
    ctx: ElectionContext,
    bundle: ElectionBundle,
    seed: [u8; 32],
    tree: MemoryTree,
    time_ms: u64,
    receipts: HashMap<urna_log::Hash, BoardReceipt>,
    rules: Rules,
    offline: bool,
    lose_answers: usize,
    audits: Vec<Vec<u8>>,
}

/// An in-memory bulletin board for one election: checks ballots as a
/// board does (`spec/record.md` §5.3, §10.2 (R7), (R9)), appends them to a
/// Merkle log, and answers with signed promises, tree heads and
/// inclusion proofs. It can also fail like a network does (see
/// [`MemoryBoard::set_offline`], [`MemoryBoard::lose_answers`]).
///
/// A test double, not a board: nothing is durable.
pub struct MemoryBoard {
    state: Mutex<State>,
}

fn refuse(code: &str, message: impl Into<String>) -> ClientError {
    ClientError::Board {
        status: None,
        code: code.into(),
        message: message.into(),
    }
}

impl MemoryBoard {
    /// A board for the election of `bundle` (already checked into
    /// `election`), signing with the Ed25519 key of `seed`. Its log starts
    /// with the manifest and credential-list entries; the election is open.
    pub fn new(bundle: &ElectionBundle, election: &Election, seed: [u8; 32]) -> Result<Self> {
        let key = BoardKey::from_seed(&seed).public_key();
        let mut bundle = bundle.clone();
        bundle.board_key = Some(hex::encode(key.to_bytes()));
        let mut tree = MemoryTree::new();
        for e in [&bundle.manifest_entry, &bundle.credentials_entry] {
            tree.push_entry(&urna_crypto::group::hex_decode(e, "entry")?);
        }
        Ok(MemoryBoard {
            state: Mutex::new(State {
                ctx: election.context().clone(),
                bundle,
                seed,
                tree,
                time_ms: 1_800_000_000_000,
                receipts: HashMap::new(),
                rules: Rules::opened(election.context().clone()),
                offline: false,
                lose_answers: 0,
                audits: Vec::new(),
            }),
        })
    }

    fn state(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| ClientError::Transport("board state poisoned".into()))
    }

    /// While offline, every call fails with a transport error and changes nothing.
    pub fn set_offline(&self, offline: bool) {
        if let Ok(mut s) = self.state() {
            s.offline = offline;
        }
    }

    /// The next `n` submissions are committed, but their answers are lost
    /// (a transport error), as when the link drops after the upload.
    pub fn lose_answers(&self, n: usize) {
        if let Ok(mut s) = self.state() {
            s.lose_answers = n;
        }
    }

    /// Entries in the log.
    pub fn len(&self) -> u64 {
        self.state().map(|s| s.tree.len()).unwrap_or(0)
    }

    /// Whether the log is empty (never: it starts with the manifest).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn submit(
        &self,
        election_id: &str,
        entry: &[u8],
        audit: Option<&AuditRequest>,
    ) -> Result<BoardReceipt> {
        let mut s = self.state()?;
        if s.offline {
            return Err(ClientError::Transport("the board is unreachable".into()));
        }
        let answer = s.accept(election_id, entry, audit)?;
        if s.lose_answers > 0 {
            s.lose_answers -= 1;
            return Err(ClientError::Transport(
                "the connection dropped before the answer".into(),
            ));
        }
        Ok(answer)
    }
}

impl State {
    fn accept(
        &mut self,
        election_id: &str,
        entry: &[u8],
        audit: Option<&AuditRequest>,
    ) -> Result<BoardReceipt> {
        if election_id != self.ctx.manifest().election_id {
            return Err(refuse("ERR_NOT_FOUND", "no such election"));
        }
        let leaf = urna_log::leaf_hash(entry);
        // B3: the same bytes again get the same receipt.
        if let Some(r) = self.receipts.get(&leaf) {
            return Ok(r.clone());
        }
        let parsed = Entry::from_bytes(entry).map_err(|e| refuse(e.code(), e.to_string()))?;
        let (code, kind) = match (&parsed, audit) {
            (Entry::Ballot(b), None) => (b.tracking_code(), "ballot"),
            (Entry::Spoiled(sp), Some(req)) => {
                // The board's request checks (spec/api.md §5.6): a listed
                // credential that signed this tracking code.
                let code = sp.tracking_code();
                if self.ctx.credentials().weight(&req.credential).is_none() {
                    return Err(refuse("ERR_CREDENTIAL_UNKNOWN", "not a listed credential"));
                }
                req.verify(&code)
                    .map_err(|e| refuse(e.code(), e.to_string()))?;
                (code, "spoiled")
            }
            _ => return Err(refuse("ERR_BAD_REQUEST", "wrong entry type")),
        };
        if self.rules.code(&code.0 .0) == Some(BallotKind::Audited) {
            return Err(refuse(
                "ERR_BALLOT_SPOILED",
                "this ballot was audited already; encrypt a fresh one",
            ));
        }
        // (R6), (R7), (R9): the rule-book's ballot rules.
        match &parsed {
            Entry::Spoiled(sp) => self.rules.audited(sp, true),
            Entry::Ballot(b) => self.rules.ballot(b, code.0 .0, ProofCheck::Verify),
            _ => Ok(()),
        }
        .map_err(|r| refuse(r.code, r.message))?;
        if audit.is_some() {
            self.audits.push(entry.to_vec());
        }
        let index = self.tree.push_entry(entry);
        self.time_ms += 1000;
        let key = BoardKey::from_seed(&self.seed);
        let head = key
            .sign_tree_head(
                &self.ctx.manifest().election_id,
                self.tree.len(),
                self.time_ms,
                self.tree.root(),
            )
            .map_err(ClientError::from)?;
        let proof = self
            .tree
            .inclusion_proof(index, self.tree.len())
            .map_err(ClientError::from)?;
        let promise = Promise {
            log_id: key.log_id(&self.ctx.manifest().election_id),
            manifest_hash: self.ctx.manifest().hash().0,
            log_index: index,
            timestamp_ms: self.time_ms,
            leaf_hash: leaf,
            tracking_code: code.0 .0,
            signature: [0; 64],
        }
        .sign(&ed25519_dalek::SigningKey::from_bytes(&self.seed));
        let receipt = BoardReceipt {
            election: election_id.into(),
            kind: kind.into(),
            log_index: index,
            leaf_hash: leaf,
            tracking_code: Some(code.to_hex()),
            short_code: Some(code.short()),
            timestamp_ms: self.time_ms,
            promise: hex::encode(promise.to_bytes()),
            tree_head: head,
            inclusion_proof: proof,
        };
        self.receipts.insert(leaf, receipt.clone());
        Ok(receipt)
    }
}

impl BoardApi for MemoryBoard {
    fn board_key(&self) -> Result<BoardPublicKey> {
        let s = self.state()?;
        Ok(BoardKey::from_seed(&s.seed).public_key())
    }

    fn election_bundle(&self, election_id: &str) -> Result<ElectionBundle> {
        let s = self.state()?;
        if s.offline {
            return Err(ClientError::Transport("the board is unreachable".into()));
        }
        if election_id != s.ctx.manifest().election_id {
            return Err(refuse("ERR_NOT_FOUND", "no such election"));
        }
        Ok(s.bundle.clone())
    }

    fn submit_ballot(&self, election_id: &str, entry: &[u8]) -> Result<BoardReceipt> {
        self.submit(election_id, entry, None)
    }

    fn submit_spoiled(
        &self,
        election_id: &str,
        entry: &[u8],
        request: &AuditRequest,
    ) -> Result<BoardReceipt> {
        self.submit(election_id, entry, Some(request))
    }

    fn audited_entries(&self, election_id: &str) -> Result<Vec<Vec<u8>>> {
        let s = self.state()?;
        if election_id != s.ctx.manifest().election_id {
            return Err(refuse("ERR_NOT_FOUND", "no such election"));
        }
        Ok(s.audits.clone())
    }

    fn inclusion_proof(
        &self,
        election_id: &str,
        log_index: u64,
    ) -> Result<(SignedTreeHead, InclusionProof)> {
        let mut s = self.state()?;
        if s.offline {
            return Err(ClientError::Transport("the board is unreachable".into()));
        }
        if election_id != s.ctx.manifest().election_id {
            return Err(refuse("ERR_NOT_FOUND", "no such election"));
        }
        s.time_ms += 1000;
        let head = BoardKey::from_seed(&s.seed).sign_tree_head(
            election_id,
            s.tree.len(),
            s.time_ms,
            s.tree.root(),
        )?;
        let proof = s.tree.inclusion_proof(log_index, s.tree.len())?;
        Ok((head, proof))
    }
}
