//! # urna-election
//!
//! The election model shared by the board, the voter client and the
//! verifier: manifest, contest kinds, credential list, encrypted ballots and
//! tracking codes, audited ballots, decryption shares, the result, the typed
//! log entries and the election record. No server code, no I/O besides the
//! record reader/writer over `std::io`. Normative: `spec/record.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit;
pub mod ballot;
pub mod codec;
pub mod credentials;
pub mod entry;
mod error;
pub mod manifest;
pub mod record;
pub mod rules;

pub use audit::{AuditRequest, OpenedCiphertext, SpoiledBallot};
pub use ballot::{verify_ballots, BallotOpening, ElectionContext, EncryptedBallot, TrackingCode};
pub use codec::{Hash32, LocalizedText};
pub use credentials::{CredentialEntry, CredentialList};
pub use entry::{CredentialReplacement, ElectionResult, Entry, Phase, StateChange, TallyShare};
pub use error::{ElectionError, Result};
pub use manifest::{Contest, ContestKind, ContestOption, Manifest, TrusteeInfo};
