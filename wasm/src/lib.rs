//! Thin browser bindings of `voter-client` (filled by the voter-client issue).
//! This crate holds no cryptography of its own.
#![forbid(unsafe_code)]
