//! The Urna side of `bench/run` (`urna-sim bench-encrypt`):
//! one election of the benchmark shape (one approval contest, 5 options,
//! choose 0 to 2; 2-of-3 trustees from a real ceremony; `n` credentials),
//! timed step by step in memory on every core:
//!
//! 1. setup: the trustee ceremony, `n` credential keys, the election context;
//! 2. encrypt: `n` ballots encrypted, proven and signed with one
//!    [`ElectionContext`] (what a voter's device does, once per voter);
//! 3. verify: every ballot's signature and proofs, batched
//!    ([`verify_ballots`], as `tally verify` does);
//! 4. tally: the homomorphic aggregate, two trustees' proven partial
//!    decryptions, their verification and combination, the discrete logs.
//!
//! The whole record (tree heads, parsing, every rule) is timed separately
//! by `bench/run` with `urna-sim sample` and `tally verify`.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use rayon::prelude::*;
use urna_crypto::dkg::{CeremonyMessage, CeremonyParams, KeyShare};
use urna_crypto::{vartime_discrete_log, CiphertextSum, DecryptionShare, SecretKey};
use urna_election::ballot::{verify_ballots, ElectionContext, EncryptedBallot};
use urna_election::entry::tally_context;
use urna_election::{CredentialEntry, CredentialList};

use crate::sample::{choices_for, sample_manifest, SampleOptions, Shape};

/// How long one step took.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// Wall-clock time.
    pub wall: Duration,
    /// CPU time of all the process's threads (Linux only: `None` elsewhere).
    pub cpu: Option<Duration>,
}

/// Times a step: wall clock and the process's CPU time.
struct Timer {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Timer {
    fn start() -> Self {
        Timer {
            cpu: cpu_time(),
            wall: Instant::now(),
        }
    }
    fn stop(self) -> Step {
        let wall = self.wall.elapsed();
        let cpu = match (cpu_time(), self.cpu) {
            (Some(end), Some(start)) => end.checked_sub(start),
            _ => None,
        };
        Step { wall, cpu }
    }
}

/// CPU time used so far by this process's live threads (nanosecond
/// counters of `/proc/self/task/*/schedstat`); the rayon workers live as
/// long as the process, so differences are exact.
fn cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// Time of each step, and the checked result.
#[derive(Debug)]
pub struct BenchReport {
    /// Ballots encrypted.
    pub ballots: usize,
    /// Worker threads (rayon).
    pub threads: usize,
    /// Trustee ceremony, credential keys and election context.
    pub setup: Step,
    /// Encrypt, prove and sign all ballots.
    pub encrypt: Step,
    /// Verify all ballots (batched).
    pub verify: Step,
    /// Aggregate, partially decrypt (2 of 3 trustees), verify, combine.
    pub tally: Step,
    /// The decrypted totals per option (equal to the votes cast: checked).
    pub totals: Vec<u64>,
}

impl BenchReport {
    /// `key=value` lines, one per measurement, for `bench/run` to parse:
    /// `<step>_s` wall-clock seconds and `<step>_cpu_s` CPU seconds (all
    /// threads; `n/a` when unknown) for setup, encrypt, verify and tally.
    pub fn to_lines(&self) -> String {
        let mut out = format!("ballots={}\nthreads={}\n", self.ballots, self.threads);
        for (name, step) in [
            ("setup", self.setup),
            ("encrypt", self.encrypt),
            ("verify", self.verify),
            ("tally", self.tally),
        ] {
            let cpu = step
                .cpu
                .map_or_else(|| "n/a".to_string(), |c| format!("{:.6}", c.as_secs_f64()));
            out.push_str(&format!(
                "{name}_s={:.6}\n{name}_cpu_s={cpu}\n",
                step.wall.as_secs_f64()
            ));
        }
        out.push_str(&format!("totals={:?}\n", self.totals));
        out
    }
}

/// A fast CSPRNG seeded from the OS, one per worker thread.
fn fresh_rng() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    ChaCha20Rng::from_seed(seed)
}

/// The four rounds of the ceremony, every trustee honest
/// ([`crate::sample::run_ceremony`]); returns the posted messages' bytes
/// and the key shares.
fn ceremony(
    params: &CeremonyParams,
    keys: &[urna_crypto::dkg::TrusteeKeys],
) -> anyhow::Result<(Vec<Vec<u8>>, Vec<KeyShare>)> {
    let (messages, shares) = crate::sample::run_ceremony(params, keys, &mut OsRng)?;
    Ok((
        messages.iter().map(CeremonyMessage::to_bytes).collect(),
        shares,
    ))
}

