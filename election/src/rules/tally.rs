//! The rules of counting and decryption (`spec/record.md` §7): the
//! re-voting rule and weighted running sums (R8, Y1, Y2), the aggregates
//! fixed at the close (R10), decryption shares (R11, Y3), the quorum
//! decryption with its bound (Y4)–(Y6) and the announced result (R12).

use std::collections::{BTreeMap, HashMap};

use urna_crypto::dkg::{combine_shares_unchecked, decryption_transcript};
use urna_crypto::{vartime_discrete_log, Ciphertext, CiphertextSum, GroupElement, PublicKey};

use super::{Check, Refusal, Rules, Stage};
use crate::entry::tally_context;
use crate::{
    CredentialList, ElectionContext, ElectionResult, EncryptedBallot, Manifest, TallyShare,
};

/// Decrypted totals, `totals[contest][option]` in manifest order.
pub type Totals = Vec<Vec<u64>>;

/// Running sums of the counted ballots, and the shares posted for them.
#[derive(Clone)]
pub(super) struct Counter {
    /// Per counted credential: its last ballot's ciphertexts (compressed,
    /// to keep a million voters in memory).
    last: HashMap<[u8; 32], Vec<Vec<[u8; 64]>>>,
    /// Weighted sum of every accepted ballot, and of the superseded ones.
    sums: Vec<Vec<CiphertextSum>>,
    superseded: Vec<Vec<CiphertextSum>>,
    /// `A[c][o]` (Y2), fixed at the close.
    aggregates: Option<Vec<Vec<Ciphertext>>>,
    /// Valid shares by trustee index.
    shares: BTreeMap<u32, TallyShare>,
    /// A result entry was accepted.
    result_seen: bool,
}

impl Counter {
    pub(super) fn new(manifest: &Manifest) -> Self {
        let zero: Vec<Vec<CiphertextSum>> = manifest
            .contests
            .iter()
            .map(|c| vec![CiphertextSum::zero(); c.options.len()])
            .collect();
        Counter {
            last: HashMap::new(),
            sums: zero.clone(),
            superseded: zero,
            aggregates: None,
            shares: BTreeMap::new(),
            result_seen: false,
        }
    }

    /// (Y1), (Y2): add an accepted ballot with its credential's weight;
    /// the credential's previous ballot, if any, becomes superseded.
    pub(super) fn count(&mut self, b: &EncryptedBallot, weight: u64) {
        let cred = b.credential().to_bytes();
        if let Some(prev) = self.last.get(&cred) {
            for (ci, cts) in prev.iter().enumerate() {
                for (oi, bytes) in cts.iter().enumerate() {
                    let slot = self.superseded.get_mut(ci).and_then(|r| r.get_mut(oi));
                    if let (Some(s), Ok(ct)) = (slot, Ciphertext::from_bytes(bytes)) {
                        s.vartime_add_weighted(&ct, weight);
                    }
                }
            }
        }
        let mut stored = Vec::with_capacity(b.contests().len());
        for (ci, c) in b.contests().iter().enumerate() {
            let mut row = Vec::with_capacity(c.ciphertexts().len());
            for (oi, ct) in c.ciphertexts().iter().enumerate() {
                if let Some(s) = self.sums.get_mut(ci).and_then(|r| r.get_mut(oi)) {
                    s.vartime_add_weighted(ct, weight);
                }
                row.push(ct.to_bytes());
            }
            stored.push(row);
        }
        self.last.insert(cred, stored);
    }

    /// (R10): fix `A[c][o]` = sum of accepted − sum of superseded.
    pub(super) fn close(&mut self) {
        self.aggregates = Some(
            self.sums
                .iter()
                .zip(&self.superseded)
                .map(|(s, x)| {
                    s.iter()
                        .zip(x)
                        .map(|(s, x)| s.difference(x).to_ciphertext())
                        .collect()
                })
                .collect(),
        );
    }
}

impl Rules {
    /// Credentials with a counted ballot (R8).
    pub fn counted(&self) -> u64 {
        self.counter.last.len() as u64
    }

    /// The aggregates `A[c][o]`, once voting closed (R10).
    pub fn aggregates(&self) -> Option<&[Vec<Ciphertext>]> {
        self.counter.aggregates.as_deref()
    }

