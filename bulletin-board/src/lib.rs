//! Urna's bulletin board. The server, storage and Merkle log arrive with
//! the board issue; this crate already depends only on `urna-crypto`, as
//! DESIGN.md's dependency arrows require.
#![forbid(unsafe_code)]
