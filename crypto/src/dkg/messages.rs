//! The signed ceremony messages and their canonical encodings (spec/trustees.md §5).
//!
//! Every message is `tag ‖ election_id ‖ sender ‖ body ‖ signature`:
//!
//! - (M1) `tag` is the round (1–4), `election_id` 32 bytes, `sender` the
//!   trustee index; the encoding is exact (canonical points and scalars, no
//!   trailing bytes), so byte equality is message equality;
//! - (M2) `election_id` must be the ceremony's: a message from another
//!   election is a replay ([`Error::WrongElection`]);
//! - (M3) `1 ≤ sender ≤ n`;
//! - (M4) `signature` is a Schnorr signature (spec/crypto.md §5.2) over all
//!   bytes before it, under the sender's signing key `S` from its round-1
//!   message, on the context transcript (spec/trustees.md §3.1) with
//!   `purpose = message` and `trustee = sender`.
//!
//! A decoded message is *unverified*: the checks of each round run against
//! the other posted messages ([`super::ceremony`]) or through `verify`.

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::complaint::Complaint;
use super::identity::{TrusteeIdentity, TrusteeKeys};
use super::params::{read_election_id, ELECTION_ID_LEN};
use super::polynomial::{coefficient_base_transcript, coefficient_transcript};
use super::{context, CeremonyParams, EncryptedShare};
use crate::batch::{BatchVerifier, Item};
use crate::elgamal::PublicKey;
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, GroupElement, Reader, Writer};
use crate::proofs::schnorr::{SchnorrProof, Signature};

/// Most coefficient commitments a round-2 message may carry (`k ≤ 255`).
const MAX_COMMITMENTS: u32 = 255;
/// Most shares or complaints a message may carry (`n − 1 ≤ 254`).
const MAX_PEERS: u32 = 254;

/// What every signed ceremony message shares.
pub(crate) trait Signed {
    /// The round, also the message tag.
    const ROUND: u8;
    /// For error messages.
    const NAME: &'static str;
    /// The election id the message names.
    fn election_id(&self) -> &[u8; ELECTION_ID_LEN];
    /// The sender index the message names.
    fn sender(&self) -> u8;
    /// The signature.
    fn signature(&self) -> &Signature;
    /// Append everything after the header and before the signature.
    fn write_fields(&self, w: &mut Writer);

    /// The signed bytes: `tag ‖ election_id ‖ sender ‖ fields`.
    fn signed_bytes(&self) -> Vec<u8> {
        signed_bytes(Self::ROUND, self.election_id(), self.sender(), |w| {
            self.write_fields(w)
        })
    }

    /// The whole message.
    fn encode(&self) -> Vec<u8> {
        let mut out = self.signed_bytes();
        out.extend_from_slice(&self.signature().to_bytes());
        out
    }

    /// (M2), (M3).
    fn check_envelope(&self, params: &CeremonyParams) -> Result<()> {
        // spec/trustees.md §5.1 (M2)
        if self.election_id() != params.election_id() {
            return Err(Error::WrongElection { what: Self::NAME });
        }
        // spec/trustees.md §5.1 (M3)
        params
            .check_index(self.sender())
            .map_err(|_| self.invalid("sender index out of range"))
    }

    /// Add (M4) to a batch item.
    fn add_signature_to_batch(
        &self,
        params: &CeremonyParams,
        key: &PublicKey,
        item: &mut Item<'_>,
    ) {
        let mut t = signature_transcript(params, self.sender());
        self.signature()
            .add_to_batch(&mut t, key, &self.signed_bytes(), item);
    }

    /// (M4) on its own.
    fn verify_signature(&self, params: &CeremonyParams, key: &PublicKey) -> Result<()> {
        let mut t = signature_transcript(params, self.sender());
        self.signature()
            .verify(&mut t, key, &self.signed_bytes())
            .map_err(|_| Error::DkgSignatureInvalid {
                trustee: self.sender(),
                round: Self::ROUND,
            })
    }

    /// A structural error naming this message.
    fn invalid(&self, reason: &'static str) -> Error {
        Error::DkgMessageInvalid {
            trustee: self.sender(),
            round: Self::ROUND,
            reason,
        }
    }
}

/// The transcript of a message signature (spec/trustees.md §5.1 (M4)).
fn signature_transcript(params: &CeremonyParams, sender: u8) -> Transcript {
    context(params, b"message", sender)
}

