//! Verifiable complaints against a bad share (spec/trustees.md §8.2).
//!
//! A recipient `j` whose share from dealer `i` fails (V1), (V2) or (V3)
//! reveals the Diffie–Hellman value `D = e_j·R` of that one share, with a
//! proof that it is correct. Anyone can then decrypt the share and run the
//! same checks: nobody has to trust the complainer, and the dealer has
//! nothing to answer (docs/attacks.md D4).
//!
//! **Statement.** The complainer's encryption key `E_j`, the dealer's
//! ephemeral key `R` (from its signed round-2 message), and `D`. The
//! complainer knows `e_j` with `E_j = e_j·G` and `D = e_j·R`.
//!
//! **Prover.** Draw `w`; send `T₁ = w·G`, `T₂ = w·R`; get `c`; send `z = w + c·e_j`.
//!
//! **Verifier.**
//! - (K2) `z·G − T₁ − c·E_j = 0` and `z·R − T₂ − c·D = 0`;
//! - (K3) the complaint is *upheld* if (K2) holds and the share opened with
//!   `D` fails (V1), (V2) or (V3): the dealer is disqualified;
//! - (K4) otherwise it is *dismissed*, and the complainer, who signed a false
//!   accusation, is disqualified.
//!
//! **Transcript:**
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | context | spec/trustees.md §3.1, `purpose = complaint`, `trustee = j` |
//! | 2 | `dom-sep` | `urna/v1/dkg/complaint-dh` |
//! | 3 | `dealer` | `i` (u64) |
//! | 4 | `E`, `R`, `ct` | the statement: key, ephemeral key, the share's AEAD ciphertext |
//! | 5 | `D` | the revealed value |
//! | 6 | `T1`, `T2` | commitments |
//! | 7 | `c` | challenge |
//!
//! **Encoding.** `i ‖ D ‖ T₁ ‖ T₂ ‖ z`, 129 bytes.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::identity::TrusteeKeys;
use super::polynomial::feldman_check;
use super::{context, CeremonyParams, EncryptedShare};
use crate::batch::{BatchVerifier, Item};
use crate::elgamal::PublicKey;
use crate::error::{Error, Result};
use crate::group::{g_table, GroupElement, Reader, Writer};
use crate::transcript::{prover_rng, TranscriptProtocol};

/// Domain separator of the complaint proof.
pub const COMPLAINT_LABEL: &[u8] = b"urna/v1/dkg/complaint-dh";

/// Encoded length of a [`Complaint`].
pub const COMPLAINT_LEN: usize = 1 + 4 * 32;

/// A complaint against the share one dealer sent to the complainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Complaint {
    dealer: u8,
    dh: GroupElement,
    t1: GroupElement,
    t2: GroupElement,
    z: Scalar,
}

/// Steps 1–5.
fn absorb_statement(
    params: &CeremonyParams,
    complainer: u8,
    dealer: u8,
    complainer_key: &PublicKey,
    share: &EncryptedShare,
    dh: &GroupElement,
) -> Transcript {
    let mut t = context(params, b"complaint", complainer);
    t.domain_sep(COMPLAINT_LABEL);
    t.append_u64_value(b"dealer", dealer.into());
    t.append_element(b"E", complainer_key.element());
    t.append_element(b"R", share.ephemeral());
    t.append_message(b"ct", share.ciphertext());
    t.append_element(b"D", dh);
    t
}

