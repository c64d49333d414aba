//! Byte layouts of every encoding and the layout-aware tampering helper.

use super::*;

// ---------------------------------------------------------------------------
// Byte layouts
// ---------------------------------------------------------------------------

/// What a 32-byte field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A group element decoded by urna's checked decoder.
    Point,
    /// A scalar decoded by urna's checked decoder.
    Scalar,
    /// A point inside the bulletproof bytes (decoded by the bulletproofs crate).
    InnerPoint,
    /// A scalar inside the bulletproof bytes.
    InnerScalar,
}

/// One 32-byte field of an encoding; `name` is the field name urna's
/// decoder reports (for inner bulletproof fields, a descriptive name).
#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub at: usize,
    pub kind: Kind,
}

fn f(name: &'static str, at: usize, kind: Kind) -> Field {
    Field { name, at, kind }
}

pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn ciphertext_fields(at: usize, out: &mut Vec<Field>) {
    out.push(f("ciphertext alpha", at, Kind::Point));
    out.push(f("ciphertext beta", at + 32, Kind::Point));
}

/// Append the fields of a range proof starting at `at`; returns its end.
fn range_fields(bytes: &[u8], at: usize, out: &mut Vec<Field>) -> usize {
    match bytes[at] {
        1 => {
            let n = u32_at(bytes, at + 1) as usize;
            let mut p = at + 5;
            for _ in 0..n {
                out.push(f("disjunctive proof A", p, Kind::Point));
                out.push(f("disjunctive proof B", p + 32, Kind::Point));
                out.push(f("disjunctive proof c", p + 64, Kind::Scalar));
                out.push(f("disjunctive proof z", p + 96, Kind::Scalar));
                p += 128;
            }
            p
        }
        2 => {
            let mut p = at + 1;
            for name in [
                "range commitment V",
                "range link T1",
                "range link T2",
                "range link T3",
            ] {
                out.push(f(name, p, Kind::Point));
                p += 32;
            }
            for name in ["range link z_m", "range link z_r", "range link z_s"] {
                out.push(f(name, p, Kind::Scalar));
                p += 32;
            }
            let len = u32_at(bytes, p) as usize;
            p += 4;
            let inner = p;
            for name in [
                "bulletproof A",
                "bulletproof S",
                "bulletproof T1",
                "bulletproof T2",
            ] {
                out.push(f(name, p, Kind::InnerPoint));
                p += 32;
            }
            for name in [
                "bulletproof t_x",
                "bulletproof t_x_blinding",
                "bulletproof e_blinding",
            ] {
                out.push(f(name, p, Kind::InnerScalar));
                p += 32;
            }
            let rounds = (len / 32 - 9) / 2;
            for _ in 0..rounds {
                out.push(f("bulletproof L", p, Kind::InnerPoint));
                out.push(f("bulletproof R", p + 32, Kind::InnerPoint));
                p += 64;
            }
            out.push(f("bulletproof a", p, Kind::InnerScalar));
            out.push(f("bulletproof b", p + 32, Kind::InnerScalar));
            p += 64;
            assert_eq!(p, inner + len);
            p
        }
        t => panic!("unknown range proof tag {t}"),
    }
}

/// The byte layout of a valid encoding of the statement's proof type.
pub fn layout(stmt: &Statement, bytes: &[u8]) -> Vec<Field> {
    let mut out = Vec::new();
    match stmt {
        Statement::Pok { .. } | Statement::Sig { .. } => {
            out.push(f("Schnorr commitment T", 0, Kind::Point));
            out.push(f("Schnorr response z", 32, Kind::Scalar));
        }
        Statement::Dec { .. } => {
            out.push(f("decryption share D", 0, Kind::Point));
            out.push(f("decryption proof T1", 32, Kind::Point));
            out.push(f("decryption proof T2", 64, Kind::Point));
            out.push(f("decryption proof z", 96, Kind::Scalar));
        }
        Statement::Range { .. } => {
            let end = range_fields(bytes, 0, &mut out);
            assert_eq!(end, bytes.len());
        }
        Statement::Contest { .. } => {
            let parts = ContestParts::parse(bytes);
            for (i, _) in parts.ciphertexts.iter().enumerate() {
                ciphertext_fields(4 + 64 * i, &mut out);
            }
            let mut p = 4 + 64 * parts.ciphertexts.len();
            for _ in &parts.proofs {
                p = range_fields(bytes, p, &mut out);
            }
            p += 1;
            if parts.total.is_some() {
                p = range_fields(bytes, p, &mut out);
            }
            assert_eq!(p, bytes.len());
        }
    }
    out
}

/// An encrypted contest split into its parts (to splice them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestParts {
    pub ciphertexts: Vec<Vec<u8>>,
    pub proofs: Vec<Vec<u8>>,
    pub total: Option<Vec<u8>>,
}

impl ContestParts {
    /// Split a valid contest encoding.
    pub fn parse(bytes: &[u8]) -> Self {
        let n = u32_at(bytes, 0) as usize;
        let mut p = 4;
        let mut ciphertexts = Vec::new();
        for _ in 0..n {
            ciphertexts.push(bytes[p..p + 64].to_vec());
            p += 64;
        }
        let mut proofs = Vec::new();
        let mut scratch = Vec::new();
        for _ in 0..n {
            let end = range_fields(bytes, p, &mut scratch);
            proofs.push(bytes[p..end].to_vec());
            p = end;
        }
        let total = match bytes[p] {
            0 => {
                p += 1;
                None
            }
            1 => {
                let end = range_fields(bytes, p + 1, &mut scratch);
                let t = bytes[p + 1..end].to_vec();
                p = end;
                Some(t)
            }
            x => panic!("bad total flag {x}"),
        };
        assert_eq!(p, bytes.len());
        ContestParts {
            ciphertexts,
            proofs,
            total,
        }
    }

    /// Assemble (counts are taken from the ciphertext list).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = (self.ciphertexts.len() as u32).to_be_bytes().to_vec();
        for c in &self.ciphertexts {
            out.extend_from_slice(c);
        }
        for p in &self.proofs {
            out.extend_from_slice(p);
        }
        match &self.total {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                out.extend_from_slice(t);
            }
        }
        out
    }
}

/// Replace one field by a different *valid* value: a point `P` by `P + G`,
/// a scalar `s` by `s + 1 mod ℓ`.
pub fn tamper(bytes: &[u8], field: &Field) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let new = match field.kind {
        Kind::Point | Kind::InnerPoint => (point_at(bytes, field.at) + g()).compress().to_bytes(),
        Kind::Scalar | Kind::InnerScalar => (scalar_at(bytes, field.at) + Scalar::ONE).to_bytes(),
    };
    put(&mut out, field.at, &new);
    out
}
