//! The election's rule-book (`spec/record.md` §6.3, §7 and §10): one
//! pure implementation of what an election's log may contain, driven by
//! both the bulletin board (which refuses an entry at intake) and the
//! verifier (which reports every failure by log index and check).
//!
//! [`Rules`] holds the state the rules need — stage, ceremony run, keys,
//! credential list, election context, tracking codes, the `α` set, the
//! running sums of the re-voting rule, the tally shares — and offers one
//! method per entry kind. Every method first checks and only then changes
//! state: an entry that is refused leaves [`Rules`] exactly as it was
//! (the board's guarantee that nothing already accepted is changed). The
//! few places where `spec/record.md` §10.2 lets a *reported* failure still
//! take effect for the rest of a verification are explicit:
//! [`Refusal::advances`] for open and close entries, and
//! [`Rules::remember_refused`] for the `α` values of a refused ballot.
//!
//! No I/O, no clock, no randomness: the same calls in the same order give
//! the same answers on the board, in the verifier and in the browser.
//! Each refusal names its check ([`Check`], ids of `spec/record.md` §10.2)
//! and a stable error code (`spec/record.md` §9, `spec/api.md` §3).

mod check;
mod ledger;
mod tally;

pub use check::Check;
pub use ledger::{BallotKind, ProofCheck, Rules};
pub use tally::{check_tally_bound, Totals};
pub use urna_crypto::dkg::Admission;

/// Voting stage (`spec/record.md` §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Before the open entry.
    Setup,
    /// Between open and close.
    Open,
    /// After the close entry.
    Closed,
}

/// Why an entry is refused: the check it fails, a stable code and words a
/// person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The check of `spec/record.md` §10.2 the entry fails.
    pub check: Check,
    /// Stable error code, `ERR_…` (`spec/record.md` §9).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// For open and close entries whose signature and stage are right but
    /// whose fingerprint is not: a verifier still moves the stage
    /// (`spec/record.md` (R5), (R14)) with [`Rules::advance`]; the board
    /// refuses the entry and changes nothing.
    pub advances: bool,
}

impl Refusal {
    /// A refusal under `check` with `code`.
    pub fn new(check: Check, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            check,
            code,
            message: message.into(),
            advances: false,
        }
    }

    /// `ERR_LIFECYCLE` under `check`: the entry comes at the wrong time.
    pub fn lifecycle(check: Check, message: impl Into<String>) -> Self {
        Self::new(check, "ERR_LIFECYCLE", message)
    }

    /// A refusal carrying a model or crypto error's own code.
    pub fn of(check: Check, e: &crate::ElectionError) -> Self {
        Self::new(check, e.code(), e.to_string())
    }

    /// A refusal carrying a crypto error's own code, its message prefixed.
    pub fn crypto(check: Check, what: &str, e: &urna_crypto::Error) -> Self {
        Self::new(check, e.code(), format!("{what}: {e}"))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.message, self.code, self.check)
    }
}

impl std::error::Error for Refusal {}
