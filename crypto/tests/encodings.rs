//! Decoding rules (spec §2.2 (E1)–(E6), §2.4 (J1)) against every field of
//! every encoding: RFC 9496 vectors (A1), the identity (A2), non-canonical
//! scalars (A3), lengths, counts, tags and flags.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use urna_crypto::group::{generator_h_element, scalar_from_bytes, GroupElement};
use urna_crypto::transcript::TranscriptProtocol;
use urna_crypto::{
    Ciphertext, CiphertextSum, DecryptionShare, EncryptedContest, Error, PublicKey, RangeProof,
    SchnorrProof, SecretKey,
};

/// The fixtures whose layout has at least one field of this kind.
fn fields_of(kinds: &[Kind]) -> Vec<(&'static Case, Field)> {
    let mut out = Vec::new();
    for c in cases() {
        for f in c.layout() {
            if kinds.contains(&f.kind) {
                out.push((c, f));
            }
        }
    }
    out
}

fn with_field(bytes: &[u8], f: &Field, v: &[u8; 32]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    put(&mut out, f.at, v);
    out
}

// ---------------------------------------------------------------------------
// RFC 9496 vectors
// ---------------------------------------------------------------------------

#[test]
fn a01_rfc9496_small_multiples_decode_to_i_times_g() {
    let mut p = RistrettoPoint::identity();
    for (i, h) in RFC9496_SMALL_MULTIPLES.iter().enumerate() {
        let bytes = hex32(h);
        let e = GroupElement::from_bytes_allow_identity(&bytes, "x").unwrap();
        assert_eq!(e.point(), p, "{i}·G");
        assert_eq!(e.to_bytes(), bytes);
        assert_eq!(
            GroupElement::from_point(mg(i as u64)).to_bytes(),
            bytes,
            "encode {i}·G"
        );
        if i == 0 {
            assert!(e.is_identity());
            assert_eq!(
                GroupElement::from_bytes(&bytes, "x"),
                Err(Error::IdentityPoint { field: "x" })
            );
        } else {
            assert_eq!(GroupElement::from_bytes(&bytes, "x").unwrap().point(), p);
            assert_eq!(PublicKey::from_bytes(&bytes).unwrap().point(), p);
        }
        p += g();
    }
    // (G1) and (G2): the generators the spec fixes.
    assert_eq!(
        hex::encode(g().compress().as_bytes()),
        RFC9496_SMALL_MULTIPLES[1]
    );
    assert_eq!(
        hex::encode(generator_h_element().to_bytes()),
        "82358b3b60f2dd54afbebed3d598f90f1cf53dc61c2bcd8af97dce6a85f11e41"
    );
}

#[test]
fn a01_rfc9496_bad_encodings_rejected_by_every_point_decoder() {
    assert_eq!(RFC9496_BAD_ENCODINGS.len(), 29);
    for (why, bytes) in bad_encodings() {
        let err = Error::NonCanonicalPoint { field: "x" };
        assert_eq!(
            GroupElement::from_bytes(&bytes, "x"),
            Err(err.clone()),
            "{why}"
        );
        assert_eq!(
            GroupElement::from_bytes_allow_identity(&bytes, "x"),
            Err(err.clone()),
            "{why}"
        );
        assert_eq!(err.code(), "ERR_ENCODING");
        assert_eq!(
            PublicKey::from_bytes(&bytes),
            Err(Error::NonCanonicalPoint {
                field: "public key"
            }),
            "{why}"
        );
        // Through the JSON form too (J1).
        let json = format!("\"{}\"", hex::encode(bytes));
        assert!(serde_json::from_str::<PublicKey>(&json).is_err(), "{why}");
        assert!(
            serde_json::from_str::<GroupElement>(&json).is_err(),
            "{why}"
        );
    }
}

