//! Ceremony parameters: the election, `n` and `k` (spec/trustees.md §2).
//!
//! Trustee indices are `1..=n`. Index 0 is never valid: the share of index 0
//! is the joint secret itself (the "zero-share attack", docs/attacks.md D2).
//! Indices are single bytes, so no index is congruent to 0 modulo ℓ except 0.

use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, Reader, Writer};

/// Length of an election id (spec/trustees.md §2 (P1)).
pub const ELECTION_ID_LEN: usize = 32;

/// Most trustees a ceremony may have (indices are one byte).
pub const MAX_TRUSTEES: u32 = 255;

/// Encoded length of [`CeremonyParams`]: `election_id ‖ n ‖ k`.
pub const PARAMS_LEN: usize = ELECTION_ID_LEN + 2;

/// The public parameters every ceremony message is bound to.
///
/// Invariant: `1 ≤ threshold ≤ trustees ≤ 255` (spec/trustees.md §2 (P2)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CeremonyParams {
    /// The election's 32-byte id (spec/trustees.md §2 (P1)).
    election_id: [u8; ELECTION_ID_LEN],
    /// `n`, the number of trustees; their indices are `1..=n`.
    trustees: u8,
    /// `k`, how many trustees are needed to decrypt.
    threshold: u8,
}

impl CeremonyParams {
    /// `n = trustees`, `k = threshold`; fails with [`Error::DkgParams`]
    /// unless `1 ≤ k ≤ n ≤ 255` (spec/trustees.md §2 (P2)).
    pub fn new(election_id: [u8; ELECTION_ID_LEN], trustees: u32, threshold: u32) -> Result<Self> {
        if trustees == 0 {
            return Err(Error::DkgParams("a ceremony needs at least one trustee"));
        }
        if trustees > MAX_TRUSTEES {
            return Err(Error::DkgParams("at most 255 trustees"));
        }
        if threshold == 0 {
            return Err(Error::DkgParams("the threshold k must be at least 1"));
        }
        if threshold > trustees {
            return Err(Error::DkgParams(
                "the threshold k exceeds the number of trustees n",
            ));
        }
        Ok(CeremonyParams {
            election_id,
            trustees: trustees as u8,
            threshold: threshold as u8,
        })
    }

    /// Parameters from a roster of trustee indices (e.g. listed in a
    /// manifest). The indices must be exactly `1..=n` in any order: no 0, no
    /// duplicate, no gap (spec/trustees.md §2 (P3)).
    pub fn from_roster(
        election_id: [u8; ELECTION_ID_LEN],
        threshold: u32,
        indices: &[u32],
    ) -> Result<Self> {
        let n = indices.len();
        let mut seen = vec![false; n + 1];
        for &i in indices {
            if i == 0 {
                return Err(Error::DkgParams("trustee index 0 (the zero-share attack)"));
            }
            let i = i as usize;
            if i > n {
                return Err(Error::DkgParams(
                    "trustee indices must be exactly 1..=n (no gaps)",
                ));
            }
            if seen[i] {
                return Err(Error::DkgParams("duplicate trustee index"));
            }
            seen[i] = true;
        }
        Self::new(election_id, n.try_into().unwrap_or(u32::MAX), threshold)
    }

    /// Fail with [`Error::DkgParams`] unless `1 ≤ index ≤ n` (spec/trustees.md §2 (P3)).
    pub fn check_index(&self, index: u8) -> Result<()> {
        if index == 0 {
            return Err(Error::DkgParams("trustee index 0 (the zero-share attack)"));
        }
        if index > self.trustees {
            return Err(Error::DkgParams("trustee index exceeds n"));
        }
        Ok(())
    }

    /// The election id.
    pub fn election_id(&self) -> &[u8; ELECTION_ID_LEN] {
        &self.election_id
    }

    /// `n`.
    pub fn trustees(&self) -> u8 {
        self.trustees
    }

    /// `k`.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// The trustee indices `1..=n`.
    pub fn indices(&self) -> impl Iterator<Item = u8> {
        1..=self.trustees
    }

    /// `election_id ‖ n ‖ k` (spec/trustees.md §2 (P4)).
    pub fn to_bytes(&self) -> [u8; PARAMS_LEN] {
        let mut out = [0u8; PARAMS_LEN];
        out[..ELECTION_ID_LEN].copy_from_slice(&self.election_id);
        out[ELECTION_ID_LEN] = self.trustees;
        out[ELECTION_ID_LEN + 1] = self.threshold;
        out
    }

    /// Decode and check (P2).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let p = Self::read(&mut r)?;
        r.finish("ceremony parameters")?;
        Ok(p)
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let id = read_election_id(r)?;
        let n = r.u8("ceremony n")?;
        let k = r.u8("ceremony k")?;
        Self::new(id, n.into(), k.into())
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        w.fixed(&self.to_bytes());
    }
}

canonical_hex_serde!(CeremonyParams, "ceremony parameters");

/// Read a 32-byte election id.
pub(crate) fn read_election_id(r: &mut Reader<'_>) -> Result<[u8; ELECTION_ID_LEN]> {
    let mut id = [0u8; ELECTION_ID_LEN];
    id.copy_from_slice(r.take(ELECTION_ID_LEN, "election id")?);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let id = [7u8; 32];
        assert!(CeremonyParams::new(id, 1, 1).is_ok());
        assert!(CeremonyParams::new(id, 255, 255).is_ok());
        for (n, k) in [(0, 0), (256, 1), (3, 0), (3, 4)] {
            assert_eq!(
                CeremonyParams::new(id, n, k).unwrap_err().code(),
                "ERR_DKG_PARAMS"
            );
        }
        let p = CeremonyParams::new(id, 5, 3).unwrap();
        assert_eq!(CeremonyParams::from_bytes(&p.to_bytes()).unwrap(), p);
        assert!(p.check_index(0).is_err() && p.check_index(6).is_err());
        assert!(p.check_index(5).is_ok());
    }
}
