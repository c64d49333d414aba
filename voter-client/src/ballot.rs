//! The ballot's life, as types (`spec/client.md` §4):
//!
//! ```text
//! BallotDraft ──seal──▶ SealedBallot ──cast──────────────▶ CastReceipt
//!      ▲                     │  └──into_ballot_file──▶ BallotFile ──submit──▶ CastReceipt
//!      └──── (a fresh draft) ┴──audit──▶ AuditedBallot  (posted as spoiled; never castable)
//! ```
//!
//! Each step consumes the previous value, so one sealed ballot can be
//! audited or cast, never both (docs/attacks.md G3): `audit` reveals the
//! randomness and gives back a draft with the same choices to encrypt
//! afresh; `cast` and `into_ballot_file` drop the randomness for good
//! (wiped, docs/attacks.md G4). The tracking code is fixed, and shown,
//! before the voter chooses between the two.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use serde::Serialize;
use urna_election::{
    AuditRequest, BallotOpening, ContestKind, EncryptedBallot, Entry, SpoiledBallot, TrackingCode,
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::choice::{check_choices, check_value, ChoiceError};
use crate::credential::Credential;
use crate::election::Election;
use crate::error::{ClientError, Result};
use crate::file::BallotFile;
use crate::receipt::{BoardReceipt, CastReceipt};
use crate::BoardApi;

/// A generator seeded once with 32 bytes from the operating system's (or
/// the browser's) secure generator; fails with `ERR_NO_SECURE_RNG` when
/// there is none, never falling back to anything weaker (docs/attacks.md G1).
/// One 32-byte request: far below the 65,536-byte limit of Web Crypto.
pub fn secure_rng() -> Result<ChaCha20Rng> {
    let mut seed = Zeroizing::new([0u8; 32]);
    rand_core::OsRng
        .try_fill_bytes(seed.as_mut())
        .map_err(|_| ClientError::NoSecureRng)?;
    Ok(ChaCha20Rng::from_seed(*seed))
}

/// A ballot being filled in: the voter's choices for one election, not
/// yet encrypted. Wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BallotDraft {
    #[zeroize(skip)]
    election: Election,
    credential: Credential,
    choices: Vec<Vec<u64>>,
}

impl core::fmt::Debug for BallotDraft {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BallotDraft({:?}, <choices redacted>)", self.election)
    }
}

impl BallotDraft {
    /// An empty draft (every value 0) for a listed credential.
    pub fn new(election: &Election, credential: Credential) -> Result<Self> {
        if !election.is_listed(&credential.public_key()) {
            return Err(ClientError::CredentialNotListed);
        }
        let choices = election
            .manifest()
            .contests
            .iter()
            .map(|c| vec![0; c.options.len()])
            .collect();
        Ok(BallotDraft {
            election: election.clone(),
            credential,
            choices,
        })
    }

    /// The election.
    pub fn election(&self) -> &Election {
        &self.election
    }

    /// Set one option's value (1 or 0 for approval, the score or points
    /// otherwise); checks the per-option limit at once.
    pub fn set(&mut self, contest: usize, option: usize, value: u64) -> Result<()> {
        check_value(self.election.manifest(), contest, option, value)?;
        self.choices[contest][option] = value;
        Ok(())
    }

    /// Set a value by contest and option ids.
    pub fn set_by_id(&mut self, contest_id: &str, option_id: &str, value: u64) -> Result<()> {
        let (c, o) = self.position(contest_id, option_id)?;
        self.set(c, o, value)
    }

    /// The positions of a contest and option id.
    pub fn position(&self, contest_id: &str, option_id: &str) -> Result<(usize, usize)> {
        let m = self.election.manifest();
        let c = m
            .contests
            .iter()
            .position(|c| c.id == contest_id)
            .ok_or_else(|| ChoiceError::Unknown {
                what: format!("contest `{contest_id}`"),
            })?;
        let o = m.contests[c]
            .options
            .iter()
            .position(|o| o.id == option_id)
            .ok_or_else(|| ChoiceError::Unknown {
                what: format!("option `{option_id}` of contest `{contest_id}`"),
            })?;
        Ok((c, o))
    }

