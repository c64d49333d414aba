//! The rules of setup, lifecycle and ballots: manifest (R2), ceremony
//! (R3), credential list and replacements (R4), opening (R5), ballots
//! (R6), repeated ciphertexts (R7), audited ballots (R9) and closing (R14).
//! Counting and decryption are in `tally.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use urna_crypto::dkg::{
    verify_ceremony, Admission, CeremonyLog, CeremonyParams, Roster, ThresholdKey,
};
use urna_crypto::Signature;

use super::tally::Counter;
use super::{Check, Refusal, Stage};
use crate::entry::{verify_credentials_signature, verify_manifest_signature};
use crate::{
    CredentialList, CredentialReplacement, ElectionContext, ElectionError, EncryptedBallot, Hash32,
    Manifest, Phase, SpoiledBallot, StateChange,
};

/// How a ballot's proofs are judged.
#[derive(Debug)]
pub enum ProofCheck {
    /// Verify them here, alone.
    Verify,
    /// The caller verified them in a batch: this is the verdict.
    Verdict(Result<(), ElectionError>),
    /// Verified when the entry was first accepted (a board replaying its
    /// own database): not checked again.
    Trusted,
}

/// A tracking code's kind, once accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BallotKind {
    /// A cast ballot (tag 5).
    Cast,
    /// An audited ballot (tag 6).
    Audited,
}

/// The derivation of the ceremony's keys from the messages of the run,
/// kept so that refused entries do not re-verify the ceremony each time
/// (the outcome depends only on the messages).
#[derive(Clone)]
struct Derived {
    messages: usize,
    outcome: Result<ThresholdKey, Refusal>,
}

/// The state of one election under its rules; see the module docs.
#[derive(Clone)]
pub struct Rules {
    manifest: Arc<Manifest>,
    manifest_hash: Hash32,
    stage: Stage,
    /// `None` when the manifest's trustees admit no ceremony.
    ceremony: Option<CeremonyLog>,
    ceremony_ended: bool,
    derived: Option<Derived>,
    keys: Option<ThresholdKey>,
    credentials: Option<CredentialList>,
    ctx: Option<Arc<ElectionContext>>,
    codes: HashMap<[u8; 32], BallotKind>,
    alphas: HashSet<[u8; 32]>,
    pub(super) counter: Counter,
    replacements: u64,
}

impl Rules {
    /// (R2): the manifest is valid (M1)–(M8) and signed by its organizer (S1).
    pub fn check_manifest(manifest: &Manifest, signature: &Signature) -> Result<(), Refusal> {
        manifest
            .validate()
            .map_err(|e| Refusal::of(Check::R2, &e))?;
        verify_manifest_signature(manifest, signature).map_err(|e| Refusal::of(Check::R2, &e))
    }

    /// The rules of the election of `manifest`, in stage setup. Does not
    /// check the manifest (see [`Rules::check_manifest`]): a verifier goes
    /// on with a manifest that failed (R2).
    pub fn new(manifest: Manifest) -> Self {
        let manifest_hash = manifest.hash();
        let ceremony = CeremonyParams::new(
            manifest_hash.0,
            manifest.trustee_count(),
            manifest.threshold,
        )
        .and_then(|params| {
            let keys = manifest.trustees.iter().map(|t| t.signing_key.clone());
            Roster::new(&params, keys.collect()).map(|roster| CeremonyLog::new(params, roster))
        })
        .ok();
        let counter = Counter::new(&manifest);
        Rules {
            manifest: Arc::new(manifest),
            manifest_hash,
            stage: Stage::Setup,
            ceremony,
            ceremony_ended: false,
            derived: None,
            keys: None,
            credentials: None,
            ctx: None,
            codes: HashMap::new(),
            alphas: HashSet::new(),
            counter,
            replacements: 0,
        }
    }

    /// An election already set up and open, from a context the caller has
    /// checked (a voter's client holding a verified election bundle): only
    /// the ballot rules apply. No ceremony keys, so nothing can be tallied.
    pub fn opened(ctx: ElectionContext) -> Self {
        let mut rules = Rules::new(ctx.manifest().clone());
        rules.credentials = Some(ctx.credentials().clone());
        rules.ctx = Some(Arc::new(ctx));
        rules.ceremony_ended = true;
        rules.stage = Stage::Open;
        rules
    }

