//! `tally verify`: re-check an election record from the record alone
//! (spec/record.md §10). Streams the record; ballots are decoded in
//! parallel and verified in batches over all cores.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use rayon::prelude::*;
use urna_crypto::{Ciphertext, CiphertextSum, PublicKey};
use urna_election::ballot::{verify_ballots, ElectionContext};
use urna_election::entry::{
    tally_context, verify_credentials_signature, verify_manifest_signature, Entry, Phase,
};
use urna_election::record::{Frame, RecordReader};
use urna_election::{CredentialList, ElectionResult, EncryptedBallot, Manifest, TallyShare};

use crate::ceremony::{self, TrusteeKeys};
use crate::report::{Report, Tracker};
use crate::treehead::LogChecker;

/// Ballots decoded and verified together.
const CHUNK: usize = 4096;

/// Progress callback: called with the number of entries read so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Setup,
    Open,
    Closed,
}

/// Verifies a record; see [`verify_record`].
struct Verifier {
    t: Tracker,
    log: LogChecker,
    entries: u64,
    manifest: Option<Manifest>,
    ceremony: Vec<Vec<u8>>,
    keys: Option<TrusteeKeys>,
    credentials: Option<CredentialList>,
    ctx: Option<std::sync::Arc<ElectionContext>>,
    stage: Stage,
    pending: Vec<(u64, Vec<u8>)>,
    /// Per counted credential: its last ballot's ciphertexts (compressed).
    last: HashMap<[u8; 32], Vec<Vec<[u8; 64]>>>,
    /// Sum of every accepted ballot, and of the superseded ones.
    sums: Vec<Vec<CiphertextSum>>,
    superseded: Vec<Vec<CiphertextSum>>,
    alphas: HashSet<[u8; 32]>,
    spoiled_codes: HashSet<[u8; 32]>,
    cast_codes: HashSet<[u8; 32]>,
    shares: Vec<(u64, TallyShare)>,
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
        manifest: None,
        ceremony: Vec::new(),
        keys: None,
        credentials: None,
        ctx: None,
        stage: Stage::Setup,
        pending: Vec::new(),
        last: HashMap::new(),
        sums: Vec::new(),
        superseded: Vec::new(),
        alphas: HashSet::new(),
        spoiled_codes: HashSet::new(),
        cast_codes: HashSet::new(),
        shares: Vec::new(),
        result: None,
        setup_failed: false,
        report: Report::default(),
    };
    match RecordReader::new(r) {
        Err(e) => {
            // Not a record at all: nothing else can be checked.
            v.t.fail("R1", None, e.to_string());
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
                    v.t.fail("R1", None, e.to_string());
                    break;
                }
            }
            if let Some(p) = progress {
                if v.entries % 1024 == 0 {
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
                    self.pending.push((idx, bytes));
                    if self.pending.len() >= CHUNK {
                        self.flush_ballots();
                    }
                    return;
                }
                self.flush_ballots();
                match Entry::from_bytes(&bytes) {
                    Ok(e) => {
                        self.t.pass("R1");
                        self.entry(idx, e);
                    }
                    Err(e) => self
                        .t
                        .fail("R1", Some(idx), format!("entry does not decode: {e}")),
                }
            }
            Frame::BoardKey(bytes) => {
                if let Err(e) = self.log.board_key(&bytes) {
                    self.t.fail("R13", None, e);
                }
            }
            Frame::TreeHead(bytes) => match self.log.tree_head(
                &bytes,
                self.manifest.as_ref().map(|m| m.election_id.as_str()),
            ) {
                Ok(()) => self.t.pass("R13"),
                Err(e) => self.t.fail("R13", Some(self.entries), e),
            },
        }
    }

    fn entry(&mut self, idx: u64, e: Entry) {
        if self.manifest.is_none() && !matches!(e, Entry::Manifest { .. }) {
            self.t.fail(
                "R2",
                Some(idx),
                "the first entry of the log must be the manifest",
            );
            return;
        }
        if !matches!(e, Entry::Ceremony(_)) {
            self.end_ceremony(idx);
        }
        match e {
            Entry::Manifest {
                manifest,
                signature,
            } => {
                if self.manifest.is_some() {
                    self.t.fail("R2", Some(idx), "a second manifest entry");
                    return;
                }
                if let Err(e) = verify_manifest_signature(&manifest, &signature) {
                    self.t.fail("R2", Some(idx), e.to_string());
                } else {
                    self.t.pass("R2");
                }
                self.sums = manifest
                    .contests
                    .iter()
                    .map(|c| vec![CiphertextSum::zero(); c.options.len()])
                    .collect();
                self.superseded = self.sums.clone();
                self.report.election_id = Some(manifest.election_id.clone());
                self.manifest = Some(manifest);
            }
            Entry::Ceremony(bytes) => {
                if self.keys.is_some() {
                    self.t.fail(
                        "R3",
                        Some(idx),
                        "a ceremony message after the ceremony ended",
                    );
                } else {
                    self.ceremony.push(bytes);
                }
            }
            Entry::Credentials { list, signature } => self.credentials(idx, list, signature),
            Entry::Replacement(rep) => self.replacement(idx, rep),
            Entry::State(s) => {
                let Some(m) = &self.manifest else { return };
                let check = if s.phase == Phase::Open { "R5" } else { "R14" };
                if let Err(e) = s.verify(&m.organizer_key) {
                    self.t.fail(check, Some(idx), e.to_string());
                    return;
                }
                match (s.phase, self.stage) {
                    (Phase::Open, Stage::Setup) => {
                        if self.ctx.is_none() && self.setup_failed {
                            // The cause is reported already (R2–R4).
                        } else if self.ctx.is_none() {
                            self.t.fail(
                                "R5",
                                Some(idx),
                                "voting opened before the election key and credential list were fixed",
                            );
                        } else if self.ctx.as_ref().map(|c| c.fingerprint()) != Some(s.fingerprint)
                        {
                            self.t.fail(
                                "R5",
                                Some(idx),
                                "the opening names another election fingerprint than the manifest, key and credential list give",
                            );
                        } else {
                            self.t.pass("R5");
                        }
                        self.stage = Stage::Open;
                    }
                    (Phase::Close, Stage::Open) => {
                        let expected = self.ctx.as_ref().map(|c| c.fingerprint());
                        if expected.is_some_and(|fp| fp != s.fingerprint) {
                            self.t.fail(
                                "R14",
                                Some(idx),
                                "the closing names another election fingerprint",
                            );
                        } else {
                            self.t.pass("R14");
                        }
                        self.stage = Stage::Closed;
                    }
                    (p, st) => self.t.fail(
                        check,
                        Some(idx),
                        format!("{p:?} is not allowed while the election is {st:?}"),
                    ),
                }
            }
            Entry::Ballot(_) => {} // handled in batches
            Entry::Spoiled(s) => {
                let Some(ctx) = &self.ctx else {
                    if self.setup_failed {
                        return;
                    }
                    self.t.fail(
                        "R9",
                        Some(idx),
                        "an audited ballot before the election was set up",
                    );
                    return;
                };
                let verdict = s.ballot.verify(ctx).and_then(|_| s.verify_openings(ctx));
                let code = s.ballot.tracking_code().0 .0;
                match verdict {
                    Ok(()) if self.cast_codes.contains(&code) => {
                        self.t
                            .fail("R9", Some(idx), "an audited ballot that was also cast")
                    }
                    Ok(()) => {
                        self.spoiled_codes.insert(code);
                        self.report.ballots_spoiled += 1;
                        if self.record_alphas(&s.ballot) {
                            self.t.fail(
                                "R7",
                                Some(idx),
                                "a ciphertext of this audited ballot already appeared in another ballot",
                            );
                        }
                        self.t.pass("R9");
                    }
                    Err(e) => self.t.fail("R9", Some(idx), e.to_string()),
                }
            }
            Entry::Tally(share) => {
                if self.stage != Stage::Closed {
                    self.t
                        .fail("R11", Some(idx), "a decryption share before voting closed");
                } else {
                    self.shares.push((idx, share));
                }
            }
            Entry::Result(r) => {
                if self.result.is_some() {
                    self.t.fail("R12", Some(idx), "a second result");
                } else if self.stage != Stage::Closed {
                    self.t
                        .fail("R12", Some(idx), "a result before voting closed");
                } else {
                    self.result = Some((idx, r));
                }
            }
        }
    }

    fn end_ceremony(&mut self, idx: u64) {
        if self.keys.is_some() || self.ceremony.is_empty() {
            return;
        }
        let Some(m) = &self.manifest else { return };
        match ceremony::derive_keys(m, &self.ceremony) {
            Ok(keys) => {
                self.t.pass_n("R3", self.ceremony.len() as u64);
                self.keys = Some(keys);
                self.make_context(idx);
            }
            Err(e) => {
                self.t.fail("R3", Some(idx), e);
                self.setup_failed = true;
                // Stop deriving again at every entry.
                self.ceremony.clear();
            }
        }
    }

    fn credentials(&mut self, idx: u64, list: CredentialList, signature: urna_crypto::Signature) {
        let Some(m) = &self.manifest else { return };
        if self.stage != Stage::Setup || self.credentials.is_some() {
            self.t.fail(
                "R4",
                Some(idx),
                "the credential list changed after it was fixed or after voting opened",
            );
            return;
        }
        if let Err(e) =
            verify_credentials_signature(&list, &signature, &m.credential_authority_key, &m.hash())
        {
            self.t.fail("R4", Some(idx), e.to_string());
            self.setup_failed = true;
            return;
        }
        self.t.pass("R4");
        self.credentials = Some(list);
        self.make_context(idx);
    }

    /// spec/record.md §4.3 (L5), checked as (R4): a replacement changes the
    /// list only in setup, signed by the authority, for the current list.
    fn replacement(&mut self, idx: u64, rep: urna_election::CredentialReplacement) {
        let Some(m) = &self.manifest else { return };
        if self.stage != Stage::Setup {
            self.t.fail(
                "R4",
                Some(idx),
                "a credential replacement after voting opened (the list is fixed at the opening)",
            );
            return;
        }
        let Some(list) = &self.credentials else {
            if !self.setup_failed {
                self.t.fail(
                    "R4",
                    Some(idx),
                    "a credential replacement before the credential list",
                );
            }
            return;
        };
        match rep.apply(list, &m.credential_authority_key, &m.hash()) {
            Ok(new) => {
                self.t.pass("R4");
                self.report.credentials_replaced += 1;
                self.credentials = Some(new);
                self.ctx = None;
                self.make_context(idx);
            }
            Err(e) => self.t.fail("R4", Some(idx), e.to_string()),
        }
    }

    fn make_context(&mut self, idx: u64) {
        let (Some(m), Some(k), Some(l)) = (&self.manifest, &self.keys, &self.credentials) else {
            return;
        };
        match ElectionContext::new(m.clone(), k.election_key.clone(), l.clone()) {
            Ok(ctx) => self.ctx = Some(std::sync::Arc::new(ctx)),
            Err(e) => {
                self.t.fail("R4", Some(idx), e.to_string());
                self.setup_failed = true;
            }
        }
    }

    fn flush_ballots(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let Some(ctx) = self.ctx.clone() else {
            for (idx, _) in pending.iter().filter(|_| !self.setup_failed) {
                self.t
                    .fail("R6", Some(*idx), "a ballot before the election was set up");
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
                    self.t.pass("R1");
                    ok_ballots.push(b);
                    ok_idx.push(idx);
                }
                Err(e) => self
                    .t
                    .fail("R1", Some(idx), format!("ballot does not decode: {e}")),
            }
        }
        let verdicts = verify_ballots(&ctx, &ok_ballots);
        let codes: Vec<[u8; 32]> = ok_ballots
            .par_iter()
            .map(|b| b.tracking_code().0 .0)
            .collect();
        for (((b, idx), verdict), code) in
            ok_ballots.into_iter().zip(ok_idx).zip(verdicts).zip(codes)
        {
            self.report.ballots_cast += 1;
            match self.stage {
                Stage::Open => {}
                Stage::Setup => {
                    self.t
                        .fail("R6", Some(idx), "a ballot cast before voting opened");
                    continue;
                }
                Stage::Closed => {
                    // spec/record.md §10 (R14), SECURITY-CASES B11.
                    self.t
                        .fail("R14", Some(idx), "a ballot cast after voting closed");
                    continue;
                }
            }
            if let Err(e) = verdict {
                self.t
                    .fail("R6", Some(idx), format!("{} ({})", e, e.code()));
                continue;
            }
            self.t.pass("R6");
            if self.spoiled_codes.contains(&code) {
                self.t.fail(
                    "R9",
                    Some(idx),
                    "a ballot that was audited (spoiled) was cast",
                );
                continue;
            }
            self.cast_codes.insert(code);
            self.count(idx, &ctx, b);
        }
    }

    fn count(&mut self, idx: u64, ctx: &ElectionContext, b: EncryptedBallot) {
        // R7: no ciphertext twice (a repeated α leaks a vote difference, SECURITY-CASES A11).
        let dup = self.record_alphas(&b);
        if dup {
            self.t.fail(
                "R7",
                Some(idx),
                "a ciphertext of this ballot already appeared in another ballot",
            );
            return;
        }
        self.t.pass("R7");
        let cred = b.credential().to_bytes();
        let weight = ctx.credentials().weight(b.credential()).unwrap_or(0);
        // R8: the last ballot per credential counts: move the previous one to `superseded`.
        if let Some(prev) = self.last.get(&cred) {
            for (ci, cts) in prev.iter().enumerate() {
                for (oi, bytes) in cts.iter().enumerate() {
                    if let Ok(ct) = Ciphertext::from_bytes(bytes) {
                        self.superseded[ci][oi].vartime_add_weighted(&ct, weight);
                    }
                }
            }
        }
        let mut stored = Vec::with_capacity(b.contests().len());
        for (ci, c) in b.contests().iter().enumerate() {
            let mut v = Vec::with_capacity(c.ciphertexts().len());
            for (oi, ct) in c.ciphertexts().iter().enumerate() {
                self.sums[ci][oi].vartime_add_weighted(ct, weight);
                v.push(ct.to_bytes());
            }
            stored.push(v);
        }
        self.last.insert(cred, stored);
    }

    /// Add every `α` of a ballot to the seen set; true if one was seen before
    /// (in a cast or an audited ballot: re-casting an audited ballot's
    /// public-randomness ciphertexts under a new signature is caught here,
    /// SECURITY-CASES A11, G3).
    fn record_alphas(&mut self, b: &EncryptedBallot) -> bool {
        let mut dup = false;
        for c in b.contests() {
            for ct in c.ciphertexts() {
                if !self.alphas.insert(ct.alpha().to_bytes()) {
                    dup = true;
                }
            }
        }
        dup
    }

    fn finish(&mut self) {
        let n = self.entries;
        self.end_ceremony(n);
        if self.manifest.is_none() {
            self.t.fail("R2", None, "the record has no manifest");
            return;
        }
        self.report.ballots_counted = self.last.len() as u64;
        self.t.pass_n("R8", self.last.len() as u64);
        if let Err(e) = self.log.finish() {
            self.t.fail("R13", None, e);
        }
        if self.stage != Stage::Closed {
            if !self.shares.is_empty() || self.result.is_some() {
                self.t
                    .fail("R14", None, "a tally or result without a closing entry");
            }
            return;
        }
        self.tally();
    }

    fn tally(&mut self) {
        let (Some(ctx), Some(keys)) = (self.ctx.clone(), self.keys.clone()) else {
            return;
        };
        // R10: aggregates of the counted ballots.
        let aggregates: Vec<Vec<Ciphertext>> = self
            .sums
            .iter()
            .zip(&self.superseded)
            .map(|(s, x)| {
                s.iter()
                    .zip(x)
                    .map(|(s, x)| s.difference(x).to_ciphertext())
                    .collect()
            })
            .collect();
        self.t.pass("R10");
        self.report.tally_input = Some(crate::report::TallyInput {
            fingerprint: ctx.fingerprint(),
            key: keys.key.clone(),
            aggregates: aggregates.clone(),
            share_trustees: self.shares.iter().map(|(_, s)| s.trustee).collect(),
        });

        // R11: decryption shares.
        let mut valid: Vec<(u32, &TallyShare)> = Vec::new();
        let mut seen = HashSet::new();
        for (idx, share) in &self.shares {
            let Some(x) = keys.verification_keys.get(&share.trustee) else {
                self.t.fail(
                    "R11",
                    Some(*idx),
                    format!("trustee {} is not a qualified trustee", share.trustee),
                );
                continue;
            };
            if !seen.insert(share.trustee) {
                self.t.fail(
                    "R11",
                    Some(*idx),
                    format!("a second decryption share from trustee {}", share.trustee),
                );
                continue;
            }
            match check_share(&ctx, x, share, &aggregates) {
                Ok(()) => {
                    self.t.pass("R11");
                    valid.push((share.trustee, share));
                }
                Err(e) => self
                    .t
                    .fail("R11", Some(*idx), format!("trustee {}: {e}", share.trustee)),
            }
        }
        if valid.len() < keys.threshold as usize {
            if self.result.is_some() || !self.shares.is_empty() {
                self.t.fail(
                    "R11",
                    None,
                    format!(
                        "only {} valid decryption shares, {} needed (ERR_INSUFFICIENT_SHARES)",
                        valid.len(),
                        keys.threshold
                    ),
                );
            }
            return;
        }
        valid.sort_by_key(|(i, _)| *i);
        let quorum = &valid[..keys.threshold as usize];
        let total_weight = ctx.credentials().total_weight();
        let mut totals = Vec::with_capacity(aggregates.len());
        for (ci, contest) in aggregates.iter().enumerate() {
            let bound = total_weight.saturating_mul(ctx.manifest().contests[ci].max_per_option());
            let mut row = Vec::with_capacity(contest.len());
            for (oi, agg) in contest.iter().enumerate() {
                if agg.alpha().is_identity() {
                    // α = 0 means randomness 0 (nothing counted): β = m·G is
                    // in the clear; decrypt it without shares (spec/record.md §7 (Y5)).
                    match urna_crypto::vartime_discrete_log(&agg.beta().point(), bound) {
                        Ok(m) => row.push(m),
                        Err(e) => {
                            self.t
                                .fail("R11", None, format!("contest {ci} option {oi}: {e}"));
                            return;
                        }
                    }
                    continue;
                }
                let parts: Vec<(u32, urna_crypto::GroupElement)> = quorum
                    .iter()
                    .map(|(i, s)| (*i, *s.shares[ci][oi].share()))
                    .collect();
                match ceremony::combine(&keys, agg, &parts, bound) {
                    Ok(m) => row.push(m),
                    Err(e) => {
                        self.t
                            .fail("R11", None, format!("contest {ci} option {oi}: {e}"));
                        return;
                    }
                }
            }
            totals.push(row);
        }
        // R12: the announced result.
        match &self.result {
            None => self.t.fail(
                "R12",
                None,
                "the record has decryption shares but no result",
            ),
            Some((idx, r)) => {
                if let Err(e) = r.verify(&ctx.manifest().organizer_key, &ctx.fingerprint()) {
                    self.t.fail("R12", Some(*idx), e.to_string());
                } else if r.totals != totals {
                    self.t.fail(
                        "R12",
                        Some(*idx),
                        format!(
                            "the announced result {:?} differs from the decrypted tally {:?}",
                            r.totals, totals
                        ),
                    );
                } else {
                    self.t.pass("R12");
                }
            }
        }
        self.report.result = Some(totals);
    }
}

