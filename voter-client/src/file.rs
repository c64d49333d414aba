//! Sealed ballot files (`spec/client.md` §5): a cast ballot packed with
//! everything needed to submit it later, by anyone, to any board or mirror
//! of the election. The file holds no secret: the board checks the ballot,
//! not the messenger.
//!
//! ```text
//! file    = "URNA-BALLOT/v1\n"                 15 bytes
//!         ‖ str(64) election_id                 (spec/record.md §2.1)
//!         ‖ bytes32 fingerprint                 (spec/record.md (H4))
//!         ‖ BE32(len) ‖ ballot                  len ≤ 1,048,576 (spec/record.md §5.1)
//! text    = "URNA-BALLOT/V1:" ‖ base45(file without its first 15 bytes)
//! ```
//!
//! The text form (RFC 9285 base45) uses only the characters of a QR
//! code's alphanumeric mode, so it is also the QR payload when it fits.

use urna_crypto::group::{Reader, Writer};
use urna_election::ballot::MAX_BALLOT_BYTES;
use urna_election::codec::{read_str, write_str};
use urna_election::{EncryptedBallot, Entry, Hash32, TrackingCode};

use crate::election::Election;
use crate::error::{ClientError, Result};
use crate::receipt::{BoardReceipt, CastReceipt, RECEIPT_FORMAT};
use crate::BoardApi;

/// The first bytes of a ballot file.
pub const FILE_MAGIC: &[u8; 15] = b"URNA-BALLOT/v1\n";
/// The prefix of the text (and QR) form.
pub const TEXT_PREFIX: &str = "URNA-BALLOT/V1:";
/// Most characters of a QR payload: a version 40 QR code at error
/// correction level M holds 3,391 alphanumeric characters.
pub const QR_MAX_CHARS: usize = 3391;

const WHAT: &str = "ballot file";

/// A sealed ballot on its way to a board: the ballot and its election,
/// without the encryption randomness. Made by
/// [`crate::SealedBallot::into_ballot_file`] (which gives up the chance
/// to audit) or read from a file; submitting the same file twice is
/// idempotent (docs/attacks.md B3, G8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotFile {
    election_id: String,
    ballot: EncryptedBallot,
}

impl BallotFile {
    pub(crate) fn new(election_id: String, ballot: EncryptedBallot) -> Self {
        BallotFile {
            election_id,
            ballot,
        }
    }

    /// A sealed ballot file for an already encrypted ballot (tools that
    /// relay ballots, tests). The ballot is not verified here: call
    /// [`BallotFile::verify`] with the election.
    pub fn from_ballot(election_id: &str, ballot: EncryptedBallot) -> Result<Self> {
        if !urna_election::manifest::valid_id(election_id) {
            return Err(ClientError::format(WHAT, "the election id is not valid"));
        }
        Ok(Self::new(election_id.to_string(), ballot))
    }

    /// The election id (where to submit it: `spec/api.md`).
    pub fn election_id(&self) -> &str {
        &self.election_id
    }

    /// The election fingerprint the ballot is for.
    pub fn fingerprint(&self) -> Hash32 {
        self.ballot.fingerprint()
    }

    /// The ballot.
    pub fn ballot(&self) -> &EncryptedBallot {
        &self.ballot
    }

    /// Its tracking code.
    pub fn tracking_code(&self) -> TrackingCode {
        self.ballot.tracking_code()
    }

    /// The log entry a board appends (`spec/record.md` §6.1, tag 5).
    pub fn entry_bytes(&self) -> Vec<u8> {
        Entry::Ballot(self.ballot.clone()).to_bytes()
    }

