//! The board client of the command-line tools is the wire crate's one
//! client (`urna_api::client`): trustees post their ceremony messages and
//! shares and fetch the others', auditors and trustees download the
//! record (`tally fetch`), the organizer's tool posts the lifecycle
//! entries. It only moves bytes: the record is verified by
//! [`crate::verify`].

pub use urna_api::client::{
    board_url, entry_path, Answer, BoardClient, ClientError as BoardError, BOARD_ENV,
    DEFAULT_BOARD, MAX_RECORD,
};
