//! A trustee's identity for one ceremony: a signing key and an encryption
//! key, each published with a proof of possession (spec/trustees.md §4).
//!
//! **Statement.** `S = s·G` (signing) and `E = e·G` (encryption), `S ≠ E`.
//! The trustee knows `s` and `e`.
//!
//! **Prover.** One Schnorr proof of knowledge per key (spec/crypto.md §5.1),
//! each on its own context transcript (spec/trustees.md §3.1 (T1)) with
//! purpose `pop` and `role` = `signing` or `encryption`, so a proof cannot
//! move to another election, parameter set, index or role (docs/attacks.md D3).
//!
//! **Verifier.** (I1) `S ≠ E`; (I2) both Schnorr checks `z·G − T − c·X = 0`.
//!
//! **Transcript** (each proof):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | context | spec/trustees.md §3.1: election, `n`, `k`, `purpose = pop`, `trustee = i` |
//! | 2 | `role` | `signing` or `encryption` |
//! | 3 | Schnorr steps | `dom-sep = urna/v1/schnorr-pok`, `X`, `T`, `c` |
//!
//! **Encoding** (inside a round-1 message, after the sender index):
//! `S ‖ E ‖ pop_S ‖ pop_E`, 192 bytes.

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::ZeroizeOnDrop;

use super::{context, CeremonyParams};
use crate::batch::Item;
use crate::elgamal::{PublicKey, SecretKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, Reader, Writer};
use crate::proofs::schnorr::SchnorrProof;

/// Encoded length of the keys and proofs of an identity (without the index).
pub const IDENTITY_KEYS_LEN: usize = 32 + 32 + 64 + 64;

/// Encoded length of a [`TrusteeIdentity`]: `index ‖ S ‖ E ‖ pop_S ‖ pop_E`.
pub const IDENTITY_LEN: usize = 1 + IDENTITY_KEYS_LEN;

const ROLE_SIGNING: &[u8] = b"signing";
/// Version tag of [`TrusteeKeys::to_bytes`] (the ceremony state is `0x81`).
const KEYS_TAG: u8 = 0x80;
const ROLE_ENCRYPTION: &[u8] = b"encryption";

/// A trustee's two secret keys for one ceremony. Wiped on drop (each
/// [`SecretKey`] wipes itself); never printed.
///
/// Invariant: the two keys differ (spec/trustees.md §4 (I1)).
#[derive(Clone)]
pub struct TrusteeKeys {
    signing: SecretKey,
    encryption: SecretKey,
}

impl ZeroizeOnDrop for TrusteeKeys {}

impl core::fmt::Debug for TrusteeKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TrusteeKeys(<redacted>)")
    }
}

