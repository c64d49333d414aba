//! `tally verify`: re-check an election record from the record alone
//! (spec/record.md §10). Streams the record; ballots are decoded in
//! parallel and verified in batches over all cores.
//!
//! The election's rules are not here: they are the rule-book
//! [`urna_election::rules`], which the board drives too. This file is the
//! verifier's driver: it reads frames, hands each entry to the rules in log
//! order, and reports every refusal by log index and check instead of
//! stopping (spec/record.md §10.1), keeping the few verifier-only habits
//! the spec asks for: a failure of setup is reported once, not once per
//! later entry; open and close entries with a good signature still move
//! the stage; the tally is judged at the end of the record.

use std::io::Read;

use rayon::prelude::*;
use urna_election::entry::{Entry, Phase};
use urna_election::record::{Frame, RecordReader};
use urna_election::rules::{Admission, Check, ProofCheck, Refusal, Rules, Stage};
use urna_election::{verify_ballots, ElectionResult, EncryptedBallot};

use crate::report::{Report, Tracker};
use crate::treehead::LogChecker;

/// Ballots decoded and verified together.
const CHUNK: usize = 4096;
/// Most bytes of ballot entries held before they are verified (docs/attacks.md
/// F15): a record of frames that claim to be huge ballots cannot make the
/// verifier hold thousands of them. Honest ballots are a few KiB, so a
/// chunk of 4,096 stays well below this and batches are unchanged.
const CHUNK_BYTES: usize = 64 << 20;

/// Progress callback: called with the number of entries read so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Verifies a record; see [`verify_record`].
struct Verifier {
    t: Tracker,
    log: LogChecker,
    entries: u64,
    rules: Option<Rules>,
    pending: Vec<(u64, Vec<u8>)>,
    /// Bytes held in `pending`.
    pending_bytes: usize,
    /// Trustees of every share entry after the close, valid or not.
    share_trustees: Vec<u32>,
    result: Option<(u64, ElectionResult)>,
    /// A setup check (R2–R4) failed so the election key or credential list
    /// is unknown: later checks that need them are skipped, not failed, so
    /// the report names the cause once instead of once per ballot.
    setup_failed: bool,
    report: Report,
}

/// Verify the record read from `r`. Never fails as a function: every
/// problem is a named failure in the report.
pub fn verify_record<R: Read>(r: R, progress: Option<Progress<'_>>) -> Report {
    let mut v = Verifier {
        t: Tracker::default(),
        log: LogChecker::new(),
        entries: 0,
        rules: None,
        pending: Vec::new(),
        pending_bytes: 0,
        share_trustees: Vec::new(),
        result: None,
        setup_failed: false,
        report: Report::default(),
    };
    match RecordReader::new(r) {
        Err(e) => {
            // Not a record at all: nothing else can be checked.
            v.t.fail(Check::R1, None, e.to_string());
            let mut report = std::mem::take(&mut v.report);
            report.checks = v.t.outcomes();
            report.failures = std::mem::take(&mut v.t.failures);
            report.failures_total = v.t.failures_total;
            return report;
        }
        Ok(mut reader) => loop {
            match reader.next_frame() {
                Ok(None) => break,
                Ok(Some(frame)) => v.frame(frame),
                Err(e) => {
                    v.t.fail(Check::R1, None, e.to_string());
                    break;
                }
            }
            if let Some(p) = progress {
                if v.entries.is_multiple_of(1024) {
                    p(v.entries);
                }
            }
        },
    }
    v.flush_ballots();
    v.finish();
    if let Some(p) = progress {
        p(v.entries);
    }
    let mut report = std::mem::take(&mut v.report);
    report.entries = v.entries;
    report.checks = v.t.outcomes();
    report.failures = std::mem::take(&mut v.t.failures);
    report.failures_total = v.t.failures_total;
    report
}

impl Verifier {
    fn frame(&mut self, frame: Frame) {
        match frame {
            Frame::Entry(bytes) => {
                self.log.append(&bytes);
                let idx = self.entries;
                self.entries += 1;
                if bytes.first() == Some(&urna_election::entry::tag::BALLOT) {
                    self.pending_bytes += bytes.len();
                    self.pending.push((idx, bytes));
                    if self.pending.len() >= CHUNK || self.pending_bytes >= CHUNK_BYTES {
                        self.flush_ballots();
                    }
                    return;
                }
                self.flush_ballots();
                match Entry::from_bytes(&bytes) {
                    Ok(e) => {
                        self.t.pass(Check::R1);
                        self.entry(idx, e);
                    }
                    Err(e) => {
                        self.t
                            .fail(Check::R1, Some(idx), format!("entry does not decode: {e}"))
                    }
                }
            }
            Frame::BoardKey(bytes) => {
                if let Err(e) = self.log.board_key(&bytes) {
                    self.t.fail(Check::R13, None, e);
                }
            }
            Frame::TreeHead(bytes) => match self.log.tree_head(
                &bytes,
                self.rules
                    .as_ref()
                    .map(|r| r.manifest().election_id.as_str()),
            ) {
                Ok(()) => self.t.pass(Check::R13),
                Err(e) => self.t.fail(Check::R13, Some(self.entries), e),
            },
        }
    }

