//! What `tally verify` checked, and what failed (spec/record.md §10).

use std::collections::BTreeMap;

use serde::Serialize;
use urna_election::rules::Check;

/// One failure, naming the entry (0-based index in the log) and the check.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// The check, e.g. `R6` (serialized as its id).
    pub check: Check,
    /// Log entry index, when the failure is about one entry.
    pub entry: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// The outcome of one check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckOutcome {
    /// Check id.
    pub id: &'static str,
    /// What it checks.
    pub description: &'static str,
    /// How many items passed it.
    pub passed: u64,
    /// How many failed.
    pub failed: u64,
    /// Whether it ran at all (e.g. no tally yet).
    pub ran: bool,
}

/// The verifier's report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Per check.
    pub checks: Vec<CheckOutcome>,
    /// Every failure (capped at 1,000 listed; `failures_total` counts all).
    pub failures: Vec<Failure>,
    /// Total number of failures.
    pub failures_total: u64,
    /// Log entries read.
    pub entries: u64,
    /// Ballots cast (all, including superseded).
    pub ballots_cast: u64,
    /// Ballots counted (last per credential).
    pub ballots_counted: u64,
    /// Spoiled ballots.
    pub ballots_spoiled: u64,
    /// Credentials replaced before the opening (spec/record.md (L5)).
    pub credentials_replaced: u64,
    /// The verified result, `totals[contest][option]`, when the record has one.
    pub result: Option<Vec<Vec<u64>>>,
    /// The election id from the manifest.
    pub election_id: Option<String>,
    /// What a trustee decrypts, once voting is closed (not serialized).
    #[serde(skip)]
    pub tally_input: Option<TallyInput>,
}

/// The tally as the verifier recomputed it from a closed record: what a
/// trustee partially decrypts (`urna-trustee decrypt`), so that it never
/// decrypts a ciphertext someone hands it (docs/attacks.md D8).
#[derive(Clone, Debug)]
pub struct TallyInput {
    /// The election fingerprint (the tally context, spec/record.md §7.2).
    pub fingerprint: urna_election::Hash32,
    /// The ceremony's public result, as derived from the record.
    pub key: urna_crypto::ThresholdKey,
    /// `A[c][o]` of the counted ballots (spec/record.md §7.1 (Y2)).
    pub aggregates: Vec<Vec<urna_crypto::Ciphertext>>,
    /// The trustees with a tally share entry in the record, valid or not.
    pub share_trustees: Vec<u32>,
}

impl Report {
    /// Whether everything verified.
    pub fn ok(&self) -> bool {
        self.failures_total == 0
    }

    /// Ids of the checks that failed.
    pub fn failed_checks(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| c.failed > 0)
            .map(|c| c.id)
            .collect()
    }
}

/// Accumulates check outcomes while verifying.
#[derive(Default)]
pub(crate) struct Tracker {
    passed: BTreeMap<Check, u64>,
    failed: BTreeMap<Check, u64>,
    ran: BTreeMap<Check, bool>,
    pub(crate) failures: Vec<Failure>,
    pub(crate) failures_total: u64,
}

impl Tracker {
    pub(crate) fn pass(&mut self, check: Check) {
        self.pass_n(check, 1)
    }
    pub(crate) fn pass_n(&mut self, check: Check, n: u64) {
        *self.passed.entry(check).or_default() += n;
        self.ran.insert(check, true);
    }
    pub(crate) fn fail(&mut self, check: Check, entry: Option<u64>, message: impl Into<String>) {
        *self.failed.entry(check).or_default() += 1;
        self.ran.insert(check, true);
        self.failures_total += 1;
        if self.failures.len() < 1000 {
            self.failures.push(Failure {
                check,
                entry,
                message: message.into(),
            });
        }
    }
    pub(crate) fn outcomes(&self) -> Vec<CheckOutcome> {
        Check::ALL
            .iter()
            .map(|c| CheckOutcome {
                id: c.id(),
                description: c.description(),
                passed: self.passed.get(c).copied().unwrap_or(0),
                failed: self.failed.get(c).copied().unwrap_or(0),
                ran: self.ran.get(c).copied().unwrap_or(false),
            })
            .collect()
    }
}