#[test]
fn a01_bad_encodings_in_every_point_field_rejected() {
    // Ciphertexts on their own …
    let mut rng = insecure_deterministic_rng(50);
    let (ct, _) = election_key().public_key().encrypt(1, &mut rng);
    for (why, bad) in bad_encodings() {
        for (at, field) in [(0, "ciphertext alpha"), (32, "ciphertext beta")] {
            let mut b = ct.to_bytes();
            b[at..at + 32].copy_from_slice(&bad);
            let e = Ciphertext::from_bytes(&b).unwrap_err();
            assert_eq!(e, Error::NonCanonicalPoint { field }, "{why}");
            assert_eq!(e.code(), "ERR_ENCODING");
        }
    }
    // … and every point of every proof and contest fixture.
    let fields = fields_of(&[Kind::Point]);
    assert!(fields.len() > 40);
    for (c, f) in fields {
        for (why, bad) in bad_encodings() {
            let out = c.stmt.check(&with_field(&c.bytes, &f, &bad));
            assert_eq!(
                out,
                Outcome::Decode(Error::NonCanonicalPoint { field: f.name }),
                "{}: {} at {} ← {why}",
                c.name,
                f.name,
                f.at
            );
        }
    }
}

#[test]
fn a01_bad_encodings_in_bulletproof_points_never_verify() {
    // Whatever the decoder does with them, such a proof never verifies.
    for (c, f) in fields_of(&[Kind::InnerPoint]) {
        for (why, bad) in bad_encodings() {
            let out = c.stmt.check(&with_field(&c.bytes, &f, &bad));
            assert!(!out.is_valid(), "{}: {} ← {why}", c.name, f.name);
        }
    }
}

#[test]
fn a01_bad_encodings_in_bulletproof_points_rejected_at_decode() {
    for (c, f) in fields_of(&[Kind::InnerPoint]) {
        for (why, bad) in bad_encodings() {
            let out = c.stmt.check(&with_field(&c.bytes, &f, &bad));
            let Outcome::Decode(e) = &out else {
                panic!("{}: {} ← {why}: decoded ({out:?})", c.name, f.name)
            };
            assert_eq!(e.code(), "ERR_ENCODING", "{}: {} ← {why}", c.name, f.name);
        }
    }
}

#[test]
fn a01_short_and_long_fields_inside_encodings_rejected() {
    // A point or scalar field one byte short (31) or long (33) inside a
    // composite encoding shifts everything after it: the input never decodes.
    for c in cases() {
        for f in c.layout() {
            let mut short = c.bytes.clone();
            short.remove(f.at + 31);
            let mut long = c.bytes.clone();
            long.insert(f.at + 32, 0);
            for (what, b) in [("31-byte", &short), ("33-byte", &long)] {
                let out = c.stmt.check(b);
                let Outcome::Decode(e) = &out else {
                    panic!("{}: {what} {}: {out:?}", c.name, f.name)
                };
                // Fixed-size types have no counts to misread: always ERR_ENCODING.
                if matches!(
                    c.stmt,
                    Statement::Pok { .. } | Statement::Sig { .. } | Statement::Dec { .. }
                ) {
                    assert_eq!(e.code(), "ERR_ENCODING", "{}: {what} {}", c.name, f.name);
                }
            }
        }
    }
    let mut rng = insecure_deterministic_rng(51);
    let (ct, _) = election_key().public_key().encrypt(1, &mut rng);
    let b = ct.to_bytes();
    assert_eq!(
        Ciphertext::from_bytes(&b[..63]),
        Err(Error::Truncated {
            field: "ciphertext beta"
        })
    );
    let mut long = b.to_vec();
    long.push(7);
    assert_eq!(
        Ciphertext::from_bytes(&long),
        Err(Error::TrailingBytes {
            what: "ciphertext",
            extra: 1
        })
    );
}

#[test]
fn a01_standalone_point_of_wrong_length_rejected() {
    let g_bytes = g().compress().to_bytes();
    for len in [0usize, 31, 33, 64] {
        let mut b = g_bytes.to_vec();
        b.resize(len, 0);
        assert!(PublicKey::from_bytes(&b).is_err(), "{len} bytes");
        assert!(GroupElement::from_bytes(&b, "x").is_err(), "{len} bytes");
        assert!(scalar_from_bytes(&b, "x").is_err(), "{len} bytes");
        assert!(SecretKey::from_bytes(&b).is_err(), "{len} bytes");
    }
}

