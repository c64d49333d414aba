//! `urna-trustee init`, `round` and `check`: the trustee's key file and
//! the four rounds of the key ceremony.

use std::path::PathBuf;

use rand_core::OsRng;
use urna_crypto::dkg::{CeremonyMessage, TrusteeKeys};

use urna_keyfile::files::{self, Mode};
use urna_keyfile::passphrase::{self, Purpose};
use urna_keyfile::trustee::{KeyFile, KeyFileHeader, PASSPHRASE_ENV};
use urna_keyfile::{KdfParams, TEST_PARAMS_ENV};

use crate::messages::{self, CeremonyStatus, MessageDir, Outcome, RoundStatus, Verdict};
use crate::{list_trustees, TrusteeError};

use super::*;

/// Arguments of [`init`].
#[derive(Clone, Debug)]
pub struct InitArgs {
    /// Where to write the key file.
    pub out: PathBuf,
    /// Replace an existing file.
    pub force: bool,
    /// Read the passphrase from this file.
    pub passphrase_file: Option<PathBuf>,
}

/// `urna-trustee init`: new secret identity keys, sealed under a
/// passphrase (spec/trustees.md §16 (KF1)–(KF7)), before the manifest
/// exists. Prints the signing key the organizer pins in the manifest's
/// roster (spec/trustees.md §5.8); round 1 binds the file to the election.
pub fn init(args: &InitArgs) -> Result<(), TrusteeError> {
    files::check_absent(&args.out, args.force, KEY_EXISTS)?;

    let pass = passphrase::read(
        args.passphrase_file.as_deref(),
        Purpose::New,
        PASSPHRASE_ENV,
    )?;
    let kdf = KdfParams::from_env();
    if kdf.is_weak() {
        eprintln!(
            "WARNING: {TEST_PARAMS_ENV}=1: weak key derivation for tests. Never use this key \
             file in a real election."
        );
    }
    println!(
        "Creating your secret keys and sealing them with your passphrase \
         (Argon2id, {} KiB of memory; this takes a moment)…",
        kdf.m_kib
    );
    let keys = TrusteeKeys::generate(&mut OsRng);
    let signing_key = keys.signing_key().to_bytes();
    let kf = KeyFile::create_unbound(keys, pass.as_bytes(), kdf, &mut OsRng)?;
    drop(pass);
    let sealed = kf.seal(&mut OsRng)?;
    files::write_atomic(&args.out, &sealed, Mode::Secret, args.force, KEY_EXISTS)?;
    println!("Wrote {} (readable only by you).", args.out.display());
    println!();
    println!("Your signing key is {}", hex::encode(signing_key));
    println!(
        "Give it to the organizer over a channel you both trust (in person, or read out on a \
         call). The organizer writes it into the election's trustee roster: the board and every \
         auditor then accept ceremony messages under your name only if this key signed them."
    );
    println!(
        "Keep the key file and remember the passphrase until the election is decrypted; never \
         send the key file to anyone."
    );
    println!();
    println!(
        "Next, once the organizer sends you the election's manifest (check that it lists your \
         key): urna-trustee round1 --key {} --manifest manifest.json --messages <folder of \
         posted messages>",
        args.out.display()
    );
    Ok(())
}

/// Arguments of [`round`].
#[derive(Clone, Debug)]
pub struct RoundArgs {
    /// 1 to 4.
    pub round: u8,
    /// The key file.
    pub key: PathBuf,
    /// The election manifest (JSON): its roster names this trustee's key.
    pub manifest: PathBuf,
    /// The folder of posted messages.
    pub messages: PathBuf,
    /// Where to write this trustee's message (default: `roundR-trusteeI.msg`).
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    pub force: bool,
    /// Go on without trustees that have not posted the previous round.
    pub allow_missing: bool,
    /// Read the passphrase from this file.
    pub passphrase_file: Option<PathBuf>,
}