fn check_share(
    ctx: &ElectionContext,
    x: &PublicKey,
    share: &TallyShare,
    aggregates: &[Vec<Ciphertext>],
) -> Result<(), String> {
    if share.shares.len() != aggregates.len()
        || share
            .shares
            .iter()
            .zip(aggregates)
            .any(|(s, a)| s.len() != a.len())
    {
        return Err("the shares do not match the contests and options of the manifest".into());
    }
    let mut batch = urna_crypto::BatchVerifier::new();
    let mut names = Vec::new();
    for (ci, (row, aggs)) in share.shares.iter().zip(aggregates).enumerate() {
        for (oi, (s, agg)) in row.iter().zip(aggs).enumerate() {
            if agg.alpha().is_identity() {
                continue;
            }
            let base = tally_context(&ctx.fingerprint(), ci, oi);
            let mut t = urna_crypto::dkg::decryption_transcript(&base, share.trustee as u8);
            s.add_to_batch(&mut t, x, agg, &mut batch.item());
            names.push((ci, oi));
        }
    }
    match batch.vartime_check() {
        Ok(()) => Ok(()),
        Err(urna_crypto::Error::BatchFailed { failing }) => Err(format!(
            "invalid decryption proof for (contest, option) {:?} (ERR_SHARE_INVALID)",
            failing
                .iter()
                .filter_map(|i| names.get(*i))
                .collect::<Vec<_>>()
        )),
        Err(e) => Err(e.to_string()),
    }
}
