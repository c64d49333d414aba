//! `urna-sim bench-tally`: the cost of decrypting a tally at the largest
//! bound the rule-book allows (spec/crypto.md §6.2 (L2), spec/record.md
//! §4.2 (L6)).
//!
//! One election of `n` credentials, every one of weight 1,000,000 (the
//! largest, spec/record.md (L3)), one score contest of 5 options whose
//! largest score `S` is the largest with `W·S ≤ 2⁴⁰`; every credential
//! gives every option the highest score, so every total is `W·S`, just
//! under the bound: the discrete logarithm's worst case. The manifest and
//! the list pass the rule-book's bound check; the timed step is what a
//! verifier does after the close: two of three trustees' proven shares for
//! every option, their verification and combination, and the bounded
//! discrete logarithms, one option after the other on one thread as
//! `tally verify` does (the baby-step table is built within the step).

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use rand_core::OsRng;
use urna_crypto::dlog::TALLY_BOUND;
use urna_crypto::{vartime_discrete_log, Ciphertext, CiphertextSum, SecretKey};
use urna_election::entry::tally_context;
use urna_election::rules::check_tally_bound;
use urna_election::{ContestKind, CredentialEntry, CredentialList};

use crate::sample::{sample_manifest, SampleOptions, Shape};

/// The largest weight of a credential (spec/record.md (L3)).
const WEIGHT: u64 = urna_election::credentials::MAX_WEIGHT;

/// What was measured.
#[derive(Debug)]
pub struct TallyBenchReport {
    /// Credentials (each of weight 1,000,000, each voting).
    pub credentials: usize,
    /// The contest's largest score.
    pub max_score: u64,
    /// Every option's bound `W·S` and total.
    pub bound: u64,
    /// The decrypted totals (each checked equal to `W·S`).
    pub totals: Vec<u64>,
    /// Shares verified and combined, and every discrete logarithm.
    pub decrypt: Duration,
}

impl TallyBenchReport {
    /// `key=value` lines.
    pub fn to_lines(&self) -> String {
        format!(
            "credentials={}\nweight={WEIGHT}\nmax_score={}\noptions={}\nbound={} (2^{:.3}; \
             tally bound 2^40)\ndecrypt_s={:.3}\nper_option_s={:.3}\ntotals={:?}\n",
            self.credentials,
            self.max_score,
            self.totals.len(),
            self.bound,
            (self.bound as f64).log2(),
            self.decrypt.as_secs_f64(),
            self.decrypt.as_secs_f64() / self.totals.len().max(1) as f64,
            self.totals
        )
    }
}

/// Run it with `n` credentials.
pub fn run(n: usize) -> anyhow::Result<TallyBenchReport> {
    if n == 0 {
        bail!("--credentials must be at least 1");
    }
    let opts = SampleOptions {
        shape: Shape::Approval5,
        voters: n,
        ballots: n,
        spoiled: 0,
        trustees: 3,
        threshold: 2,
        ..Default::default()
    };
    let organizer = SecretKey::generate(&mut OsRng);
    let authority = SecretKey::generate(&mut OsRng);
    let trustees = crate::sample::trustee_keys(opts.trustees, &mut OsRng);
    let mut manifest = sample_manifest(
        &opts,
        &organizer.public_key(),
        &authority.public_key(),
        &crate::sample::roster(&trustees),
    )?;
    let total_weight = WEIGHT * n as u64;
    let max_score = TALLY_BOUND / total_weight;
    if max_score == 0 {
        bail!("{n} credentials of weight {WEIGHT} exceed the tally bound on their own");
    }
    manifest.weighted = true;
    manifest.contests[0].kind = ContestKind::Score { max_score };
    manifest.validate()?;
    let list = CredentialList::new(
        (0..n)
            .map(|_| CredentialEntry {
                public: SecretKey::generate(&mut OsRng).public_key(),
                weight: WEIGHT,
            })
            .collect(),
    )?;
    check_tally_bound(&manifest, &list)?;
    let params = tally::ceremony::params(&manifest).map_err(|e| anyhow!(e))?;
    let (messages, key_shares) = crate::sample::run_ceremony(&params, &trustees, &mut OsRng)?;
    let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.to_bytes()).collect();
    let keys = tally::ceremony::derive_keys(&manifest, &messages).map_err(|e| anyhow!(e))?;
    let options = manifest.contests[0].options.len();
    // Every credential gives every option the highest score.
    let mut sums = vec![CiphertextSum::zero(); options];
    for _ in 0..n {
        for s in &mut sums {
            let (ct, _) = keys.election_key.encrypt(max_score, &mut OsRng);
            s.vartime_add_weighted(&ct, WEIGHT);
        }
    }
    let aggregates: Vec<Ciphertext> = sums.iter().map(CiphertextSum::to_ciphertext).collect();
    let fingerprint = urna_election::Hash32([7u8; 32]);
    let bound = total_weight * max_score;
    let present = &key_shares[..usize::from(params.threshold())];
    let shares: Vec<Vec<_>> = aggregates
        .iter()
        .enumerate()
        .map(|(oi, agg)| {
            present
                .iter()
                .map(|k| {
                    k.partial_decrypt(&tally_context(&fingerprint, 0, oi), agg, &mut OsRng)
                        .map(|s| (k.index(), s))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;

    let start = Instant::now();
    let mut totals = Vec::with_capacity(options);
    for (oi, (agg, s)) in aggregates.iter().zip(&shares).enumerate() {
        let m = keys
            .key
            .verify_and_combine(&tally_context(&fingerprint, 0, oi), agg, s)?;
        totals.push(vartime_discrete_log(m.point(), bound)?);
    }
    let decrypt = start.elapsed();
    if totals.iter().any(|&t| t != bound) {
        bail!("decrypted totals {totals:?}, expected {bound} each");
    }
    Ok(TallyBenchReport {
        credentials: n,
        max_score,
        bound,
        totals,
        decrypt,
    })
}

#[cfg(test)]
mod tests {
    /// A small run decodes every option to `W·S` (the timing itself is the
    /// release binary's job, never a unit test's).
    #[test]
    fn small_run_decodes_the_largest_totals() {
        let r = super::run(1).unwrap();
        assert_eq!(r.max_score, urna_crypto::dlog::TALLY_BOUND / 1_000_000);
        assert!(r.totals.iter().all(|&t| t == r.bound));
        assert!(r.to_lines().contains("decrypt_s="));
    }
}
