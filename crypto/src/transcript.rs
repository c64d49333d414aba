//! The one transcript extension trait (spec §3).
//!
//! Proof code appends a static domain separator, then the *whole* statement,
//! then the prover's commitments, and only then draws the challenge. Only the
//! application (the ballot model, the tally, the tests) calls
//! `Transcript::new`, with the protocol label of spec §3.1; proof code never
//! does, so a proof is always bound to the context the application put first
//! (election fingerprint, credential, contest and option indices).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

use crate::error::{Error, Result};
use crate::group::GroupElement;

/// Typed appends and challenges over a merlin transcript.
pub trait TranscriptProtocol {
    /// Domain separator for one proof type: `append_message(b"dom-sep", label)`.
    fn domain_sep(&mut self, label: &'static [u8]);
    /// Append a group element's canonical encoding.
    fn append_element(&mut self, label: &'static [u8], e: &GroupElement);
    /// Append a group element, failing on the identity (spec §3.2 (T2)).
    fn validate_and_append_element(&mut self, label: &'static [u8], e: &GroupElement)
        -> Result<()>;
    /// Append a scalar's canonical encoding.
    fn append_scalar(&mut self, label: &'static [u8], s: &Scalar);
    /// Append a `u64` (merlin encodes it little-endian, 8 bytes).
    fn append_u64_value(&mut self, label: &'static [u8], v: u64);
    /// A challenge scalar from 64 bytes of output, reduced wide (no bias, spec §3.2 (T3)).
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn domain_sep(&mut self, label: &'static [u8]) {
        self.append_message(b"dom-sep", label);
    }
    fn append_element(&mut self, label: &'static [u8], e: &GroupElement) {
        self.append_message(label, e.compressed().as_bytes());
    }
    fn validate_and_append_element(
        &mut self,
        label: &'static [u8],
        e: &GroupElement,
    ) -> Result<()> {
        if e.is_identity() {
            return Err(Error::IdentityPoint {
                field: "transcript element",
            });
        }
        self.append_element(label, e);
        Ok(())
    }
    fn append_scalar(&mut self, label: &'static [u8], s: &Scalar) {
        self.append_message(label, s.as_bytes());
    }
    fn append_u64_value(&mut self, label: &'static [u8], v: u64) {
        self.append_u64(label, v);
    }
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

/// The prover's nonce RNG (spec §3.2 (T4)): a PRF of the transcript so far,
/// the witness, and fresh OS randomness, as merlin's `TranscriptRngBuilder`
/// recommends. Reusing a nonce across two challenges would reveal the
/// witness (docs/attacks.md A10); this makes that impossible to forget.
pub(crate) fn prover_rng<R: rand_core::RngCore + rand_core::CryptoRng>(
    t: &Transcript,
    witnesses: &[&Scalar],
    rng: &mut R,
) -> merlin::TranscriptRng {
    let mut b = t.build_rng();
    for w in witnesses {
        b = b.rekey_with_witness_bytes(b"witness", w.as_bytes());
    }
    b.finalize(rng)
}