pub(super) fn print_warnings(status: &CeremonyStatus) {
    for p in &status.unreadable {
        eprintln!("warning: ignoring {}: {}", p.file, p.reason);
    }
    for p in &status.ignored {
        eprintln!("note: ignoring {}: {}", p.file, p.reason);
    }
}

/// Refuse a round whose previous rounds are not in (spec/trustees.md §6
/// (R3): a round starts only when the previous one is closed).
pub(super) fn check_previous_rounds(
    status: &CeremonyStatus,
    round: u8,
    me: u8,
    allow_missing: bool,
) -> Result<(), TrusteeError> {
    for r in 1..round {
        let Some(rs) = status.round(r) else {
            continue;
        };
        let missing = rs.missing();
        if missing.contains(&me) {
            return Err(TrusteeError::BadInput {
                path: PathBuf::from(message_file_name(r, me)),
                reason: format!(
                    "your own round-{r} message is not in the messages folder: post it \
                     (the file `urna-trustee round{r}` wrote) and run this again"
                ),
            });
        }
        if !missing.is_empty() && !allow_missing {
            return Err(TrusteeError::Waiting {
                round,
                waiting_for: missing,
                you: me,
            });
        }
        if let Some(t) = rs.trustees.iter().find(|t| t.trustee == me) {
            if let Verdict::Invalid(reason) = &t.verdict {
                return Err(TrusteeError::BadInput {
                    path: PathBuf::from(t.files.join(", ")),
                    reason: format!(
                        "your round-{r} message breaks a rule, so you are disqualified: {reason}"
                    ),
                });
            }
        }
    }
    if round == 4 {
        match &status.outcome {
            Outcome::Stopped(e) => {
                return Err(TrusteeError::ceremony("the ceremony stopped", e.clone()))
            }
            Outcome::Evaluated(_) => {}
            Outcome::Blocked | Outcome::Pending => {
                return Err(TrusteeError::Waiting {
                    round,
                    waiting_for: status
                        .round(3)
                        .map(RoundStatus::missing)
                        .unwrap_or_default(),
                    you: me,
                })
            }
        }
    }
    Ok(())
}

/// This trustee's index in the manifest's roster. An unbound key file
/// (fresh from `init`) is bound to the election at round 1 and saved; a
/// bound one must be this election's and stand at its roster index.
fn bind_key_file(
    args: &RoundArgs,
    kf: &mut KeyFile,
    header: &KeyFileHeader,
    params: &urna_crypto::dkg::CeremonyParams,
    roster: &urna_crypto::dkg::Roster,
) -> Result<u8, TrusteeError> {
    let bad = |reason: String| TrusteeError::BadInput {
        path: args.key.clone(),
        reason,
    };
    let me = roster.index_of(&kf.signing_key()).ok_or_else(|| {
        bad(format!(
            "your signing key {} is not in this election's trustee roster: ask the organizer \
             to put it in the manifest (or use the key file whose key is there)",
            hex::encode(kf.signing_key().to_bytes())
        ))
    })?;
    match &header.binding {
        Some((p, i)) if p == params && *i == me => return Ok(me),
        Some(_) => {
            return Err(bad(
                "this key file already took part in another election's ceremony: make a new \
                 key file with `urna-trustee init` for each election"
                    .into(),
            ))
        }
        None if args.round != 1 => {
            return Err(bad(format!(
                "this key file has not run round 1 yet: run `urna-trustee round1` first, not \
                 round {}",
                args.round
            )))
        }
        None => {}
    }
    kf.bind(params, me, &mut OsRng)?;
    let sealed = kf.seal(&mut OsRng)?;
    files::write_atomic(&args.key, &sealed, Mode::Secret, true, KEY_EXISTS)?;
    println!(
        "Your key is trustee {me} of this election's roster ({}); the key file now belongs to \
         this election.",
        hex::encode(params.election_id())
    );
    Ok(me)
}

