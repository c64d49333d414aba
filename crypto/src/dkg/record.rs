//! Any ceremony message, told apart by its tag, and the record of the
//! messages posted so far (spec/trustees.md §5). The formats themselves are
//! in [`super::messages`].

use super::messages::{
    MessageBody, Round1Body, Round1Message, Round2Body, Round2Message, Round3Body, Round3Message,
    Round4Body, Round4Message,
};
use crate::error::{Error, Result};
use crate::group::canonical_hex_serde;

/// Any ceremony message, told apart by its tag (for a board entry or a file).
// A ceremony has a few dozen messages: boxing the large variants would cost
// every caller a dereference for no measurable saving.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CeremonyMessage {
    /// Round 1: commit.
    Round1(Round1Message),
    /// Round 2: reveal and deal.
    Round2(Round2Message),
    /// Round 3: complaints.
    Round3(Round3Message),
    /// Round 4: certification.
    Round4(Round4Message),
}

impl CeremonyMessage {
    /// The round (the tag).
    pub fn round(&self) -> u8 {
        match self {
            CeremonyMessage::Round1(_) => Round1Body::ROUND,
            CeremonyMessage::Round2(_) => Round2Body::ROUND,
            CeremonyMessage::Round3(_) => Round3Body::ROUND,
            CeremonyMessage::Round4(_) => Round4Body::ROUND,
        }
    }

    /// The sender it names.
    pub fn sender(&self) -> u8 {
        match self {
            CeremonyMessage::Round1(m) => m.sender(),
            CeremonyMessage::Round2(m) => m.sender(),
            CeremonyMessage::Round3(m) => m.sender(),
            CeremonyMessage::Round4(m) => m.sender(),
        }
    }

    /// The canonical encoding of the message.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            CeremonyMessage::Round1(m) => m.to_bytes(),
            CeremonyMessage::Round2(m) => m.to_bytes(),
            CeremonyMessage::Round3(m) => m.to_bytes(),
            CeremonyMessage::Round4(m) => m.to_bytes(),
        }
    }

    /// Decode a message of any round by its first byte.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        match bytes.first() {
            Some(1) => Round1Message::from_bytes(bytes).map(CeremonyMessage::Round1),
            Some(2) => Round2Message::from_bytes(bytes).map(CeremonyMessage::Round2),
            Some(3) => Round3Message::from_bytes(bytes).map(CeremonyMessage::Round3),
            Some(4) => Round4Message::from_bytes(bytes).map(CeremonyMessage::Round4),
            Some(_) => Err(Error::Malformed {
                field: "message type",
            }),
            None => Err(Error::Truncated {
                field: "message type",
            }),
        }
    }
}

canonical_hex_serde!(CeremonyMessage, "ceremony message");

/// The messages posted so far, as read from a board or a folder of files.
/// Unverified: every function that reads a record checks what it uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CeremonyRecord {
    /// Round-1 messages.
    pub round1: Vec<Round1Message>,
    /// Round-2 messages.
    pub round2: Vec<Round2Message>,
    /// Round-3 messages.
    pub round3: Vec<Round3Message>,
    /// Round-4 messages.
    pub round4: Vec<Round4Message>,
}

impl CeremonyRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// File a message under its round.
    pub fn push(&mut self, m: CeremonyMessage) {
        match m {
            CeremonyMessage::Round1(m) => self.round1.push(m),
            CeremonyMessage::Round2(m) => self.round2.push(m),
            CeremonyMessage::Round3(m) => self.round3.push(m),
            CeremonyMessage::Round4(m) => self.round4.push(m),
        }
    }
}