    /// Replace every choice at once (checked when sealing).
    pub fn set_all(&mut self, choices: Vec<Vec<u64>>) -> Result<()> {
        check_choices(self.election.manifest(), &choices)?;
        self.choices.zeroize();
        self.choices = choices;
        Ok(())
    }

    /// The current choices, `choices[contest][option]`.
    pub fn choices(&self) -> &[Vec<u64>] {
        &self.choices
    }

    /// Check every rule of the manifest; the first broken one is returned.
    pub fn check(&self) -> core::result::Result<(), ChoiceError> {
        check_choices(self.election.manifest(), &self.choices)
    }

    /// Encrypt, prove and sign with fresh randomness from the platform's
    /// secure generator (`ERR_NO_SECURE_RNG` if it has none).
    pub fn seal(self) -> Result<SealedBallot> {
        let mut rng = secure_rng()?;
        self.seal_with_rng(&mut rng)
    }

    /// Encrypt, prove and sign with the given generator.
    pub fn seal_with_rng<R: RngCore + CryptoRng>(self, rng: &mut R) -> Result<SealedBallot> {
        self.check()?;
        let (ballot, opening) = EncryptedBallot::encrypt(
            self.election.context(),
            self.credential.signing_key(),
            &self.choices,
            rng,
        )?;
        // Signed now, while the credential is at hand, so that `audit`
        // needs no randomness; dropped unseen if the ballot is cast.
        let request =
            AuditRequest::sign(&ballot.tracking_code(), self.credential.signing_key(), rng);
        Ok(SealedBallot {
            draft: self,
            ballot,
            opening,
            request,
        })
    }
}

/// An encrypted, proven and signed ballot whose tracking code the voter
/// can now see. It still holds the encryption randomness, secretly: the
/// voter either audits it ([`SealedBallot::audit`]) or casts it
/// ([`SealedBallot::cast`], [`SealedBallot::into_ballot_file`]).
pub struct SealedBallot {
    draft: BallotDraft,
    ballot: EncryptedBallot,
    // Wiped on drop (its contest openings are `ZeroizeOnDrop`).
    opening: BallotOpening,
    // The credential's request for an audit of this ballot (never public).
    request: AuditRequest,
}

impl core::fmt::Debug for SealedBallot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SealedBallot({}, <opening redacted>)",
            self.tracking_code().short()
        )
    }
}

impl SealedBallot {
    /// The tracking code (`spec/record.md` §5.4); show its short form.
    pub fn tracking_code(&self) -> TrackingCode {
        self.ballot.tracking_code()
    }

    /// The encrypted ballot (public data).
    pub fn ballot(&self) -> &EncryptedBallot {
        &self.ballot
    }

    /// The election.
    pub fn election(&self) -> &Election {
        &self.draft.election
    }

    /// Benaloh audit: reveal the randomness. Returns the audited ballot (to
    /// post and to check) and a draft with the same choices, to be sealed
    /// afresh with new randomness. This ballot can no longer be cast. The
    /// audit holds the ciphertexts, their openings and `H_b` — not the
    /// credential, the proofs or the signature (`spec/record.md` §5.5).
    pub fn audit(self) -> (AuditedBallot, BallotDraft) {
        let SealedBallot {
            draft,
            ballot,
            opening,
            request,
        } = self;
        let audited = AuditedBallot {
            election: draft.election.clone(),
            spoiled: SpoiledBallot::of(&ballot, opening),
            request: Some(request),
        };
        (audited, draft)
    }

    /// Commit to casting: drop the randomness (wiped) and the credential,
    /// and keep the ballot as a file that can be submitted, now or later,
    /// to any board or mirror, as often as needed.
    pub fn into_ballot_file(self) -> BallotFile {
        let election_id = self.draft.election.manifest().election_id.clone();
        BallotFile::new(election_id, self.ballot.clone())
        // `self` (opening, credential, choices) is dropped and wiped here.
    }

