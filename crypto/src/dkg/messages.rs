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
//!
//! The four messages differ only in their body, the fields between the
//! header `tag ‖ election_id ‖ sender` and the signature: the framing
//! ([`SignedMessage`]) is written once, generic over the body
//! ([`MessageBody`]), and each round adds its body, its accessors and its
//! checks.

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

// ---------------------------------------------------------------- framing

// A generic, not a macro: what varies by round is data (a tag, a name, a
// body codec), which a trait carries, so the framing is ordinary code the
// compiler checks once and a reader reads once; a macro would paste four
// copies to check and expand in one's head. The round-specific
// constructors, accessors and checks stay plain `impl SignedMessage<RoundNBody>`
// blocks.

/// The round-specific part of a ceremony message: the fields between the
/// header `tag ‖ election_id ‖ sender` and the signature.
pub trait MessageBody: Sized {
    /// The round, also the message tag.
    const ROUND: u8;
    /// For error messages.
    const NAME: &'static str;
    /// Append the body.
    fn write(&self, w: &mut Writer);
    /// Read the body of a message from `sender`.
    fn read(r: &mut Reader<'_>, sender: u8) -> Result<Self>;
}

/// A signed ceremony message: `tag ‖ election_id ‖ sender ‖ body ‖
/// signature`, the tag being `B::ROUND`. Named by round:
/// [`Round1Message`] … [`Round4Message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage<B> {
    election_id: [u8; ELECTION_ID_LEN],
    sender: u8,
    body: B,
    signature: Signature,
}

/// `tag ‖ election_id ‖ sender ‖ body`, the bytes a signature covers.
fn signed_bytes<B: MessageBody>(
    election_id: &[u8; ELECTION_ID_LEN],
    sender: u8,
    body: &B,
) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(B::ROUND).fixed(election_id).u8(sender);
    body.write(&mut w);
    w.into_bytes()
}

/// The transcript of a message signature (spec/trustees.md §5.1 (M4)).
fn signature_transcript(params: &CeremonyParams, sender: u8) -> Transcript {
    context(params, b"message", sender)
}

impl<B: MessageBody> SignedMessage<B> {
    /// Assemble `body` as trustee `sender` of this ceremony and sign it (M4).
    fn sign<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        sender: u8,
        body: B,
        rng: &mut R,
    ) -> Self {
        let election_id = *params.election_id();
        let bytes = signed_bytes(&election_id, sender, &body);
        let mut t = signature_transcript(params, sender);
        let signature = Signature::sign(&mut t, keys.signing(), &bytes, rng);
        SignedMessage {
            election_id,
            sender,
            body,
            signature,
        }
    }

    /// The election id it names.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }
    /// The sender's index.
    pub fn sender(&self) -> u8 {
        self.sender
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = signed_bytes(&self.election_id, self.sender, &self.body);
        out.extend_from_slice(&self.signature.to_bytes());
        out
    }

    /// Decode exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8("message type")? != B::ROUND {
            return Err(Error::Malformed {
                field: "message type",
            });
        }
        let election_id = read_election_id(&mut r)?;
        let sender = r.u8("message sender")?;
        let body = B::read(&mut r, sender)?;
        let signature = Signature::read(&mut r)?;
        // (M1): nothing may follow the signature.
        r.finish(B::NAME)?;
        Ok(SignedMessage {
            election_id,
            sender,
            body,
            signature,
        })
    }

    /// (M2), (M3).
    pub(crate) fn check_envelope(&self, params: &CeremonyParams) -> Result<()> {
        // spec/trustees.md §5.1 (M2)
        if &self.election_id != params.election_id() {
            return Err(Error::WrongElection { what: B::NAME });
        }
        // spec/trustees.md §5.1 (M3)
        params
            .check_index(self.sender)
            .map_err(|_| self.invalid("sender index out of range"))
    }

    /// Add (M4) to a batch item.
    pub(crate) fn add_signature_to_batch(
        &self,
        params: &CeremonyParams,
        key: &PublicKey,
        item: &mut Item<'_>,
    ) {
        let mut t = signature_transcript(params, self.sender);
        let bytes = signed_bytes(&self.election_id, self.sender, &self.body);
        self.signature.add_to_batch(&mut t, key, &bytes, item);
    }

    /// (M4) on its own.
    pub(crate) fn verify_signature(&self, params: &CeremonyParams, key: &PublicKey) -> Result<()> {
        let mut t = signature_transcript(params, self.sender);
        let bytes = signed_bytes(&self.election_id, self.sender, &self.body);
        self.signature
            .verify(&mut t, key, &bytes)
            .map_err(|_| Error::DkgSignatureInvalid {
                trustee: self.sender,
                round: B::ROUND,
            })
    }

    /// A structural error naming this message.
    pub(crate) fn invalid(&self, reason: &'static str) -> Error {
        Error::DkgMessageInvalid {
            trustee: self.sender,
            round: B::ROUND,
            reason,
        }
    }
}

