//! Round trip, tampering and unlinkability of the audited entry
//! (spec/record.md §5.5, §6.1 tag 6) and of the audit request.

use rand_core::OsRng;
use urna_crypto::SecretKey;

use super::*;
use crate::codec::LocalizedText;
use crate::credentials::{CredentialEntry, CredentialList};
use crate::manifest::{Contest, ContestKind, ContestOption, Manifest, TrusteeInfo};

/// One approval contest: choose 1 or 2 of 3.
fn manifest() -> Manifest {
    let t = |s: &str| LocalizedText::single("en", s);
    Manifest {
        spec_version: crate::manifest::SPEC_VERSION.into(),
        election_id: "audit".into(),
        title: t("Audit"),
        description: LocalizedText::default(),
        default_language: "en".into(),
        opens_at: 1,
        closes_at: 2,
        trustees: vec![TrusteeInfo {
            name: "A".into(),
            signing_key: SecretKey::generate(&mut OsRng).public_key(),
        }],
        threshold: 1,
        organizer_key: SecretKey::generate(&mut OsRng).public_key(),
        credential_authority_key: SecretKey::generate(&mut OsRng).public_key(),
        weighted: false,
        contests: vec![Contest {
            id: "c".into(),
            title: t("Q"),
            kind: ContestKind::Approval { min: 1, max: 2 },
            options: ["a", "b", "c"]
                .iter()
                .map(|id| ContestOption {
                    id: (*id).into(),
                    title: t(id),
                })
                .collect(),
        }],
    }
}

fn setup() -> (ElectionContext, SecretKey) {
    let voter = SecretKey::generate(&mut OsRng);
    let list = CredentialList::new(vec![CredentialEntry {
        public: voter.public_key(),
        weight: 1,
    }])
    .unwrap();
    let key = SecretKey::generate(&mut OsRng).public_key();
    (ElectionContext::new(manifest(), key, list).unwrap(), voter)
}

fn sealed(ctx: &ElectionContext, voter: &SecretKey) -> (EncryptedBallot, SpoiledBallot) {
    let (ballot, opening) =
        EncryptedBallot::encrypt(ctx, voter, &[vec![1, 0, 1]], &mut OsRng).unwrap();
    let audit = SpoiledBallot::of(&ballot, opening);
    (ballot, audit)
}

/// The tag-6 body (the entry's tag is added by `entry`).
fn encode(a: &SpoiledBallot) -> Vec<u8> {
    let mut w = Writer::new();
    a.write(&mut w);
    w.into_bytes()
}

fn decode(b: &[u8]) -> Result<SpoiledBallot> {
    let mut r = Reader::new(b);
    let a = SpoiledBallot::read(&mut r)?;
    r.finish("audit")?;
    Ok(a)
}

/// Every 16-byte window of `needle` that occurs in `haystack`.
fn shared_windows(needle: &[u8], haystack: &[u8]) -> usize {
    needle
        .windows(16)
        .filter(|w| haystack.windows(16).any(|h| h == *w))
        .count()
}

#[test]
fn g10_the_audit_carries_nothing_of_the_credential_and_recomputes_the_code() {
    let (ctx, voter) = setup();
    let (ballot, audit) = sealed(&ctx, &voter);
    // The second device's check: the code the first device showed.
    assert_eq!(audit.tracking_code(), ballot.tracking_code());
    assert_eq!(audit.ciphertext_hash(), ballot.ciphertext_hash());
    audit.verify(&ctx).unwrap();
    assert_eq!(audit.values(), vec![vec![1, 0, 1]]);
    let entry = encode(&audit);
    assert_eq!(decode(&entry).unwrap(), audit);
    // Neither the credential, nor its signature, nor any byte run of the
    // proofs (whose transcripts bind the credential) is in the entry.
    let b = ballot.to_bytes();
    let credential = voter.public_key().to_bytes();
    let signature = &b[b.len() - 64..];
    assert_eq!(shared_windows(&credential, &entry), 0);
    assert_eq!(shared_windows(signature, &entry), 0);
    // What the audit reveals on purpose: H_c's input (§5.4).
    let mut w = Writer::new();
    write_ciphertexts(
        &mut w,
        &ballot.fingerprint(),
        ballot.contests().iter().map(|c| c.ciphertexts().iter()),
    );
    let public = w.into_bytes();
    let hidden: Vec<&[u8]> = b
        .chunks_exact(16)
        .filter(|w| shared_windows(w, &public) == 0)
        .collect();
    assert!(hidden.len() > 60, "the ballot has proofs to hide");
    for w in hidden {
        assert_eq!(shared_windows(w, &entry), 0);
    }
}

