//! The end-to-end crypto demo: one election key, `n` voters with credential
//! keys, encrypted and proven ballots, one batch verification of all of
//! them, the homomorphic tally, a proven decryption, the result.
//!
//! It exercises every primitive of `urna-crypto` in the order a real
//! election uses them; the bulletin board, trustees and the election record
//! replace its in-memory steps in later releases.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use merlin::Transcript;
use rand_core::OsRng;
use rayon::prelude::*;
use urna_crypto::{
    vartime_discrete_log, BatchVerifier, Ciphertext, CiphertextSum, ContestBounds, DecryptionShare,
    EncryptedContest, PublicKey, SecretKey, Signature,
};

/// What the demo measured and computed.
#[derive(Debug)]
pub struct DemoReport {
    /// Votes per option, decrypted.
    pub totals: Vec<u64>,
    /// Votes per option, counted in the clear from the simulated choices.
    pub expected: Vec<u64>,
    /// Time to encrypt, prove and sign all ballots.
    pub encrypt: Duration,
    /// Time to batch-verify all ballots.
    pub verify: Duration,
    /// Time to aggregate, decrypt and prove.
    pub tally: Duration,
}

/// A ballot of the demo: one contest, signed by a credential key.
struct DemoBallot {
    credential: PublicKey,
    contest: EncryptedContest,
    signature: Signature,
}

fn ballot_context(election_id: &[u8; 32], credential: &PublicKey) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/demo-ballot");
    t.append_message(b"election", election_id);
    t.append_message(b"credential", &credential.to_bytes());
    t.append_u64(b"contest", 0);
    t
}

fn signature_transcript() -> Transcript {
    Transcript::new(b"urna/v1/demo-ballot-signature")
}

fn progress(n: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// Run the demo with `voters` ballots over a contest of `options` options,
/// choose between `min` and `max`.
pub fn run(
    voters: usize,
    options: u32,
    min: u64,
    max: u64,
    quiet: bool,
) -> anyhow::Result<DemoReport> {
    let bounds = ContestBounds::new(options, 1, min, max).context("contest rules")?;
    let election_id = [7u8; 32];
    let election_key = SecretKey::generate(&mut OsRng);
    let pk = election_key.public_key();

    // Simulated voters: each has a credential key and picks between min and max options.
    let choices: Vec<Vec<u64>> = (0..voters)
        .map(|v| {
            let k = min + (v as u64 % (max - min + 1));
            (0..options as u64)
                .map(|o| u64::from((o + v as u64) % u64::from(options) < k))
                .collect()
        })
        .collect();

    let t0 = Instant::now();
    let pb = progress(voters as u64, "encrypt", quiet);
    let ballots: Vec<DemoBallot> = choices
        .par_iter()
        .map(|c| {
            let cred = SecretKey::generate(&mut OsRng);
            let credential = cred.public_key();
            let ctx = ballot_context(&election_id, &credential);
            let (contest, _opening) = EncryptedContest::encrypt(&ctx, &pk, &bounds, c, &mut OsRng)?;
            let signature = Signature::sign(
                &mut signature_transcript(),
                &cred,
                &contest.to_bytes(),
                &mut OsRng,
            );
            pb.inc(1);
            Ok(DemoBallot {
                credential,
                contest,
                signature,
            })
        })
        .collect::<urna_crypto::Result<_>>()?;
    pb.finish();
    let encrypt = t0.elapsed();

    let t1 = Instant::now();
    let pb = progress(voters as u64, "verify", quiet);
    let mut batch = BatchVerifier::new();
    for b in &ballots {
        let mut item = batch.item();
        let ctx = ballot_context(&election_id, &b.credential);
        b.contest.add_to_batch(&ctx, &pk, &bounds, &mut item);
        b.signature.add_to_batch(
            &mut signature_transcript(),
            &b.credential,
            &b.contest.to_bytes(),
            &mut item,
        );
        pb.inc(1);
    }
    if let Err(e) = batch.vartime_check() {
        bail!("ballot verification failed: {e}");
    }
    pb.finish();
    let verify = t1.elapsed();

    let t2 = Instant::now();
    let mut sums = vec![CiphertextSum::zero(); options as usize];
    for b in &ballots {
        for (s, ct) in sums.iter_mut().zip(b.contest.ciphertexts()) {
            s.add(ct);
        }
    }
    let aggregates: Vec<Ciphertext> = sums.iter().map(CiphertextSum::to_ciphertext).collect();
    let mut totals = Vec::with_capacity(options as usize);
    for (i, agg) in aggregates.iter().enumerate() {
        let mut t = Transcript::new(b"urna/v1/demo-tally");
        t.append_u64(b"option", i as u64);
        let share = DecryptionShare::create(&mut t.clone(), &election_key, agg, &mut OsRng)?;
        share.verify(&mut t, &pk, agg)?;
        let m_g = agg.beta().point() - share.share().point();
        totals.push(vartime_discrete_log(&m_g, voters as u64)?);
    }
    let tally = t2.elapsed();

    let expected = (0..options as usize)
        .map(|o| choices.iter().map(|c| c[o]).sum())
        .collect();
    Ok(DemoReport {
        totals,
        expected,
        encrypt,
        verify,
        tally,
    })
}