/// `urna-trustee round1` … `round4`: run one round from the messages
/// posted so far, write this trustee's message; round 4 also stores the
/// key share in the key file. Returns the message file written.
pub fn round(args: &RoundArgs) -> Result<PathBuf, TrusteeError> {
    let r = args.round;
    let (manifest, params) = load_manifest(&args.manifest)?;
    let roster = load_roster(&args.manifest, &manifest, &params)?;
    let header = KeyFileHeader::read(&args.key)?;
    describe_key(&header);
    let mut kf = unlock(&args.key, args.passphrase_file.as_deref())?;
    let me = bind_key_file(args, &mut kf, &header, &params, &roster)?;
    let dir = MessageDir::read(&args.messages)?;
    println!(
        "Read {} message(s) from {}.",
        dir.posted.len(),
        dir.path.display()
    );
    let status = messages::evaluate(&params, &roster, &dir, args.allow_missing);
    print_warnings(&status);
    if !status.unattributable.is_empty() {
        return Err(TrusteeError::Unattributable {
            files: status
                .unattributable
                .iter()
                .map(|p| (p.file.clone(), p.reason.clone()))
                .collect(),
        });
    }
    check_previous_rounds(&status, r, me, args.allow_missing)?;
    if let Some(prev) = status.round(r - 1) {
        let missing = prev.missing();
        if missing.is_empty() {
            println!(
                "Round {} is complete: valid messages from {}.",
                r - 1,
                list_trustees(&prev.accepted(), me)
            );
        } else {
            println!(
                "Round {}: valid messages from {}; going on without {} (--allow-missing).",
                r - 1,
                list_trustees(&prev.accepted(), me),
                list_trustees(&missing, me)
            );
        }
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(message_file_name(r, me)));
    files::check_absent(&out, args.force, MESSAGE_EXISTS)?;

    // A round-1 message under our index that this key did not make: an
    // old key file, or an impostor (spec/trustees.md §1.2).
    let ours = kf.signing_key();
    for p in &dir.posted {
        if let CeremonyMessage::Round1(m) = &p.message {
            if m.sender() == me && m.identity().signing_key() != &ours {
                return Err(TrusteeError::NotYours {
                    you: me,
                    file: p.file.clone(),
                });
            }
        }
    }
    let posted = status
        .round(r)
        .map(|s| s.files_of(me).to_vec())
        .unwrap_or_default();
    if let Some(file) = posted.first() {
        // Round 4 may run again to recover a key share that was not saved:
        // certificates of the same transcript do not conflict (spec/trustees.md §11 (X2)).
        if r != 4 || kf.key_share().is_some() {
            return Err(TrusteeError::AlreadyPosted {
                round: r,
                you: me,
                file: file.clone(),
            });
        }
        println!(
            "Your round-4 message is posted but the key file has no key share: recovering it."
        );
    }

    println!("Running round {r} ({})…", round_title(r));
    let fail = |e| TrusteeError::ceremony(format!("round {r} failed for trustee {me}"), e);
    let trustee = kf.trustee().ok_or(TrusteeError::NoKeyShare)?.clone();
    let message = match r {
        1 => CeremonyMessage::Round1(trustee.round1(&mut OsRng).map_err(fail)?),
        2 => CeremonyMessage::Round2(trustee.round2(&status.record, &mut OsRng).map_err(fail)?),
        3 => {
            let m = trustee.round3(&status.record, &mut OsRng).map_err(fail)?;
            let accused: Vec<u8> = m.complaints().iter().map(|c| c.dealer()).collect();
            if accused.is_empty() {
                println!(
                    "Every share dealt to you is valid: your round-3 message has no complaint."
                );
            } else {
                println!(
                    "The shares dealt to you by {} are invalid: your round-3 message complains \
                     about them, with a proof anyone can check.",
                    list_trustees(&accused, me)
                );
            }
            CeremonyMessage::Round3(m)
        }
        _ => {
            let (m, share) = trustee.round4(&status.record, &mut OsRng).map_err(fail)?;
            let key = share.threshold_key().clone();
            kf.set_key_share(share)?;
            // Save the key share before posting anything that relies on it.
            let sealed = kf.seal(&mut OsRng)?;
            files::write_atomic(&args.key, &sealed, Mode::Secret, true, KEY_EXISTS)?;
            println!(
                "Your key share is stored in {} (sealed with the same passphrase).",
                args.key.display()
            );
            println!("Qualified trustees: {}", list_trustees(key.qualified(), me));
            println!(
                "Joint election key: {}",
                hex::encode(key.joint_key().to_bytes())
            );
            println!(
                "Ceremony fingerprint (transcript hash): {}",
                hex::encode(key.transcript_hash())
            );
            CeremonyMessage::Round4(m)
        }
    };
    drop(trustee);
    let bytes = message.to_bytes();
    files::write_atomic(&out, &bytes, Mode::Public, args.force, MESSAGE_EXISTS)?;
    println!("Wrote {} ({} bytes).", out.display(), bytes.len());
    println!();
    if r < 4 {
        println!(
            "Next: post this file to the board (or send it to the organizer). When every \
             trustee has posted round {r}, run `urna-trustee round{}`.",
            r + 1
        );
    } else {
        println!(
            "Next: post this file. The ceremony is complete once every qualified trustee has \
             posted round 4 (`urna-trustee check` shows it). Keep the key file and the \
             passphrase: you need them to decrypt the tally (`urna-trustee decrypt`)."
        );
    }
    Ok(out)
}

