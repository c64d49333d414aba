//! # urna-crypto
//!
//! The cryptographic core of Urna: ristretto255 exponential ElGamal,
//! the zero-knowledge proofs that make ballots and decryptions verifiable,
//! and a batch verifier that checks thousands of them with one multiscalar
//! multiplication. No I/O; compiles to `wasm32-unknown-unknown`.
//!
//! The normative description is `spec/crypto.md`; each module cites the
//! sections and check ids it implements (e.g. `spec §5.4 (R2)`).
//!
//! ```
//! use merlin::Transcript;
//! use rand_core::OsRng;
//! use urna_crypto::{BatchVerifier, ContestBounds, EncryptedContest, SecretKey};
//!
//! let key = SecretKey::generate(&mut OsRng);
//! let pk = key.public_key();
//! // Approval: 5 options, choose 0 to 2.
//! let bounds = ContestBounds::new(5, 1, 0, 2).unwrap();
//! let context = Transcript::new(b"urna/v1/example");
//! let (contest, _opening) =
//!     EncryptedContest::encrypt(&context, &pk, &bounds, &[1, 0, 0, 1, 0], &mut OsRng).unwrap();
//! let mut batch = BatchVerifier::new();
//! contest.add_to_batch(&context, &pk, &bounds, &mut batch.item());
//! assert!(batch.vartime_check().is_ok());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod batch;
pub mod contest;
pub mod dkg;
pub mod dlog;
pub mod elgamal;
mod error;
pub mod group;
pub mod proofs;
pub mod transcript;

pub use batch::BatchVerifier;
pub use contest::{ContestBounds, ContestOpening, EncryptedContest};
pub use curve25519_dalek::scalar::Scalar;
pub use dkg::{verify_ceremony, CeremonyParams, CeremonyRecord, KeyShare, ThresholdKey, Trustee};
pub use dlog::vartime_discrete_log;
pub use elgamal::{Ciphertext, CiphertextSum, Nonce, PublicKey, SecretKey};
pub use error::{Error, Result};
pub use group::GroupElement;
pub use proofs::decryption::DecryptionShare;
pub use proofs::range::RangeProof;
pub use proofs::schnorr::{SchnorrProof, Signature};

/// The version of the protocol this crate implements (`spec/crypto.md` §1).
pub const SPEC_VERSION: &str = "urna/v1";
