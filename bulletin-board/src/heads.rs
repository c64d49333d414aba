//! Every signed tree head of one election, in memory, so that the read
//! path (proofs for a given size, old heads, the record, a mirror's
//! gossip) finds a head without a database scan (`spec/api.md` §5.10).
//!
//! The index is compact: per head only what the tree does not already
//! hold — its size, its timestamp and its signature, [`BYTES_PER_HEAD`]
//! (80) bytes instead of the 162 of the encoding. The log id is the same
//! for every head of an election (kept once) and the root of a head of
//! size `n` is the committed tree's root at `n` (`MemoryTree::root_at`,
//! O(log n) from the tree the board keeps anyway). The sequencer (and a
//! mirror's follower) appends to it in `Machine::committed`, after the
//! tree and before the view, and `load_election` fills it from the heads
//! it verified: it never holds a head the database does not.
//!
//! Memory: one mark per commit, at most one commit per entry, so at most
//! 80 bytes per log entry (160 while the vector doubles), next to the 64
//! or so bytes per entry of the Merkle tree itself; with batching a busy
//! election has far fewer heads than entries.

use std::sync::RwLock;

use urna_log::{Hash, MemoryTree, SignedTreeHead};

/// What the index keeps of one head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    tree_size: u64,
    timestamp_ms: u64,
    signature: [u8; 64],
}

/// Bytes the index keeps per head (its size, timestamp and signature).
pub const BYTES_PER_HEAD: usize = std::mem::size_of::<Mark>();

/// The signed tree heads of one election, by growing size.
#[derive(Debug, Default)]
pub struct HeadIndex {
    log_id: Option<Hash>,
    marks: Vec<Mark>,
}

impl HeadIndex {
    /// Append a committed head. Heads only grow: a head not larger than
    /// the last one is ignored (a re-published head of the same size).
    pub fn push(&mut self, head: &SignedTreeHead) {
        if self
            .marks
            .last()
            .is_some_and(|m| m.tree_size >= head.tree_size)
        {
            return;
        }
        self.log_id.get_or_insert(head.log_id);
        self.marks.push(Mark {
            tree_size: head.tree_size,
            timestamp_ms: head.timestamp_ms,
            signature: head.signature,
        });
    }

    /// How many heads are kept.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Position of the first head of size `> size`.
    fn above(&self, size: u64) -> usize {
        self.marks.partition_point(|m| m.tree_size <= size)
    }

    fn mark_of_size(&self, size: u64) -> Option<(Hash, Mark)> {
        let i = self.above(size).checked_sub(1)?;
        let m = self.marks.get(i).filter(|m| m.tree_size == size)?;
        Some((self.log_id?, *m))
    }

    fn mark_above(&self, size: u64) -> Option<(Hash, Mark)> {
        Some((self.log_id?, *self.marks.get(self.above(size))?))
    }

    /// The marks of the heads with `after < tree_size ≤ upto`, in order.
    fn marks_between(&self, after: u64, upto: u64) -> Option<(Hash, Vec<Mark>)> {
        let from = self.above(after);
        let to = self.above(upto).max(from);
        Some((self.log_id?, self.marks.get(from..to)?.to_vec()))
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    match l.read() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The head a mark describes, its root taken from the tree.
fn rebuild(log_id: Hash, m: Mark, tree: &MemoryTree) -> Option<SignedTreeHead> {
    Some(SignedTreeHead {
        log_id,
        tree_size: m.tree_size,
        timestamp_ms: m.timestamp_ms,
        root_hash: tree.root_at(m.tree_size).ok()?,
        signature: m.signature,
    })
}

/// The election's signed head of exactly `size` entries, if it signed one.
/// Each lock is taken alone (never both at once), index first: a mark is
/// only added after the tree holds its entries.
pub fn of_size(
    heads: &RwLock<HeadIndex>,
    tree: &RwLock<MemoryTree>,
    size: u64,
) -> Option<SignedTreeHead> {
    let found = read(heads).mark_of_size(size);
    let (log_id, m) = found?;
    rebuild(log_id, m, &read(tree))
}

/// The first head larger than `size`, if any.
pub fn first_above(
    heads: &RwLock<HeadIndex>,
    tree: &RwLock<MemoryTree>,
    size: u64,
) -> Option<SignedTreeHead> {
    let found = read(heads).mark_above(size);
    let (log_id, m) = found?;
    rebuild(log_id, m, &read(tree))
}

/// The heads with `after < tree_size ≤ upto`, in order (the record's next
/// part; the caller bounds the range).
pub fn between(
    heads: &RwLock<HeadIndex>,
    tree: &RwLock<MemoryTree>,
    after: u64,
    upto: u64,
) -> Vec<SignedTreeHead> {
    let found = read(heads).marks_between(after, upto);
    let Some((log_id, marks)) = found else {
        return Vec::new();
    };
    let tree = read(tree);
    marks
        .into_iter()
        .filter_map(|m| rebuild(log_id, m, &tree))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use urna_log::BoardKey;

    /// A tree of `n` leaves and heads signed at the given sizes.
    fn setup(
        sizes: &[u64],
        n: u64,
    ) -> (RwLock<HeadIndex>, RwLock<MemoryTree>, Vec<SignedTreeHead>) {
        let key = BoardKey::from_seed(&[7; 32]);
        let mut tree = MemoryTree::new();
        for i in 0..n {
            tree.push_entry(&i.to_be_bytes());
        }
        let mut index = HeadIndex::default();
        let mut signed = Vec::new();
        for (i, &s) in sizes.iter().enumerate() {
            let h = key
                .sign_tree_head("e1", s, 1000 + i as u64, tree.root_at(s).unwrap())
                .unwrap();
            index.push(&h);
            signed.push(h);
        }
        (RwLock::new(index), RwLock::new(tree), signed)
    }

    #[test]
    fn heads_come_back_byte_for_byte_and_verify() {
        let (index, tree, signed) = setup(&[1, 3, 4, 9], 9);
        let key = BoardKey::from_seed(&[7; 32]).public_key();
        for h in &signed {
            let back = of_size(&index, &tree, h.tree_size).unwrap();
            assert_eq!(back.to_bytes(), h.to_bytes());
            back.verify(&key, "e1").unwrap();
        }
        assert_eq!(of_size(&index, &tree, 2), None);
        assert_eq!(of_size(&index, &tree, 10), None);
        assert_eq!(first_above(&index, &tree, 1), Some(signed[1]));
        assert_eq!(first_above(&index, &tree, 2), Some(signed[1]));
        assert_eq!(first_above(&index, &tree, 9), None);
        assert_eq!(between(&index, &tree, 1, 4), signed[1..3].to_vec());
        assert_eq!(between(&index, &tree, 0, 100), signed);
        assert!(between(&index, &tree, 9, 9).is_empty());
    }

    #[test]
    fn heads_only_grow() {
        let (index, tree, signed) = setup(&[2, 5], 5);
        index.write().unwrap().push(&signed[0]);
        assert_eq!(index.read().unwrap().len(), 2);
        assert_eq!(between(&index, &tree, 0, 5), signed);
        assert_eq!(BYTES_PER_HEAD, 80);
    }
}