    /// The manifest.
    pub fn manifest(&self) -> &Arc<Manifest> {
        &self.manifest
    }

    /// The manifest hash (H2), the ceremony's election id.
    pub fn manifest_hash(&self) -> Hash32 {
        self.manifest_hash
    }

    /// The stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The election context, once manifest, key and list are fixed.
    pub fn ctx(&self) -> Option<&Arc<ElectionContext>> {
        self.ctx.as_ref()
    }

    /// The ceremony's keys, once its run ended successfully.
    pub fn keys(&self) -> Option<&ThresholdKey> {
        self.keys.as_ref()
    }

    /// The effective credential list.
    pub fn credentials(&self) -> Option<&CredentialList> {
        self.credentials.as_ref()
    }

    /// Accepted credential replacements.
    pub fn replacements(&self) -> u64 {
        self.replacements
    }

    /// The kind of the accepted ballot with this tracking code.
    pub fn code(&self, code: &[u8; 32]) -> Option<BallotKind> {
        self.codes.get(code).copied()
    }

    /// (R3), (O2): a ceremony message, while the run is open, admitted by
    /// the ceremony's posting rules (spec/trustees.md §5.8 (N1)–(N7)):
    /// attributed to its sender under the manifest's roster, one message
    /// per trustee and round, in turn. Returns [`Admission::Repeat`] for a repeat of a
    /// message already in (nothing changes; a board answers with the first
    /// copy's receipt). The messages are verified as a whole when the run
    /// ends.
    pub fn ceremony(&mut self, message: &[u8]) -> Result<Admission, Refusal> {
        if self.stage != Stage::Setup || self.ceremony_ended {
            return Err(Refusal::lifecycle(
                Check::R3,
                "the trustee ceremony has ended; no more ceremony messages",
            ));
        }
        let Some(log) = &mut self.ceremony else {
            return Err(Refusal::new(
                Check::R3,
                "ERR_INVALID",
                "the manifest's trustees and threshold admit no ceremony",
            ));
        };
        log.admit(message)
            .map_err(|e| Refusal::crypto(Check::R3, "trustee ceremony", &e))
    }

    /// The message count of the ceremony so far.
    fn ceremony_len(&self) -> usize {
        self.ceremony.as_ref().map_or(0, |c| c.messages().len())
    }

    /// The keys the run gives if it ended now (`None` while no message
    /// was posted). Cached per number of messages.
    fn derive(&mut self) -> Result<Option<ThresholdKey>, Refusal> {
        if self.ceremony_ended || self.ceremony_len() == 0 {
            return Ok(self.keys.clone());
        }
        if self.derived.as_ref().map(|d| d.messages) != Some(self.ceremony_len()) {
            let outcome = self.verify_run();
            self.derived = Some(Derived {
                messages: self.ceremony_len(),
                outcome,
            });
        }
        match &self.derived {
            Some(d) => d.outcome.clone().map(Some),
            None => Ok(None),
        }
    }

    fn verify_run(&self) -> Result<ThresholdKey, Refusal> {
        let log = self
            .ceremony
            .as_ref()
            .ok_or_else(|| Refusal::new(Check::R3, "ERR_INVALID", "no ceremony parameters"))?;
        verify_ceremony(log.params(), log.record())
            .map(|o| o.key().clone())
            .map_err(|e| Refusal::crypto(Check::R3, "trustee ceremony", &e))
    }

    /// A non-ceremony entry was accepted: the run (if any message was
    /// posted) ends with `keys`.
    fn end_run(&mut self, keys: Option<ThresholdKey>) {
        if self.ceremony_len() > 0 && !self.ceremony_ended {
            self.ceremony_ended = true;
            self.keys = keys;
            self.derived = None;
        }
    }

