//! # urna-api
//!
//! The board's wire format, shared by the board, its mirrors, the voter
//! client (also in the browser), the trustee and organizer tools and the
//! auditor's `tally fetch`: one definition of each thing that crosses the
//! network (`spec/api.md`).
//!
//! - [`ErrorCode`]: every stable error code with its HTTP status, and the
//!   JSON [`ErrorBody`] of a refusal (§3);
//! - [`Promise`] and [`Receipt`]: the board's signed promise and the
//!   receipt around it, with their checks (§4);
//! - [`wire`]: the JSON answers the clients read (entries, heads, proofs);
//! - `openapi` (feature `openapi`): the pieces of the board's generated
//!   OpenAPI document that belong to the wire format (error responses);
//! - `client::BoardClient` (feature `client`): the one blocking HTTP
//!   client of the board's API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "client")]
pub mod client;
mod code;
#[cfg(feature = "openapi")]
pub mod openapi;
mod promise;
pub mod wire;

pub use code::{ErrorBody, ErrorCode};
pub use promise::{
    Promise, PromiseError, Receipt, ReceiptError, PROMISE_BODY_LEN, PROMISE_LABEL, PROMISE_LEN,
};