impl TrusteeKeys {
    /// Two fresh random keys.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let signing = SecretKey::generate(rng);
            let encryption = SecretKey::generate(rng);
            if let Ok(keys) = Self::from_secret_keys(signing, encryption) {
                return keys;
            }
        }
    }

    /// Wrap existing keys (e.g. loaded from a key file); they must differ
    /// (spec/trustees.md §4 (I1)), compared in constant time.
    pub fn from_secret_keys(signing: SecretKey, encryption: SecretKey) -> Result<Self> {
        if bool::from(signing.as_scalar().ct_eq(encryption.as_scalar())) {
            return Err(Error::DkgParams(
                "the signing and encryption keys must differ",
            ));
        }
        Ok(TrusteeKeys {
            signing,
            encryption,
        })
    }

    /// The public signing key `P = s·G`: what the trustee hands the
    /// organizer for the manifest's roster (spec/trustees.md §5.8).
    pub fn signing_key(&self) -> PublicKey {
        self.signing.public_key()
    }

    pub(crate) fn signing(&self) -> &SecretKey {
        &self.signing
    }

    pub(crate) fn encryption(&self) -> &SecretKey {
        &self.encryption
    }

    /// The public identity of trustee `index`, with fresh proofs of possession
    /// (spec/trustees.md §4 (I2)).
    pub fn identity<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        index: u8,
        rng: &mut R,
    ) -> Result<TrusteeIdentity> {
        params.check_index(index)?;
        let signing_pop = SchnorrProof::prove(
            &mut pop_transcript(params, index, ROLE_SIGNING),
            &self.signing,
            rng,
        );
        let encryption_pop = SchnorrProof::prove(
            &mut pop_transcript(params, index, ROLE_ENCRYPTION),
            &self.encryption,
            rng,
        );
        Ok(TrusteeIdentity {
            index,
            signing_key: self.signing.public_key(),
            encryption_key: self.encryption.public_key(),
            signing_pop,
            encryption_pop,
        })
    }

    /// The secret keys alone, before any ceremony (a trustee's key file
    /// before the manifest exists): `0x80 ‖ s ‖ e`. The caller must store
    /// them safely and never post them.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(65));
        out.push(KEYS_TAG);
        self.write_secret(&mut out);
        out
    }

    /// Decode [`TrusteeKeys::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8("trustee keys tag")? != KEYS_TAG {
            return Err(Error::Malformed {
                field: "trustee keys tag",
            });
        }
        let keys = Self::read_secret(&mut r)?;
        r.finish("trustee keys")?;
        Ok(keys)
    }

    /// `s ‖ e`; the caller must protect and wipe the bytes.
    pub(crate) fn write_secret(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.signing.to_bytes().as_ref());
        out.extend_from_slice(self.encryption.to_bytes().as_ref());
    }

    /// Read `s ‖ e`.
    pub(crate) fn read_secret(r: &mut Reader<'_>) -> Result<Self> {
        let signing = SecretKey::from_bytes(r.take(32, "trustee signing key")?)?;
        let encryption = SecretKey::from_bytes(r.take(32, "trustee encryption key")?)?;
        Self::from_secret_keys(signing, encryption)
    }
}

/// The transcript of a proof of possession (spec/trustees.md §4 (I2)).
fn pop_transcript(params: &CeremonyParams, index: u8, role: &'static [u8]) -> Transcript {
    let mut t = context(params, b"pop", index);
    t.append_message(b"role", role);
    t
}

/// A trustee's public identity: its index, both public keys and their
/// proofs of possession.
///
/// Unverified until [`TrusteeIdentity::verify`] (or the round-1 checks) pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrusteeIdentity {
    index: u8,
    signing_key: PublicKey,
    encryption_key: PublicKey,
    signing_pop: SchnorrProof,
    encryption_pop: SchnorrProof,
}

impl TrusteeIdentity {
    /// Assemble an identity from its parts, unchecked (as decoding would).
    pub fn from_parts(
        index: u8,
        signing_key: PublicKey,
        encryption_key: PublicKey,
        signing_pop: SchnorrProof,
        encryption_pop: SchnorrProof,
    ) -> Self {
        TrusteeIdentity {
            index,
            signing_key,
            encryption_key,
            signing_pop,
            encryption_pop,
        }
    }

    /// The trustee index.
    pub fn index(&self) -> u8 {
        self.index
    }

    /// `S`, the key the trustee's messages are signed with.
    pub fn signing_key(&self) -> &PublicKey {
        &self.signing_key
    }

    /// `E`, the key shares are encrypted to.
    pub fn encryption_key(&self) -> &PublicKey {
        &self.encryption_key
    }

    /// The proof of possession of `S`.
    pub fn signing_pop(&self) -> &SchnorrProof {
        &self.signing_pop
    }

    /// The proof of possession of `E`.
    pub fn encryption_pop(&self) -> &SchnorrProof {
        &self.encryption_pop
    }

    /// Add (I1) and both proofs (I2) to a batch item (public data, variable time).
    pub(crate) fn add_to_batch(&self, params: &CeremonyParams, item: &mut Item<'_>) {
        // spec/trustees.md §4 (I1)
        if self.signing_key == self.encryption_key || params.check_index(self.index).is_err() {
            return item.fail();
        }
        // spec/trustees.md §4 (I2)
        self.signing_pop.add_to_batch(
            &mut pop_transcript(params, self.index, ROLE_SIGNING),
            &self.signing_key,
            item,
        );
        self.encryption_pop.add_to_batch(
            &mut pop_transcript(params, self.index, ROLE_ENCRYPTION),
            &self.encryption_key,
            item,
        );
    }

