//! Trustee benchmarks (issue 3; figures in `crypto/BENCHMARKS.md`).
//! Run: `cargo bench -p urna-crypto --bench dkg`.
//!
//! - a 5-of-9 ceremony: the CPU one trustee spends in each round (its own
//!   messages plus checking everyone else's), and the auditor's full check;
//! - one trustee's partial decryption with proofs of a 25-option tally;
//! - combining 5 shares and recovering totals around 10⁶.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use merlin::Transcript;
use rand_core::OsRng;
use urna_crypto::dkg::{
    combine_shares_unchecked, verify_ceremony, CeremonyMessage, CeremonyParams, CeremonyRecord,
    KeyShare, Trustee,
};
use urna_crypto::{vartime_discrete_log, Ciphertext, CiphertextSum, DecryptionShare, Scalar};

fn run_ceremony(params: &CeremonyParams) -> (Vec<Trustee>, CeremonyRecord, Vec<KeyShare>) {
    let trustees: Vec<Trustee> = params
        .indices()
        .map(|i| Trustee::new(params, i, &mut OsRng).unwrap())
        .collect();
    let mut record = CeremonyRecord::new();
    for t in &trustees {
        record.push(CeremonyMessage::Round1(t.round1(&mut OsRng).unwrap()));
    }
    let r2: Vec<_> = trustees
        .iter()
        .map(|t| t.round2(&record, &mut OsRng).unwrap())
        .collect();
    for m in r2 {
        record.push(CeremonyMessage::Round2(m));
    }
    let r3: Vec<_> = trustees
        .iter()
        .map(|t| t.round3(&record, &mut OsRng).unwrap())
        .collect();
    for m in r3 {
        record.push(CeremonyMessage::Round3(m));
    }
    let mut shares = Vec::new();
    let mut r4 = Vec::new();
    for t in &trustees {
        let (m, s) = t.round4(&record, &mut OsRng).unwrap();
        r4.push(m);
        shares.push(s);
    }
    for m in r4 {
        record.push(CeremonyMessage::Round4(m));
    }
    (trustees, record, shares)
}

fn partial(record: &CeremonyRecord, rounds: usize) -> CeremonyRecord {
    let mut r = CeremonyRecord::new();
    if rounds >= 1 {
        r.round1 = record.round1.clone();
    }
    if rounds >= 2 {
        r.round2 = record.round2.clone();
    }
    if rounds >= 3 {
        r.round3 = record.round3.clone();
    }
    r
}

fn dkg(c: &mut Criterion) {
    let params = CeremonyParams::new([9; 32], 9, 5).unwrap();
    let (trustees, record, shares) = run_ceremony(&params);
    let me = &trustees[0];
    let mut g = c.benchmark_group("dkg-5-of-9-one-trustee");
    g.sample_size(10);
    g.bench_function("round1", |b| b.iter(|| me.round1(&mut OsRng).unwrap()));
    let r1 = partial(&record, 1);
    g.bench_function("round2", |b| b.iter(|| me.round2(&r1, &mut OsRng).unwrap()));
    let r2 = partial(&record, 2);
    g.bench_function("round3", |b| b.iter(|| me.round3(&r2, &mut OsRng).unwrap()));
    let r3 = partial(&record, 3);
    g.bench_function("round4", |b| b.iter(|| me.round4(&r3, &mut OsRng).unwrap()));
    g.bench_function("auditor-verify-ceremony", |b| {
        b.iter(|| verify_ceremony(&params, &record).unwrap())
    });
    g.finish();

    // A tally of 25 option totals, each the sum of many ballots.
    let key = shares[0].joint_key().clone();
    let tallies: Vec<Ciphertext> = (0..25u64)
        .map(|i| {
            let mut s = CiphertextSum::zero();
            let (ct, _) = key.encrypt(1_000_000 + i, &mut OsRng);
            s.add(&ct);
            s.to_ciphertext()
        })
        .collect();
    let base = |i: usize| {
        let mut t = Transcript::new(b"urna/v1/bench-tally");
        t.append_u64(b"option", i as u64);
        t
    };
    let mut g = c.benchmark_group("threshold-decryption");
    g.sample_size(10);
    g.bench_function("partial-decrypt-25-totals-one-trustee", |b| {
        b.iter(|| {
            tallies
                .iter()
                .enumerate()
                .map(|(i, ct)| shares[0].partial_decrypt(&base(i), ct, &mut OsRng).unwrap())
                .collect::<Vec<DecryptionShare>>()
        })
    });
    let all: Vec<Vec<DecryptionShare>> = shares[..5]
        .iter()
        .map(|s| {
            tallies
                .iter()
                .enumerate()
                .map(|(i, ct)| s.partial_decrypt(&base(i), ct, &mut OsRng).unwrap())
                .collect()
        })
        .collect();
    let tk = shares[0].threshold_key().clone();
    g.bench_function("verify-and-combine-5-shares-25-totals+dlog", |b| {
        b.iter(|| {
            for (i, ct) in tallies.iter().enumerate() {
                let parts: Vec<(u8, DecryptionShare)> = shares[..5]
                    .iter()
                    .zip(&all)
                    .map(|(s, row)| (s.index(), row[i]))
                    .collect();
                let m = tk.verify_and_combine(&base(i), ct, &parts).unwrap();
                assert!(vartime_discrete_log(m.point(), 2_000_000).unwrap() >= 1_000_000);
            }
        })
    });
    g.bench_function("combine-unchecked-5-shares-25-totals+dlog", |b| {
        b.iter(|| {
            for (i, ct) in tallies.iter().enumerate() {
                let parts: Vec<_> = shares[..5]
                    .iter()
                    .zip(&all)
                    .map(|(s, row)| (s.index(), *row[i].share()))
                    .collect();
                let m = combine_shares_unchecked(5, ct, &parts).unwrap();
                vartime_discrete_log(&m, 2_000_000).unwrap();
            }
        })
    });
    g.finish();
    let _ = Scalar::ONE;
}

criterion_group!(benches, dkg);
criterion_main!(benches);
