//! The election record file (spec/record.md §8): the whole public log of an
//! election in one streamable file.
//!
//! ```text
//! record  = magic frame*
//! magic   = "URNA-RECORD/v1\n"                       (15 bytes)
//! frame   = u8 kind ‖ u32 length ‖ bytes[length]     (length ≤ 16 MiB)
//! kind    = 1 log entry   (the bytes are the Merkle leaf data, in log order)
//!         | 2 signed tree head over all entries so far (spec/log.md)
//!         | 3 the board's public key (once, before the first tree head)
//! ```
//!
//! Readers stream: a record of a million ballots is never held in memory.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use crate::entry::Entry;
use crate::error::{ElectionError, Result};

/// The first bytes of every record.
pub const RECORD_MAGIC: &[u8; 15] = b"URNA-RECORD/v1\n";
/// Largest frame accepted.
pub const MAX_FRAME: usize = 16 << 20;

/// Frame kinds.
pub mod kind {
    /// A log entry.
    pub const ENTRY: u8 = 1;
    /// A signed tree head.
    pub const TREE_HEAD: u8 = 2;
    /// The board's public key.
    pub const BOARD_KEY: u8 = 3;
}

/// One frame of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A log entry's canonical bytes.
    Entry(Vec<u8>),
    /// A signed tree head's bytes.
    TreeHead(Vec<u8>),
    /// The board's public key bytes.
    BoardKey(Vec<u8>),
}

fn io_err(e: std::io::Error) -> ElectionError {
    ElectionError::invalid("record", format!("read/write error: {e}"))
}

/// Writes a record.
pub struct RecordWriter<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> RecordWriter<W> {
    /// Start a record (writes the magic).
    pub fn new(w: W) -> Result<Self> {
        let mut w = BufWriter::new(w);
        w.write_all(RECORD_MAGIC).map_err(io_err)?;
        Ok(RecordWriter { w })
    }

    /// Go on writing a record whose magic and earlier frames were written
    /// elsewhere (a record streamed in parts, as the board serves it).
    pub fn continuing(w: W) -> Self {
        RecordWriter {
            w: BufWriter::new(w),
        }
    }

    /// Write a frame.
    pub fn frame(&mut self, kind: u8, bytes: &[u8]) -> Result<()> {
        if bytes.len() > MAX_FRAME {
            return Err(ElectionError::invalid("record", "frame larger than 16 MiB"));
        }
        self.w.write_all(&[kind]).map_err(io_err)?;
        self.w
            .write_all(&(bytes.len() as u32).to_be_bytes())
            .map_err(io_err)?;
        self.w.write_all(bytes).map_err(io_err)
    }

    /// Write a log entry.
    pub fn entry(&mut self, e: &Entry) -> Result<()> {
        self.frame(kind::ENTRY, &e.to_bytes())
    }

    /// Flush and return the writer.
    pub fn finish(self) -> Result<W> {
        self.w.into_inner().map_err(|e| io_err(e.into_error()))
    }
}

/// Reads a record frame by frame.
pub struct RecordReader<R: Read> {
    r: BufReader<R>,
    frames: u64,
}

impl<R: Read> RecordReader<R> {
    /// Open a record; fails unless it starts with the magic of this version.
    pub fn new(r: R) -> Result<Self> {
        let mut r = BufReader::with_capacity(1 << 20, r);
        let mut magic = [0u8; 15];
        r.read_exact(&mut magic).map_err(|_| {
            ElectionError::UnsupportedVersion("not an Urna election record (file too short)".into())
        })?;
        if &magic != RECORD_MAGIC {
            return Err(ElectionError::UnsupportedVersion(
                "not an Urna election record of format version 1 (bad magic)".into(),
            ));
        }
        Ok(RecordReader { r, frames: 0 })
    }

    /// Number of frames read so far.
    pub fn frames_read(&self) -> u64 {
        self.frames
    }

    /// The next frame, or `None` at a clean end of file.
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        if self.r.fill_buf().map_err(io_err)?.is_empty() {
            return Ok(None);
        }
        let mut head = [0u8; 5];
        self.r.read_exact(&mut head).map_err(|_| {
            ElectionError::invalid(
                format!("record frame {}", self.frames),
                "truncated frame header",
            )
        })?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        if len > MAX_FRAME {
            return Err(ElectionError::invalid(
                format!("record frame {}", self.frames),
                "frame larger than 16 MiB",
            ));
        }
        // Grow with what actually arrives instead of allocating the declared
        // length up front: a truncated file that claims 16 MiB frames costs
        // only the bytes it has (docs/attacks.md F15).
        let mut bytes = Vec::new();
        let got = (&mut self.r)
            .take(len as u64)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if got != len {
            return Err(ElectionError::invalid(
                format!("record frame {}", self.frames),
                "truncated frame",
            ));
        }
        self.frames += 1;
        Ok(Some(match head[0] {
            kind::ENTRY => Frame::Entry(bytes),
            kind::TREE_HEAD => Frame::TreeHead(bytes),
            kind::BOARD_KEY => Frame::BoardKey(bytes),
            k => {
                return Err(ElectionError::invalid(
                    format!("record frame {}", self.frames - 1),
                    format!("unknown frame kind {k}"),
                ))
            }
        }))
    }
}
