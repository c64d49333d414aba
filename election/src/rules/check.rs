//! The verification checks (R1)–(R14) of `spec/record.md` §10.2, as a
//! type: a check id can only be one the spec defines (the spec-citation
//! test reads [`Check::ALL`]'s ids from this file and fails on one the
//! spec does not define).

use std::fmt;

/// One check of `spec/record.md` §10.2, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// spec/record.md §10.2 (R1): record format and canonical entry encodings.
    R1,
    /// spec/record.md §10.2 (R2): parameters; manifest valid and signed by its organizer.
    R2,
    /// spec/record.md §10.2 (R3): the trustee ceremony.
    R3,
    /// spec/record.md §10.2 (R4): credential list and replacements.
    R4,
    /// spec/record.md §10.2 (R5): the opening.
    R5,
    /// spec/record.md §10.2 (R6): ballots.
    R6,
    /// spec/record.md §10.2 (R7): no repeated ciphertext.
    R7,
    /// spec/record.md §10.2 (R8): the re-voting rule.
    R8,
    /// spec/record.md §10.2 (R9): audited ballots.
    R9,
    /// spec/record.md §10.2 (R10): homomorphic aggregation.
    R10,
    /// spec/record.md §10.2 (R11): decryption shares and the quorum decryption.
    R11,
    /// spec/record.md §10.2 (R12): the announced result.
    R12,
    /// spec/record.md §10.2 (R13): the log's signed tree heads.
    R13,
    /// spec/record.md §10.2 (R14): the closing.
    R14,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: [Check; 14] = [
        Check::R1,
        Check::R2,
        Check::R3,
        Check::R4,
        Check::R5,
        Check::R6,
        Check::R7,
        Check::R8,
        Check::R9,
        Check::R10,
        Check::R11,
        Check::R12,
        Check::R13,
        Check::R14,
    ];

    /// The check's id as the spec and reports write it, e.g. `"R6"`.
    pub fn id(self) -> &'static str {
        match self {
            Check::R1 => "R1",
            Check::R2 => "R2",
            Check::R3 => "R3",
            Check::R4 => "R4",
            Check::R5 => "R5",
            Check::R6 => "R6",
            Check::R7 => "R7",
            Check::R8 => "R8",
            Check::R9 => "R9",
            Check::R10 => "R10",
            Check::R11 => "R11",
            Check::R12 => "R12",
            Check::R13 => "R13",
            Check::R14 => "R14",
        }
    }

    /// What the check verifies, in one line (for reports).
    pub fn description(self) -> &'static str {
        match self {
            Check::R1 => "record format: version, frames, canonical entry encodings",
            Check::R2 => "parameters: spec version, group, generators; manifest valid and signed by its organizer",
            Check::R3 => "trustee ceremony: every message and proof; joint key and verification keys derived",
            Check::R4 => "credential list and replacements: valid, signed by the credential authority, fixed before voting opened",
            Check::R5 => "opening: signed by the organizer, bound to the manifest, key and credential list",
            Check::R6 => "ballots: cast while open, shape, proofs, credential signature, credential in the list",
            Check::R7 => "no ciphertext appears in two ballots",
            Check::R8 => "re-voting rule: only the last ballot per credential is counted",
            Check::R9 => "audited (spoiled) ballots: openings match, never cast",
            Check::R10 => "homomorphic aggregation of the counted ballots (weights applied)",
            Check::R11 => "decryption shares: proofs, threshold, combination, counts in range",
            Check::R12 => "announced result equals the decrypted tally and is signed by the organizer",
            Check::R13 => "log: signed tree heads verify and match the entries",
            Check::R14 => "closing: signed by the organizer, no ballot after it",
        }
    }

    /// The check with this id.
    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::Check;

    #[test]
    fn ids_round_trip_and_are_in_order() {
        for (i, c) in Check::ALL.iter().enumerate() {
            assert_eq!(c.id(), format!("R{}", i + 1));
            assert_eq!(Check::from_id(c.id()), Some(*c));
        }
        assert_eq!(Check::from_id("R15"), None);
    }
}
