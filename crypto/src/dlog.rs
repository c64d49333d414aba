//! Bounded discrete logarithm by baby-step giant-step (spec §6.2).
//!
//! To find `m ∈ [0, bound]` with `P = m·G`, write `m = i·M + j` with
//! `0 ≤ j < M`. A table maps the encoding of `j·G` to `j` (baby steps); then
//! for `i = 0, 1, …` look up `P − i·M·G` (giant steps). The search stops at
//! `bound`, so a malicious or corrupted tally can never make it run without
//! end (docs/attacks.md A12): it fails with [`Error::TallyOutOfRange`].
//!
//! Both phases compress points in batches with
//! `RistrettoPoint::double_and_compress_batch`, which computes the
//! encodings of `2·Qₖ` sharing one field inversion; we feed it halves.
//!
//! Only for public data (a decrypted tally): everything here is variable time.

use std::collections::HashMap;
use std::sync::OnceLock;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use crate::error::{Error, Result};
use crate::group::{g_table, generator_g};

/// log2 of the number of baby steps in the shared table (2¹⁶ entries, ~1.5 MiB):
/// counts up to 2³² need at most 2¹⁶ giant steps.
pub const BABY_STEP_BITS: u32 = 16;

/// log2 of the largest baby-step table the decoder builds (2²⁰ entries,
/// about 80 MiB, for bounds above 2³⁸): then `bound / 2²⁰` giant steps.
/// Between 2³² and 2³⁸ the table grows with `√bound`.
pub const MAX_TABLE_BITS: u32 = 20;

/// The largest count a tally may have to decode (spec/crypto.md §6.2
/// (L2)): every option's bound `W × S` (spec/record.md §7.3 (Y6)) must be
/// at most this, which the rule-book enforces where `W` and `S` become
/// known. At this bound the worst case is 2²⁰ baby steps and 2²⁰ giant
/// steps, about a second per option on one core (crypto/BENCHMARKS.md).
pub const TALLY_BOUND: u64 = 1 << 40;

const BATCH: usize = 256;

/// A baby-step table for `M = 2^bits`.
pub struct DiscreteLogTable {
    m: u64,
    baby: HashMap<[u8; 32], u32>,
}

impl DiscreteLogTable {
    /// Build a table with `2^bits` baby steps (`1 ≤ bits ≤ 24`).
    pub fn new(bits: u32) -> Result<Self> {
        if !(1..=24).contains(&bits) {
            return Err(Error::InvalidParameter(
                "baby-step table size must be 2^1 … 2^24",
            ));
        }
        Ok(Self::build(bits))
    }

    fn build(bits: u32) -> Self {
        let m = 1u64 << bits;
        let half_g = generator_g() * Scalar::from(2u64).invert();
        let mut baby = HashMap::with_capacity(m as usize);
        let mut q = RistrettoPoint::identity();
        let mut buf = Vec::with_capacity(BATCH);
        let mut j: u64 = 0;
        while j < m {
            buf.clear();
            while buf.len() < BATCH && j + (buf.len() as u64) < m {
                buf.push(q);
                q += half_g;
            }
            for (k, enc) in RistrettoPoint::double_and_compress_batch(&buf)
                .into_iter()
                .enumerate()
            {
                baby.insert(enc.0, (j + k as u64) as u32);
            }
            j += buf.len() as u64;
        }
        DiscreteLogTable { m, baby }
    }

