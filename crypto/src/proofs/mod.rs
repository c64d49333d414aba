//! Zero-knowledge proofs and signatures (spec §5).
//!
//! Every proof is in *commitment form* (the prover's commitments are sent,
//! not the challenge), so that verifiers can batch them ([`crate::batch`]).

pub mod bulletproof_range;
pub mod decryption;
pub mod disjunctive;
pub mod range;
pub mod schnorr;
