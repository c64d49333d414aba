//! Trustees: the `k`-of-`n` key ceremony (joint-Feldman DKG with
//! commit-then-reveal and verifiable complaints) and threshold decryption.
//! The normative description is `spec/trustees.md`; every check below
//! carries its id there.
//!
//! **Statement.** `n` trustees, indices `1..=n`, jointly produce an election
//! key `K = s·G` with `s = Σ_{i∈QUAL} f_i(0)`, such that any `k` of them can
//! decrypt together and fewer learn nothing about `s`. Nobody ever holds `s`.
//!
//! **Rounds** (each message is signed by its sender and bound to the
//! election, spec/trustees.md §5):
//!
//! | round | message | a trustee `i` posts | checks |
//! |---|---|---|---|
//! | 1 | [`Round1Message`] | keys `S_i`, `E_i` with proofs of possession; `h_i = H(C_{i,0} … C_{i,k−1})` | §4 (I1), (I2) |
//! | 2 | [`Round2Message`] | `C_{i,l} = a_{i,l}·G`, a Schnorr PoK of each `a_{i,l}`; `f_i(j)` encrypted to each `E_j` | §7 (C1)–(C4), (E5) |
//! | 3 | [`Round3Message`] | for each bad share received: `D = e_i·R` with a DLEQ proof | §8 (V1)–(V3), (K1)–(K4) |
//! | 4 | [`Round4Message`] | a signature on the transcript hash and `K` | §11 (X1), (X2) |
//!
//! **Verifier equations** (all in commitment form, added to a [`crate::BatchVerifier`]):
//! - proofs of possession and of coefficients: `z·G − T − c·X = 0` (spec/crypto.md §5.1 (S1));
//! - shares (V3): `f_i(j)·G = Σ_l j^l·C_{i,l}`;
//! - complaints (K2): `z·G − T₁ − c·E_j = 0`, `z·R − T₂ − c·D = 0`;
//! - results (O1), (O2): `K = Σ_{i∈QUAL} C_{i,0}`, `X_j = Σ_{i∈QUAL} Σ_l j^l·C_{i,l}`;
//! - decryption (L5): `M = β − Σ_{j∈S} λ_j·D_j`, `λ_j = Π_{m∈S, m≠j} m/(m − j)`.
//!
//! **Transcripts.** Every proof and signature of the ceremony starts from
//! the context transcript of spec/trustees.md §3.1 (T1), built here (the
//! ceremony *is* the application of these proofs):
//! `Transcript::new("urna/v1/dkg")`, then `election`, `n`, `k`, `purpose`,
//! `trustee`. Purposes: `pop`, `coefficient-pok`, `message`,
//! `complaint`.
//!
//! **Posting.** The manifest pins each trustee's signing key ([`Roster`]);
//! a board admits a message only if it is attributed to its sender under
//! that key and comes in turn ([`CeremonyLog::admit`], spec/trustees.md
//! §5.8), so nobody without a trustee key can change the ceremony.
//!
//! **Who calls what.** A trustee: [`Trustee`] (`new`, `round1` … `round4`),
//! then [`KeyShare::partial_decrypt`]. A board or auditor:
//! [`CeremonyLog::admit`] on each posted message, [`verify_ceremony`] on
//! the admitted ones, and [`ThresholdKey::verify_and_combine`].

mod ceremony;
mod complaint;
mod identity;
mod intake;
mod messages;
mod params;
mod polynomial;
mod record;
mod share;
mod threshold;
mod trustee;

use merlin::Transcript;

pub use crate::error::Disqualification;
pub use ceremony::{evaluate_ceremony, verify_ceremony, CeremonyOutcome, TRANSCRIPT_HASH_LABEL};
pub use complaint::{Complaint, COMPLAINT_LABEL, COMPLAINT_LEN};
pub use identity::{TrusteeIdentity, TrusteeKeys, IDENTITY_LEN};
pub use intake::{Admission, CeremonyLog, Roster};
pub use messages::{
    MessageBody, Round1Body, Round1Message, Round2Body, Round2Message, Round3Body, Round3Message,
    Round4Body, Round4Message, SignedMessage,
};
pub use params::{CeremonyParams, ELECTION_ID_LEN, MAX_TRUSTEES, PARAMS_LEN};
pub use polynomial::{commitment_hash, COMMITMENT_HASH_LABEL};
pub use record::{CeremonyMessage, CeremonyRecord};
pub use share::{
    EncryptedShare, ENCRYPTED_SHARE_LEN, SHARE_BINDING_LABEL, SHARE_CIPHERTEXT_LEN, SHARE_KDF_SALT,
};
pub use threshold::{
    combine_shares_unchecked, decryption_transcript, lagrange_coefficients_at_zero,
    CombinedDecryption, ThresholdKey,
};
pub use trustee::{KeyShare, Trustee};

/// The protocol label of every ceremony transcript (spec/trustees.md §3.1 (T1)).
pub const DKG_PROTOCOL_LABEL: &[u8] = b"urna/v1/dkg";

/// The context transcript (spec/trustees.md §3.1 (T1)): the protocol
/// label, the election, `n`, `k`, the purpose of the proof and the index of
/// the trustee making it. Proof code appends its own statement after this.
pub(crate) fn context(params: &CeremonyParams, purpose: &'static [u8], trustee: u8) -> Transcript {
    let mut t = Transcript::new(DKG_PROTOCOL_LABEL);
    t.append_message(b"election", params.election_id());
    t.append_u64(b"n", params.trustees().into());
    t.append_u64(b"k", params.threshold().into());
    t.append_message(b"purpose", purpose);
    t.append_u64(b"trustee", trustee.into());
    t
}