/// Sign `signed_bytes` as trustee `sender`.
fn sign<R: RngCore + CryptoRng>(
    params: &CeremonyParams,
    keys: &TrusteeKeys,
    sender: u8,
    signed_bytes: &[u8],
    rng: &mut R,
) -> Signature {
    let mut t = signature_transcript(params, sender);
    Signature::sign(&mut t, keys.signing(), signed_bytes, rng)
}

/// `tag ‖ election_id ‖ sender ‖ fields`, the bytes a signature covers.
fn signed_bytes(
    round: u8,
    election_id: &[u8; ELECTION_ID_LEN],
    sender: u8,
    fields: impl FnOnce(&mut Writer),
) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(round).fixed(election_id).u8(sender);
    fields(&mut w);
    w.into_bytes()
}

/// Read `tag ‖ election_id ‖ sender`, checking the tag.
fn read_header(r: &mut Reader<'_>, round: u8) -> Result<([u8; ELECTION_ID_LEN], u8)> {
    if r.u8("message type")? != round {
        return Err(Error::Malformed {
            field: "message type",
        });
    }
    let id = read_election_id(r)?;
    let sender = r.u8("message sender")?;
    Ok((id, sender))
}

/// Read the signature; nothing may follow it (M1).
fn read_signature(mut r: Reader<'_>, what: &'static str) -> Result<Signature> {
    let sig = Signature::read(&mut r)?;
    r.finish(what)?;
    Ok(sig)
}

// ---------------------------------------------------------------- round 1

/// Round 1 (commit): the sender's identity and the hash of the coefficient
/// commitments it will reveal in round 2 (spec/trustees.md §5.2, §6).
///
/// **Encoding.** `0x01 ‖ election_id ‖ i ‖ S ‖ E ‖ pop_S ‖ pop_E ‖ h_i ‖ signature`,
/// 322 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round1Message {
    election_id: [u8; ELECTION_ID_LEN],
    identity: TrusteeIdentity,
    commitment_hash: [u8; 32],
    signature: Signature,
}

impl Signed for Round1Message {
    const ROUND: u8 = 1;
    const NAME: &'static str = "round-1 message";
    fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    fn sender(&self) -> u8 {
        self.identity.index()
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn write_fields(&self, w: &mut Writer) {
        write_round1_fields(w, &self.identity, &self.commitment_hash);
    }
}

fn write_round1_fields(w: &mut Writer, identity: &TrusteeIdentity, commitment_hash: &[u8; 32]) {
    identity.write_keys(w);
    w.fixed(commitment_hash);
}

impl Round1Message {
    /// Assemble and sign a round-1 message.
    ///
    /// # WARNING
    /// Checks nothing: honest trustees use [`super::Trustee::round1`]. This
    /// exists for tools and for tests that play a misbehaving trustee.
    pub fn sign_unchecked<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        identity: TrusteeIdentity,
        commitment_hash: [u8; 32],
        rng: &mut R,
    ) -> Self {
        let election_id = *params.election_id();
        let sender = identity.index();
        let bytes = signed_bytes(Self::ROUND, &election_id, sender, |w| {
            write_round1_fields(w, &identity, &commitment_hash)
        });
        Round1Message {
            election_id,
            signature: sign(params, keys, sender, &bytes, rng),
            identity,
            commitment_hash,
        }
    }

    /// The election id it names.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    /// The sender's index.
    pub fn sender(&self) -> u8 {
        self.identity.index()
    }
    /// The sender's identity.
    pub fn identity(&self) -> &TrusteeIdentity {
        &self.identity
    }
    /// `h_i` (spec/trustees.md §3.3 (H1)).
    pub fn commitment_hash(&self) -> &[u8; 32] {
        &self.commitment_hash
    }

    /// Check (M2)–(M4), then (I1), (I2), naming the first failure.
    pub fn verify(&self, params: &CeremonyParams) -> Result<()> {
        self.check_envelope(params)?;
        self.verify_signature(params, self.identity.signing_key())?;
        self.identity.verify(params)
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decode exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let (election_id, sender) = read_header(&mut r, Self::ROUND)?;
        let identity = TrusteeIdentity::read_keys(&mut r, sender)?;
        let mut commitment_hash = [0u8; 32];
        commitment_hash.copy_from_slice(r.take(32, "commitment hash")?);
        Ok(Round1Message {
            election_id,
            identity,
            commitment_hash,
            signature: read_signature(r, Self::NAME)?,
        })
    }
}

canonical_hex_serde!(Round1Message, "round-1 message");