    /// Cast: [`SealedBallot::into_ballot_file`], then submit it. On any
    /// failure the ballot file comes back with the error, for a retry with
    /// the same bytes (never a new ballot: docs/attacks.md G8).
    pub fn cast<B: BoardApi + ?Sized>(
        self,
        board: &B,
    ) -> core::result::Result<CastReceipt, CastFailure> {
        let election = self.draft.election.clone();
        let file = self.into_ballot_file();
        match file.submit(board, &election) {
            Ok(r) => Ok(r),
            Err(error) => Err(CastFailure {
                error,
                file: Box::new(file),
            }),
        }
    }
}

/// A cast that did not complete: the error, and the ballot to retry with.
#[derive(Debug)]
pub struct CastFailure {
    /// What went wrong.
    pub error: ClientError,
    /// The ballot (no randomness): submit it again, or save it.
    pub file: Box<BallotFile>,
}

impl core::fmt::Display for CastFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} (ballot {} kept for a retry)",
            self.error,
            self.file.tracking_code().short()
        )
    }
}

impl std::error::Error for CastFailure {}

/// One contest of an audit, for display: what the ballot really encrypts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditedContest {
    /// Contest id.
    pub contest: String,
    /// `(option id, value)` in ballot order.
    pub values: Vec<(String, u64)>,
}

/// A Benaloh-audited ballot: its ciphertexts, their openings and `H_b`
/// (`spec/record.md` §5.5). It is posted as a spoiled entry, can never be
/// counted, names no credential, and anyone can check it against the
/// tracking code the voter saw ([`AuditedBallot::verify`]), on any device
/// ([`AuditedBallot::find`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditedBallot {
    election: Election,
    spoiled: SpoiledBallot,
    // The credential's request, on the device that audited only.
    request: Option<AuditRequest>,
}

impl AuditedBallot {
    /// Read a posted spoiled entry for checking.
    pub fn from_entry_bytes(election: &Election, bytes: &[u8]) -> Result<Self> {
        match Entry::from_bytes(bytes)? {
            Entry::Spoiled(spoiled) => Ok(AuditedBallot {
                election: election.clone(),
                spoiled,
                request: None,
            }),
            _ => Err(ClientError::format(
                "audited ballot",
                "not a spoiled-ballot entry",
            )),
        }
    }

    /// The second device's check (`spec/client.md` §4.5): find on the
    /// board the audit whose tracking code is `code` (the full 64 hex
    /// digits or the short form the first device showed) and check it.
    /// Returns the audit; [`AuditedBallot::verify`] then shows its values.
    pub fn find<B: BoardApi + ?Sized>(board: &B, election: &Election, code: &str) -> Result<Self> {
        let wanted = CodeQuery::parse(code)?;
        let id = &election.manifest().election_id;
        for entry in board.audited_entries(id)? {
            let Ok(a) = AuditedBallot::from_entry_bytes(election, &entry) else {
                continue;
            };
            if wanted.matches(&a.tracking_code()) {
                a.verify()?;
                return Ok(a);
            }
        }
        Err(ClientError::format(
            "audited ballot",
            format!("the board has no audited ballot with tracking code {code}"),
        ))
    }

    /// The tracking code the device showed before the audit, recomputed
    /// from the ciphertexts and `H_b` (`spec/record.md` §5.4).
    pub fn tracking_code(&self) -> TrackingCode {
        self.spoiled.tracking_code()
    }

    /// The spoiled ballot.
    pub fn spoiled(&self) -> &SpoiledBallot {
        &self.spoiled
    }

    /// The log entry to post (`spec/record.md` §6.1, tag 6).
    pub fn entry_bytes(&self) -> Vec<u8> {
        Entry::Spoiled(self.spoiled.clone()).to_bytes()
    }

