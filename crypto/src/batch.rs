//! Batch verification (spec §8).
//!
//! Every proof in Urna is kept in *commitment form*: the verifier's checks are
//! equations `Σ cᵢ·Pᵢ = 0` over group elements. A batch multiplies each
//! equation by an independent random 128-bit weight `w`, adds everything up,
//! and checks the sum with one variable-time multiscalar multiplication:
//!
//! ```text
//!     Σ_items Σ_equations w_e · (Σ_i c_{e,i} · P_{e,i})  ==  0
//! ```
//!
//! If any equation is false, the sum is non-zero except with probability
//! about 2⁻¹²⁸: the weights come from a CSPRNG seeded by the OS, so no
//! prover can predict them (spec §8 (W1)). Shared
//! bases (`G`, `H`, the election key) get one combined coefficient. On
//! failure, each item's own weighted sum is checked to name the culprits.
//! Checks that are not linear equations (bulletproofs) are *deferred*
//! closures run in parallel alongside.
//!
//! Everything here runs in variable time and must only touch public data.

use std::collections::HashMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use merlin::{Transcript, TranscriptRng};
use rand_core::{OsRng, RngCore};

use crate::error::{Error, Result};
use crate::group::{generator_g, generator_h, GroupElement};

/// A deferred, non-linear check (e.g. a bulletproofs range proof).
pub(crate) type Deferred = Box<dyn FnOnce() -> bool + Send>;

/// Index of a point local to one item whose coefficients are combined
/// (e.g. a ciphertext's `α` used by every branch of a disjunctive proof).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalId(usize);

/// Index of a shared base registered in a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseId(usize);

#[derive(Clone, Debug)]
struct ItemRecord {
    start: usize,
    end: usize,
    g: Scalar,
    h: Scalar,
    bases: Vec<(usize, Scalar)>,
}

/// Collects verification equations of many proofs and checks them at once.
pub struct BatchVerifier {
    rng: TranscriptRng,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
    bases: Vec<RistrettoPoint>,
    base_index: HashMap<[u8; 32], usize>,
    items: Vec<ItemRecord>,
    deferred: Vec<(usize, Deferred)>,
}

impl Default for BatchVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchVerifier {
    /// A new, empty batch; weights come from the OS RNG.
    pub fn new() -> Self {
        Self::with_rng(&mut OsRng)
    }

    /// A new batch whose weights are seeded from `rng` (tests use a seeded RNG
    /// to reproduce a run; production uses [`BatchVerifier::new`]).
    pub fn with_rng<R: RngCore + rand_core::CryptoRng>(rng: &mut R) -> Self {
        BatchVerifier {
            rng: Transcript::new(b"urna/v1/batch-weights")
                .build_rng()
                .finalize(rng),
            scalars: Vec::new(),
            points: Vec::new(),
            bases: Vec::new(),
            base_index: HashMap::new(),
            items: Vec::new(),
            deferred: Vec::new(),
        }
    }

    /// Number of items added so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item was added.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Register a base shared by many equations (e.g. the election key).
    pub fn base(&mut self, e: &GroupElement) -> BaseId {
        let next = self.bases.len();
        let idx = *self.base_index.entry(e.to_bytes()).or_insert(next);
        if idx == next {
            self.bases.push(e.point());
        }
        BaseId(idx)
    }

