//! Applying a run of log entries that the board did not accept itself —
//! a mirror's catch-up from its upstream, or any record replayed to see
//! where the board would refuse it — through the board's own intake: each
//! entry decoded, re-encoded canonically and handed to [`Machine::apply`]
//! untrusted, ballots batch-verified per run as the sequencer does.
//!
//! [`check_log`] is what the differential test between the board and the
//! verifier drives (`tests/differential.rs`): the board must refuse a
//! tampered record at the log index the verifier names.

use std::collections::HashMap;

use urna_election::{ElectionContext, ElectionError, EncryptedBallot, Entry};
use urna_log::SignedTreeHead;

use crate::machine::{Machine, Outcome};

/// The first entry the board refuses, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Its log index.
    pub index: u64,
    /// The board's error code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Apply `entries` (log indices `from…`) to `machine`, creating it from
/// entry 0 with the head `placeholder` gives for the manifest's election.
/// Stops at the first refusal; entries before it stay staged.
pub fn apply_entries(
    machine: &mut Option<Machine>,
    placeholder: &dyn Fn(&Entry) -> SignedTreeHead,
    from: u64,
    entries: &[Vec<u8>],
    now_ms: u64,
) -> Result<(), Refused> {
    // Batch verification (one multiscalar multiplication over many
    // proofs) of each run of ballots, once the election context is fixed;
    // the verdicts are handed to `apply`, which falls back to checking a
    // ballot alone only when it has none.
    let mut verdicts: HashMap<usize, Result<(), ElectionError>> = HashMap::new();
    for (k, bytes) in entries.iter().enumerate() {
        let refused = |code: &'static str, message: String| Refused {
            index: from + k as u64,
            code,
            message,
        };
        let entry = Entry::from_bytes(bytes).map_err(|e| refused(e.code(), e.to_string()))?;
        if entry.to_bytes() != *bytes {
            return Err(refused(
                "ERR_NON_CANONICAL",
                "not the canonical encoding".into(),
            ));
        }
        match machine.as_mut() {
            None => {
                let mut m = Machine::create(&entry, placeholder(&entry))
                    .map_err(|e| refused(e.code, e.message))?;
                m.stage_manifest(bytes, now_ms);
                *machine = Some(m);
            }
            Some(m) => {
                if matches!(entry, Entry::Ballot(_)) && !verdicts.contains_key(&k) {
                    if let Some(ctx) = m.ctx().cloned() {
                        batch_verify_run(&ctx, entries, k, &mut verdicts);
                    }
                }
                let outcome = m
                    .apply(&entry, bytes, false, verdicts.remove(&k), now_ms)
                    .map_err(|e| refused(e.code, e.message))?;
                // A board never appends the same ballot (B3) or ceremony
                // message (spec/trustees.md §5.8 (N3)) twice.
                match outcome {
                    Outcome::Duplicate { info, .. } => {
                        return Err(refused(
                            "ERR_DUPLICATE_BALLOT",
                            format!("the same ballot is already entry {}", info.seq),
                        ))
                    }
                    Outcome::Repeat { seq, .. } => {
                        return Err(refused(
                            "ERR_INVALID",
                            format!("the same ceremony message is already entry {seq}"),
                        ))
                    }
                    Outcome::Appended { .. } => {}
                }
            }
        }
    }
    Ok(())
}

/// Replay a whole log through the board's intake, with nothing stored:
/// the first entry the board would refuse, if any.
pub fn check_log(entries: &[Vec<u8>]) -> Result<(), Refused> {
    let placeholder = |_: &Entry| SignedTreeHead {
        log_id: urna_log::Hash([0; 32]),
        tree_size: 0,
        timestamp_ms: 1,
        root_hash: urna_log::empty_root(),
        signature: [0; 64],
    };
    apply_entries(&mut None, &placeholder, 0, entries, 1)
}

/// Batch-verify the run of ballot entries of `entries` that starts at
/// `start`, recording a verdict for each (entries that do not decode are
/// left to `apply`, which refuses them by name).
fn batch_verify_run(
    ctx: &ElectionContext,
    entries: &[Vec<u8>],
    start: usize,
    verdicts: &mut HashMap<usize, Result<(), ElectionError>>,
) {
    let mut run = Vec::new();
    for (k, bytes) in entries.iter().enumerate().skip(start) {
        match Entry::from_bytes(bytes) {
            Ok(Entry::Ballot(b)) => run.push((k, b)),
            _ => break,
        }
    }
    let ballots: Vec<EncryptedBallot> = run.iter().map(|(_, b)| b.clone()).collect();
    for ((k, _), v) in run.iter().zip(urna_election::verify_ballots(ctx, &ballots)) {
        verdicts.insert(*k, v);
    }
}
