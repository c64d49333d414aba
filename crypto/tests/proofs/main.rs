//! Every proof type end to end: round trip through the canonical encoding,
//! tampering with each field, statement changes, and the attack cases of
//! docs/attacks.md sections A and B that apply to proofs (A4, A5, A6, A9, A13, A14, B1, B5).
#![allow(non_snake_case, clippy::unwrap_used, clippy::expect_used)]

mod attacks;
mod binding;
#[path = "../common/mod.rs"]
mod common;
mod encoding;
mod statement;

use common::*;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use urna_crypto::proofs::disjunctive::DisjunctiveProof;
use urna_crypto::proofs::schnorr::{POK_LABEL, SIGNATURE_LABEL};
use urna_crypto::transcript::TranscriptProtocol;
use urna_crypto::{
    Ciphertext, ContestBounds, DecryptionShare, EncryptedContest, Error, PublicKey, RangeProof,
    SchnorrProof, Signature,
};

const SCHNORR: &str = "schnorr pok";
const SIGNATURE: &str = "signature";
const DECRYPTION: &str = "decryption share";
const DISJ01: &str = "disjunctive [0,1]";
const DISJ14: &str = "disjunctive [1,4]";
const BP255: &str = "bulletproof [0,255]";
const BP3_1000: &str = "bulletproof [3,1000]";
const APPROVAL: &str = "contest approval 3 options, total [1,2]";
const SCORE: &str = "contest score 1 option [0,20], total [1,20]";
