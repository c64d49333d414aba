//! Criterion benchmarks of the crypto core (issue 2 targets; figures in
//! `crypto/BENCHMARKS.md`). Run: `cargo bench -p urna-crypto --bench crypto`.
//!
//! "Per core" figures run inside a one-thread rayon pool; `threads=2`
//! figures use both cores of the benchmark machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::OsRng;
use rayon::prelude::*;
use urna_crypto::proofs::range::RangeProof;
use urna_crypto::{
    vartime_discrete_log, BatchVerifier, ContestBounds, EncryptedContest, PublicKey, SecretKey,
    Signature,
};

/// A ballot as the board will see it: one contest (5 options, choose 0 to
/// 2), signed with the voter's credential key.
struct Ballot {
    credential: PublicKey,
    contest: EncryptedContest,
    signature: Signature,
}

fn context(credential: &PublicKey) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/bench-ballot");
    t.append_message(b"election", &[1u8; 32]);
    t.append_message(b"credential", &credential.to_bytes());
    t.append_u64(b"contest", 0);
    t
}

fn bounds() -> ContestBounds {
    ContestBounds::new(5, 1, 0, 2).unwrap()
}

fn make_ballot(pk: &PublicKey, cred: &SecretKey, choices: &[u64]) -> Ballot {
    let credential = cred.public_key();
    let (contest, _) =
        EncryptedContest::encrypt(&context(&credential), pk, &bounds(), choices, &mut OsRng)
            .unwrap();
    let signature = Signature::sign(
        &mut Transcript::new(b"urna/v1/bench-signature"),
        cred,
        &contest.to_bytes(),
        &mut OsRng,
    );
    Ballot {
        credential,
        contest,
        signature,
    }
}

fn add(b: &Ballot, pk: &PublicKey, batch: &mut BatchVerifier) {
    let mut item = batch.item();
    b.contest
        .add_to_batch(&context(&b.credential), pk, &bounds(), &mut item);
    b.signature.add_to_batch(
        &mut Transcript::new(b"urna/v1/bench-signature"),
        &b.credential,
        &b.contest.to_bytes(),
        &mut item,
    );
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

fn ballots(c: &mut Criterion) {
    let key = SecretKey::generate(&mut OsRng);
    let pk = key.public_key();
    let cred = SecretKey::generate(&mut OsRng);
    let mut g = c.benchmark_group("ballot-5-options-choose-0-2");
    g.bench_function("encrypt+prove+sign", |b| {
        b.iter(|| make_ballot(&pk, &cred, &[1, 0, 1, 0, 0]))
    });
    let ballot = make_ballot(&pk, &cred, &[1, 0, 1, 0, 0]);
    let pool = one_thread();
    g.bench_function("verify-individually", |b| {
        b.iter(|| {
            pool.install(|| {
                let mut batch = BatchVerifier::new();
                add(&ballot, &pk, &mut batch);
                batch.vartime_check().unwrap()
            })
        })
    });
    g.finish();

    let max = 16_384;
    let all: Vec<Ballot> = (0..max)
        .into_par_iter()
        .map(|i| {
            let cred = SecretKey::generate(&mut OsRng);
            let k = (i % 3) as usize;
            let choices: Vec<u64> = (0..5).map(|o| u64::from(o < k)).collect();
            make_ballot(&pk, &cred, &choices)
        })
        .collect();
    let mut g = c.benchmark_group("ballot-verify-batched");
    g.sample_size(10);
    for &n in &[1usize, 64, 1024, 16_384] {
        g.throughput(Throughput::Elements(n as u64));
        for (threads, pool) in [
            (1, one_thread()),
            (
                2,
                rayon::ThreadPoolBuilder::new()
                    .num_threads(2)
                    .build()
                    .unwrap(),
            ),
        ] {
            g.bench_with_input(
                BenchmarkId::new(format!("threads={threads}"), n),
                &n,
                |b, &n| {
                    b.iter(|| {
                        pool.install(|| {
                            let mut batch = BatchVerifier::new();
                            for ballot in &all[..n] {
                                add(ballot, &pk, &mut batch);
                            }
                            batch.vartime_check().unwrap()
                        })
                    })
                },
            );
        }
    }
    g.finish();
}

fn zero_one_proofs(c: &mut Criterion) {
    let key = SecretKey::generate(&mut OsRng);
    let pk = key.public_key();
    let n = 4096;
    let proofs: Vec<_> = (0..n)
        .map(|i| {
            let m = (i % 2) as u64;
            let (ct, r) = pk.encrypt(m, &mut OsRng);
            let p = RangeProof::prove(
                &mut Transcript::new(b"urna/v1/bench-01"),
                &pk,
                &ct,
                m,
                &r,
                0,
                1,
                &mut OsRng,
            )
            .unwrap();
            (ct, p)
        })
        .collect();
    let pool = one_thread();
    let mut g = c.benchmark_group("zero-one-proof");
    g.sample_size(10);
    g.bench_function("verify-individually", |b| {
        b.iter(|| {
            pool.install(|| {
                let (ct, p) = &proofs[0];
                p.verify(&mut Transcript::new(b"urna/v1/bench-01"), &pk, ct, 0, 1)
                    .unwrap()
            })
        })
    });
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("verify-batched/threads=1", n), |b| {
        b.iter(|| {
            pool.install(|| {
                let mut batch = BatchVerifier::new();
                for (ct, p) in &proofs {
                    p.add_to_batch(
                        &mut Transcript::new(b"urna/v1/bench-01"),
                        &pk,
                        ct,
                        0,
                        1,
                        &mut batch.item(),
                    );
                }
                batch.vartime_check().unwrap()
            })
        })
    });
    g.finish();
}

