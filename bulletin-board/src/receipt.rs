//! What a client keeps: the board's signed promise and the receipt around
//! it (`spec/api.md` §4). The codec is the wire crate's (`urna_api`), the
//! same one every client checks receipts with; the board signs promises
//! with [`Promise::sign`]. A voter holding a promise whose entry is
//! missing from the log, or present at another index, holds transferable
//! proof of the board's misbehaviour (docs/attacks.md E7).

pub use urna_api::{
    Promise, PromiseError, Receipt, ReceiptError, PROMISE_BODY_LEN, PROMISE_LABEL, PROMISE_LEN,
};