    /// Start a new item (one ballot, one proof…). Its index in
    /// [`Error::BatchFailed`] is the number of items added before it.
    pub fn item(&mut self) -> Item<'_> {
        let start = self.scalars.len();
        Item {
            locals: Vec::new(),
            rec: ItemRecord {
                start,
                end: start,
                g: Scalar::ZERO,
                h: Scalar::ZERO,
                bases: Vec::new(),
            },
            batch: self,
        }
    }

    fn weight(&mut self) -> Scalar {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        Scalar::from(u128::from_le_bytes(b))
    }

    /// Check every equation and deferred check of the batch.
    ///
    /// On failure returns [`Error::BatchFailed`] with the indices of the
    /// failing items, found by checking each item on its own.
    pub fn vartime_check(self) -> Result<()> {
        let BatchVerifier {
            rng: _,
            scalars,
            points,
            bases,
            base_index: _,
            items,
            deferred,
        } = self;
        let this = Checker {
            scalars,
            points,
            bases,
        };
        let mut failing: Vec<usize> = run_deferred(deferred);

        let chunks = chunk_items(&items);
        let sums: Vec<RistrettoPoint> = maybe_par_map(&chunks, |c| this.sum(c));
        let total: RistrettoPoint = sums.iter().sum();
        if total.is_identity() && failing.is_empty() {
            return Ok(());
        }
        if !total.is_identity() {
            // Bisect the chunks whose sum is not the identity: with `b` bad
            // items among `n`, about 2·b·log₂(n/b) sums of shrinking size,
            // instead of `n` single checks — so one bad item does not make
            // the whole batch cost `n` times more (docs/attacks.md F22).
            let bad_chunks: Vec<(usize, &[ItemRecord])> = chunk_offsets(&chunks)
                .into_iter()
                .zip(&sums)
                .filter(|(_, sum)| !sum.is_identity())
                .map(|(c, _)| c)
                .collect();
            let bad: Vec<Vec<usize>> = maybe_par_map(&bad_chunks, |(at, c)| {
                let mut out = Vec::new();
                this.bisect(c, *at, &mut out);
                out
            });
            failing.extend(bad.into_iter().flatten());
            if failing.is_empty() {
                // Unreachable in theory (a sum of identities is the identity);
                // fail closed and blame every item rather than accept.
                failing.extend(0..items.len());
            }
        }
        failing.sort_unstable();
        failing.dedup();
        Err(Error::BatchFailed { failing })
    }
}

/// The read-only part of a batch, shared across threads.
struct Checker {
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
    bases: Vec<RistrettoPoint>,
}

impl Checker {
    /// The items of `items` (the first at index `at`) whose own equation
    /// fails, given that their sum is not the identity: halve and recurse
    /// into each half whose sum is not the identity. The random weights
    /// make a bad item's half non-identity except with negligible
    /// probability, as for the whole batch.
    fn bisect(&self, items: &[ItemRecord], at: usize, out: &mut Vec<usize>) {
        if items.len() <= 1 {
            out.push(at);
            return;
        }
        let (left, right) = items.split_at(items.len() / 2);
        let left_bad = !self.sum(left).is_identity();
        if left_bad {
            self.bisect(left, at, out);
        }
        // If the left half sums to the identity, the right one cannot.
        if !left_bad || !self.sum(right).is_identity() {
            self.bisect(right, at + left.len(), out);
        }
    }

    fn sum(&self, items: &[ItemRecord]) -> RistrettoPoint {
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return RistrettoPoint::identity();
        };
        let mut g = Scalar::ZERO;
        let mut h = Scalar::ZERO;
        let mut base_coeffs: Vec<Scalar> = vec![Scalar::ZERO; self.bases.len()];
        let mut used: Vec<usize> = Vec::new();
        for it in items {
            g += it.g;
            h += it.h;
            for (b, c) in &it.bases {
                if base_coeffs[*b] == Scalar::ZERO {
                    used.push(*b);
                }
                base_coeffs[*b] += c;
            }
        }
        used.sort_unstable();
        used.dedup();
        let range = first.start..last.end;
        let scalars = self.scalars[range.clone()]
            .iter()
            .copied()
            .chain([g, h])
            .chain(used.iter().map(|b| base_coeffs[*b]));
        let points = self.points[range]
            .iter()
            .copied()
            .chain([generator_g(), generator_h()])
            .chain(used.iter().map(|b| self.bases[*b]));
        RistrettoPoint::vartime_multiscalar_mul(scalars, points)
    }
}

