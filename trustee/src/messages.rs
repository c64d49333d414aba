//! The messages folder: every ceremony message posted so far, and what any
//! verifier makes of them, round by round (spec/trustees.md §5.6, §9, §11).
//!
//! The per-message checks are the crypto crate's own (`Round*Message::verify`,
//! which run (M2)–(M4) and the rules of each round); the qualified set, the
//! complaints' verdicts and the keys come from
//! [`urna_crypto::dkg::evaluate_ceremony`] and
//! [`urna_crypto::dkg::verify_ceremony`]. This module only sorts the
//! results per trustee and per round, and names the files, so that a person
//! can see who is missing and who broke which rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use urna_crypto::dkg::{
    evaluate_ceremony, verify_ceremony, CeremonyMessage, CeremonyOutcome, CeremonyParams,
    CeremonyRecord, Disqualification, Roster, Round1Message, Round2Message, Round3Message,
    Round4Message, ThresholdKey,
};
use urna_crypto::Error;
use urna_election::entry::MAX_CEREMONY_MESSAGE;

use crate::TrusteeError;

/// The file extension of a posted ceremony message.
pub const MESSAGE_EXTENSION: &str = "msg";

/// A message read from the folder.
#[derive(Clone, Debug)]
pub struct Posted {
    /// Its file name.
    pub file: String,
    /// The decoded message (not yet verified).
    pub message: CeremonyMessage,
}

/// A file that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file name.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// The `*.msg` files of a messages folder.
#[derive(Clone, Debug)]
pub struct MessageDir {
    /// The folder.
    pub path: PathBuf,
    /// The files that decode as ceremony messages, by file name.
    pub posted: Vec<Posted>,
    /// `*.msg` files that are not ceremony messages at all.
    pub unreadable: Vec<Problem>,
    /// Other files, ignored.
    pub other_files: usize,
}

impl MessageDir {
    /// Read every `*.msg` file of `dir` (each the canonical bytes of one
    /// ceremony message, spec/trustees.md §5.7); other files are ignored.
    pub fn read(dir: &Path) -> Result<MessageDir, TrusteeError> {
        let rd = std::fs::read_dir(dir).map_err(|e| TrusteeError::io(dir, e))?;
        let mut files = Vec::new();
        let mut other_files = 0;
        for e in rd {
            let e = e.map_err(|e| TrusteeError::io(dir, e))?;
            let path = e.path();
            let is_msg = path.extension().and_then(|x| x.to_str()) == Some(MESSAGE_EXTENSION);
            let is_file = e.file_type().map(|t| t.is_file()).unwrap_or(false);
            if is_msg && is_file {
                files.push(path);
            } else {
                other_files += 1;
            }
        }
        files.sort();
        let mut posted = Vec::new();
        let mut unreadable = Vec::new();
        for path in files {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let len = std::fs::metadata(&path)
                .map_err(|e| TrusteeError::io(&path, e))?
                .len();
            if len > MAX_CEREMONY_MESSAGE as u64 {
                unreadable.push(Problem {
                    file,
                    reason: format!("{len} bytes: too large for a ceremony message"),
                });
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| TrusteeError::io(&path, e))?;
            match CeremonyMessage::from_bytes(&bytes) {
                Ok(message) => posted.push(Posted { file, message }),
                Err(e) => unreadable.push(Problem {
                    file,
                    reason: format!("not a ceremony message: {e} ({})", e.code()),
                }),
            }
        }
        Ok(MessageDir {
            path: dir.to_path_buf(),
            posted,
            unreadable,
            other_files,
        })
    }
}

/// What a verifier makes of one trustee's part in one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Posted, and it passes every check of its round.
    Valid,
    /// Posted and validly signed, but it breaks a rule of its round: the
    /// trustee is disqualified (spec/trustees.md §5.6 (M7), §9 (Q2)).
    Invalid(String),
    /// Nothing posted (yet).
    Missing,
}

/// One trustee in one round.
#[derive(Clone, Debug)]
pub struct TrusteeRound {
    /// The trustee.
    pub trustee: u8,
    /// The verdict.
    pub verdict: Verdict,
    /// The files holding its validly signed messages of this round.
    pub files: Vec<String>,
}

/// One round: every trustee expected to post in it (spec/trustees.md §5.6 (M6)).
#[derive(Clone, Debug)]
pub struct RoundStatus {
    /// 1 to 4.
    pub round: u8,
    /// By ascending index.
    pub trustees: Vec<TrusteeRound>,
}