fn bulletproofs(c: &mut Criterion) {
    let key = SecretKey::generate(&mut OsRng);
    let pk = key.public_key();
    let pool = one_thread();
    let mut g = c.benchmark_group("bulletproof-range");
    g.sample_size(20);
    for bits in [8u32, 16, 32] {
        let max = (1u64 << bits) - 1;
        let m = max / 3;
        let (ct, r) = pk.encrypt(m, &mut OsRng);
        g.bench_function(BenchmarkId::new("prove", bits), |b| {
            b.iter(|| {
                RangeProof::prove(
                    &mut Transcript::new(b"urna/v1/bench-bp"),
                    &pk,
                    &ct,
                    m,
                    &r,
                    0,
                    max,
                    &mut OsRng,
                )
                .unwrap()
            })
        });
        let p = RangeProof::prove(
            &mut Transcript::new(b"urna/v1/bench-bp"),
            &pk,
            &ct,
            m,
            &r,
            0,
            max,
            &mut OsRng,
        )
        .unwrap();
        g.bench_function(BenchmarkId::new("verify", bits), |b| {
            b.iter(|| {
                pool.install(|| {
                    p.verify(&mut Transcript::new(b"urna/v1/bench-bp"), &pk, &ct, 0, max)
                        .unwrap()
                })
            })
        });
    }
    g.finish();
}

fn discrete_log(c: &mut Criterion) {
    // Build the shared table outside the measurement.
    let _ = vartime_discrete_log(&(&Scalar::from(1u64) * urna_crypto::group::g_table()), 1);
    let mut g = c.benchmark_group("discrete-log");
    g.bench_function("table-build-2^16", |b| {
        b.iter_batched(
            || (),
            |_| urna_crypto::dlog::DiscreteLogTable::new(16).unwrap(),
            BatchSize::PerIteration,
        )
    });
    let p = &Scalar::from(1_000_003u64) * urna_crypto::group::g_table();
    g.bench_function("count-near-10^6", |b| {
        b.iter(|| vartime_discrete_log(&p, 2_000_000).unwrap())
    });
    g.finish();
}

criterion_group!(
    benches,
    ballots,
    zero_one_proofs,
    bulletproofs,
    discrete_log
);
criterion_main!(benches);