    /// Report a refusal (by its own check) at `idx`.
    fn refuse(&mut self, idx: Option<u64>, r: Refusal) {
        self.t.fail(r.check, idx, r.message);
    }

    fn entry(&mut self, idx: u64, e: Entry) {
        if self.rules.is_none() {
            match e {
                Entry::Manifest {
                    manifest,
                    signature,
                } => {
                    match Rules::check_manifest(&manifest, &signature) {
                        Ok(()) => self.t.pass(Check::R2),
                        Err(r) => self.refuse(Some(idx), r),
                    }
                    self.report.election_id = Some(manifest.election_id.clone());
                    self.rules = Some(Rules::new(manifest));
                }
                _ => self.t.fail(
                    Check::R2,
                    Some(idx),
                    "the first entry of the log must be the manifest",
                ),
            }
            return;
        };
        if !matches!(e, Entry::Ceremony(_)) {
            self.end_ceremony(idx);
        }
        let Some(rules) = self.rules.as_mut() else {
            return;
        };
        match e {
            Entry::Manifest { .. } => self.t.fail(Check::R2, Some(idx), "a second manifest entry"),
            Entry::Ceremony(bytes) => match rules.ceremony(&bytes) {
                Ok(Admission::New) => {}
                // spec/trustees.md §5.8 (N3): a board answers a repeat with
                // the first copy's receipt and never appends it.
                Ok(Admission::Repeat(_)) => self.t.fail(
                    Check::R3,
                    Some(idx),
                    "the same ceremony message as an earlier entry",
                ),
                Err(r) => self.refuse(Some(idx), r),
            },
            Entry::Credentials { list, signature } => {
                match rules.credentials_list(&list, &signature) {
                    Ok(()) => self.t.pass(Check::R4),
                    Err(r) => {
                        // A list that is refused for itself (not for coming
                        // twice or late) leaves the election without one.
                        if r.code != "ERR_CREDENTIALS_CHANGED" {
                            self.setup_failed = true;
                        }
                        self.refuse(Some(idx), r);
                    }
                }
            }
            Entry::Replacement(rep) => match rules.replacement(&rep) {
                Ok(()) => {
                    self.t.pass(Check::R4);
                    self.report.credentials_replaced = rules.replacements();
                }
                Err(_) if self.setup_failed && rules.credentials().is_none() => {}
                Err(r) => self.refuse(Some(idx), r),
            },
            Entry::State(s) => match rules.state_change(&s) {
                Ok(()) => self.t.pass(if s.phase == Phase::Open {
                    Check::R5
                } else {
                    Check::R14
                }),
                Err(r) => {
                    if r.advances {
                        rules.advance(s.phase);
                    }
                    // With the setup failed, the missing context was reported.
                    let reported = self.setup_failed && rules.ctx().is_none();
                    if !reported {
                        self.refuse(Some(idx), r);
                    }
                }
            },
            Entry::Ballot(_) => {} // handled in batches
            Entry::Spoiled(s) => {
                if rules.ctx().is_none() && self.setup_failed {
                    return;
                }
                match rules.audited(&s, true) {
                    Ok(()) => {
                        // Checked in the order R9, R7 (spec/record.md
                        // §10.4: an audited ballot is an item of both).
                        self.report.ballots_spoiled += 1;
                        self.t.pass(Check::R9);
                        self.t.pass(Check::R7);
                    }
                    Err(r) => {
                        if r.check == Check::R7 {
                            self.t.pass(Check::R9);
                            rules.remember_refused(s.alphas());
                        }
                        self.refuse(Some(idx), r);
                    }
                }
            }
            Entry::Tally(share) => {
                if rules.stage() == Stage::Closed {
                    self.share_trustees.push(share.trustee);
                    if rules.ctx().is_none() {
                        return; // the missing context was reported
                    }
                }
                match rules.share(&share, true) {
                    Ok(()) => self.t.pass(Check::R11),
                    Err(r) => self.refuse(Some(idx), r),
                }
            }
            Entry::Result(r) => match rules.result() {
                Ok(()) => self.result = Some((idx, r)),
                Err(r) => self.refuse(Some(idx), r),
            },
        }
    }

