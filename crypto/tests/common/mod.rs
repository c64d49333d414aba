//! Shared fixtures of the `urna-crypto` integration tests.
//!
//! - [`insecure_deterministic_rng`]: the only randomness the tests use.
//! - [`cases`]: one valid instance of every proof type, with its statement.
//! - [`Statement`]: decode + verify any encoding against a statement, and
//!   every "one element changed" variant of that statement.
//! - Byte layouts of every encoding ([`Field`], [`layout`]) and the
//!   layout-aware tampering helper [`tamper`].
//! - RFC 9496 Appendix A vectors.
//! - [`RefTranscript`] and reference provers written from the transcript
//!   tables in the module docs of `crypto/src/proofs/*.rs`, used to build
//!   mutant provers (a statement element left out of the transcript).
#![allow(
    dead_code,
    non_snake_case,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use urna_crypto::group::generator_h;
use urna_crypto::{
    BatchVerifier, Ciphertext, ContestBounds, DecryptionShare, EncryptedContest, Error, PublicKey,
    RangeProof, SchnorrProof, SecretKey, Signature,
};

mod fixtures;
mod layouts;
mod reference;
mod rfc9496;
mod statements;

// Each test binary uses some of these; the rest would warn as unused.
#[allow(unused_imports)]
pub use fixtures::*;
#[allow(unused_imports)]
pub use layouts::*;
#[allow(unused_imports)]
pub use reference::*;
#[allow(unused_imports)]
pub use rfc9496::*;
#[allow(unused_imports)]
pub use statements::*;

// ---------------------------------------------------------------------------
// Randomness and small helpers
// ---------------------------------------------------------------------------

/// A seeded ChaCha20 RNG. Tests only: every run draws the same values.
pub fn insecure_deterministic_rng(seed: u64) -> ChaCha20Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(b"urnatest");
    ChaCha20Rng::from_seed(s)
}

/// The basepoint `G`.
pub fn g() -> RistrettoPoint {
    RISTRETTO_BASEPOINT_POINT
}

/// `m·G`.
pub fn mg(m: u64) -> RistrettoPoint {
    g() * Scalar::from(m)
}

/// Decompress 32 bytes that are known to be a valid encoding.
pub fn point_at(bytes: &[u8], at: usize) -> RistrettoPoint {
    let mut a = [0u8; 32];
    a.copy_from_slice(&bytes[at..at + 32]);
    CompressedRistretto(a).decompress().expect("a valid point")
}

/// Read a canonical scalar.
pub fn scalar_at(bytes: &[u8], at: usize) -> Scalar {
    let mut a = [0u8; 32];
    a.copy_from_slice(&bytes[at..at + 32]);
    Option::from(Scalar::from_canonical_bytes(a)).expect("a canonical scalar")
}

/// Overwrite 32 bytes at `at`.
pub fn put(bytes: &mut [u8], at: usize, v: &[u8; 32]) {
    bytes[at..at + 32].copy_from_slice(v);
}

/// A public key for a point (panics on the identity).
pub fn pk_of(p: RistrettoPoint) -> PublicKey {
    PublicKey::from_bytes(p.compress().as_bytes()).unwrap()
}

/// A ciphertext from two points (panics on the identity).
pub fn ct_of(alpha: RistrettoPoint, beta: RistrettoPoint) -> Ciphertext {
    let mut b = alpha.compress().to_bytes().to_vec();
    b.extend_from_slice(beta.compress().as_bytes());
    Ciphertext::from_bytes(&b).unwrap()
}

/// A secret key from a small integer.
pub fn sk_of(x: u64) -> SecretKey {
    SecretKey::from_bytes(Scalar::from(x).as_bytes()).unwrap()
}

// ---------------------------------------------------------------------------
// Application contexts (spec §7.2: the application puts these first)
// ---------------------------------------------------------------------------

/// The context of a ballot's contest: election, voter credential, contest index.
pub fn context(election: &[u8], credential: &[u8], contest: u64) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test-ballot");
    t.append_message(b"election", election);
    t.append_message(b"credential", credential);
    t.append_u64(b"contest", contest);
    t
}

/// The base context used by the fixtures.
pub fn base_context() -> Transcript {
    context(b"election-1", b"credential-A", 0)
}

/// The transcript the contest code derives for option `i` (spec §7.2).
pub fn option_context(base: &Transcript, i: u64) -> Transcript {
    let mut t = base.clone();
    t.append_message(b"part", b"option");
    t.append_u64(b"index", i);
    t
}

/// A trustee's decryption context: election, trustee index, tally entry.
pub fn trustee_context(election: &[u8], trustee: u64, entry: u64) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test-tally");
    t.append_message(b"election", election);
    t.append_u64(b"trustee", trustee);
    t.append_u64(b"entry", entry);
    t
}