#[test]
fn a01_standalone_point_of_wrong_length_is_err_encoding() {
    let g_bytes = g().compress().to_bytes();
    for len in [0usize, 31, 33] {
        let mut b = g_bytes.to_vec();
        b.resize(len, 0);
        assert_eq!(
            PublicKey::from_bytes(&b).unwrap_err().code(),
            "ERR_ENCODING",
            "{len}"
        );
        assert_eq!(
            GroupElement::from_bytes(&b, "x").unwrap_err().code(),
            "ERR_ENCODING",
            "{len}"
        );
        assert_eq!(
            scalar_from_bytes(&b, "x").unwrap_err().code(),
            "ERR_ENCODING",
            "{len}"
        );
        assert_eq!(
            SecretKey::from_bytes(&b).unwrap_err().code(),
            "ERR_ENCODING",
            "{len}"
        );
    }
}

// ---------------------------------------------------------------------------
// The identity
// ---------------------------------------------------------------------------

#[test]
fn a02_identity_in_every_point_field_rejected() {
    let zero = [0u8; 32];
    assert_eq!(
        PublicKey::from_bytes(&zero),
        Err(Error::IdentityPoint {
            field: "public key"
        })
    );
    let id = GroupElement::from_bytes_allow_identity(&zero, "x").unwrap();
    assert_eq!(
        PublicKey::from_group_element(id),
        Err(Error::IdentityPoint {
            field: "public key"
        })
    );
    assert!(serde_json::from_str::<PublicKey>(&format!("\"{}\"", "00".repeat(32))).is_err());
    let mut rng = insecure_deterministic_rng(52);
    let (ct, _) = election_key().public_key().encrypt(1, &mut rng);
    for (at, field) in [(0, "ciphertext alpha"), (32, "ciphertext beta")] {
        let mut b = ct.to_bytes();
        b[at..at + 32].fill(0);
        let e = Ciphertext::from_bytes(&b).unwrap_err();
        assert_eq!(e, Error::IdentityPoint { field });
        assert_eq!(e.code(), "ERR_IDENTITY_POINT");
    }
    for (c, f) in fields_of(&[Kind::Point]) {
        let out = c.stmt.check(&with_field(&c.bytes, &f, &zero));
        assert_eq!(
            out,
            Outcome::Decode(Error::IdentityPoint { field: f.name }),
            "{}: {} at {}",
            c.name,
            f.name,
            f.at
        );
    }
}

#[test]
fn a02_identity_in_bulletproof_points_never_verifies() {
    for (c, f) in fields_of(&[Kind::InnerPoint]) {
        let out = c.stmt.check(&with_field(&c.bytes, &f, &[0u8; 32]));
        assert!(!out.is_valid(), "{}: {}", c.name, f.name);
    }
}

#[test]
fn a02_identity_in_bulletproof_points_rejected_at_decode() {
    for (c, f) in fields_of(&[Kind::InnerPoint]) {
        let out = c.stmt.check(&with_field(&c.bytes, &f, &[0u8; 32]));
        let Outcome::Decode(e) = &out else {
            panic!("{}: {}: decoded ({out:?})", c.name, f.name)
        };
        assert_eq!(e.code(), "ERR_IDENTITY_POINT", "{}: {}", c.name, f.name);
    }
}

#[test]
fn a02_identity_alpha_or_share_never_decrypted_or_accepted() {
    // The empty sum (0, 0) is the only ciphertext with an identity α, and
    // only a verifier can compute it; nobody proves its decryption (D3).
    let mut rng = insecure_deterministic_rng(53);
    let trustee = sk_of(99);
    let empty = CiphertextSum::zero().to_ciphertext();
    assert!(empty.alpha().is_identity());
    assert_eq!(
        DecryptionShare::create(
            &mut Transcript::new(b"urna/v1/test"),
            &trustee,
            &empty,
            &mut rng
        ),
        Err(Error::IdentityPoint {
            field: "transcript element"
        })
    );
    // A valid share checked against (0, 0): rejected, no panic.
    let c = case("decryption share");
    let Statement::Dec { ctx, x, .. } = &c.stmt else {
        unreachable!()
    };
    let share = DecryptionShare::from_bytes(&c.bytes).unwrap();
    assert!(share.verify(&mut ctx.clone(), x, &empty).is_err());
    // (T2) itself.
    let id = GroupElement::from_bytes_allow_identity(&[0u8; 32], "x").unwrap();
    let mut t = Transcript::new(b"urna/v1/test");
    assert_eq!(
        t.validate_and_append_element(b"x", &id),
        Err(Error::IdentityPoint {
            field: "transcript element"
        })
    );
}

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

