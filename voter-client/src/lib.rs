//! Urna's voter client library (filled by the voter-client issue). It is
//! shared by the `urna-vote` CLI and the `wasm/` voting page.
#![forbid(unsafe_code)]