    /// The valid tally shares, by trustee index.
    pub fn shares(&self) -> &BTreeMap<u32, TallyShare> {
        &self.counter.shares
    }

    /// Whether a result entry was accepted.
    pub fn result_seen(&self) -> bool {
        self.counter.result_seen
    }

    /// (R11), (O7), (Y3): one trustee's decryption shares, after the close,
    /// from a qualified trustee, once, with valid proofs (unless
    /// `check_proofs` is false: a board replaying its own database).
    pub fn share(&mut self, share: &TallyShare, check_proofs: bool) -> Result<(), Refusal> {
        let bad = |m: String| Refusal::new(Check::R11, "ERR_SHARE_INVALID", m);
        if self.stage() != Stage::Closed {
            return Err(Refusal::lifecycle(
                Check::R11,
                "a decryption share before voting closed",
            ));
        }
        let (Some(ctx), Some(aggs), Some(keys)) = (self.ctx(), self.aggregates(), self.keys())
        else {
            return Err(Refusal::lifecycle(Check::R11, "no tally to decrypt"));
        };
        let x = u8::try_from(share.trustee)
            .ok()
            .and_then(|j| keys.verification_key(j))
            .ok_or_else(|| {
                bad(format!(
                    "trustee {} is not a qualified trustee",
                    share.trustee
                ))
            })?;
        if self.counter.shares.contains_key(&share.trustee) {
            return Err(bad(format!(
                "a second decryption share from trustee {}",
                share.trustee
            )));
        }
        if check_proofs {
            check_share(ctx, x, share, aggs)
                .map_err(|m| bad(format!("trustee {}: {m}", share.trustee)))?;
        }
        self.counter.shares.insert(share.trustee, share.clone());
        Ok(())
    }

    /// (R12), (O8): a result entry, once, after the close. Its signature
    /// and totals are judged against the tally ([`Rules::check_result`]).
    pub fn result(&mut self) -> Result<(), Refusal> {
        self.result_allowed()?;
        self.counter.result_seen = true;
        Ok(())
    }

    /// Whether a result entry may come now ([`Rules::result`] without the
    /// change).
    pub fn result_allowed(&self) -> Result<(), Refusal> {
        if self.counter.result_seen {
            return Err(Refusal::lifecycle(Check::R12, "a second result"));
        }
        if self.stage() != Stage::Closed {
            return Err(Refusal::lifecycle(
                Check::R12,
                "a result before voting closed",
            ));
        }
        Ok(())
    }

    /// (R12), (S4), §7.4: the result is signed by the organizer for this
    /// election and announces exactly `totals`.
    pub fn check_result(&self, r: &ElectionResult, totals: &Totals) -> Result<(), Refusal> {
        let ctx = self
            .ctx()
            .ok_or_else(|| Refusal::lifecycle(Check::R12, "no election context"))?;
        r.verify(&ctx.manifest().organizer_key, &ctx.fingerprint())
            .map_err(|e| Refusal::of(Check::R12, &e))?;
        if r.totals != *totals {
            return Err(Refusal::new(
                Check::R12,
                "ERR_TALLY_MISMATCH",
                format!(
                    "the announced result {:?} differs from the decrypted tally {:?}",
                    r.totals, totals
                ),
            ));
        }
        Ok(())
    }