impl RoundStatus {
    /// The expected trustees that have posted nothing.
    pub fn missing(&self) -> Vec<u8> {
        self.with(|v| *v == Verdict::Missing)
    }
    /// The trustees whose message is valid.
    pub fn accepted(&self) -> Vec<u8> {
        self.with(|v| *v == Verdict::Valid)
    }
    /// The files of trustee `j`'s validly signed messages.
    pub fn files_of(&self, j: u8) -> &[String] {
        self.trustees
            .iter()
            .find(|t| t.trustee == j)
            .map_or(&[], |t| t.files.as_slice())
    }
    fn with(&self, f: impl Fn(&Verdict) -> bool) -> Vec<u8> {
        self.trustees
            .iter()
            .filter(|t| f(&t.verdict))
            .map(|t| t.trustee)
            .collect()
    }
}

/// A complaint of round 3 and its verdict (spec/trustees.md §8.2 (K3), (K4)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintStatus {
    /// Who complains.
    pub complainer: u8,
    /// About whose share.
    pub dealer: u8,
    /// `Some(true)`: upheld, the dealer is out; `Some(false)`: dismissed,
    /// the complainer is out; `None`: not judged yet.
    pub upheld: Option<bool>,
}

/// How far the ceremony has got.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Files must be removed before anything can be evaluated (spec/trustees.md §5.6 (M5)).
    Blocked,
    /// Rounds 1–3 are not all in yet.
    Pending,
    /// The ceremony stops: fewer than `k` trustees remain (spec/trustees.md §9 (Q5)).
    Stopped(Error),
    /// Rounds 1–3 are in: the qualified set, the joint key and the
    /// transcript hash are known (spec/trustees.md §9, §10).
    Evaluated(Box<CeremonyOutcome>),
}

/// Everything posted so far, judged.
#[derive(Clone, Debug)]
pub struct CeremonyStatus {
    /// The ceremony.
    pub params: CeremonyParams,
    /// Rounds 1–3, and round 4 once rounds 1–3 are evaluated.
    pub rounds: Vec<RoundStatus>,
    /// Messages that cannot be attributed to their sender: another
    /// election, an index out of range, a bad signature. They must be
    /// removed (spec/trustees.md §5.6 (M5)).
    pub unattributable: Vec<Problem>,
    /// `*.msg` files that are not ceremony messages.
    pub unreadable: Vec<Problem>,
    /// Messages from trustees not taking part in their round (spec/trustees.md §5.6 (M6)).
    pub ignored: Vec<Problem>,
    /// Round-3 complaints.
    pub complaints: Vec<ComplaintStatus>,
    /// Rounds 1–3.
    pub outcome: Outcome,
    /// Once every qualified trustee posted round 4: the verdict of
    /// (X2) (spec/trustees.md §11).
    pub certified: Option<Result<ThresholdKey, Error>>,
    /// The attributable messages, for the trustee's own round functions.
    pub record: CeremonyRecord,
}

impl CeremonyStatus {
    /// Round `r` (1–4), if it was evaluated.
    pub fn round(&self, r: u8) -> Option<&RoundStatus> {
        self.rounds.iter().find(|s| s.round == r)
    }

    /// The disqualifications known so far.
    pub fn disqualified(&self) -> &[Disqualification] {
        match &self.outcome {
            Outcome::Evaluated(o) => o.disqualified(),
            Outcome::Stopped(Error::DkgTooFewQualified { disqualified, .. }) => disqualified,
            _ => &[],
        }
    }

    /// The complete ceremony's threshold key, if (X2) holds.
    pub fn complete(&self) -> Option<&ThresholdKey> {
        match &self.certified {
            Some(Ok(k)) => Some(k),
            _ => None,
        }
    }
}

/// Distinct messages of one sender in one round, with their files.
struct Group<'a, M> {
    msgs: Vec<(&'a M, Vec<String>)>,
}

impl<M> Default for Group<'_, M> {
    fn default() -> Self {
        Group { msgs: Vec::new() }
    }
}

/// Per round, per sender (after the envelope checks).
#[derive(Default)]
struct ByRound<'a> {
    r1: BTreeMap<u8, Group<'a, Round1Message>>,
    r2: BTreeMap<u8, Group<'a, Round2Message>>,
    r3: BTreeMap<u8, Group<'a, Round3Message>>,
    r4: BTreeMap<u8, Group<'a, Round4Message>>,
}

fn add<'a, M: PartialEq>(map: &mut BTreeMap<u8, Group<'a, M>>, sender: u8, m: &'a M, file: &str) {
    let g = map.entry(sender).or_default();
    // Identical copies count once (spec/trustees.md §5.6 (M6)).
    match g.msgs.iter_mut().find(|(x, _)| *x == m) {
        Some((_, files)) => files.push(file.to_string()),
        None => g.msgs.push((m, vec![file.to_string()])),
    }
}

fn election_id(m: &CeremonyMessage) -> &[u8; 32] {
    match m {
        CeremonyMessage::Round1(m) => m.election_id(),
        CeremonyMessage::Round2(m) => m.election_id(),
        CeremonyMessage::Round3(m) => m.election_id(),
        CeremonyMessage::Round4(m) => m.election_id(),
    }
}

