//! Urna's development tools: everything that plays every role of an
//! election in one process, for tests, benchmarks and demonstrations.
//! Nothing here is used to run or check a real election, and none of it is
//! a dependency of the verifier (`tally`), which only tests with it.
//!
//! - [`sample`]: complete election records (the sample record in
//!   `spec/samples/`, the records of the board's and verifier's tests, the
//!   verifier benchmark's records): `urna-sim sample`;
//! - [`mutants`]: tampered records, one per verification check, replayed
//!   by the verifier's mutant suite and the board's differential test;
//! - [`conformance`]: the verifier conformance suite of `spec/conformance/`
//!   (records with their expected verdicts and failures): `urna-sim conformance`;
//! - [`demo`]: the end-to-end crypto demo, `urna-sim demo`;
//! - [`bench`](mod@bench): the Urna side of `bench/run`, `urna-sim bench-encrypt`;
//! - [`bench_tally`]: decrypting a tally at the largest allowed bound, `urna-sim bench-tally`.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bench;
pub mod bench_tally;
pub mod conformance;
pub mod demo;
pub mod mutants;
pub mod sample;