/// The three non-canonical forms of a canonical scalar `s`.
fn non_canonical_forms(s: &[u8; 32]) -> Vec<(&'static str, [u8; 32])> {
    let mut top = *s;
    top[31] |= 0x80;
    vec![
        ("s + ℓ", plus_ell(s)),
        ("top bit set", top),
        ("all 0xff", [0xff; 32]),
    ]
}

#[test]
fn a03_ell_and_plus_ell_are_what_they_claim() {
    assert_eq!(
        hex::encode(ell_bytes()),
        format!("edd3f55c1a631258d69cf7a2def9de14{}10", "00".repeat(15))
    );
    // s + ℓ reduces to s: exactly the malleability A3 is about.
    let s = Scalar::from(123456789u64);
    let big = plus_ell(s.as_bytes());
    assert_eq!(Scalar::from_bytes_mod_order(big), s);
    assert!(bool::from(Scalar::from_canonical_bytes(big).is_none()));
    assert_eq!(
        scalar_from_bytes(&big, "z"),
        Err(Error::NonCanonicalScalar { field: "z" })
    );
    assert_eq!(
        Error::NonCanonicalScalar { field: "z" }.code(),
        "ERR_ENCODING"
    );
}

#[test]
fn a03_non_canonical_scalars_in_every_scalar_field_rejected() {
    let fields = fields_of(&[Kind::Scalar]);
    assert!(fields.len() > 20);
    for (c, f) in fields {
        let s = hex32(&hex::encode(&c.bytes[f.at..f.at + 32]));
        for (what, bad) in non_canonical_forms(&s) {
            let out = c.stmt.check(&with_field(&c.bytes, &f, &bad));
            assert_eq!(
                out,
                Outcome::Decode(Error::NonCanonicalScalar { field: f.name }),
                "{}: {} ← {what}",
                c.name,
                f.name
            );
        }
    }
}

#[test]
fn a03_non_canonical_scalars_inside_the_bulletproof_rejected() {
    for (c, f) in fields_of(&[Kind::InnerScalar]) {
        let s = hex32(&hex::encode(&c.bytes[f.at..f.at + 32]));
        for (what, bad) in non_canonical_forms(&s) {
            let out = c.stmt.check(&with_field(&c.bytes, &f, &bad));
            let Outcome::Decode(e) = &out else {
                panic!("{}: {} ← {what}: decoded ({out:?})", c.name, f.name)
            };
            assert_eq!(
                e,
                &Error::Malformed {
                    field: "bulletproof"
                }
            );
            assert_eq!(e.code(), "ERR_ENCODING");
        }
    }
}

#[test]
fn a03_secret_keys_are_canonical_and_non_zero() {
    let k = Scalar::from(5u64);
    for (what, bad) in non_canonical_forms(k.as_bytes()) {
        assert_eq!(
            SecretKey::from_bytes(&bad).map(|_| ()),
            Err(Error::NonCanonicalScalar {
                field: "secret key"
            }),
            "{what}"
        );
    }
    let zero = SecretKey::from_bytes(&[0u8; 32]).map(|_| ()).unwrap_err();
    assert!(matches!(zero, Error::InvalidParameter(_)));
    assert_eq!(zero.code(), "ERR_PARAMS");
    // ℓ itself is the non-canonical encoding of zero.
    assert!(SecretKey::from_bytes(&ell_bytes()).is_err());
    let sk = SecretKey::from_bytes(k.as_bytes()).unwrap();
    assert_eq!(*sk.to_bytes(), k.to_bytes());
}