#[test]
fn g10_every_field_tampered_fails_or_changes_the_code() {
    let (ctx, voter) = setup();
    let (_, audit) = sealed(&ctx, &voter);
    let code = audit.tracking_code();
    let mut t = audit.clone();
    t.contests[0][1].value = 1;
    assert_eq!(t.verify(&ctx).unwrap_err().code(), "ERR_PROOF_INVALID");
    let mut t = audit.clone();
    t.contests[0][0].nonce += Scalar::ONE;
    assert_eq!(t.verify(&ctx).unwrap_err().code(), "ERR_PROOF_INVALID");
    let mut t = audit.clone();
    t.seal.0[0] ^= 1;
    t.verify(&ctx).unwrap();
    assert_ne!(t.tracking_code(), code, "H_b is bound by the code");
    let mut t = audit.clone();
    t.fingerprint.0[0] ^= 1;
    assert_eq!(t.verify(&ctx).unwrap_err().code(), "ERR_WRONG_ELECTION");
    let mut t = audit.clone();
    t.contests[0].pop();
    assert_eq!(t.verify(&ctx).unwrap_err().code(), "ERR_BALLOT_SHAPE");
    // Every byte of the entry flipped: refused by decoding or the checks,
    // or it is another audit with another tracking code.
    let bytes = encode(&audit);
    for i in 0..bytes.len() {
        let mut b2 = bytes.clone();
        b2[i] ^= 1;
        if let Ok(t) = decode(&b2) {
            assert!(
                t.verify(&ctx).is_err() || t.tracking_code() != code,
                "byte {i}"
            );
        }
    }
    // Truncated or extended: does not decode.
    assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode(&longer).is_err());
}

#[test]
fn a1_openings_of_values_the_contest_forbids_fail() {
    let (ctx, voter) = setup();
    let (_, audit) = sealed(&ctx, &voter);
    let reopen = |values: [u64; 3]| {
        let mut t = audit.clone();
        for (o, v) in t.contests[0].iter_mut().zip(values) {
            let (ct, nonce) = ctx.election_key().encrypt(v, &mut OsRng);
            *o = OpenedCiphertext {
                ciphertext: ct,
                value: v,
                nonce: nonce.reveal(),
            };
        }
        t.verify(&ctx)
    };
    reopen([0, 1, 1]).unwrap();
    // Above the per-option limit, and totals outside [1, 2].
    assert_eq!(reopen([2, 0, 0]).unwrap_err().code(), "ERR_BALLOT_SHAPE");
    assert_eq!(reopen([0, 0, 0]).unwrap_err().code(), "ERR_BALLOT_SHAPE");
    assert_eq!(reopen([1, 1, 1]).unwrap_err().code(), "ERR_BALLOT_SHAPE");
    assert_eq!(
        reopen([u64::MAX, 1, 0]).unwrap_err().code(),
        "ERR_BALLOT_SHAPE"
    );
}

#[test]
fn f21_the_audit_request_verifies_only_for_its_code_and_credential() {
    let (ctx, voter) = setup();
    let (ballot, audit) = sealed(&ctx, &voter);
    let code = audit.tracking_code();
    let req = AuditRequest::sign(&code, &voter, &mut OsRng);
    req.verify(&code).unwrap();
    let mut other = code;
    other.0 .0[0] ^= 1;
    assert!(req.verify(&other).is_err());
    let mut t = req.clone();
    t.credential = SecretKey::generate(&mut OsRng).public_key();
    assert_eq!(t.verify(&code).unwrap_err().code(), "ERR_SIGNATURE_INVALID");
    // The ballot's own signature (another transcript) is no audit request.
    let b = ballot.to_bytes();
    let mut t = req;
    t.signature = Signature::from_bytes(&b[b.len() - 64..]).unwrap();
    assert!(t.verify(&code).is_err());
}
