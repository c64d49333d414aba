//! Measures the bounded discrete logarithm (spec/crypto.md §6.2) at its
//! worst case: the largest count a bound allows. Release build:
//!
//! ```sh
//! cargo run --release -p urna-crypto --example dlog_bound -- [bits…]
//! ```
//!
//! For each `bits` (default 32 36 40) it times building the baby-step table
//! the decoder picks for `bound = 2^bits` and decoding `bound·G` (every
//! giant step taken).

use std::time::Instant;

use curve25519_dalek::scalar::Scalar;
use urna_crypto::dlog::{table_bits_for, DiscreteLogTable};
use urna_crypto::group::g_table;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let bits_list = if args.is_empty() {
        vec![32, 36, 40]
    } else {
        args
    };
    for bits in bits_list {
        let bound = (1u64 << bits) - 1;
        let p = &Scalar::from(bound) * g_table();
        let tb = table_bits_for(bound);
        let t0 = Instant::now();
        let table = DiscreteLogTable::new(tb).expect("table size");
        let build = t0.elapsed();
        let t1 = Instant::now();
        let m = table.vartime_discrete_log(&p, bound).expect("decodes");
        let decode = t1.elapsed();
        assert_eq!(m, bound);
        println!(
            "bound=2^{bits} table=2^{tb} build_s={:.3} worst_decode_s={:.3}",
            build.as_secs_f64(),
            decode.as_secs_f64()
        );
    }
}