fn describe(e: &Error) -> String {
    format!("{e} ({})", e.code())
}

/// Whether a verification error means the message cannot be attributed
/// to its sender (spec/trustees.md §5.6 (M5)) rather than being evidence
/// against it.
fn unattributable(e: &Error) -> bool {
    matches!(
        e,
        Error::DkgSignatureInvalid { .. } | Error::WrongElection { .. } | Error::SignatureInvalid
    )
}

/// Judge one round: `check` verifies one message; the result per expected
/// sender, and the unattributable ones. Messages of senders not in
/// `expected` are ignored (spec/trustees.md §5.6 (M6)).
/// Also returns each accepted sender's message.
fn judge<'a, M>(
    round: u8,
    expected: &[u8],
    groups: &BTreeMap<u8, Group<'a, M>>,
    check: impl Fn(u8, &M) -> Result<(), Error>,
    multiple_ok: bool,
    status: &mut CeremonyStatus,
) -> (RoundStatus, BTreeMap<u8, &'a M>) {
    let mut trustees = Vec::new();
    let mut accepted = BTreeMap::new();
    for (&sender, g) in groups {
        if !expected.contains(&sender) {
            for (_, files) in &g.msgs {
                for f in files {
                    status.ignored.push(Problem {
                        file: f.clone(),
                        reason: format!(
                            "trustee {sender} is not taking part in round {round} \
                             (it did not pass round {})",
                            round.saturating_sub(1)
                        ),
                    });
                }
            }
        }
    }
    for &j in expected {
        let mut signed = Vec::new();
        let mut files = Vec::new();
        for (m, fs) in groups.get(&j).map_or(&[][..], |g| g.msgs.as_slice()) {
            match check(j, m) {
                Err(e) if unattributable(&e) => {
                    for f in fs {
                        status.unattributable.push(Problem {
                            file: f.clone(),
                            reason: describe(&e),
                        });
                    }
                }
                r => {
                    files.extend(fs.iter().cloned());
                    signed.push((r, *m));
                }
            }
        }
        let results: Vec<&Result<(), Error>> = signed.iter().map(|(r, _)| r).collect();
        let verdict = match results.as_slice() {
            [] => Verdict::Missing,
            [Ok(())] => Verdict::Valid,
            [Err(e)] => Verdict::Invalid(describe(e)),
            many if multiple_ok => match many.iter().find_map(|r| r.as_ref().err()) {
                None => Verdict::Valid,
                Some(e) => Verdict::Invalid(describe(e)),
            },
            _ => Verdict::Invalid(format!(
                "two different round-{round} messages (equivocation) (ERR_DKG_MESSAGE_INVALID)"
            )),
        };
        if verdict == Verdict::Valid {
            if let Some((_, m)) = signed.first() {
                accepted.insert(j, *m);
            }
        }
        trustees.push(TrusteeRound {
            trustee: j,
            verdict,
            files,
        });
    }
    (RoundStatus { round, trustees }, accepted)
}

