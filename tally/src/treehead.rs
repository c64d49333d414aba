//! Check a record's signed tree heads against its entries (spec/record.md
//! §10 (R13)): every head is signed by the board key in the record, covers
//! exactly the entries before it, has the Merkle root of those entries
//! (spec/log.md), and never goes back in time; the last head stands after
//! every entry, so the record is exactly what the board committed to.

use urna_log::{BoardPublicKey, CompactRange, SignedTreeHead};

/// Incremental checker fed with the record's frames in order.
pub struct LogChecker {
    range: CompactRange,
    key: Option<BoardPublicKey>,
    last: Option<SignedTreeHead>,
    /// The number of entries before the last head that decoded, verified
    /// or not: the final rule of (R13) looks only at where decoded heads
    /// stand, so one bad head is one failure (spec/record.md §10.2 (R13)).
    last_decoded_at: Option<u64>,
    broken: bool,
}

impl Default for LogChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl LogChecker {
    /// An empty log.
    pub fn new() -> Self {
        LogChecker {
            range: CompactRange::new(),
            key: None,
            last: None,
            last_decoded_at: None,
            broken: false,
        }
    }

    /// One more entry (its canonical bytes are the leaf data).
    pub fn append(&mut self, entry: &[u8]) {
        if self.range.push_entry(entry).is_err() {
            self.broken = true;
        }
    }

    /// The board's public key frame.
    pub fn board_key(&mut self, bytes: &[u8]) -> Result<(), String> {
        let key = BoardPublicKey::from_bytes(bytes).map_err(|e| format!("board key: {e}"))?;
        match &self.key {
            Some(k) if *k != key => Err("the record names two different board keys".into()),
            _ => {
                self.key = Some(key);
                Ok(())
            }
        }
    }

    /// A signed tree head over every entry so far, of election
    /// `election`'s log (from the manifest; `spec/log.md` (L12)).
    pub fn tree_head(&mut self, bytes: &[u8], election: Option<&str>) -> Result<(), String> {
        let head = SignedTreeHead::decode(bytes).map_err(|e| format!("tree head: {e}"))?;
        self.last_decoded_at = Some(self.range.size());
        let key = self
            .key
            .as_ref()
            .ok_or("a tree head before the board key")?;
        let election = election.ok_or("a tree head before the manifest names the election")?;
        let verified = head
            .verify(key, election)
            .map_err(|e| format!("tree head of size {}: {e} ({})", head.tree_size, e.code()))?;
        let head = verified.into_signed();
        if head.tree_size != self.range.size() {
            return Err(format!(
                "a tree head of size {} placed after {} entries",
                head.tree_size,
                self.range.size()
            ));
        }
        if head.root_hash != self.range.root() {
            return Err(format!(
                "the tree head of size {} signs a root that is not the root of the record's entries (ERR_LOG_INCONSISTENT)",
                head.tree_size
            ));
        }
        if let Some(prev) = &self.last {
            if head.timestamp_ms < prev.timestamp_ms {
                return Err(format!(
                    "the tree head of size {} is older than the previous one",
                    head.tree_size
                ));
            }
        }
        self.last = Some(head);
        Ok(())
    }

    /// After the last frame: the record holds a head that decodes, and no
    /// entry follows the last one (spec/record.md §10.2 (R13), coverage).
    /// Whether those heads verified was reported, once each, by
    /// [`LogChecker::tree_head`]; it is not asked again here.
    pub fn finish(&self) -> Result<(), String> {
        if self.broken {
            return Err("the log is too large".into());
        }
        let size = self.range.size();
        match self.last_decoded_at {
            None => Err("the record holds no signed tree head".into()),
            Some(at) if at != size => Err(format!(
                "{} entries follow the last signed tree head (placed after {at} entries)",
                size - at
            )),
            Some(_) => Ok(()),
        }
    }
}
