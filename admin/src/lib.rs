//! `urna`: the organizer's and credential authority's tool.
//!
//! Organizers are volunteers, not cryptographers: every command explains
//! what it did and what to do next, and every error says where and what.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod authority;
pub mod credentials;
pub mod definition;
pub mod demo;
pub mod error;
pub mod keyfile;
pub mod organizer;