/// Judge everything in `dir` for the ceremony `params`. With
/// `allow_missing`, trustees that have not posted are taken to be absent
/// for good (the organizer closed the round), and the results are computed
/// without them.
pub fn evaluate(
    params: &CeremonyParams,
    roster: &Roster,
    dir: &MessageDir,
    allow_missing: bool,
) -> CeremonyStatus {
    let mut status = CeremonyStatus {
        params: *params,
        rounds: Vec::new(),
        unattributable: Vec::new(),
        unreadable: dir.unreadable.clone(),
        ignored: Vec::new(),
        complaints: Vec::new(),
        outcome: Outcome::Pending,
        certified: None,
        record: CeremonyRecord::new(),
    };

    // spec/trustees.md §5.1 (M2), (M3): attributable at all?
    let mut by = ByRound::default();
    for p in &dir.posted {
        let sender = p.message.sender();
        if election_id(&p.message) != params.election_id() {
            status.unattributable.push(Problem {
                file: p.file.clone(),
                reason: "a message of another election (ERR_WRONG_ELECTION)".into(),
            });
            continue;
        }
        if params.check_index(sender).is_err() {
            status.unattributable.push(Problem {
                file: p.file.clone(),
                reason: format!(
                    "names trustee {sender}, but this ceremony has trustees 1 to {} \
                     (ERR_DKG_MESSAGE_INVALID)",
                    params.trustees()
                ),
            });
            continue;
        }
        // spec/trustees.md §5.8 (N2): signed with the roster's key.
        if let Err(e) = roster.attribute(params, &p.message) {
            status.unattributable.push(Problem {
                file: p.file.clone(),
                reason: format!("{e} ({})", e.code()),
            });
            continue;
        }
        match &p.message {
            CeremonyMessage::Round1(m) => add(&mut by.r1, sender, m, &p.file),
            CeremonyMessage::Round2(m) => add(&mut by.r2, sender, m, &p.file),
            CeremonyMessage::Round3(m) => add(&mut by.r3, sender, m, &p.file),
            CeremonyMessage::Round4(m) => add(&mut by.r4, sender, m, &p.file),
        }
    }

    // Round 1 (spec/trustees.md §6): everyone; self-signed; (I1), (I2).
    let all: Vec<u8> = params.indices().collect();
    let (r1, round1) = judge(1, &all, &by.r1, |_, m| m.verify(params), false, &mut status);
    // Round 2 (spec/trustees.md §7): R1; (C1)–(C4), (E5).
    let senders1: Vec<u8> = round1.keys().copied().collect();
    let (r2, _) = judge(
        2,
        &senders1,
        &by.r2,
        |j, m| {
            let others: Vec<u8> = senders1.iter().copied().filter(|&i| i != j).collect();
            match round1.get(&j) {
                Some(r1) => m.verify(params, r1, &others),
                None => Err(Error::DkgMessageMissing {
                    trustee: j,
                    round: 1,
                }),
            }
        },
        false,
        &mut status,
    );
    // Round 3 (spec/trustees.md §8): R2; (K1).
    let senders2 = r2.accepted();
    let (r3, round3) = judge(
        3,
        &senders2,
        &by.r3,
        |j, m| {
            let others: Vec<u8> = senders2.iter().copied().filter(|&i| i != j).collect();
            match round1.get(&j) {
                Some(r1) => m.verify(params, r1.identity().signing_key(), &others),
                None => Err(Error::DkgMessageMissing {
                    trustee: j,
                    round: 1,
                }),
            }
        },
        false,
        &mut status,
    );
    for (&j, m) in &round3 {
        for c in m.complaints() {
            status.complaints.push(ComplaintStatus {
                complainer: j,
                dealer: c.dealer(),
                upheld: None,
            });
        }
    }

    // The messages the trustee's round functions and the evaluation read:
    // every attributable one (the crypto applies (M6) itself).
    let bad: Vec<&str> = status
        .unattributable
        .iter()
        .map(|p| p.file.as_str())
        .collect();
    for p in &dir.posted {
        if !bad.contains(&p.file.as_str()) {
            status.record.push(p.message.clone());
        }
    }

    let rounds_in = [&r1, &r2, &r3].iter().all(|r| r.missing().is_empty());
    let started3 = r3.trustees.iter().any(|t| t.verdict != Verdict::Missing);
    status.rounds = vec![r1, r2, r3];
    if !status.unattributable.is_empty() {
        status.outcome = Outcome::Blocked;
        return status;
    }
    if !(rounds_in || allow_missing && started3) {
        return status;
    }
    // spec/trustees.md §9, §10
    let outcome = match evaluate_ceremony(params, &status.record) {
        Ok(o) => o,
        Err(e) => {
            status.outcome = Outcome::Stopped(e);
            judge_complaints(&mut status);
            return status;
        }
    };
    // Round 4 (spec/trustees.md §11 (X2)): QUAL; the same H and K.
    let key = outcome.key().clone();
    let (r4, _) = judge(
        4,
        key.qualified(),
        &by.r4,
        |j, m| {
            let r1 = round1.get(&j).ok_or(Error::DkgMessageMissing {
                trustee: j,
                round: 1,
            })?;
            m.verify(params, r1.identity().signing_key())?;
            if m.transcript_hash() != key.transcript_hash() || m.joint_key() != key.joint_key() {
                return Err(Error::DkgTranscriptMismatch { trustees: vec![j] });
            }
            Ok(())
        },
        true,
        &mut status,
    );
    let all_certified = r4.missing().is_empty() && status.unattributable.is_empty();
    status.rounds.push(r4);
    status.outcome = Outcome::Evaluated(Box::new(outcome));
    judge_complaints(&mut status);
    if all_certified {
        status.certified = Some(verify_ceremony(params, &status.record).map(|o| o.key().clone()));
    }
    status
}

/// Fill in each complaint's verdict from the disqualifications
/// (spec/trustees.md §9 (Q3), (Q4)).
fn judge_complaints(status: &mut CeremonyStatus) {
    let dq: Vec<Error> = status
        .disqualified()
        .iter()
        .map(|d| d.reason().clone())
        .collect();
    for c in &mut status.complaints {
        for e in &dq {
            match e {
                Error::DkgShareInvalid { dealer, recipient }
                    if *dealer == c.dealer && *recipient == c.complainer =>
                {
                    c.upheld = Some(true)
                }
                Error::DkgComplaintInvalid {
                    complainer, dealer, ..
                } if *dealer == c.dealer && *complainer == c.complainer => c.upheld = Some(false),
                _ => {}
            }
        }
    }
}