// ---------------------------------------------------------------- round 1

/// Round 1 (commit): the sender's identity and the hash of the coefficient
/// commitments it will reveal in round 2 (spec/trustees.md §5.2, §6).
///
/// **Encoding.** `0x01 ‖ election_id ‖ i ‖ S ‖ E ‖ pop_S ‖ pop_E ‖ h_i ‖ signature`,
/// 322 bytes.
pub type Round1Message = SignedMessage<Round1Body>;

/// The body of a [`Round1Message`]: `S ‖ E ‖ pop_S ‖ pop_E ‖ h_i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round1Body {
    identity: TrusteeIdentity,
    commitment_hash: [u8; 32],
}

impl MessageBody for Round1Body {
    const ROUND: u8 = 1;
    const NAME: &'static str = "round-1 message";
    fn write(&self, w: &mut Writer) {
        self.identity.write_keys(w);
        w.fixed(&self.commitment_hash);
    }
    fn read(r: &mut Reader<'_>, sender: u8) -> Result<Self> {
        let identity = TrusteeIdentity::read_keys(r, sender)?;
        let mut commitment_hash = [0u8; 32];
        commitment_hash.copy_from_slice(r.take(32, "commitment hash")?);
        Ok(Round1Body {
            identity,
            commitment_hash,
        })
    }
}

impl SignedMessage<Round1Body> {
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
        let sender = identity.index();
        let body = Round1Body {
            identity,
            commitment_hash,
        };
        Self::sign(params, keys, sender, body, rng)
    }

    /// The sender's identity.
    pub fn identity(&self) -> &TrusteeIdentity {
        &self.body.identity
    }
    /// `h_i` (spec/trustees.md §3.3 (H1)).
    pub fn commitment_hash(&self) -> &[u8; 32] {
        &self.body.commitment_hash
    }

    /// Check (M2)–(M4), then (I1), (I2), naming the first failure.
    pub fn verify(&self, params: &CeremonyParams) -> Result<()> {
        self.check_envelope(params)?;
        self.verify_signature(params, self.body.identity.signing_key())?;
        self.body.identity.verify(params)
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
pub type Round2Message = SignedMessage<Round2Body>;

/// The body of a [`Round2Message`]: `u32 k ‖ k × (C_l ‖ T_l ‖ z_l) ‖ u32 m ‖
/// m × share`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round2Body {
    /// `(C_l, proof of knowledge of a_l)`; decoding accepts the identity so
    /// that (C2) can name the dealer.
    coefficients: Vec<(GroupElement, SchnorrProof)>,
    shares: Vec<EncryptedShare>,
}