/// Arguments of [`check`].
#[derive(Clone, Debug)]
pub struct CheckArgs {
    /// The election manifest (JSON).
    pub manifest: PathBuf,
    /// The folder of posted messages.
    pub messages: PathBuf,
    /// Take trustees that have not posted to be absent for good.
    pub allow_missing: bool,
}

/// How [`check`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// Every qualified trustee certified the ceremony (spec/trustees.md §11 (X2)).
    Complete,
    /// Nothing wrong so far, but some messages are still to come.
    InProgress,
    /// Something must be fixed, or the ceremony stopped.
    Problem,
}

/// `urna-trustee check`: judge everything posted so far, for anyone.
pub fn check(args: &CheckArgs) -> Result<CheckResult, TrusteeError> {
    let (manifest, params) = load_manifest(&args.manifest)?;
    describe_election(&manifest, &params);
    let dir = MessageDir::read(&args.messages)?;
    println!(
        "Messages folder {}: {} ceremony message file(s){}.",
        dir.path.display(),
        dir.posted.len() + dir.unreadable.len(),
        if dir.other_files > 0 {
            format!(", {} other file(s) ignored", dir.other_files)
        } else {
            String::new()
        }
    );
    let roster = load_roster(&args.manifest, &manifest, &params)?;
    let status = messages::evaluate(&params, &roster, &dir, args.allow_missing);
    let mut problem = false;
    // The trustees' names from the manifest, shortened to keep the columns.
    let name = |j: u8| -> String {
        let n = manifest
            .trustees
            .get(usize::from(j).saturating_sub(1))
            .map_or("", |t| t.name.as_str());
        n.chars().take(24).collect()
    };
    let w = (1..=params.trustees())
        .map(|j| name(j).chars().count())
        .max()
        .unwrap_or(0);

    for rs in &status.rounds {
        println!();
        let previous_open = rs.round > 1
            && status
                .round(rs.round - 1)
                .is_some_and(|p| !p.missing().is_empty());
        println!(
            "Round {} ({}){}:",
            rs.round,
            round_title(rs.round),
            if previous_open {
                format!(", once round {} is complete", rs.round - 1)
            } else {
                String::new()
            }
        );
        if rs.trustees.is_empty() {
            println!("  nobody can take part yet");
        }
        for t in &rs.trustees {
            let files = t.files.join(", ");
            let who = format!("trustee {:>3} {:<w$}", t.trustee, name(t.trustee));
            match &t.verdict {
                Verdict::Valid => println!("  {who}  valid    {files}"),
                Verdict::Missing => println!("  {who}  missing"),
                Verdict::Invalid(reason) => {
                    problem = true;
                    println!("  {who}  INVALID  {files}: {reason}")
                }
            }
        }
    }
    if status.round(4).is_none() {
        println!();
        println!("Round 4 ({}): once rounds 1 to 3 are in.", round_title(4));
    }

    if !status.complaints.is_empty() {
        println!();
        println!("Complaints:");
        for c in &status.complaints {
            let verdict = match c.upheld {
                Some(true) => format!(
                    "upheld: trustee {} dealt an invalid share (ERR_DKG_SHARE_INVALID)",
                    c.dealer
                ),
                Some(false) => format!(
                    "dismissed: the share was valid or the complaint unproven, so trustee {} \
                     is out (ERR_DKG_COMPLAINT_INVALID)",
                    c.complainer
                ),
                None => "not judged yet (after round 3)".into(),
            };
            println!(
                "  trustee {} against trustee {}: {verdict}",
                c.complainer, c.dealer
            );
        }
    }
    if !status.disqualified().is_empty() {
        println!();
        println!("Disqualified:");
        for d in status.disqualified() {
            println!(
                "  trustee {}: {} ({})",
                d.trustee(),
                d.reason(),
                d.reason().code()
            );
        }
    }
    let lists = [
        (
            "Files that cannot be attributed to their sender; remove them (spec/trustees.md §5.6 (M5)):",
            &status.unattributable,
        ),
        ("Files that are not ceremony messages:", &status.unreadable),
        (
            "Ignored (from trustees not taking part in that round):",
            &status.ignored,
        ),
    ];
    for (title, list) in lists {
        if !list.is_empty() {
            println!();
            println!("{title}");
            for p in list {
                println!("  {}: {}", p.file, p.reason);
            }
        }
    }
    problem |= !status.unattributable.is_empty() || !status.unreadable.is_empty();

    println!();
    if let Some(key) = status.complete() {
        println!("COMPLETE: every qualified trustee certified the same ceremony.");
        println!(
            "Qualified trustees: {}",
            key.qualified()
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "Joint election key: {}",
            hex::encode(key.joint_key().to_bytes())
        );
        println!(
            "Ceremony fingerprint (transcript hash): {}",
            hex::encode(key.transcript_hash())
        );
        return Ok(CheckResult::Complete);
    }
    let blocked = matches!(status.outcome, Outcome::Blocked) || !status.unattributable.is_empty();
    match (&status.outcome, &status.certified) {
        _ if blocked => {
            println!(
                "BLOCKED: remove the files listed above; nothing else can be judged until then."
            )
        }
        (Outcome::Stopped(e), _) => {
            problem = true;
            println!(
                "STOPPED: {e} ({}). The ceremony must be run again.",
                e.code()
            )
        }
        (_, Some(Err(e))) => {
            problem = true;
            println!("NOT CERTIFIED: {e} ({}).", e.code())
        }
        _ => {
            match status.rounds.iter().find(|r| !r.missing().is_empty()) {
                Some(rs) => println!(
                    "IN PROGRESS: waiting for round-{} messages from {}.",
                    rs.round,
                    list_trustees(&rs.missing(), 0)
                ),
                None => println!("IN PROGRESS."),
            }
            if let Outcome::Evaluated(o) = &status.outcome {
                println!(
                    "The joint key will be {} once every qualified trustee certifies it.",
                    hex::encode(o.key().joint_key().to_bytes())
                );
            }
        }
    }
    Ok(if problem {
        CheckResult::Problem
    } else {
        CheckResult::InProgress
    })
}