    /// (R3) as a verifier applies it when any non-ceremony entry comes:
    /// end the run now. On failure the run is abandoned (no keys), so the
    /// cause is reported once.
    pub fn end_ceremony(&mut self) -> Result<(), Refusal> {
        if self.ceremony_ended || self.ceremony_len() == 0 {
            return Ok(());
        }
        match self.derive() {
            Ok(keys) => {
                self.end_run(keys);
                self.update_context()
                    .map_err(|e| Refusal::of(Check::R4, &e))
            }
            Err(r) => {
                self.end_run(None);
                Err(r)
            }
        }
    }

    /// The messages of the current (or ended) run.
    pub fn ceremony_messages(&self) -> usize {
        self.ceremony_len()
    }

    fn context(
        &self,
        keys: Option<&ThresholdKey>,
        list: Option<&CredentialList>,
    ) -> Result<Option<Arc<ElectionContext>>, ElectionError> {
        match (keys, list) {
            (Some(k), Some(l)) => Ok(Some(Arc::new(ElectionContext::new(
                (*self.manifest).clone(),
                k.joint_key().clone(),
                l.clone(),
            )?))),
            _ => Ok(None),
        }
    }

    fn update_context(&mut self) -> Result<(), ElectionError> {
        if self.ctx.is_none() {
            self.ctx = self.context(self.keys.as_ref(), self.credentials.as_ref())?;
        }
        Ok(())
    }

    /// (R4), (O3): the credential list, once, before voting opens, signed
    /// by the credential authority (S3). Ends the ceremony run.
    pub fn credentials_list(
        &mut self,
        list: &CredentialList,
        signature: &Signature,
    ) -> Result<(), Refusal> {
        if self.stage != Stage::Setup || self.credentials.is_some() {
            return Err(Refusal::new(
                Check::R4,
                "ERR_CREDENTIALS_CHANGED",
                "the credential list is fixed: one list, before voting opens",
            ));
        }
        verify_credentials_signature(
            list,
            signature,
            &self.manifest.credential_authority_key,
            &self.manifest_hash,
        )
        .map_err(|e| Refusal::of(Check::R4, &e))?;
        super::tally::check_tally_bound(&self.manifest, list)
            .map_err(|e| Refusal::of(Check::R4, &e))?;
        let keys = self.derive()?;
        let ctx = self
            .context(keys.as_ref(), Some(list))
            .map_err(|e| Refusal::of(Check::R4, &e))?;
        self.end_run(keys);
        self.credentials = Some(list.clone());
        self.ctx = ctx;
        Ok(())
    }

    /// `spec/record.md` §4.3 (L5) and §6.2 (S5), checked as (R4): a replacement,
    /// only in setup, signed by the authority for the current list.
    pub fn replacement(&mut self, rep: &CredentialReplacement) -> Result<(), Refusal> {
        if self.stage != Stage::Setup {
            return Err(Refusal::new(
                Check::R4,
                "ERR_CREDENTIALS_CHANGED",
                "the credential list is fixed once voting opens; a credential can only be replaced before",
            ));
        }
        let Some(list) = &self.credentials else {
            return Err(Refusal::lifecycle(
                Check::R4,
                "a credential can only be replaced after the credential list is posted",
            ));
        };
        let list = rep
            .apply(
                list,
                &self.manifest.credential_authority_key,
                &self.manifest_hash,
            )
            .map_err(|e| Refusal::of(Check::R4, &e))?;
        let keys = self.derive()?;
        let ctx = self
            .context(keys.as_ref(), Some(&list))
            .map_err(|e| Refusal::of(Check::R4, &e))?;
        self.end_run(keys);
        self.credentials = Some(list);
        self.ctx = ctx;
        self.replacements += 1;
        Ok(())
    }