    /// The shared table with `2^BABY_STEP_BITS` entries, built on first use.
    pub fn shared() -> &'static DiscreteLogTable {
        static T: OnceLock<DiscreteLogTable> = OnceLock::new();
        T.get_or_init(|| DiscreteLogTable::build(BABY_STEP_BITS))
    }

    /// Find `m ∈ [0, bound]` with `p = m·G`, or fail with
    /// [`Error::TallyOutOfRange`] after at most `bound / M + 1` giant steps.
    pub fn vartime_discrete_log(&self, p: &RistrettoPoint, bound: u64) -> Result<u64> {
        let two_inv = Scalar::from(2u64).invert();
        let mut q = p * two_inv; // Q₀ = P/2
        let step = &Scalar::from(self.m) * g_table() * two_inv; // (M·G)/2
        let giants = bound / self.m + 1;
        let mut i: u64 = 0;
        let mut buf = Vec::with_capacity(BATCH);
        while i < giants {
            buf.clear();
            while buf.len() < BATCH && i + (buf.len() as u64) < giants {
                buf.push(q);
                q -= step;
            }
            for (k, enc) in RistrettoPoint::double_and_compress_batch(&buf)
                .into_iter()
                .enumerate()
            {
                if let Some(&j) = self.baby.get(&enc.0) {
                    let m = (i + k as u64) * self.m + j as u64;
                    if m <= bound {
                        return Ok(m);
                    }
                    return Err(Error::TallyOutOfRange { bound });
                }
            }
            i += buf.len() as u64;
        }
        Err(Error::TallyOutOfRange { bound })
    }
}

/// The baby-step table size (log2) [`vartime_discrete_log`] uses for
/// `bound`: `⌈log2 √(bound + 1)⌉`, clamped to `[4, MAX_TABLE_BITS]`.
pub fn table_bits_for(bound: u64) -> u32 {
    let bits_needed = 64 - bound.leading_zeros();
    bits_needed.div_ceil(2).clamp(4, MAX_TABLE_BITS)
}

/// `m ∈ [0, bound]` with `p = m·G`.
///
/// Uses a cached table of `2^b` baby steps with `b =` [`table_bits_for`]`(bound)`,
/// so a small tally does not pay for building a large table: the work is
/// about `2·√bound` steps up to [`TALLY_BOUND`]. A larger bound is still
/// searched (in bounded time, `bound / 2²⁰` giant steps) but the rule-book
/// never lets an election reach one.
pub fn vartime_discrete_log(p: &RistrettoPoint, bound: u64) -> Result<u64> {
    static TABLES: [OnceLock<DiscreteLogTable>; MAX_TABLE_BITS as usize + 1] =
        [const { OnceLock::new() }; MAX_TABLE_BITS as usize + 1];
    let bits = table_bits_for(bound);
    if bits == BABY_STEP_BITS {
        return DiscreteLogTable::shared().vartime_discrete_log(p, bound);
    }
    TABLES[bits as usize]
        .get_or_init(|| DiscreteLogTable::build(bits))
        .vartime_discrete_log(p, bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mg(m: u64) -> RistrettoPoint {
        &Scalar::from(m) * g_table()
    }

    #[test]
    fn small_table_finds_every_value_and_respects_bound() {
        let t = DiscreteLogTable::new(4).unwrap();
        for m in 0..200u64 {
            assert_eq!(t.vartime_discrete_log(&mg(m), 200).unwrap(), m);
        }
        assert_eq!(
            t.vartime_discrete_log(&mg(201), 200),
            Err(Error::TallyOutOfRange { bound: 200 })
        );
        assert_eq!(
            t.vartime_discrete_log(&mg(150), 100),
            Err(Error::TallyOutOfRange { bound: 100 })
        );
    }

    #[test]
    fn a12_huge_value_fails_in_bounded_time() {
        // 2^40·G with bound 10^6: a handful of giant steps, then a clean error.
        let p = mg(1u64 << 40);
        assert_eq!(
            vartime_discrete_log(&p, 1_000_000),
            Err(Error::TallyOutOfRange { bound: 1_000_000 })
        );
    }

    #[test]
    fn table_size_follows_the_bound_up_to_the_cap() {
        assert_eq!(table_bits_for(0), 4);
        assert_eq!(table_bits_for(1 << 32), 17);
        assert_eq!(table_bits_for((1 << 32) - 1), BABY_STEP_BITS);
        assert_eq!(table_bits_for(TALLY_BOUND), MAX_TABLE_BITS);
        assert_eq!(table_bits_for(u64::MAX), MAX_TABLE_BITS);
    }

    #[test]
    fn shared_table_large_values() {
        for m in [0u64, 1, 65_535, 65_536, 1_000_003, (1 << 32) - 1] {
            assert_eq!(vartime_discrete_log(&mg(m), 1 << 32).unwrap(), m);
        }
    }
}