/// Split items into contiguous chunks of roughly equal numbers of terms.
fn chunk_items(items: &[ItemRecord]) -> Vec<&[ItemRecord]> {
    let total_terms: usize = items.iter().map(|i| i.end - i.start + 2).sum();
    let threads = threads();
    // Below ~512 terms per chunk, the per-chunk overhead beats the gain.
    let target = (total_terms / (threads * 2)).max(512);
    let mut out = Vec::new();
    let mut begin = 0;
    let mut acc = 0;
    for (i, it) in items.iter().enumerate() {
        acc += it.end - it.start + 2;
        if acc >= target {
            out.push(&items[begin..=i]);
            begin = i + 1;
            acc = 0;
        }
    }
    if begin < items.len() {
        out.push(&items[begin..]);
    }
    out
}

#[cfg(feature = "parallel")]
fn threads() -> usize {
    rayon::current_num_threads()
}
#[cfg(not(feature = "parallel"))]
fn threads() -> usize {
    1
}

#[cfg(feature = "parallel")]
fn maybe_par_map<T: Sync, R: Send>(xs: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    xs.par_iter().map(f).collect()
}
#[cfg(not(feature = "parallel"))]
fn maybe_par_map<T, R>(xs: &[T], f: impl Fn(&T) -> R) -> Vec<R> {
    xs.iter().map(f).collect()
}

/// Each chunk with the index of its first item.
fn chunk_offsets<'a>(chunks: &[&'a [ItemRecord]]) -> Vec<(usize, &'a [ItemRecord])> {
    let mut at = 0;
    chunks
        .iter()
        .map(|c| {
            let start = at;
            at += c.len();
            (start, *c)
        })
        .collect()
}

#[cfg(feature = "parallel")]
fn run_deferred(deferred: Vec<(usize, Deferred)>) -> Vec<usize> {
    use rayon::prelude::*;
    deferred
        .into_par_iter()
        .filter_map(|(i, f)| (!f()).then_some(i))
        .collect()
}
#[cfg(not(feature = "parallel"))]
fn run_deferred(deferred: Vec<(usize, Deferred)>) -> Vec<usize> {
    deferred
        .into_iter()
        .filter_map(|(i, f)| (!f()).then_some(i))
        .collect()
}

/// One item of a batch: its equations are checked together and, on failure,
/// named together. Finished when dropped.
pub struct Item<'a> {
    batch: &'a mut BatchVerifier,
    rec: ItemRecord,
    locals: Vec<(RistrettoPoint, Scalar)>,
}

impl<'a> Item<'a> {
    /// Start one equation `Σ cᵢ·Pᵢ = 0` with a fresh random weight.
    pub fn equation(&mut self) -> Equation<'_, 'a> {
        let w = self.batch.weight();
        Equation { item: self, w }
    }

    /// Register a point used by several equations of this item; its
    /// coefficients are summed so it costs one term of the multiplication.
    pub fn local(&mut self, p: RistrettoPoint) -> LocalId {
        self.locals.push((p, Scalar::ZERO));
        LocalId(self.locals.len() - 1)
    }

    /// Register a shared base (see [`BatchVerifier::base`]).
    pub fn base(&mut self, e: &GroupElement) -> BaseId {
        self.batch.base(e)
    }

    /// Add a check that is not a linear equation; it runs during
    /// [`BatchVerifier::vartime_check`] and fails this item if it returns false.
    pub(crate) fn defer(&mut self, check: Deferred) {
        let idx = self.batch.items.len();
        self.batch.deferred.push((idx, check));
    }

    /// Mark this item as failed outright (a structural check failed).
    pub fn fail(&mut self) {
        self.defer(Box::new(|| false));
    }
}