    /// Check (P3), (I1) and (I2) on their own, naming what fails
    /// ([`Error::DkgPopInvalid`]).
    pub fn verify(&self, params: &CeremonyParams) -> Result<()> {
        params.check_index(self.index)?;
        // spec/trustees.md §4 (I1)
        if self.signing_key == self.encryption_key {
            return Err(self.pop_error("signing and encryption keys are equal"));
        }
        // spec/trustees.md §4 (I2)
        let mut t = pop_transcript(params, self.index, ROLE_SIGNING);
        self.signing_pop
            .verify(&mut t, &self.signing_key)
            .map_err(|_| self.pop_error("signing key"))?;
        let mut t = pop_transcript(params, self.index, ROLE_ENCRYPTION);
        self.encryption_pop
            .verify(&mut t, &self.encryption_key)
            .map_err(|_| self.pop_error("encryption key"))
    }

    fn pop_error(&self, what: &'static str) -> Error {
        Error::DkgPopInvalid {
            trustee: self.index,
            what,
        }
    }

    /// `index ‖ S ‖ E ‖ pop_S ‖ pop_E`.
    pub fn to_bytes(&self) -> [u8; IDENTITY_LEN] {
        let mut w = Writer::new();
        w.u8(self.index);
        self.write_keys(&mut w);
        let mut out = [0u8; IDENTITY_LEN];
        out.copy_from_slice(&w.into_bytes());
        out
    }

    /// Decode (canonical points, no identity, no trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let index = r.u8("trustee index")?;
        let id = Self::read_keys(&mut r, index)?;
        r.finish("trustee identity")?;
        Ok(id)
    }

    /// Append `S ‖ E ‖ pop_S ‖ pop_E`.
    pub(crate) fn write_keys(&self, w: &mut Writer) {
        w.element(self.signing_key.element())
            .element(self.encryption_key.element());
        self.signing_pop.write(w);
        self.encryption_pop.write(w);
    }

    /// Read `S ‖ E ‖ pop_S ‖ pop_E` for trustee `index`.
    pub(crate) fn read_keys(r: &mut Reader<'_>, index: u8) -> Result<Self> {
        Ok(TrusteeIdentity {
            index,
            signing_key: PublicKey::from_group_element(r.element("trustee signing key")?)?,
            encryption_key: PublicKey::from_group_element(r.element("trustee encryption key")?)?,
            signing_pop: SchnorrProof::read(r)?,
            encryption_pop: SchnorrProof::read(r)?,
        })
    }

    /// Check on its own with a batch (used by tests of the batch path).
    #[cfg(test)]
    fn batch_ok(&self, params: &CeremonyParams) -> bool {
        let mut b = crate::batch::BatchVerifier::new();
        self.add_to_batch(params, &mut b.item());
        b.vartime_check().is_ok()
    }
}

canonical_hex_serde!(TrusteeIdentity, "trustee identity");

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn pop_is_bound_to_index_role_and_election() {
        let p = CeremonyParams::new([1; 32], 3, 2).unwrap();
        let q = CeremonyParams::new([2; 32], 3, 2).unwrap();
        let keys = TrusteeKeys::generate(&mut OsRng);
        let id = keys.identity(&p, 2, &mut OsRng).unwrap();
        id.verify(&p).unwrap();
        assert!(id.batch_ok(&p));
        assert_eq!(TrusteeIdentity::from_bytes(&id.to_bytes()).unwrap(), id);
        // Another election.
        assert!(matches!(id.verify(&q), Err(Error::DkgPopInvalid { .. })));
        // Another index.
        let moved = TrusteeIdentity {
            index: 3,
            ..id.clone()
        };
        assert!(moved.verify(&p).is_err() && !moved.batch_ok(&p));
        // Roles swapped.
        let swapped = TrusteeIdentity {
            signing_pop: id.encryption_pop,
            encryption_pop: id.signing_pop,
            ..id.clone()
        };
        assert!(swapped.verify(&p).is_err());
    }
}