    /// The ceremony run ends at the first other entry (R3).
    fn end_ceremony(&mut self, idx: u64) {
        let Some(rules) = self.rules.as_mut() else {
            return;
        };
        let had_keys = rules.keys().is_some();
        match rules.end_ceremony() {
            Ok(()) => {
                if !had_keys && rules.keys().is_some() {
                    self.t.pass_n(Check::R3, rules.ceremony_messages() as u64);
                }
            }
            Err(r) => {
                self.setup_failed = true;
                self.refuse(Some(idx), r);
            }
        }
    }

    fn flush_ballots(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let Some(ctx) = self.rules.as_ref().and_then(|r| r.ctx()).cloned() else {
            for (idx, _) in pending.iter().filter(|_| !self.setup_failed) {
                self.t.fail(
                    Check::R6,
                    Some(*idx),
                    "a ballot before the election was set up",
                );
            }
            return;
        };
        let decoded: Vec<(u64, Result<EncryptedBallot, String>)> = pending
            .par_iter()
            .map(|(idx, bytes)| {
                let r = Entry::from_bytes(bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|e| match e {
                        Entry::Ballot(b) => Ok(b),
                        _ => Err("not a ballot".to_string()),
                    });
                (*idx, r)
            })
            .collect();
        let mut ok_ballots = Vec::with_capacity(decoded.len());
        let mut ok_idx = Vec::with_capacity(decoded.len());
        for (idx, r) in decoded {
            match r {
                Ok(b) => {
                    self.t.pass(Check::R1);
                    ok_ballots.push(b);
                    ok_idx.push(idx);
                }
                Err(e) => self
                    .t
                    .fail(Check::R1, Some(idx), format!("ballot does not decode: {e}")),
            }
        }
        let verdicts = verify_ballots(&ctx, &ok_ballots);
        let Some(rules) = self.rules.as_mut() else {
            return;
        };
        // Tracking codes (a re-encoding and a hash each) on every core.
        let codes: Vec<[u8; 32]> = ok_ballots
            .par_iter()
            .map(|b| b.tracking_code().0 .0)
            .collect();
        for (((b, idx), verdict), code) in
            ok_ballots.into_iter().zip(ok_idx).zip(verdicts).zip(codes)
        {
            self.report.ballots_cast += 1;
            match rules.ballot(&b, code, ProofCheck::Verdict(verdict)) {
                Ok(()) => {
                    self.t.pass(Check::R6);
                    self.t.pass(Check::R7);
                }
                Err(r) => {
                    // Checks run in the order R6, R14, R9, R7: a ballot
                    // refused by R9 or R7 passed R6.
                    if matches!(r.check, Check::R9 | Check::R7) {
                        self.t.pass(Check::R6);
                    }
                    if r.check == Check::R7 {
                        rules.remember_refused(b.alphas());
                    }
                    self.t.fail(r.check, Some(idx), r.message);
                }
            }
        }
    }

    fn finish(&mut self) {
        let n = self.entries;
        self.end_ceremony(n);
        let Some(rules) = &self.rules else {
            self.t.fail(Check::R2, None, "the record has no manifest");
            return;
        };
        self.report.ballots_counted = rules.counted();
        self.t.pass_n(Check::R8, rules.counted());
        if let Err(e) = self.log.finish() {
            self.t.fail(Check::R13, None, e);
        }
        if rules.stage() != Stage::Closed {
            if !rules.shares().is_empty() || rules.result_seen() {
                self.t.fail(
                    Check::R14,
                    None,
                    "a tally or result without a closing entry",
                );
            }
            return;
        }
        self.tally();
    }

    fn tally(&mut self) {
        let Some(rules) = &self.rules else { return };
        let (Some(ctx), Some(keys), Some(aggregates)) =
            (rules.ctx(), rules.keys(), rules.aggregates())
        else {
            return;
        };
        // R10: aggregates of the counted ballots.
        self.t.pass(Check::R10);
        self.report.tally_input = Some(crate::report::TallyInput {
            fingerprint: ctx.fingerprint(),
            key: keys.clone(),
            aggregates: aggregates.to_vec(),
            share_trustees: self.share_trustees.clone(),
        });
        // R11: the quorum decryption.
        let totals = match rules.decrypt() {
            Ok(t) => t,
            Err(r) => {
                let attempted = self.result.is_some() || !self.share_trustees.is_empty();
                if r.code != "ERR_INSUFFICIENT_SHARES" || attempted {
                    self.t.fail(r.check, None, r.message);
                }
                return;
            }
        };
        // R12: the announced result.
        match &self.result {
            None => self.t.fail(
                Check::R12,
                None,
                "the record has decryption shares but no result",
            ),
            Some((idx, r)) => match rules.check_result(r, &totals) {
                Ok(()) => self.t.pass(Check::R12),
                Err(refusal) => self.t.fail(refusal.check, Some(*idx), refusal.message),
            },
        }
        self.report.result = Some(totals);
    }
}