    /// The binary file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = FILE_MAGIC.to_vec();
        out.extend_from_slice(&self.body());
        out
    }

    fn body(&self) -> Vec<u8> {
        let mut w = Writer::new();
        write_str(&mut w, &self.election_id);
        w.fixed(&self.ballot.fingerprint().0);
        w.var_bytes(&self.ballot.to_bytes());
        w.into_bytes()
    }

    fn from_body(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body);
        let election_id = read_str(&mut r, 64, "election_id")?;
        if !urna_election::manifest::valid_id(&election_id) {
            return Err(ClientError::format(WHAT, "the election id is not valid"));
        }
        let mut fp = [0u8; 32];
        fp.copy_from_slice(r.take(32, "fingerprint")?);
        let ballot = EncryptedBallot::from_bytes(r.var_bytes(MAX_BALLOT_BYTES, "ballot")?)?;
        r.finish("ballot file")?;
        if ballot.fingerprint().0 != fp {
            return Err(ClientError::WrongElection(
                "the file's fingerprint differs from its ballot's".into(),
            ));
        }
        Ok(BallotFile {
            election_id,
            ballot,
        })
    }

    /// Read a ballot file in either form (binary, or the text form with
    /// surrounding whitespace).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if let Some(body) = bytes.strip_prefix(FILE_MAGIC.as_slice()) {
            return Self::from_body(body);
        }
        match core::str::from_utf8(bytes) {
            Ok(s) if s.trim_start().starts_with(TEXT_PREFIX) => Self::from_text(s),
            _ => Err(ClientError::format(
                WHAT,
                "not an Urna ballot file of format version 1",
            )),
        }
    }

    /// The text form (`URNA-BALLOT/V1:` and base45).
    pub fn to_text(&self) -> String {
        format!("{TEXT_PREFIX}{}", base45_encode(&self.body()))
    }

    /// Read the text form.
    pub fn from_text(s: &str) -> Result<Self> {
        let s = s.trim();
        let payload = s.strip_prefix(TEXT_PREFIX).ok_or_else(|| {
            ClientError::format(WHAT, "the text does not start with URNA-BALLOT/V1:")
        })?;
        let body = base45_decode(payload)
            .ok_or_else(|| ClientError::format(WHAT, "the text is not valid base45"))?;
        Self::from_body(&body)
    }

    /// The QR-code payload (the text form), when it fits one QR code
    /// (at most [`QR_MAX_CHARS`], alphanumeric mode).
    pub fn qr_payload(&self) -> Option<String> {
        let t = self.to_text();
        (t.len() <= QR_MAX_CHARS).then_some(t)
    }

    /// Check the ballot against a loaded election (`spec/record.md` §5.3
    /// (V1)–(V5)), as the board will.
    pub fn verify(&self, election: &Election) -> Result<()> {
        if self.election_id != election.manifest().election_id {
            return Err(ClientError::WrongElection(format!(
                "the file is for election `{}`, not `{}`",
                self.election_id,
                election.manifest().election_id
            )));
        }
        Ok(self.ballot.verify(election.context())?)
    }

    /// Submit to a board and check its receipt against the board key
    /// (from the election bundle, else the board's own answer).
    pub fn submit<B: BoardApi + ?Sized>(
        &self,
        board: &B,
        election: &Election,
    ) -> Result<CastReceipt> {
        let answer = board.submit_ballot(&self.election_id, &self.entry_bytes())?;
        let key = match election.board_key() {
            Some(k) => *k,
            None => board.board_key()?,
        };
        self.accept_receipt(election, answer, &key)
    }

    /// [`BallotFile::accept_receipt`] for an answer and a board key as
    /// received (JSON text, hex), as the page gets them from `fetch`.
    pub fn accept_receipt_json(
        &self,
        election: &Election,
        answer_json: &str,
        board_key_hex: &str,
    ) -> Result<CastReceipt> {
        let answer: BoardReceipt = serde_json::from_str(answer_json)
            .map_err(|e| ClientError::format("board answer", e.to_string()))?;
        let key = urna_crypto::group::hex_decode(board_key_hex, "board key")?;
        let key = urna_log::BoardPublicKey::from_bytes(&key)?;
        self.accept_receipt(election, answer, &key)
    }

    /// Check a board's answer to this ballot's submission (the transport
    /// ran elsewhere, e.g. in the page's JavaScript) and make the receipt.
    pub fn accept_receipt(
        &self,
        election: &Election,
        answer: BoardReceipt,
        board_key: &urna_log::BoardPublicKey,
    ) -> Result<CastReceipt> {
        if self.ballot.fingerprint() != election.fingerprint() {
            return Err(ClientError::WrongElection(
                "the ballot is not for this election".into(),
            ));
        }
        let code = self.tracking_code();
        let manifest_hash = election.manifest().hash();
        crate::receipt::check_board_receipt(
            &answer,
            board_key,
            &self.entry_bytes(),
            &manifest_hash,
            Some(&code),
        )?;
        Ok(CastReceipt {
            format: RECEIPT_FORMAT.into(),
            election: self.election_id.clone(),
            fingerprint: election.fingerprint(),
            manifest_hash,
            tracking_code: code,
            short_code: code.short(),
            board_key: *board_key,
            ballot: hex::encode(self.ballot.to_bytes()),
            board: answer,
        })
    }
}

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// RFC 9285 base45.
pub fn base45_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    for chunk in bytes.chunks(2) {
        let (mut n, digits) = match chunk {
            [a, b] => (u32::from(*a) * 256 + u32::from(*b), 3),
            [a] => (u32::from(*a), 2),
            _ => continue,
        };
        for _ in 0..digits {
            out.push(BASE45[(n % 45) as usize] as char);
            n /= 45;
        }
    }
    out
}

/// RFC 9285 base45; `None` for characters outside the alphabet, a
/// dangling character, or a group whose value does not fit its bytes.
pub fn base45_decode(s: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> = s
        .bytes()
        .map(|c| BASE45.iter().position(|&a| a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(values.len() / 3 * 2 + 1);
    for chunk in values.chunks(3) {
        match chunk {
            [c, d, e] => {
                let n = c + d * 45 + e * 45 * 45;
                if n > 0xffff {
                    return None;
                }
                out.push((n >> 8) as u8);
                out.push((n & 0xff) as u8);
            }
            [c, d] => {
                let n = c + d * 45;
                if n > 0xff {
                    return None;
                }
                out.push(n as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base45_rfc9285_examples() {
        assert_eq!(base45_encode(b"AB"), "BB8");
        assert_eq!(base45_encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(base45_encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(base45_decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(base45_decode("GGW"), None); // 65536 + …: too large
        assert_eq!(base45_decode("A"), None);
        assert_eq!(base45_decode("a"), None);
    }

    proptest! {
        #[test]
        fn base45_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(base45_decode(&base45_encode(&bytes)), Some(bytes));
        }
    }
}