impl Complaint {
    /// Reveal the Diffie–Hellman value of `share` (dealt by `dealer` to
    /// `complainer`) and prove it. An honest trustee complains only about a
    /// share that fails (V1)–(V3): a complaint about a good share is
    /// dismissed and disqualifies the complainer (spec/trustees.md §8.2 (K4)).
    pub fn create<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        keys: &TrusteeKeys,
        complainer: u8,
        dealer: u8,
        share: &EncryptedShare,
        rng: &mut R,
    ) -> Result<Self> {
        params.check_index(complainer)?;
        params.check_index(dealer)?;
        let e = keys.encryption();
        let dh = GroupElement::from_point(share.dh(e));
        let mut t = absorb_statement(params, complainer, dealer, &e.public_key(), share, &dh);
        let mut nonce_rng = prover_rng(&t, &[e.as_scalar()], rng);
        let w = Zeroizing::new(Scalar::random(&mut nonce_rng));
        let t1 = GroupElement::from_point(&*w * g_table());
        let t2 = GroupElement::from_point(share.ephemeral().point() * *w);
        t.append_element(b"T1", &t1);
        t.append_element(b"T2", &t2);
        let c = t.challenge_scalar(b"c");
        Ok(Complaint {
            dealer,
            dh,
            t1,
            t2,
            z: *w + c * e.as_scalar(),
        })
    }

    /// The accused dealer.
    pub fn dealer(&self) -> u8 {
        self.dealer
    }

    /// The revealed Diffie–Hellman value `D`.
    pub fn dh(&self) -> &GroupElement {
        &self.dh
    }

    /// Add (K2) to a batch item.
    fn add_to_batch(
        &self,
        params: &CeremonyParams,
        complainer: u8,
        complainer_key: &PublicKey,
        share: &EncryptedShare,
        item: &mut Item<'_>,
    ) {
        let mut t = absorb_statement(
            params,
            complainer,
            self.dealer,
            complainer_key,
            share,
            &self.dh,
        );
        t.append_element(b"T1", &self.t1);
        t.append_element(b"T2", &self.t2);
        let c = t.challenge_scalar(b"c");
        // z·G − T₁ − c·E_j = 0
        item.equation()
            .g(self.z)
            .point(-Scalar::ONE, &self.t1)
            .point(-c, complainer_key.element());
        // z·R − T₂ − c·D = 0
        item.equation()
            .point(self.z, share.ephemeral())
            .point(-Scalar::ONE, &self.t2)
            .point(-c, &self.dh);
    }

    /// Judge the complaint from public data alone (spec/trustees.md §8.2):
    /// `Ok(())` if it is upheld (K3), the dealer having dealt a bad share;
    /// [`Error::DkgComplaintInvalid`] if it is dismissed (K4).
    ///
    /// `share` is the share for `complainer` in the dealer's round-2 message,
    /// and `commitments` are the dealer's coefficient commitments.
    pub fn verify(
        &self,
        params: &CeremonyParams,
        complainer: u8,
        complainer_key: &PublicKey,
        share: &EncryptedShare,
        commitments: &[GroupElement],
    ) -> Result<()> {
        let dismissed = |reason| Error::DkgComplaintInvalid {
            complainer,
            dealer: self.dealer,
            reason,
        };
        if share.recipient() != complainer {
            return Err(dismissed("the share is not addressed to the complainer"));
        }
        // spec/trustees.md §8.2 (K2)
        let mut b = BatchVerifier::new();
        self.add_to_batch(params, complainer, complainer_key, share, &mut b.item());
        if b.vartime_check().is_err() {
            return Err(dismissed("the Diffie–Hellman proof does not verify"));
        }
        // spec/trustees.md §8.2 (K3): public data, the share is revealed.
        match share.open(params, self.dealer, complainer_key, &self.dh.to_bytes()) {
            None => Ok(()),
            Some(s) if !feldman_check(&s, commitments, complainer) => Ok(()),
            // spec/trustees.md §8.2 (K4)
            Some(_) => Err(dismissed("the revealed share is valid")),
        }
    }

    /// `i ‖ D ‖ T₁ ‖ T₂ ‖ z`.
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.dealer)
            .element(&self.dh)
            .element(&self.t1)
            .element(&self.t2)
            .scalar(&self.z);
    }

    /// Read (canonical, no identity).
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Complaint {
            dealer: r.u8("complaint dealer")?,
            dh: r.element("complaint D")?,
            t1: r.element("complaint proof T1")?,
            t2: r.element("complaint proof T2")?,
            z: r.scalar("complaint proof z")?,
        })
    }
}
