//! Measures what one bad item costs a batch (docs/attacks.md F22): a batch
//! of `n` Schnorr-shaped equations `z·G − c·X − T = 0`, all true, then the
//! same batch with one false item, which the verifier must name. Release
//! build:
//!
//! ```sh
//! cargo run --release -p urna-crypto --example batch_failure -- [n…]
//! ```
//!
//! For each `n` (default 1000 4000) it prints the time of the good batch,
//! of the batch with one bad item (found by bisection), their ratio, and
//! for comparison the time of checking every item on its own (what naming
//! the bad item cost before bisection).

use std::time::Instant;

use curve25519_dalek::scalar::Scalar;
use urna_crypto::group::{g_table, GroupElement};
use urna_crypto::BatchVerifier;

/// `n` equations of the shape of a Schnorr check; item `bad` is false.
fn batch(n: usize, bad: Option<usize>) -> BatchVerifier {
    let mut b = BatchVerifier::new();
    for i in 0..n {
        let x = Scalar::from(1000 + i as u64);
        let t = Scalar::from(7 * i as u64 + 3);
        let c = Scalar::from(31 * i as u64 + 5);
        let big_x = GroupElement::from_point(&x * g_table());
        let big_t = GroupElement::from_point(&t * g_table());
        let mut z = t + c * x;
        if bad == Some(i) {
            z += Scalar::ONE;
        }
        b.item()
            .equation()
            .g(z)
            .point(-c, &big_x)
            .point(-Scalar::ONE, &big_t);
    }
    b
}

/// Item `i` of [`batch`] alone (false if `i == bad`).
fn single(i: usize, bad: usize) -> BatchVerifier {
    let x = Scalar::from(1000 + i as u64);
    let t = Scalar::from(7 * i as u64 + 3);
    let c = Scalar::from(31 * i as u64 + 5);
    let z = t + c * x + if i == bad { Scalar::ONE } else { Scalar::ZERO };
    let mut b = BatchVerifier::new();
    b.item()
        .equation()
        .g(z)
        .point(-c, &GroupElement::from_point(&x * g_table()))
        .point(-Scalar::ONE, &GroupElement::from_point(&t * g_table()));
    b
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if args.is_empty() {
        vec![1000, 4000]
    } else {
        args
    };
    for n in sizes {
        let good = batch(n, None);
        let start = Instant::now();
        good.vartime_check().expect("a true batch verifies");
        let t_good = start.elapsed().as_secs_f64();
        let bad = batch(n, Some(n / 3));
        let start = Instant::now();
        let named = bad.vartime_check();
        let t_bad = start.elapsed().as_secs_f64();
        assert!(named.is_err(), "the bad item is found");
        let singles: Vec<BatchVerifier> = (0..n).map(|i| single(i, n / 3)).collect();
        let start = Instant::now();
        let failed = singles
            .into_iter()
            .map(|b| b.vartime_check().is_err())
            .filter(|failed| *failed)
            .count();
        let t_singles = start.elapsed().as_secs_f64();
        assert_eq!(failed, 1);
        println!(
            "n = {n:>6}: all true {:>8.1} ms, one bad (bisected) {:>8.1} ms, ratio {:.1}; \
             each item alone {:>8.1} ms",
            t_good * 1e3,
            t_bad * 1e3,
            t_bad / t_good,
            t_singles * 1e3
        );
    }
}
