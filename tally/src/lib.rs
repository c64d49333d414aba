//! Urna's independent verifier: the auditor's tool.
//!
//! This crate shares only `urna-crypto` (and, later, the record format)
//! with the board: a bug in the board cannot hide itself from the audit.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod board_client;
pub mod ceremony;
pub mod cli;
pub mod evidence;
pub mod report;
pub mod treehead;
pub mod verify;