    /// The credential's request that goes with the entry (`spec/api.md`
    /// §5.6); `None` for an audit read from a board.
    pub fn request(&self) -> Option<&AuditRequest> {
        self.request.as_ref()
    }

    /// Everything anyone can check (`spec/record.md` §5.5 (A1)): the
    /// audit is for this election, and every ciphertext opens to the
    /// revealed value, which the contest allows. Returns what the ballot
    /// encrypts, to compare with what the voter chose.
    pub fn verify(&self) -> Result<Vec<AuditedContest>> {
        self.spoiled.verify(self.election.context())?;
        Ok(self.decoded())
    }

    fn decoded(&self) -> Vec<AuditedContest> {
        self.election
            .manifest()
            .contests
            .iter()
            .zip(self.spoiled.values())
            .map(|(c, values)| AuditedContest {
                contest: c.id.clone(),
                values: c
                    .options
                    .iter()
                    .zip(values)
                    .map(|(o, v)| (o.id.clone(), v))
                    .collect(),
            })
            .collect()
    }

    /// The values in the draft form, `values[contest][option]`.
    pub fn values(&self) -> Vec<Vec<u64>> {
        self.spoiled.values()
    }

    /// Whether the audit shows exactly these choices (the voter's check
    /// that the client encrypted what was chosen, docs/attacks.md G2).
    pub fn shows(&self, choices: &[Vec<u64>]) -> bool {
        self.values() == choices
    }

    /// Post to a board as a spoiled ballot, with the credential's request
    /// (the board charges that credential's audit quota and logs only the
    /// entry); checks the board's receipt (key from the election bundle,
    /// else from the board).
    pub fn post<B: BoardApi + ?Sized>(&self, board: &B) -> Result<BoardReceipt> {
        let request = self.request.as_ref().ok_or_else(|| {
            ClientError::format(
                "audited ballot",
                "only the device that audited holds the credential's request to post it",
            )
        })?;
        let entry = self.entry_bytes();
        let answer =
            board.submit_spoiled(&self.election.manifest().election_id, &entry, request)?;
        let key = match self.election.board_key() {
            Some(k) => *k,
            None => board.board_key()?,
        };
        // A promise for a spoiled entry may or may not carry the tracking
        // code (`spec/api.md`): it is not checked; the leaf hash is.
        crate::receipt::check_board_receipt(
            &answer,
            &key,
            &entry,
            &self.election.manifest().hash(),
            None,
        )?;
        Ok(answer)
    }
}

/// A tracking code as a person gives it: the full 64 hex digits, or the
/// short form read the Crockford way (`spec/record.md` §5.4).
enum CodeQuery {
    Full(String),
    Short(String),
}

impl CodeQuery {
    fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(CodeQuery::Full(s.to_ascii_lowercase()));
        }
        let symbols = s
            .chars()
            .filter(|c| !crate::base32::is_separator(*c))
            .map(crate::base32::value)
            .collect::<Option<Vec<u8>>>()
            .filter(|v| v.len() == 20)
            .ok_or_else(|| {
                ClientError::format(
                    "tracking code",
                    "64 hex digits, or 20 letters and digits in groups of four",
                )
            })?;
        Ok(CodeQuery::Short(crate::base32::group(
            &crate::base32::encode_symbols(&symbols),
            4,
        )))
    }

    fn matches(&self, code: &TrackingCode) -> bool {
        match self {
            CodeQuery::Full(hex) => code.to_hex() == *hex,
            CodeQuery::Short(short) => code.short() == *short,
        }
    }
}

/// Human-readable kind of a contest, for prompts.
pub fn describe_rule(kind: &ContestKind) -> String {
    match *kind {
        ContestKind::Approval { min, max } if min == max => format!("choose exactly {min}"),
        ContestKind::Approval { min, max } => format!("choose {min} to {max}"),
        ContestKind::Score { max_score } => format!("give each option 0 to {max_score}"),
        ContestKind::Budget {
            max_per_option,
            budget,
        } => format!("give each option 0 to {max_per_option} points, {budget} in all"),
    }
}