impl MessageBody for Round2Body {
    const ROUND: u8 = 2;
    const NAME: &'static str = "round-2 message";
    fn write(&self, w: &mut Writer) {
        w.u32(self.coefficients.len() as u32);
        for (c, p) in &self.coefficients {
            w.element(c);
            p.write(w);
        }
        w.u32(self.shares.len() as u32);
        for s in &self.shares {
            s.write(w);
        }
    }
    fn read(r: &mut Reader<'_>, _sender: u8) -> Result<Self> {
        let k = r.count(MAX_COMMITMENTS, "commitment count")?;
        let coefficients = (0..k)
            .map(|_| {
                let c = r.element_allow_identity("coefficient commitment")?;
                Ok((c, SchnorrProof::read(r)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let m = r.count(MAX_PEERS, "share count")?;
        let shares = (0..m)
            .map(|_| EncryptedShare::read(r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Round2Body {
            coefficients,
            shares,
        })
    }
}

impl SignedMessage<Round2Body> {
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
        let body = Round2Body {
            coefficients,
            shares,
        };
        Self::sign(params, keys, sender, body, rng)
    }

    /// The commitments with their proofs of knowledge.
    pub fn coefficients(&self) -> &[(GroupElement, SchnorrProof)] {
        &self.body.coefficients
    }
    /// The commitments `C_{i,0} … C_{i,k−1}`.
    pub fn commitments(&self) -> Vec<GroupElement> {
        self.body.coefficients.iter().map(|(c, _)| *c).collect()
    }
    /// The encrypted shares, by ascending recipient.
    pub fn shares(&self) -> &[EncryptedShare] {
        &self.body.shares
    }
    /// The share for `recipient`, if any.
    pub fn share_for(&self, recipient: u8) -> Option<&EncryptedShare> {
        self.body.shares.iter().find(|s| s.recipient() == recipient)
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
        if self.body.coefficients.len() != usize::from(params.threshold()) {
            return Err(bad("the number of commitments is not the threshold k"));
        }
        // spec/trustees.md §7.1 (C2)
        if self.body.coefficients.iter().any(|(c, _)| c.is_identity()) {
            return Err(bad("a commitment is the identity (zero coefficient)"));
        }
        // spec/trustees.md §7.1 (C3)
        let h = super::commitment_hash(params, self.sender, &self.commitments());
        if &h != round1.commitment_hash() {
            return Err(bad("the commitments do not match the round-1 hash"));
        }
        // spec/trustees.md §7.3 (E5)
        if !self
            .body
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
        for (l, (c, proof)) in self.body.coefficients.iter().enumerate() {
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
}

canonical_hex_serde!(Round2Message, "round-2 message");

// ---------------------------------------------------------------- round 3

/// Round 3 (complaints): one complaint per dealer whose share failed, by
/// ascending dealer; an empty list accepts every share (spec/trustees.md §5.4, §8).
///
/// **Encoding.** `0x03 ‖ election_id ‖ j ‖ u32 m ‖ m × complaint ‖ signature`.
pub type Round3Message = SignedMessage<Round3Body>;

/// The body of a [`Round3Message`]: `u32 m ‖ m × complaint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round3Body {
    complaints: Vec<Complaint>,
}

impl MessageBody for Round3Body {
    const ROUND: u8 = 3;
    const NAME: &'static str = "round-3 message";
    fn write(&self, w: &mut Writer) {
        w.u32(self.complaints.len() as u32);
        for c in &self.complaints {
            c.write(w);
        }
    }
    fn read(r: &mut Reader<'_>, _sender: u8) -> Result<Self> {
        let m = r.count(MAX_PEERS, "complaint count")?;
        let complaints = (0..m)
            .map(|_| Complaint::read(r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Round3Body { complaints })
    }
}

impl SignedMessage<Round3Body> {
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
        Self::sign(params, keys, sender, Round3Body { complaints }, rng)
    }

    /// The complaints, by ascending dealer.
    pub fn complaints(&self) -> &[Complaint] {
        &self.body.complaints
    }

    /// (K1): complaints by strictly ascending dealer, each one of `dealers`
    /// (the accepted dealers other than the sender).
    pub(crate) fn check_structure(&self, dealers: &[u8]) -> Result<()> {
        let mut last = 0u8;
        for c in &self.body.complaints {
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
}

canonical_hex_serde!(Round3Message, "round-3 message");

// ---------------------------------------------------------------- round 4

/// Round 4 (certification): the sender's signature on the transcript hash
/// and the joint key it derived (spec/trustees.md §5.5, §11).
///
/// **Encoding.** `0x04 ‖ election_id ‖ j ‖ transcript_hash ‖ K ‖ signature`, 162 bytes.
pub type Round4Message = SignedMessage<Round4Body>;

/// The body of a [`Round4Message`]: `transcript_hash ‖ K`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round4Body {
    transcript_hash: [u8; 32],
    joint_key: PublicKey,
}

impl MessageBody for Round4Body {
    const ROUND: u8 = 4;
    const NAME: &'static str = "round-4 message";
    fn write(&self, w: &mut Writer) {
        w.fixed(&self.transcript_hash)
            .element(self.joint_key.element());
    }
    fn read(r: &mut Reader<'_>, _sender: u8) -> Result<Self> {
        let mut transcript_hash = [0u8; 32];
        transcript_hash.copy_from_slice(r.take(32, "transcript hash")?);
        let joint_key = PublicKey::from_group_element(r.element("joint key")?)?;
        Ok(Round4Body {
            transcript_hash,
            joint_key,
        })
    }
}

impl SignedMessage<Round4Body> {
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
        let body = Round4Body {
            transcript_hash,
            joint_key,
        };
        Self::sign(params, keys, sender, body, rng)
    }

    /// The transcript hash it certifies (spec/trustees.md §3.4 (H2)).
    pub fn transcript_hash(&self) -> &[u8; 32] {
        &self.body.transcript_hash
    }
    /// The joint election key it certifies.
    pub fn joint_key(&self) -> &PublicKey {
        &self.body.joint_key
    }

    /// Check (M2)–(M4) under the sender's signing key.
    pub fn verify(&self, params: &CeremonyParams, signing_key: &PublicKey) -> Result<()> {
        self.check_envelope(params)?;
        self.verify_signature(params, signing_key)
    }
}

canonical_hex_serde!(Round4Message, "round-4 message");