/// Run the benchmark election with `n` voters, one ballot each. Fails if
/// any ballot does not verify or the decrypted totals differ from the votes.
pub fn run(n: usize) -> anyhow::Result<BenchReport> {
    if n == 0 {
        bail!("--ballots must be at least 1");
    }
    let threads = rayon::current_num_threads();
    let opts = SampleOptions {
        shape: Shape::Approval5,
        voters: n,
        ballots: n,
        spoiled: 0,
        trustees: 3,
        threshold: 2,
        ..Default::default()
    };

    // 1. Setup.
    let timer = Timer::start();
    let organizer = SecretKey::generate(&mut OsRng);
    let authority = SecretKey::generate(&mut OsRng);
    let trustees = crate::sample::trustee_keys(opts.trustees, &mut OsRng);
    let manifest = sample_manifest(
        &opts,
        &organizer.public_key(),
        &authority.public_key(),
        &crate::sample::roster(&trustees),
    )?;
    let params = tally::ceremony::params(&manifest).map_err(|e| anyhow!(e))?;
    let (messages, key_shares) = ceremony(&params, &trustees)?;
    let keys = tally::ceremony::derive_keys(&manifest, &messages).map_err(|e| anyhow!(e))?;
    let voter_keys: Vec<SecretKey> = (0..n)
        .into_par_iter()
        .map_init(fresh_rng, |rng, _| SecretKey::generate(rng))
        .collect();
    let list = CredentialList::new(
        voter_keys
            .iter()
            .map(|k| CredentialEntry {
                public: k.public_key(),
                weight: 1,
            })
            .collect(),
    )?;
    let ctx = ElectionContext::new(manifest.clone(), keys.election_key.clone(), list)?;
    let setup = timer.stop();

    // 2. Encrypt: one ballot per voter, on every core.
    let timer = Timer::start();
    let ballots: Vec<EncryptedBallot> = (0..n)
        .into_par_iter()
        .map_init(fresh_rng, |rng, v| -> anyhow::Result<EncryptedBallot> {
            let choice = choices_for(Shape::Approval5, v, 0);
            let (ballot, _) = EncryptedBallot::encrypt(&ctx, &voter_keys[v], &choice, rng)?;
            Ok(ballot)
        })
        .collect::<anyhow::Result<_>>()?;
    let encrypt = timer.stop();

    // 3. Verify every ballot (batched, one batch per core).
    let timer = Timer::start();
    let verdicts = verify_ballots(&ctx, &ballots);
    let verify = timer.stop();
    if let Some((i, Err(e))) = verdicts.iter().enumerate().find(|(_, r)| r.is_err()) {
        bail!("ballot {i} does not verify: {e}");
    }

    // 4. Tally: aggregate, two trustees decrypt with proofs, verify, combine.
    let timer = Timer::start();
    let contest = manifest
        .contests
        .first()
        .context("the benchmark manifest has no contest")?;
    let options = contest.options.len();
    let sums: Vec<CiphertextSum> = ballots
        .par_iter()
        .fold(
            || vec![CiphertextSum::zero(); options],
            |mut acc, b| {
                if let Some(c) = b.contests().first() {
                    for (s, ct) in acc.iter_mut().zip(c.ciphertexts()) {
                        s.add(ct);
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![CiphertextSum::zero(); options],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    x.merge(y);
                }
                a
            },
        );
    let aggregates: Vec<urna_crypto::Ciphertext> =
        sums.iter().map(CiphertextSum::to_ciphertext).collect();
    let fingerprint = ctx.fingerprint();
    let present = &key_shares[..params.threshold() as usize];
    let shares: Vec<Vec<(u8, DecryptionShare)>> = aggregates
        .par_iter()
        .enumerate()
        .map(|(oi, agg)| {
            present
                .iter()
                .map(|k| {
                    let base = tally_context(&fingerprint, 0, oi);
                    k.partial_decrypt(&base, agg, &mut OsRng)
                        .map(|s| (k.index(), s))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    let bound = ctx.credentials().total_weight() * contest.max_per_option();
    let totals: Vec<u64> = aggregates
        .par_iter()
        .zip(&shares)
        .enumerate()
        .map(|(oi, (agg, s))| -> anyhow::Result<u64> {
            let base = tally_context(&fingerprint, 0, oi);
            let combined = keys.key.verify_and_combine(&base, agg, s)?;
            Ok(vartime_discrete_log(combined.point(), bound)?)
        })
        .collect::<anyhow::Result<_>>()?;
    let tally = timer.stop();

    let expected: Vec<u64> = (0..options)
        .map(|o| {
            (0..n)
                .map(|v| choices_for(Shape::Approval5, v, 0)[0][o])
                .sum()
        })
        .collect();
    if totals != expected {
        bail!("decrypted totals {totals:?} differ from the votes cast {expected:?}");
    }
    Ok(BenchReport {
        ballots: n,
        threads,
        setup,
        encrypt,
        verify,
        tally,
        totals,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_bench_election_decrypts_to_the_votes() {
        let r = super::run(20).unwrap();
        assert_eq!(r.ballots, 20);
        assert_eq!(r.totals.iter().sum::<u64>(), 19); // 7×0 + 7×1 + 6×2 choices
        assert!(r.to_lines().contains("\nencrypt_s="));
        assert!(r.to_lines().contains("\nencrypt_cpu_s="));
    }
}