// ---------------------------------------------------------------------------
// Counts, lengths, tags, flags (E4)–(E6)
// ---------------------------------------------------------------------------

#[test]
fn tags_and_flags_take_only_their_listed_values() {
    let c = case("disjunctive [0,1]");
    for tag in [0u8, 3, 0x81, 0xff] {
        let mut b = c.bytes.clone();
        b[0] = tag;
        let out = c.stmt.check(&b);
        assert_eq!(
            out,
            Outcome::Decode(Error::Malformed {
                field: "range proof kind"
            })
        );
    }
    let contest = case("contest approval 3 options, total [1,2]");
    let parts = ContestParts::parse(&contest.bytes);
    let flag_at = contest.bytes.len() - parts.total.as_ref().unwrap().len() - 1;
    assert_eq!(contest.bytes[flag_at], 1);
    for flag in [2u8, 0x80, 0xff] {
        let mut b = contest.bytes.clone();
        b[flag_at] = flag;
        let out = contest.stmt.check(&b);
        assert_eq!(
            out,
            Outcome::Decode(Error::Malformed {
                field: "contest total proof flag"
            })
        );
        assert_eq!(Error::Malformed { field: "" }.code(), "ERR_ENCODING");
    }
    // Flag 0 with the total proof still there: trailing bytes.
    let mut b = contest.bytes.clone();
    b[flag_at] = 0;
    assert!(matches!(
        contest.stmt.check(&b),
        Outcome::Decode(Error::TrailingBytes { .. })
    ));
}

