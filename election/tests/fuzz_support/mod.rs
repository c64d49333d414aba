//! Shared machinery of the decoder fuzz harnesses (issue 13, item 7):
//! `election/tests/fuzz_decoders.rs`, `log/tests/fuzz_heads.rs`,
//! `voter-client/tests/fuzz_files.rs` and `admin/tests/fuzz_definition.rs`
//! include this file with `#[path]`, so every harness mutates inputs and
//! measures allocations the same way.
//!
//! The harnesses are property tests run by `cargo test`, not coverage-guided
//! fuzzers: a new machine of this project has one toolchain, stable Rust
//! (cargo-fuzz needs nightly), and `scripts/test` must stay within CI's
//! time. To stay useful without coverage feedback they are structure-aware:
//! every case starts from a real, valid encoding made by the crates' own
//! constructors (or the sample record of `urna_sim::sample::write_sample`) and
//! mutates it with bit flips, byte overwrites, truncation, insertion,
//! deletion, splicing from another valid encoding and edits of the fields
//! that look like lengths or counts (JSON and TOML inputs also get edits of
//! their values and members); pure random bytes come on top.
//!
//! Runs are deterministic (a fixed RNG seed, no regression files written)
//! and bounded: each harness sets its number of cases, and
//! `URNA_FUZZ_CASES=n` overrides it for a longer run by hand.
//!
//! The properties every decoder must keep:
//! - it never panics (proptest reports a panic as a failure);
//! - it never allocates out of proportion to its input: a hostile count or
//!   length field must be refused, or allocated for only as far as the
//!   input really holds data, never trusted up front ([`measure`] counts the
//!   allocations of the current thread, [`assert_allocation_bounded`]
//!   checks them);
//! - the encodings are canonical: whatever decodes re-encodes to exactly
//!   the input bytes ([`check_canonical`]).

// Not every harness uses every helper.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

/// The system allocator, counting what the current thread asks for. The
/// counters are per thread because the test harness runs tests in parallel.
pub struct CountingAllocator;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the allocator is also called while a thread's locals are
    // being torn down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(size)));
}

// SAFETY: every call is passed unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are thread-local `Cell`s of
// integers, initialised without allocating and never borrowed across calls.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// What one call allocated on its thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allocated {
    /// The largest single request (allocation or reallocation), bytes.
    pub largest: usize,
    /// All requests added up, bytes.
    pub total: usize,
}

/// Run `f`, counting what it allocates on this thread.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Allocated) {
    LARGEST.with(|l| l.set(0));
    TOTAL.with(|t| t.set(0));
    let out = f();
    let a = Allocated {
        largest: LARGEST.with(Cell::get),
        total: TOTAL.with(Cell::get),
    };
    (out, a)
}

/// Fail unless `a` stays within `factor` bytes per input byte plus
/// `fixed` bytes, for both the largest request and the total.
pub fn assert_allocation_bounded(
    what: &str,
    input_len: usize,
    a: Allocated,
    factor: usize,
    fixed: usize,
) -> Result<(), TestCaseError> {
    let bound = input_len.saturating_mul(factor).saturating_add(fixed);
    prop_assert!(
        a.largest <= bound && a.total <= bound,
        "{what}: decoding {input_len} bytes allocated {} bytes in all, {} at once (bound {bound})",
        a.total,
        a.largest
    );
    Ok(())
}

/// Decode `input`, check the allocation bound, and if it decoded check
/// that it re-encodes to exactly `input`. Returns the decoded value.
pub fn check_canonical<T, E>(
    what: &str,
    input: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, E>,
    encode: impl FnOnce(&T) -> Vec<u8>,
    factor: usize,
    fixed: usize,
) -> Result<Option<T>, TestCaseError> {
    let (decoded, a) = measure(|| decode(input));
    assert_allocation_bounded(what, input.len(), a, factor, fixed)?;
    match decoded {
        Ok(v) => {
            let again = encode(&v);
            prop_assert!(
                again == input,
                "{what}: {} input bytes decoded but re-encode to {} other bytes (not canonical)",
                input.len(),
                again.len()
            );
            Ok(Some(v))
        }
        Err(_) => Ok(None),
    }
}