// ---------------------------------------------------------------- round 2

/// Round 2 (reveal and deal): the coefficient commitments, a proof of
/// knowledge of each coefficient, and one encrypted share per other
/// trustee (spec/trustees.md §5.3, §7).
///
/// **Encoding.** `0x02 ‖ election_id ‖ i ‖ u32 k ‖ k × (C_l ‖ T_l ‖ z_l) ‖
/// u32 m ‖ m × share ‖ signature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round2Message {
    election_id: [u8; ELECTION_ID_LEN],
    sender: u8,
    /// `(C_l, proof of knowledge of a_l)`; decoding accepts the identity so
    /// that (C2) can name the dealer.
    coefficients: Vec<(GroupElement, SchnorrProof)>,
    shares: Vec<EncryptedShare>,
    signature: Signature,
}

impl Signed for Round2Message {
    const ROUND: u8 = 2;
    const NAME: &'static str = "round-2 message";
    fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    fn sender(&self) -> u8 {
        self.sender
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn write_fields(&self, w: &mut Writer) {
        write_round2_fields(w, &self.coefficients, &self.shares);
    }
}

fn write_round2_fields(
    w: &mut Writer,
    coefficients: &[(GroupElement, SchnorrProof)],
    shares: &[EncryptedShare],
) {
    w.u32(coefficients.len() as u32);
    for (c, p) in coefficients {
        w.element(c);
        p.write(w);
    }
    w.u32(shares.len() as u32);
    for s in shares {
        s.write(w);
    }
}

impl Round2Message {
    /// Assemble and sign a round-2 message.
    ///
    /// # WARNING
    /// Checks nothing: honest trustees use [`super::Trustee::round2`]. This
    /// exists for tools and for tests that play a misbehaving trustee.
    pub fn sign_unchecked<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        sender: u8,
        coefficients: Vec<(GroupElement, SchnorrProof)>,
        shares: Vec<EncryptedShare>,
        rng: &mut R,
    ) -> Self {
        let election_id = *params.election_id();
        let bytes = signed_bytes(Self::ROUND, &election_id, sender, |w| {
            write_round2_fields(w, &coefficients, &shares)
        });
        Round2Message {
            election_id,
            sender,
            signature: sign(params, keys, sender, &bytes, rng),
            coefficients,
            shares,
        }
    }

    /// The election id it names.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    /// The dealer's index.
    pub fn sender(&self) -> u8 {
        self.sender
    }
    /// The commitments with their proofs of knowledge.
    pub fn coefficients(&self) -> &[(GroupElement, SchnorrProof)] {
        &self.coefficients
    }
    /// The commitments `C_{i,0} … C_{i,k−1}`.
    pub fn commitments(&self) -> Vec<GroupElement> {
        self.coefficients.iter().map(|(c, _)| *c).collect()
    }
    /// The encrypted shares, by ascending recipient.
    pub fn shares(&self) -> &[EncryptedShare] {
        &self.shares
    }
    /// The share for `recipient`, if any.
    pub fn share_for(&self, recipient: u8) -> Option<&EncryptedShare> {
        self.shares.iter().find(|s| s.recipient() == recipient)
    }

    /// (C1)–(C3) and (E5): structure against the sender's round-1 message
    /// and the expected recipients (ascending, without the sender).
    pub(crate) fn check_structure(
        &self,
        params: &CeremonyParams,
        round1: &Round1Message,
        recipients: &[u8],
    ) -> Result<()> {
        let bad = |reason| Error::DkgCommitmentInvalid {
            trustee: self.sender,
            reason,
        };
        // spec/trustees.md §7.1 (C1)
        if self.coefficients.len() != usize::from(params.threshold()) {
            return Err(bad("the number of commitments is not the threshold k"));
        }
        // spec/trustees.md §7.1 (C2)
        if self.coefficients.iter().any(|(c, _)| c.is_identity()) {
            return Err(bad("a commitment is the identity (zero coefficient)"));
        }
        // spec/trustees.md §7.1 (C3)
        let h = super::commitment_hash(params, self.sender, &self.commitments());
        if &h != round1.commitment_hash() {
            return Err(bad("the commitments do not match the round-1 hash"));
        }
        // spec/trustees.md §7.3 (E5)
        if !self
            .shares
            .iter()
            .map(EncryptedShare::recipient)
            .eq(recipients.iter().copied())
        {
            return Err(self.invalid("the shares are not exactly one per other trustee"));
        }
        Ok(())
    }