    /// (Y4)–(Y6): decrypt every aggregate with the `k` valid shares of
    /// smallest trustee index; each count at most (total weight) × (the
    /// contest's largest value per option). Names no entry.
    pub fn decrypt(&self) -> Result<Totals, Refusal> {
        let (Some(ctx), Some(aggs), Some(keys)) = (self.ctx(), self.aggregates(), self.keys())
        else {
            return Err(Refusal::lifecycle(Check::R11, "no tally to decrypt"));
        };
        let k = keys.params().threshold();
        let shares = &self.counter.shares;
        if shares.len() < usize::from(k) {
            return Err(Refusal::new(
                Check::R11,
                "ERR_INSUFFICIENT_SHARES",
                format!(
                    "only {} valid decryption shares, {k} needed (ERR_INSUFFICIENT_SHARES)",
                    shares.len()
                ),
            ));
        }
        let quorum: Vec<(u8, &TallyShare)> = shares
            .iter()
            .take(usize::from(k))
            .filter_map(|(j, s)| u8::try_from(*j).ok().map(|j| (j, s)))
            .collect();
        let total_weight = ctx.credentials().total_weight();
        let mut totals = Vec::with_capacity(aggs.len());
        for (ci, row) in aggs.iter().enumerate() {
            let max = ctx
                .manifest()
                .contests
                .get(ci)
                .map_or(0, |c| c.max_per_option());
            let bound = total_weight.saturating_mul(max);
            let mut out = Vec::with_capacity(row.len());
            for (oi, agg) in row.iter().enumerate() {
                let fail = |e: urna_crypto::Error| {
                    Refusal::new(
                        Check::R11,
                        e.code(),
                        format!("contest {ci} option {oi}: {e}"),
                    )
                };
                let m = if agg.alpha().is_identity() {
                    // α = 0: nothing counted, β = m·G in the clear (Y5).
                    agg.beta().point()
                } else {
                    let parts: Vec<(u8, GroupElement)> = quorum
                        .iter()
                        .filter_map(|(j, s)| Some((*j, *s.shares.get(ci)?.get(oi)?.share())))
                        .collect();
                    combine_shares_unchecked(k, agg, &parts).map_err(fail)?
                };
                out.push(vartime_discrete_log(&m, bound).map_err(fail)?);
            }
            totals.push(out);
        }
        Ok(totals)
    }
}

/// `spec/record.md` §4.2 (L6): with the credential list's total weight `W`,
/// every contest's bound `W × S` (Y6) is at most
/// [`urna_crypto::dlog::TALLY_BOUND`], so every count decodes in seconds.
/// Checked where `W` becomes known: the credential list (R4).
pub fn check_tally_bound(manifest: &Manifest, list: &CredentialList) -> crate::Result<()> {
    let w = u128::from(list.total_weight());
    for c in &manifest.contests {
        let bound = w * u128::from(c.max_per_option());
        if bound > u128::from(urna_crypto::dlog::TALLY_BOUND) {
            return Err(crate::ElectionError::CredentialListInvalid(format!(
                "contest `{}`: the total weight {w} times the largest value per option {} is \
                 {bound}, above the tally bound 2^40 (spec/record.md (L6)): such a count \
                 could not be decoded in reasonable time",
                c.id,
                c.max_per_option()
            )));
        }
    }
    Ok(())
}

/// (Y3): every decryption proof of one trustee's shares, in one batch.
fn check_share(
    ctx: &ElectionContext,
    x: &PublicKey,
    share: &TallyShare,
    aggregates: &[Vec<Ciphertext>],
) -> Result<(), String> {
    if share.shares.len() != aggregates.len()
        || share
            .shares
            .iter()
            .zip(aggregates)
            .any(|(s, a)| s.len() != a.len())
    {
        return Err("the shares do not match the contests and options of the manifest".into());
    }
    let j = u8::try_from(share.trustee).map_err(|_| "trustee index out of range".to_string())?;
    let mut batch = urna_crypto::BatchVerifier::new();
    let mut names = Vec::new();
    for (ci, (row, aggs)) in share.shares.iter().zip(aggregates).enumerate() {
        for (oi, (s, agg)) in row.iter().zip(aggs).enumerate() {
            // For α = 0 the batch item checks that the share is exactly the
            // empty-aggregate filler (spec/crypto.md §5.3 (D4)).
            let base = tally_context(&ctx.fingerprint(), ci, oi);
            let mut t = decryption_transcript(&base, j);
            s.add_to_batch(&mut t, x, agg, &mut batch.item());
            names.push((ci, oi));
        }
    }
    match batch.vartime_check() {
        Ok(()) => Ok(()),
        Err(urna_crypto::Error::BatchFailed { failing }) => Err(format!(
            "invalid decryption proof for (contest, option) {:?} (ERR_SHARE_INVALID)",
            failing
                .iter()
                .filter_map(|i| names.get(*i))
                .collect::<Vec<_>>()
        )),
        Err(e) => Err(e.to_string()),
    }
}