impl Drop for Item<'_> {
    fn drop(&mut self) {
        for (p, c) in self.locals.drain(..) {
            self.batch.scalars.push(c);
            self.batch.points.push(p);
        }
        self.rec.end = self.batch.scalars.len();
        let rec = std::mem::replace(
            &mut self.rec,
            ItemRecord {
                start: 0,
                end: 0,
                g: Scalar::ZERO,
                h: Scalar::ZERO,
                bases: Vec::new(),
            },
        );
        self.batch.items.push(rec);
    }
}

/// One weighted equation being added to an item.
pub struct Equation<'i, 'a> {
    item: &'i mut Item<'a>,
    w: Scalar,
}

impl Equation<'_, '_> {
    /// Add `c·G`.
    pub fn g(&mut self, c: Scalar) -> &mut Self {
        self.item.rec.g += self.w * c;
        self
    }
    /// Add `c·H`.
    pub fn h(&mut self, c: Scalar) -> &mut Self {
        self.item.rec.h += self.w * c;
        self
    }
    /// Add `c·B` for a registered shared base `B`.
    pub fn base(&mut self, b: BaseId, c: Scalar) -> &mut Self {
        let wc = self.w * c;
        match self.item.rec.bases.iter_mut().find(|(i, _)| *i == b.0) {
            Some((_, acc)) => *acc += wc,
            None => self.item.rec.bases.push((b.0, wc)),
        }
        self
    }
    /// Add `c·P` for an item-local point.
    pub fn local(&mut self, id: LocalId, c: Scalar) -> &mut Self {
        self.item.locals[id.0].1 += self.w * c;
        self
    }
    /// Add `c·P`.
    pub fn point(&mut self, c: Scalar, p: &GroupElement) -> &mut Self {
        self.item.batch.scalars.push(self.w * c);
        self.item.batch.points.push(p.point());
        self
    }
    /// Add `c·P` for a point that has no encoding at hand (computed by the verifier).
    pub fn raw_point(&mut self, c: Scalar, p: RistrettoPoint) -> &mut Self {
        self.item.batch.scalars.push(self.w * c);
        self.item.batch.points.push(p);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;

    #[test]
    fn true_equations_pass_false_ones_are_named() {
        let x = Scalar::from(7u64);
        let xg = GroupElement::from_point(&x * RISTRETTO_BASEPOINT_TABLE);
        let mut b = BatchVerifier::new();
        for i in 0..10u64 {
            let mut item = b.item();
            // x·G - X = 0, true except for item 3 and 8.
            let claim = if i == 3 || i == 8 { x + Scalar::ONE } else { x };
            item.equation().g(claim).point(-Scalar::ONE, &xg);
        }
        assert_eq!(
            b.vartime_check(),
            Err(Error::BatchFailed {
                failing: vec![3, 8]
            })
        );
        let mut b = BatchVerifier::new();
        b.item().equation().g(x).point(-Scalar::ONE, &xg);
        assert_eq!(b.vartime_check(), Ok(()));
    }

    /// Bisection names exactly the bad items wherever they sit: first,
    /// last, adjacent, and every item.
    #[test]
    fn bisection_names_exactly_the_bad_items() {
        let x = Scalar::from(11u64);
        let xg = GroupElement::from_point(&x * RISTRETTO_BASEPOINT_TABLE);
        for bad in [
            vec![0],
            vec![99],
            vec![41, 42],
            vec![0, 1, 50, 98, 99],
            (0..100).collect::<Vec<usize>>(),
        ] {
            let mut b = BatchVerifier::new();
            for i in 0..100usize {
                let claim = if bad.contains(&i) { x + Scalar::ONE } else { x };
                b.item().equation().g(claim).point(-Scalar::ONE, &xg);
            }
            assert_eq!(
                b.vartime_check(),
                Err(Error::BatchFailed {
                    failing: bad.clone()
                })
            );
        }
    }

    #[test]
    fn deferred_failure_is_named() {
        let mut b = BatchVerifier::new();
        b.item();
        b.item().fail();
        b.item();
        assert_eq!(
            b.vartime_check(),
            Err(Error::BatchFailed { failing: vec![1] })
        );
    }
}