    /// Add (C4) to a batch item. The caller checked (C1), (C2).
    pub(crate) fn add_proofs_to_batch(&self, params: &CeremonyParams, item: &mut Item<'_>) {
        let base = coefficient_base_transcript(params, self.sender, &self.commitments());
        for (l, (c, proof)) in self.coefficients.iter().enumerate() {
            match PublicKey::from_group_element(*c) {
                Ok(x) => proof.add_to_batch(&mut coefficient_transcript(&base, l), &x, item),
                Err(_) => item.fail(),
            }
        }
    }

    /// Check (M2)–(M4) under the sender's round-1 message, then (C1)–(C4)
    /// and (E5), naming the first failure. `recipients` are the other
    /// trustees whose round-1 messages were accepted, ascending.
    pub fn verify(
        &self,
        params: &CeremonyParams,
        round1: &Round1Message,
        recipients: &[u8],
    ) -> Result<()> {
        self.check_envelope(params)?;
        if round1.sender() != self.sender {
            return Err(self.invalid("checked against another trustee's round-1 message"));
        }
        self.verify_signature(params, round1.identity().signing_key())?;
        self.check_structure(params, round1, recipients)?;
        // spec/trustees.md §7.1 (C4)
        let mut b = BatchVerifier::new();
        self.add_proofs_to_batch(params, &mut b.item());
        b.vartime_check().map_err(|_| Error::DkgPopInvalid {
            trustee: self.sender,
            what: "coefficient proof of knowledge",
        })
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decode exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let (election_id, sender) = read_header(&mut r, Self::ROUND)?;
        let k = r.count(MAX_COMMITMENTS, "commitment count")?;
        let coefficients = (0..k)
            .map(|_| {
                let c = r.element_allow_identity("coefficient commitment")?;
                Ok((c, SchnorrProof::read(&mut r)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let m = r.count(MAX_PEERS, "share count")?;
        let shares = (0..m)
            .map(|_| EncryptedShare::read(&mut r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Round2Message {
            election_id,
            sender,
            coefficients,
            shares,
            signature: read_signature(r, Self::NAME)?,
        })
    }
}

canonical_hex_serde!(Round2Message, "round-2 message");

// ---------------------------------------------------------------- round 3

/// Round 3 (complaints): one complaint per dealer whose share failed, by
/// ascending dealer; an empty list accepts every share (spec/trustees.md §5.4, §8).
///
/// **Encoding.** `0x03 ‖ election_id ‖ j ‖ u32 m ‖ m × complaint ‖ signature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round3Message {
    election_id: [u8; ELECTION_ID_LEN],
    sender: u8,
    complaints: Vec<Complaint>,
    signature: Signature,
}

impl Signed for Round3Message {
    const ROUND: u8 = 3;
    const NAME: &'static str = "round-3 message";
    fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    fn sender(&self) -> u8 {
        self.sender
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn write_fields(&self, w: &mut Writer) {
        write_round3_fields(w, &self.complaints);
    }
}

fn write_round3_fields(w: &mut Writer, complaints: &[Complaint]) {
    w.u32(complaints.len() as u32);
    for c in complaints {
        c.write(w);
    }
}

impl Round3Message {
    /// Assemble and sign a round-3 message.
    ///
    /// # WARNING
    /// Checks nothing: honest trustees use [`super::Trustee::round3`]. This
    /// exists for tools and for tests that play a misbehaving trustee.
    pub fn sign_unchecked<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        sender: u8,
        complaints: Vec<Complaint>,
        rng: &mut R,
    ) -> Self {
        let election_id = *params.election_id();
        let bytes = signed_bytes(Self::ROUND, &election_id, sender, |w| {
            write_round3_fields(w, &complaints)
        });
        Round3Message {
            election_id,
            sender,
            signature: sign(params, keys, sender, &bytes, rng),
            complaints,
        }
    }

    /// The election id it names.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    /// The complainer's index.
    pub fn sender(&self) -> u8 {
        self.sender
    }
    /// The complaints, by ascending dealer.
    pub fn complaints(&self) -> &[Complaint] {
        &self.complaints
    }

    /// (K1): complaints by strictly ascending dealer, each one of `dealers`
    /// (the accepted dealers other than the sender).
    pub(crate) fn check_structure(&self, dealers: &[u8]) -> Result<()> {
        let mut last = 0u8;
        for c in &self.complaints {
            if c.dealer() <= last {
                return Err(self.invalid("complaints are not by strictly ascending dealer"));
            }
            if c.dealer() == self.sender || !dealers.contains(&c.dealer()) {
                return Err(self.invalid("a complaint names a trustee that dealt no share"));
            }
            last = c.dealer();
        }
        Ok(())
    }

    /// Check (M2)–(M4) under the sender's signing key, then (K1). The
    /// complaints themselves are judged with the dealers' messages
    /// ([`Complaint::verify`]).
    pub fn verify(
        &self,
        params: &CeremonyParams,
        signing_key: &PublicKey,
        dealers: &[u8],
    ) -> Result<()> {
        self.check_envelope(params)?;
        self.verify_signature(params, signing_key)?;
        // spec/trustees.md §8.2 (K1)
        self.check_structure(dealers)
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decode exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let (election_id, sender) = read_header(&mut r, Self::ROUND)?;
        let m = r.count(MAX_PEERS, "complaint count")?;
        let complaints = (0..m)
            .map(|_| Complaint::read(&mut r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Round3Message {
            election_id,
            sender,
            complaints,
            signature: read_signature(r, Self::NAME)?,
        })
    }
}

canonical_hex_serde!(Round3Message, "round-3 message");

// ---------------------------------------------------------------- round 4

/// Round 4 (certification): the sender's signature on the transcript hash
/// and the joint key it derived (spec/trustees.md §5.5, §11).
///
/// **Encoding.** `0x04 ‖ election_id ‖ j ‖ transcript_hash ‖ K ‖ signature`, 162 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round4Message {
    election_id: [u8; ELECTION_ID_LEN],
    sender: u8,
    transcript_hash: [u8; 32],
    joint_key: PublicKey,
    signature: Signature,
}

impl Signed for Round4Message {
    const ROUND: u8 = 4;
    const NAME: &'static str = "round-4 message";
    fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    fn sender(&self) -> u8 {
        self.sender
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn write_fields(&self, w: &mut Writer) {
        write_round4_fields(w, &self.transcript_hash, &self.joint_key);
    }
}

fn write_round4_fields(w: &mut Writer, transcript_hash: &[u8; 32], joint_key: &PublicKey) {
    w.fixed(transcript_hash).element(joint_key.element());
}

impl Round4Message {
    /// Assemble and sign a certificate.
    ///
    /// # WARNING
    /// Checks nothing: honest trustees use [`super::Trustee::round4`].
    pub fn sign_unchecked<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        sender: u8,
        transcript_hash: [u8; 32],
        joint_key: PublicKey,
        rng: &mut R,
    ) -> Self {
        let election_id = *params.election_id();
        let bytes = signed_bytes(Self::ROUND, &election_id, sender, |w| {
            write_round4_fields(w, &transcript_hash, &joint_key)
        });
        Round4Message {
            election_id,
            sender,
            signature: sign(params, keys, sender, &bytes, rng),
            transcript_hash,
            joint_key,
        }
    }

    /// The election id it names.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    /// The certifying trustee.
    pub fn sender(&self) -> u8 {
        self.sender
    }
    /// The transcript hash it certifies (spec/trustees.md §3.4 (H2)).
    pub fn transcript_hash(&self) -> &[u8; 32] {
        &self.transcript_hash
    }
    /// The joint election key it certifies.
    pub fn joint_key(&self) -> &PublicKey {
        &self.joint_key
    }

    /// Check (M2)–(M4) under the sender's signing key.
    pub fn verify(&self, params: &CeremonyParams, signing_key: &PublicKey) -> Result<()> {
        self.check_envelope(params)?;
        self.verify_signature(params, signing_key)
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decode exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let (election_id, sender) = read_header(&mut r, Self::ROUND)?;
        let mut transcript_hash = [0u8; 32];
        transcript_hash.copy_from_slice(r.take(32, "transcript hash")?);
        let joint_key = PublicKey::from_group_element(r.element("joint key")?)?;
        Ok(Round4Message {
            election_id,
            sender,
            transcript_hash,
            joint_key,
            signature: read_signature(r, Self::NAME)?,
        })
    }
}

canonical_hex_serde!(Round4Message, "round-4 message");

// ---------------------------------------------------------------- any message

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
            CeremonyMessage::Round1(_) => Round1Message::ROUND,
            CeremonyMessage::Round2(_) => Round2Message::ROUND,
            CeremonyMessage::Round3(_) => Round3Message::ROUND,
            CeremonyMessage::Round4(_) => Round4Message::ROUND,
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