#[test]
fn counts_over_their_maximum_are_shape_errors_and_short_inputs_encoding_errors() {
    // Disjunctive branch count.
    let c = case("disjunctive [1,4]");
    for (n, over) in [(17u32, true), (u32::MAX, true), (16, false), (5, false)] {
        let mut b = c.bytes.clone();
        b[1..5].copy_from_slice(&n.to_be_bytes());
        let Outcome::Decode(e) = c.stmt.check(&b) else {
            panic!("n = {n} decoded")
        };
        if over {
            assert!(
                matches!(e, Error::WrongLength { expected: 16, .. }),
                "{e:?}"
            );
            assert_eq!(e.code(), "ERR_BALLOT_SHAPE");
        } else {
            assert_eq!(e.code(), "ERR_ENCODING", "n = {n}: {e:?}");
        }
    }
    // A count that decodes but does not match the statement: a proof failure.
    let mut b = c.bytes.clone();
    b[1..5].copy_from_slice(&3u32.to_be_bytes());
    b.truncate(5 + 3 * 128);
    assert!(matches!(c.stmt.check(&b), Outcome::Verify(_)));
    let mut b = c.bytes.clone();
    b[1..5].copy_from_slice(&0u32.to_be_bytes());
    b.truncate(5);
    assert!(matches!(c.stmt.check(&b), Outcome::Verify(_)));
    // Bulletproof length.
    let c = case("bulletproof [3,1000]");
    for (len, over) in [
        (737u32, true),
        (u32::MAX, true),
        (736, false),
        (640, false),
        (576, false),
    ] {
        let mut b = c.bytes.clone();
        b[225..229].copy_from_slice(&len.to_be_bytes());
        let Outcome::Decode(e) = c.stmt.check(&b) else {
            panic!("L = {len} decoded")
        };
        assert_eq!(
            e.code(),
            if over {
                "ERR_BALLOT_SHAPE"
            } else {
                "ERR_ENCODING"
            },
            "L = {len}"
        );
    }
    // A bulletproof whose length is valid but not the statement's (B5).
    let one_sided = case("bulletproof [0,255]");
    let mut b = c.bytes[..225].to_vec();
    b.extend_from_slice(&one_sided.bytes[225..]);
    assert!(matches!(c.stmt.check(&b), Outcome::Verify(_)));
    // Contest option count.
    let contest = case("contest approval 3 options, total [1,2]");
    for (n, over) in [(1025u32, true), (u32::MAX, true), (1024, false), (4, false)] {
        let mut b = contest.bytes.clone();
        b[..4].copy_from_slice(&n.to_be_bytes());
        let Outcome::Decode(e) = contest.stmt.check(&b) else {
            panic!("n = {n} decoded")
        };
        assert_eq!(
            e.code(),
            if over {
                "ERR_BALLOT_SHAPE"
            } else {
                "ERR_ENCODING"
            },
            "n = {n}"
        );
    }
    // Fewer options than the manifest: a shape error, before any crypto (K4).
    let parts = ContestParts::parse(&contest.bytes);
    let mut fewer = parts.clone();
    fewer.ciphertexts.pop();
    fewer.proofs.pop();
    let Statement::Contest { ctx, k, bounds } = &contest.stmt else {
        unreachable!()
    };
    let decoded = EncryptedContest::from_bytes(&fewer.to_bytes()).unwrap();
    let e = decoded.verify(ctx, k, bounds).unwrap_err();
    assert!(
        matches!(
            e,
            Error::WrongLength {
                field: "contest ciphertexts",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        decoded.check_shape(bounds).unwrap_err().code(),
        "ERR_BALLOT_SHAPE"
    );
    // A missing total proof.
    let mut no_total = parts.clone();
    no_total.total = None;
    let decoded = EncryptedContest::from_bytes(&no_total.to_bytes()).unwrap();
    assert!(matches!(
        decoded.verify(ctx, k, bounds),
        Err(Error::WrongLength {
            field: "contest total proof",
            ..
        })
    ));
}

/// A decoder under test, reduced to its verdict.
type Decoder = fn(&[u8]) -> Result<(), Error>;

#[test]
fn every_fixed_size_decoder_rejects_every_other_length() {
    let mut rng = insecure_deterministic_rng(54);
    let (ct, _) = election_key().public_key().encrypt(1, &mut rng);
    let fixed: [(&str, Vec<u8>, Decoder); 3] = [
        (
            "decryption share",
            case("decryption share").bytes.clone(),
            |b| DecryptionShare::from_bytes(b).map(|_| ()),
        ),
        ("schnorr", case("schnorr pok").bytes.clone(), |b| {
            SchnorrProof::from_bytes(b).map(|_| ())
        }),
        ("ciphertext", ct.to_bytes().to_vec(), |b| {
            Ciphertext::from_bytes(b).map(|_| ())
        }),
    ];
    for (name, good, decode) in fixed {
        assert_eq!(decode(&good), Ok(()));
        for len in 0..good.len() + 40 {
            if len == good.len() {
                continue;
            }
            let mut b = good.clone();
            b.resize(len, 0);
            let e = decode(&b).unwrap_err();
            assert!(
                matches!(e, Error::Truncated { .. } | Error::TrailingBytes { .. }),
                "{name}, {len} bytes: {e:?}"
            );
            assert_eq!(e.code(), "ERR_ENCODING");
        }
    }
}

// ---------------------------------------------------------------------------
// JSON form (J1)
// ---------------------------------------------------------------------------

#[test]
fn json_form_is_strict_lower_case_hex_of_the_canonical_bytes() {
    let c = case("bulletproof [3,1000]");
    let p = RangeProof::from_bytes(&c.bytes).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, format!("\"{}\"", hex::encode(&c.bytes)));
    assert_eq!(serde_json::from_str::<RangeProof>(&json).unwrap(), p);
    let lower = hex::encode(&c.bytes);
    for bad in [
        lower.to_uppercase(),
        format!("0x{lower}"),
        format!(" {lower}"),
        format!("{lower}\n"),
        lower[1..].to_string(),
        format!("{lower}0"),
        format!("{lower}00"),
    ] {
        assert!(serde_json::from_str::<RangeProof>(&format!("\"{bad}\"")).is_err());
    }
    let k = election_key().public_key();
    let kj = serde_json::to_string(&k).unwrap();
    assert_eq!(serde_json::from_str::<PublicKey>(&kj).unwrap(), k);
    assert!(serde_json::from_str::<PublicKey>(&kj.to_uppercase()).is_err());
}
