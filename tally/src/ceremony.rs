//! The trustee ceremony as the verifier sees it (spec/record.md §10 (R3)):
//! re-verify every posted ceremony message and derive the joint election
//! key and each trustee's verification key from the commitments alone
//! (spec/trustees.md).

use std::collections::BTreeMap;

use urna_crypto::dkg::{
    combine_shares_unchecked, verify_ceremony, CeremonyMessage, CeremonyParams, CeremonyRecord,
    ThresholdKey,
};
use urna_crypto::{vartime_discrete_log, Ciphertext, GroupElement, PublicKey};
use urna_election::Manifest;

/// What the ceremony established.
#[derive(Clone, Debug)]
pub struct TrusteeKeys {
    /// The joint election key `K`.
    pub election_key: PublicKey,
    /// `X_j` of every qualified trustee.
    pub verification_keys: BTreeMap<u32, PublicKey>,
    /// Shares needed to decrypt.
    pub threshold: u32,
    /// The full threshold key.
    pub key: ThresholdKey,
}

/// The ceremony parameters of an election: its manifest hash names it.
pub fn params(manifest: &Manifest) -> Result<CeremonyParams, String> {
    CeremonyParams::new(
        manifest.hash().0,
        manifest.trustee_count(),
        manifest.threshold,
    )
    .map_err(|e| format!("ceremony parameters: {e} ({})", e.code()))
}

/// Verify the ceremony messages (in log order) and derive the keys.
pub fn derive_keys(manifest: &Manifest, messages: &[Vec<u8>]) -> Result<TrusteeKeys, String> {
    let params = params(manifest)?;
    let mut record = CeremonyRecord::new();
    for (i, m) in messages.iter().enumerate() {
        let msg = CeremonyMessage::from_bytes(m)
            .map_err(|e| format!("ceremony message {i}: {e} ({})", e.code()))?;
        record.push(msg);
    }
    let outcome = verify_ceremony(&params, &record)
        .map_err(|e| format!("trustee ceremony: {e} ({})", e.code()))?;
    let key = outcome.key().clone();
    Ok(TrusteeKeys {
        election_key: key.joint_key().clone(),
        verification_keys: key
            .verification_keys()
            .map(|(j, x)| (u32::from(j), x.clone()))
            .collect(),
        threshold: u32::from(params.threshold()),
        key,
    })
}

/// Combine verified shares `D_j` of `agg` by Lagrange interpolation and
/// recover the count, at most `bound` (spec/record.md §7).
pub fn combine(
    keys: &TrusteeKeys,
    agg: &Ciphertext,
    parts: &[(u32, GroupElement)],
    bound: u64,
) -> Result<u64, String> {
    let parts: Vec<(u8, GroupElement)> = parts
        .iter()
        .filter_map(|(j, d)| u8::try_from(*j).ok().map(|j| (j, *d)))
        .collect();
    let m = combine_shares_unchecked(keys.threshold as u8, agg, &parts)
        .map_err(|e| format!("{e} ({})", e.code()))?;
    vartime_discrete_log(&m, bound).map_err(|e| format!("{e} ({})", e.code()))
}
