//! `urna-trustee decrypt`: the decryption share of the tally the trustee
//! recomputed from a verified record.

use std::fs::File;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use rand_core::OsRng;
use urna_election::entry::tally_context;
use urna_election::{Entry, TallyShare};

use urna_keyfile::files::{self, Mode};
use urna_keyfile::trustee::KeyFileHeader;

use tally::verify::verify_record;

use crate::TrusteeError;

use super::*;

/// Arguments of [`decrypt`].
#[derive(Clone, Debug)]
pub struct DecryptArgs {
    /// The key file (with a key share).
    pub key: PathBuf,
    /// The election record.
    pub record: PathBuf,
    /// Where to write the tally share entry.
    pub out: PathBuf,
    /// Replace an existing output file.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Read the passphrase from this file.
    pub passphrase_file: Option<PathBuf>,
}

/// The checks a record must pass before a trustee decrypts: all except
/// those about the decryption shares and the result (spec/record.md §10.2).
const AFTER_CLOSE: &[&str] = &["R11", "R12"];

/// `urna-trustee decrypt`: verify the record, recompute the tally from
/// it, and partially decrypt that (spec/trustees.md §12 (L1);
/// docs/attacks.md D8). Never takes a ciphertext from anyone.
pub fn decrypt(args: &DecryptArgs) -> Result<(), TrusteeError> {
    let header = KeyFileHeader::read(&args.key)?;
    describe_key(&header);
    if !header.has_key_share {
        return Err(TrusteeError::NoKeyShare);
    }
    files::check_absent(&args.out, args.force, SHARE_EXISTS)?;
    let kf = unlock(&args.key, args.passphrase_file.as_deref())?;
    let share = kf.key_share().ok_or(TrusteeError::NoKeyShare)?;
    let me = share.index();

    println!(
        "Verifying the election record {} from scratch (every ballot is checked)…",
        args.record.display()
    );
    let file = File::open(&args.record).map_err(|e| TrusteeError::io(&args.record, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = if args.quiet {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(len);
        if let Ok(s) =
            ProgressStyle::with_template("verifying [{bar:40}] {bytes}/{total_bytes} (eta {eta})")
        {
            pb.set_style(s.progress_chars("=> "));
        }
        pb
    };
    let report = verify_record(pb.wrap_read(file), None);
    pb.finish_and_clear();

    // spec/trustees.md §11 (X3): decrypt only under a verified ceremony, and
    // only the tally of a record that verifies up to its close.
    let blocking: Vec<&str> = report
        .failed_checks()
        .into_iter()
        .filter(|c| !AFTER_CLOSE.contains(c))
        .collect();
    if !blocking.is_empty() {
        let mut failures: Vec<String> = report
            .failures
            .iter()
            .filter(|f| blocking.contains(&f.check.id()))
            .map(|f| match f.entry {
                Some(e) => format!("  {} entry {e}: {}", f.check, f.message),
                None => format!("  {}: {}", f.check, f.message),
            })
            .collect();
        if report.failures_total > report.failures.len() as u64 {
            failures.push(format!(
                "  … {} failures in all (run `tally verify` for the report)",
                report.failures_total
            ));
        }
        return Err(TrusteeError::RecordInvalid { failures });
    }
    let input = report.tally_input.as_ref().ok_or(TrusteeError::NotClosed)?;
    if input.key.params().election_id() != share.threshold_key().params().election_id() {
        return Err(TrusteeError::WrongCeremony(format!(
            "the key file is for election {}, the record is of election {}",
            hex::encode(share.threshold_key().params().election_id()),
            hex::encode(input.key.params().election_id())
        )));
    }
    if &input.key != share.threshold_key() {
        return Err(TrusteeError::WrongCeremony(format!(
            "the record's key ceremony (fingerprint {}) is not the one this key file took part \
             in (fingerprint {})",
            hex::encode(input.key.transcript_hash()),
            hex::encode(share.threshold_key().transcript_hash())
        )));
    }
    if input.share_trustees.contains(&u32::from(me)) {
        return Err(TrusteeError::ShareAlreadyPosted(u32::from(me)));
    }
    let options: usize = input.aggregates.iter().map(Vec::len).sum();
    println!(
        "The record verifies up to the close of voting: {} ballot(s) counted. Decrypting the \
         {options} total(s) recomputed from them…",
        report.ballots_counted
    );
    // spec/trustees.md §12 (L1), spec/record.md §7.2: one share per
    // contest and option of the aggregate recomputed above.
    let mut shares = Vec::with_capacity(input.aggregates.len());
    for (ci, row) in input.aggregates.iter().enumerate() {
        let mut out = Vec::with_capacity(row.len());
        for (oi, agg) in row.iter().enumerate() {
            let base = tally_context(&input.fingerprint, ci, oi);
            out.push(
                share
                    .partial_decrypt(&base, agg, &mut OsRng)
                    .map_err(|e| TrusteeError::ceremony("partial decryption failed", e))?,
            );
        }
        shares.push(out);
    }
    let entry = Entry::Tally(TallyShare {
        trustee: u32::from(me),
        shares,
    });
    files::write_atomic(
        &args.out,
        &entry.to_bytes(),
        Mode::Public,
        args.force,
        SHARE_EXISTS,
    )?;
    println!(
        "Wrote your decryption share to {}. Post it to the board: once {} trustees have posted \
         theirs, anyone can compute and check the result (`tally verify`).",
        args.out.display(),
        share.threshold_key().params().threshold()
    );
    Ok(())
}