/// The harness configuration: `cases` cases (or `URNA_FUZZ_CASES`), a fixed
/// seed per harness so every run checks the same inputs, no regression
/// files in the source tree, and a bounded shrink.
pub fn config(cases: u32, seed: u64) -> Config {
    let cases = std::env::var("URNA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// What a harness run did.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// Cases run.
    pub cases: u32,
    /// Cases whose input decoded (and so was checked to round-trip).
    pub decoded: u32,
}

/// Run `test` on `cases` inputs from `strategy` (see [`config`]). `test`
/// returns whether the input decoded. Prints what was run (shown with
/// `--nocapture`) and fails unless at least `min_decoded` of the cases
/// decoded: a harness whose mutants never get past the first check
/// exercises nothing else.
pub fn run<S: Strategy>(
    name: &str,
    cases: u32,
    seed: u64,
    min_decoded: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) -> Stats {
    let started = std::time::Instant::now();
    let config = config(cases, seed);
    let cases = config.cases;
    let decoded = Cell::new(0u32);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, |input| {
        if test(input)? {
            decoded.set(decoded.get() + 1);
        }
        Ok(())
    }) {
        panic!("{name}: {e}");
    }
    let stats = Stats {
        cases,
        decoded: decoded.get(),
    };
    eprintln!(
        "{name}: {} cases, {} decoded, {:.2} s",
        stats.cases,
        stats.decoded,
        started.elapsed().as_secs_f64()
    );
    assert!(
        stats.decoded >= min_decoded.min(cases),
        "{name}: only {} of {} cases decoded (expected at least {min_decoded}): the mutations no longer reach past the first checks",
        stats.decoded,
        stats.cases
    );
    stats
}

/// One edit of an encoding. Positions are taken modulo the current length.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Flip one bit.
    FlipBit(usize, u8),
    /// Overwrite one byte (often with a boundary value).
    SetByte(usize, u8),
    /// Cut the input to this length.
    Truncate(usize),
    /// Insert bytes.
    Insert(usize, Vec<u8>),
    /// Delete up to this many bytes.
    Delete(usize, usize),
    /// Copy a range of another seed over or into this one.
    Splice {
        /// Which seed to take from.
        from: usize,
        /// Where the range starts in it.
        start: usize,
        /// How long it is (at most).
        len: usize,
        /// Where it goes here.
        at: usize,
        /// Overwrite (true) or insert.
        overwrite: bool,
    },
    /// Overwrite a big-endian `u32` that looks like a length or count (a
    /// value from 1 to the input's length) with another value; falls back
    /// to any position when none looks like one.
    Length(usize, u32),
    /// Repeat a range right after itself.
    Repeat(usize, usize),
}

fn boundary_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(0u8),
        Just(1),
        Just(0x7f),
        Just(0x80),
        Just(0xff),
        any::<u8>()
    ]
}

fn length_value() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(u32::MAX),
        Just(1 << 16),
        Just(1 << 20),
        Just((1 << 20) + 1),
        Just(1 << 24),
        Just(10_000_000),
        0u32..4096,
        any::<u32>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::FlipBit(p, b)),
        2 => (any::<usize>(), boundary_byte()).prop_map(|(p, v)| Mutation::SetByte(p, v)),
        2 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), proptest::collection::vec(boundary_byte(), 1..9))
            .prop_map(|(p, b)| Mutation::Insert(p, b)),
        2 => (any::<usize>(), 1usize..40).prop_map(|(p, n)| Mutation::Delete(p, n)),
        2 => (any::<usize>(), any::<usize>(), 1usize..600, any::<usize>(), any::<bool>())
            .prop_map(|(from, start, len, at, overwrite)| Mutation::Splice {
                from,
                start,
                len,
                at,
                overwrite
            }),
        4 => (any::<usize>(), length_value()).prop_map(|(p, v)| Mutation::Length(p, v)),
        1 => (any::<usize>(), 1usize..300).prop_map(|(p, n)| Mutation::Repeat(p, n)),
    ]
}