    /// (R5) and (R14): an open or close entry. The signature (S2) is
    /// checked first; a refusal whose [`Refusal::advances`] is set had a
    /// good signature and stage (see [`Rules::advance`]).
    pub fn state_change(&mut self, s: &StateChange) -> Result<(), Refusal> {
        let check = match s.phase {
            Phase::Open => Check::R5,
            Phase::Close => Check::R14,
        };
        s.verify(&self.manifest.organizer_key)
            .map_err(|e| Refusal::of(check, &e))?;
        match (s.phase, self.stage) {
            (Phase::Open, Stage::Setup) => {
                // Signature and stage are right: whatever else fails, a
                // verifier moves on to `open` (R5).
                let (keys, ctx) = self.opening(s).map_err(|r| Refusal {
                    advances: true,
                    ..r
                })?;
                self.end_run(keys);
                self.ctx = Some(ctx);
                self.stage = Stage::Open;
                Ok(())
            }
            (Phase::Close, Stage::Open) => {
                let fp = self.ctx.as_ref().map(|c| c.fingerprint());
                if fp.is_some_and(|fp| fp != s.fingerprint) {
                    return Err(Refusal {
                        advances: true,
                        ..Refusal::new(
                            Check::R14,
                            "ERR_WRONG_ELECTION",
                            "the close entry names another election fingerprint",
                        )
                    });
                }
                self.advance(Phase::Close);
                Ok(())
            }
            (Phase::Open, st) => Err(Refusal::lifecycle(
                Check::R5,
                format!("voting cannot open: the election is {st:?}"),
            )),
            (Phase::Close, Stage::Setup) => Err(Refusal::lifecycle(
                Check::R14,
                "voting cannot close before it opened",
            )),
            (Phase::Close, Stage::Closed) => {
                Err(Refusal::lifecycle(Check::R14, "voting is already closed"))
            }
        }
    }

    /// The rest of (R5) once signature and stage passed: the ceremony's
    /// keys, the list and the context exist, and the entry's fingerprint
    /// is the context's (H4).
    fn opening(
        &mut self,
        s: &StateChange,
    ) -> Result<(Option<ThresholdKey>, Arc<ElectionContext>), Refusal> {
        let keys = self.derive()?;
        if self.credentials.is_none() {
            return Err(Refusal::lifecycle(
                Check::R5,
                "voting cannot open before the credential list is posted",
            ));
        }
        if keys.is_none() {
            return Err(Refusal::lifecycle(
                Check::R5,
                "voting cannot open before the trustee ceremony is posted",
            ));
        }
        let ctx = match &self.ctx {
            Some(c) => c.clone(),
            None => self
                .context(keys.as_ref(), self.credentials.as_ref())
                .map_err(|e| Refusal::of(Check::R4, &e))?
                .ok_or_else(|| Refusal::lifecycle(Check::R5, "no election context"))?,
        };
        if ctx.fingerprint() != s.fingerprint {
            return Err(Refusal::new(
                Check::R5,
                "ERR_WRONG_ELECTION",
                "the open entry names another election fingerprint than the manifest, key and credential list give",
            ));
        }
        Ok((keys, ctx))
    }

    /// Move to the stage `phase` leads to although its entry was refused
    /// with [`Refusal::advances`]: what a verifier does so that one bad
    /// open or close entry is reported once (`spec/record.md` (R5), (R14)).
    /// Closing fixes the aggregates.
    pub fn advance(&mut self, phase: Phase) {
        match phase {
            Phase::Open => {
                self.stage = Stage::Open;
            }
            Phase::Close => {
                self.stage = Stage::Closed;
                self.counter.close();
            }
        }
    }

    /// The context a ballot needs, or why there is none.
    fn ballot_context(&self, check: Check, what: &str) -> Result<Arc<ElectionContext>, Refusal> {
        self.ctx.clone().ok_or_else(|| {
            Refusal::new(
                check,
                "ERR_ELECTION_NOT_OPEN",
                format!(
                    "{what} before the election was set up (no election key and credential list)"
                ),
            )
        })
    }

