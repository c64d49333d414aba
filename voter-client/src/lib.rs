//! # voter-client
//!
//! Urna's voter client, shared by the `urna-vote` command line and the
//! browser page (`wasm/`): load an election and check it against the
//! fingerprint the voter trusts, read the credential code, check the
//! choices against the manifest's rules, encrypt, prove and sign, show
//! the tracking code, then **audit** (reveal the randomness, post the
//! spoiled ballot, encrypt afresh) or **cast** (submit, keep the board's
//! signed promise, later check inclusion). Sealed ballots can be saved as
//! files (and QR codes) that anyone can submit later to any board or mirror.
//!
//! The normative description is `spec/client.md`.
//!
//! ```
//! # use voter_client::testing::sample_election;
//! use voter_client::{BallotDraft, MemoryBoard};
//!
//! # let (election, bundle, credentials) = sample_election(3);
//! # let board = MemoryBoard::new(&bundle, &election, [7; 32]).unwrap();
//! # let code = credentials[0].to_code();
//! let credential = voter_client::Credential::parse(&code)?;
//! let mut draft = BallotDraft::new(&election, credential)?;
//! draft.set_by_id("council", "option-2", 1)?;
//!
//! // Seal, show the tracking code, and audit once: the audit reveals
//! // what was encrypted; the same choices come back to encrypt afresh.
//! let sealed = draft.seal()?;
//! let (audited, draft) = sealed.audit();
//! assert!(audited.shows(draft.choices()));
//! audited.post(&board)?;
//!
//! // Seal again (new randomness, new tracking code) and cast.
//! let sealed = draft.seal()?;
//! let code = sealed.tracking_code();
//! let receipt = sealed.cast(&board)?;
//! assert_eq!(receipt.tracking_code, code);
//!
//! // Later: check that the ballot is still in the board's log.
//! let (head, proof) = voter_client::BoardApi::inclusion_proof(&board, &receipt.election, receipt.log_index())?;
//! receipt.check_inclusion(&head, &proof)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod ballot;
pub mod base32;
pub mod board;
pub mod choice;
pub mod credential;
pub mod election;
mod error;
pub mod file;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "testing")]
mod memory_board;
pub mod receipt;
pub mod testing;

pub use ballot::{
    secure_rng, AuditedBallot, AuditedContest, BallotDraft, CastFailure, SealedBallot,
};
pub use board::BoardApi;
pub use choice::ChoiceError;
pub use credential::{Credential, CredentialCodeError};
pub use election::{Election, ElectionBundle, ExpectedFingerprint};
pub use error::{ClientError, Result};
pub use file::BallotFile;
#[cfg(feature = "testing")]
pub use memory_board::MemoryBoard;
pub use receipt::{BoardReceipt, CastReceipt, Promise};
pub use urna_log::{BoardPublicKey, InclusionProof, SignedTreeHead};