/// Positions of the big-endian `u32`s whose value lies in `1..=len`: the
/// likely length and count fields of a length-prefixed encoding.
pub fn length_like_positions(b: &[u8]) -> Vec<usize> {
    (0..b.len().saturating_sub(3))
        .filter(|&i| {
            let v = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
            (1..=b.len()).contains(&v)
        })
        .collect()
}

/// Apply `m` to `b`; `seeds` are the valid encodings splices come from.
pub fn apply(b: &mut Vec<u8>, m: &Mutation, seeds: &[Vec<u8>]) {
    let len = b.len();
    let pos = |p: usize| if len == 0 { 0 } else { p % len };
    match m {
        Mutation::FlipBit(p, bit) if len > 0 => b[pos(*p)] ^= 1 << bit,
        Mutation::SetByte(p, v) if len > 0 => b[pos(*p)] = *v,
        Mutation::Truncate(p) => b.truncate(p % (len + 1)),
        Mutation::Insert(p, bytes) => {
            let at = p % (len + 1);
            b.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete(p, n) if len > 0 => {
            let at = pos(*p);
            b.drain(at..(at + n).min(len));
        }
        Mutation::Splice {
            from,
            start,
            len: n,
            at,
            overwrite,
        } => {
            let src = &seeds[from % seeds.len()];
            if src.is_empty() {
                return;
            }
            let s = start % src.len();
            let piece = &src[s..(s + n).min(src.len())];
            let at = at % (len + 1);
            if *overwrite {
                let end = (at + piece.len()).min(len);
                b.splice(at..end, piece.iter().copied());
            } else {
                b.splice(at..at, piece.iter().copied());
            }
        }
        Mutation::Length(p, v) if len >= 4 => {
            let candidates = length_like_positions(b);
            let at = if candidates.is_empty() {
                p % (len - 3)
            } else {
                candidates[p % candidates.len()]
            };
            b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        }
        Mutation::Repeat(p, n) if len > 0 => {
            let at = pos(*p);
            let piece = b[at..(at + n).min(len)].to_vec();
            let end = at + piece.len();
            b.splice(end..end, piece);
        }
        _ => {}
    }
}

/// Inputs made from `seeds` (valid encodings): one seed, and one mutation
/// in half of the cases, two to four in the others. (Each harness also
/// checks its seeds unmutated.)
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty(), "a mutation harness needs seeds");
    let n = seeds.len();
    let count = prop_oneof![Just(1usize), 2usize..5];
    let edits = count.prop_flat_map(|k| proptest::collection::vec(mutation(), k));
    (0..n, edits).prop_map(move |(i, ms)| {
        let mut b = seeds[i].clone();
        for m in &ms {
            apply(&mut b, m, &seeds);
        }
        b
    })
}

/// Random bytes of at most `max` bytes, optionally after a fixed prefix
/// (a magic or a tag) so that they reach past the first check.
pub fn random_after(prefixes: Vec<Vec<u8>>, max: usize) -> impl Strategy<Value = Vec<u8>> {
    let n = prefixes.len();
    (0..n.max(1), proptest::collection::vec(any::<u8>(), 0..max)).prop_map(move |(i, tail)| {
        let mut b = prefixes.get(i).cloned().unwrap_or_default();
        b.extend_from_slice(&tail);
        b
    })
}

/// One edit of a JSON document, at its `n`-th value (in document order,
/// modulo their number): the structure-aware mutations of the JSON forms.
#[derive(Clone, Debug)]
pub enum JsonEdit {
    /// Replace the value by another (often a boundary value or a value of
    /// another type).
    Replace(usize, serde_json::Value),
    /// Replace the value by a copy of the `m`-th value.
    CopyFrom(usize, usize),
    /// Remove a member of an object or an element of an array.
    Remove(usize, usize),
    /// Add an unknown member to an object, or repeat an array's last element.
    Grow(usize),
}

fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(json!(0)),
            Just(json!(1)),
            Just(json!(-1)),
            Just(json!(u32::MAX)),
            Just(json!(u64::MAX)),
            Just(json!(i64::MIN)),
            Just(json!(1.5)),
            Just(json!(1e300)),
            any::<u64>().prop_map(|v| json!(v)),
        ],
        prop_oneof![
            Just(String::new()),
            Just("en".to_string()),
            Just("00".repeat(32)),
            Just("x".repeat(70_000)),
            Just("\u{0}\u{7f}é\u{10ffff}".to_string()),
            "[a-z0-9_-]{0,70}",
            "[0-9a-fA-F]{0,130}",
        ]
        .prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// Structure-aware edits of a JSON document.
pub fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<usize>(), json_leaf()).prop_map(|(n, v)| JsonEdit::Replace(n, v)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(n, m)| JsonEdit::CopyFrom(n, m)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(n, i)| JsonEdit::Remove(n, i)),
        1 => any::<usize>().prop_map(JsonEdit::Grow),
    ]
}

fn json_count(v: &serde_json::Value) -> usize {
    1 + match v {
        serde_json::Value::Array(a) => a.iter().map(json_count).sum(),
        serde_json::Value::Object(o) => o.values().map(json_count).sum(),
        _ => 0,
    }
}

fn json_nth<'a>(v: &'a mut serde_json::Value, k: &mut usize) -> Option<&'a mut serde_json::Value> {
    if *k == 0 {
        return Some(v);
    }
    *k -= 1;
    match v {
        serde_json::Value::Array(a) => a.iter_mut().find_map(|x| json_nth(x, k)),
        serde_json::Value::Object(o) => o.values_mut().find_map(|x| json_nth(x, k)),
        _ => None,
    }
}

/// Apply `e` to the document `v`.
pub fn apply_json(v: &mut serde_json::Value, e: &JsonEdit) {
    let n = json_count(v);
    fn at(v: &mut serde_json::Value, i: usize, n: usize) -> Option<&mut serde_json::Value> {
        json_nth(v, &mut (i % n))
    }
    match e {
        JsonEdit::Replace(i, new) => {
            if let Some(x) = at(v, *i, n) {
                *x = new.clone();
            }
        }
        JsonEdit::CopyFrom(i, j) => {
            let copy = at(v, *j, n).map(|x| x.clone());
            if let (Some(c), Some(x)) = (copy, at(v, *i, n)) {
                *x = c;
            }
        }
        JsonEdit::Remove(i, m) => match at(v, *i, n) {
            Some(serde_json::Value::Array(a)) if !a.is_empty() => {
                let len = a.len();
                a.remove(m % len);
            }
            Some(serde_json::Value::Object(o)) if !o.is_empty() => {
                let len = o.len();
                if let Some(key) = o.keys().nth(m % len).cloned() {
                    o.remove(&key);
                }
            }
            _ => {}
        },
        JsonEdit::Grow(i) => match at(v, *i, n) {
            Some(serde_json::Value::Array(a)) => {
                if let Some(last) = a.last().cloned() {
                    a.push(last);
                }
            }
            Some(serde_json::Value::Object(o)) => {
                o.insert("unknown_field".into(), serde_json::json!(1));
            }
            _ => {}
        },
    }
}

/// JSON documents made from `seeds` (valid JSON texts): half of the cases
/// edit the parsed document (one to three [`JsonEdit`]s) and print it
/// again, the others mutate the text's bytes.
pub fn mutated_json(seeds: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let docs: Vec<serde_json::Value> = seeds
        .iter()
        .map(|s| serde_json::from_str(s).expect("a JSON seed"))
        .collect();
    let n = docs.len();
    let structured =
        (0..n, proptest::collection::vec(json_edit(), 1..4)).prop_map(move |(i, edits)| {
            let mut d = docs[i].clone();
            for e in &edits {
                apply_json(&mut d, e);
            }
            serde_json::to_vec(&d).unwrap_or_default()
        });
    let bytes = mutated(seeds.into_iter().map(String::into_bytes).collect());
    prop_oneof![structured, bytes]
}