    /// (R6), (R14), (R9), (R7) in this order, then the re-voting rule
    /// (R8, Y1, Y2): a cast ballot. `code` is its tracking code (H5), which
    /// the caller already has (the board from the entry bytes, the verifier
    /// computed in parallel): it is not recomputed on this sequential path.
    pub fn ballot(
        &mut self,
        b: &EncryptedBallot,
        code: [u8; 32],
        proofs: ProofCheck,
    ) -> Result<(), Refusal> {
        let ctx = self.ballot_context(Check::R6, "a ballot")?;
        match self.stage {
            Stage::Setup => {
                return Err(Refusal::new(
                    Check::R6,
                    "ERR_ELECTION_NOT_OPEN",
                    "a ballot cast before voting opened",
                ))
            }
            Stage::Closed => {
                return Err(Refusal::new(
                    Check::R14,
                    "ERR_ELECTION_CLOSED",
                    "a ballot cast after voting closed",
                ))
            }
            Stage::Open => {}
        }
        let verdict = match proofs {
            ProofCheck::Verify => b.verify(&ctx),
            ProofCheck::Verdict(v) => v,
            ProofCheck::Trusted => Ok(()),
        };
        verdict.map_err(|e| Refusal::new(Check::R6, e.code(), format!("{e} ({})", e.code())))?;
        match self.codes.get(&code) {
            Some(BallotKind::Audited) => {
                return Err(Refusal::new(
                    Check::R9,
                    "ERR_BALLOT_SPOILED",
                    "a ballot that was audited (spoiled) was cast; it can never be cast",
                ))
            }
            Some(BallotKind::Cast) => {
                return Err(Refusal::new(
                    Check::R7,
                    "ERR_DUPLICATE_CIPHERTEXT",
                    "the same ballot is already on the board",
                ))
            }
            None => {}
        }
        let alphas = self.fresh_alphas(b, Check::R7)?;
        self.alphas.extend(alphas);
        self.codes.insert(code, BallotKind::Cast);
        let weight = ctx.credentials().weight(b.credential()).unwrap_or(0);
        self.counter.count(b, weight);
        Ok(())
    }

    /// (R9), (R7): an audited ballot, in any stage once the context exists:
    /// right election and shape, openings that open its ciphertexts to
    /// values the contest allows (A1), a tracking code (H5, recomputed
    /// from `H_c` and `H_b`) that is not a cast ballot's (A2), no repeated
    /// `α`. An exact repeat of an earlier audited ballot adds nothing and
    /// is accepted. `check_openings` is false only for a board replaying
    /// its own database.
    pub fn audited(&mut self, s: &SpoiledBallot, check_openings: bool) -> Result<(), Refusal> {
        let ctx = self.ballot_context(Check::R9, "an audited ballot")?;
        if check_openings {
            s.verify(&ctx).map_err(|e| Refusal::of(Check::R9, &e))?;
        }
        let code = s.tracking_code().0 .0;
        match self.codes.get(&code) {
            Some(BallotKind::Cast) => {
                return Err(Refusal::new(
                    Check::R9,
                    "ERR_BALLOT_SPOILED",
                    "an audited ballot that was also cast; a cast ballot cannot be audited",
                ))
            }
            Some(BallotKind::Audited) => return Ok(()),
            None => {}
        }
        let alphas = self.fresh(s.alphas(), Check::R7)?;
        self.alphas.extend(alphas);
        self.codes.insert(code, BallotKind::Audited);
        Ok(())
    }

    /// A verifier's bookkeeping after a ballot or audited ballot was
    /// refused under (R7): its `α` values still join the set
    /// (`spec/record.md` (R7)).
    pub fn remember_refused(&mut self, alphas: impl IntoIterator<Item = [u8; 32]>) {
        self.alphas.extend(alphas);
    }

    /// The `α` values of a ballot, if none repeats one already accepted or
    /// another of the same ballot (R7; a repeated `α` is a reused nonce).
    fn fresh_alphas(&self, b: &EncryptedBallot, check: Check) -> Result<Vec<[u8; 32]>, Refusal> {
        self.fresh(b.alphas(), check)
    }

    /// (R7) on the `α` values of one ballot or audit.
    fn fresh(
        &self,
        alphas: impl Iterator<Item = [u8; 32]>,
        check: Check,
    ) -> Result<Vec<[u8; 32]>, Refusal> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for a in alphas {
            if self.alphas.contains(&a) || !seen.insert(a) {
                return Err(Refusal::new(
                    check,
                    "ERR_DUPLICATE_CIPHERTEXT",
                    "a ciphertext of this ballot repeats one already on the board (reused randomness)",
                ));
            }
            out.push(a);
        }
        Ok(out)
    }
}
