//! Known-answer vectors (`spec/vectors/crypto.json`, spec §1.2).
//!
//! Every vector is produced from a fixed seed by `generate()`; the test
//! checks that (1) the code reproduces the committed file byte for byte, so
//! any change to an encoding, label or derivation shows up as a diff in the
//! spec, and (2) every proof in the file verifies when decoded from the
//! file, so the file is usable by independent verifiers.
//!
//! Regenerate after an intended format change with
//! `URNA_REGENERATE_VECTORS=1 cargo test -p urna-crypto --test vectors`
//! and commit the diff together with the spec change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use urna_crypto::group::{generator_h_element, GroupElement, Reader, Writer, GENERATOR_H_LABEL};
use urna_crypto::proofs::range::RangeProof;
use urna_crypto::transcript::TranscriptProtocol;
use urna_crypto::{
    vartime_discrete_log, Ciphertext, ContestBounds, DecryptionShare, EncryptedContest, PublicKey,
    SchnorrProof, SecretKey, Signature,
};

fn insecure_deterministic_rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// The context every vector's transcript starts from (spec §3.1).
fn context(name: &str) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test-vectors");
    t.append_message(b"vector", name.as_bytes());
    t
}

fn path() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
        .join("../spec/vectors/crypto.json")
}

fn h(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

fn range_vector(name: &str, seed: u8, m: u64, min: u64, max: u64) -> Value {
    let mut rng = insecure_deterministic_rng(seed);
    let k = SecretKey::generate(&mut rng);
    let pk = k.public_key();
    let (ct, r) = pk.encrypt(m, &mut rng);
    let proof = RangeProof::prove(&mut context(name), &pk, &ct, m, &r, min, max, &mut rng).unwrap();
    json!({
        "name": name, "seed": seed, "context": name,
        "public_key": h(pk.to_bytes()), "ciphertext": h(ct.to_bytes()),
        "plaintext": m, "nonce": h(r.reveal().to_bytes()),
        "min": min, "max": max, "proof": h(proof.to_bytes()),
    })
}

fn generate() -> Value {
    // §2.3 generators.
    let generators = json!({
        "G": h(GroupElement::from_point(urna_crypto::group::generator_g()).to_bytes()),
        "H_label": String::from_utf8_lossy(GENERATOR_H_LABEL),
        "H": h(generator_h_element().to_bytes()),
    });

    // §2.1 codec.
    let mut w = Writer::new();
    w.u8(1).u32(2).u64(3).var_bytes(b"urna");
    let codec =
        json!({ "u8": 1, "u32": 2, "u64": 3, "var_bytes": "urna", "encoding": h(w.into_bytes()) });

    // §3.2 (T3) challenge derivation.
    let mut t = context("challenge");
    t.domain_sep(b"urna/v1/test");
    t.append_u64_value(b"n", 42);
    let challenge = json!({ "context": "challenge", "dom-sep": "urna/v1/test", "n": 42,
        "c": h(t.challenge_scalar(b"c").to_bytes()) });

    // §4 ElGamal.
    let mut rng = insecure_deterministic_rng(1);
    let k = SecretKey::generate(&mut rng);
    let pk = k.public_key();
    let (ct, r) = pk.encrypt(5, &mut rng);
    let elgamal = json!({ "seed": 1, "secret_key": h(*k.to_bytes()), "public_key": h(pk.to_bytes()),
        "plaintext": 5, "nonce": h(r.reveal().to_bytes()), "ciphertext": h(ct.to_bytes()) });

    // §5.1 Schnorr PoK.
    let mut rng = insecure_deterministic_rng(2);
    let k = SecretKey::generate(&mut rng);
    let p = SchnorrProof::prove(&mut context("schnorr-pok"), &k, &mut rng);
    let schnorr = json!({ "seed": 2, "context": "schnorr-pok", "secret_key": h(*k.to_bytes()),
        "public_key": h(k.public_key().to_bytes()), "proof": h(p.to_bytes()) });

    // §5.2 signature.
    let mut rng = insecure_deterministic_rng(3);
    let k = SecretKey::generate(&mut rng);
    let s = Signature::sign(&mut context("signature"), &k, b"ballot bytes", &mut rng);
    let signature = json!({ "seed": 3, "context": "signature", "secret_key": h(*k.to_bytes()),
        "public_key": h(k.public_key().to_bytes()), "message": h(b"ballot bytes"), "signature": h(s.to_bytes()) });

    // §5.3 decryption share.
    let mut rng = insecure_deterministic_rng(4);
    let k = SecretKey::generate(&mut rng);
    let (ct, _) = k.public_key().encrypt(3, &mut rng);
    let d = DecryptionShare::create(&mut context("decryption"), &k, &ct, &mut rng).unwrap();
    let decryption = json!({ "seed": 4, "context": "decryption", "secret_key": h(*k.to_bytes()),
        "public_key": h(k.public_key().to_bytes()), "ciphertext": h(ct.to_bytes()),
        "plaintext": 3, "share": h(d.to_bytes()) });
    // §5.3 (D4): the share of the empty aggregate (no secret, no randomness).
    let empty = json!({ "ciphertext": "the empty aggregate (α, β) = (0, 0), the sum of no ciphertexts",
        "plaintext": 0, "share": h(DecryptionShare::empty_aggregate().to_bytes()) });

    // §5.4–5.6 range proofs.
    let ranges = json!([
        range_vector("disjunctive-0-1-m0", 5, 0, 0, 1),
        range_vector("disjunctive-0-1-m1", 6, 1, 0, 1),
        range_vector("disjunctive-1-4-m3", 7, 3, 1, 4),
        range_vector("bulletproof-0-255-m200", 8, 200, 0, 255),
        range_vector("bulletproof-3-1000-m500", 9, 500, 3, 1000),
    ]);

    // §7 contest: approval, 5 options, choose 0 to 2.
    let mut rng = insecure_deterministic_rng(10);
    let k = SecretKey::generate(&mut rng);
    let pk = k.public_key();
    let bounds = ContestBounds::new(5, 1, 0, 2).unwrap();
    let choices = [0u64, 1, 0, 1, 0];
    let (c, _) =
        EncryptedContest::encrypt(&context("contest"), &pk, &bounds, &choices, &mut rng).unwrap();
    let contest = json!({ "seed": 10, "context": "contest", "public_key": h(pk.to_bytes()),
        "options": 5, "max_per_option": 1, "min_total": 0, "max_total": 2,
        "choices": choices, "contest": h(c.to_bytes()) });

    // §6.2 discrete log.
    let m = 1_000_000u64;
    let point = GroupElement::from_point(&Scalar::from(m) * urna_crypto::group::g_table());
    let dlog = json!({ "point": h(point.to_bytes()), "bound": 2_000_000u64, "value": m });

    json!({
        "spec": "urna/v1",
        "generated_by": "crypto/tests/vectors.rs (generate) from the fixed seeds below; ChaCha20Rng::from_seed([seed; 32])",
        "context_rule": "Transcript::new(\"urna/v1/test-vectors\"), then append_message(\"vector\", <context>)",
        "generators": generators, "codec": codec, "challenge": challenge,
        "elgamal": elgamal, "schnorr_pok": schnorr, "signature": signature,
        "decryption": decryption, "decryption_empty_aggregate": empty, "range_proofs": ranges, "contest": contest,
        "discrete_log": dlog,
    })
}

fn b(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Verify every proof in the file from its bytes alone.
fn verify_file(v: &Value) {
    let e = &v["elgamal"];
    let k = SecretKey::from_bytes(&b(&e["secret_key"])).unwrap();
    let ct = Ciphertext::from_bytes(&b(&e["ciphertext"])).unwrap();
    let pk = PublicKey::from_bytes(&b(&e["public_key"])).unwrap();
    assert_eq!(k.public_key(), pk);
    let nonce = urna_crypto::group::scalar_from_bytes(&b(&e["nonce"]), "nonce").unwrap();
    assert!(pk.vartime_check_opening(&ct, e["plaintext"].as_u64().unwrap(), &nonce));

    let s = &v["schnorr_pok"];
    SchnorrProof::from_bytes(&b(&s["proof"]))
        .unwrap()
        .verify(
            &mut context("schnorr-pok"),
            &PublicKey::from_bytes(&b(&s["public_key"])).unwrap(),
        )
        .unwrap();

    let s = &v["signature"];
    Signature::from_bytes(&b(&s["signature"]))
        .unwrap()
        .verify(
            &mut context("signature"),
            &PublicKey::from_bytes(&b(&s["public_key"])).unwrap(),
            &b(&s["message"]),
        )
        .unwrap();

    let d = &v["decryption"];
    let pk = PublicKey::from_bytes(&b(&d["public_key"])).unwrap();
    let ct = Ciphertext::from_bytes(&b(&d["ciphertext"])).unwrap();
    let share = DecryptionShare::from_bytes(&b(&d["share"])).unwrap();
    share.verify(&mut context("decryption"), &pk, &ct).unwrap();
    let m = vartime_discrete_log(&(ct.beta().point() - share.share().point()), 100).unwrap();
    assert_eq!(m, d["plaintext"].as_u64().unwrap());
    let d = &v["decryption_empty_aggregate"];
    let empty = urna_crypto::CiphertextSum::zero().to_ciphertext();
    let share = DecryptionShare::from_bytes(&b(&d["share"])).unwrap();
    share
        .verify(&mut context("decryption"), &pk, &empty)
        .unwrap();
    assert!(share.is_empty_aggregate());
    assert_eq!(vartime_discrete_log(&empty.beta().point(), 0).unwrap(), 0);

    for r in v["range_proofs"].as_array().unwrap() {
        let pk = PublicKey::from_bytes(&b(&r["public_key"])).unwrap();
        let ct = Ciphertext::from_bytes(&b(&r["ciphertext"])).unwrap();
        let p = RangeProof::from_bytes(&b(&r["proof"])).unwrap();
        p.verify(
            &mut context(r["context"].as_str().unwrap()),
            &pk,
            &ct,
            r["min"].as_u64().unwrap(),
            r["max"].as_u64().unwrap(),
        )
        .unwrap();
    }

    let c = &v["contest"];
    let pk = PublicKey::from_bytes(&b(&c["public_key"])).unwrap();
    let bounds = ContestBounds::new(5, 1, 0, 2).unwrap();
    EncryptedContest::from_bytes(&b(&c["contest"]))
        .unwrap()
        .verify(&context("contest"), &pk, &bounds)
        .unwrap();

    let d = &v["discrete_log"];
    let p = GroupElement::from_bytes(&b(&d["point"]), "point").unwrap();
    assert_eq!(
        vartime_discrete_log(&p.point(), d["bound"].as_u64().unwrap()).unwrap(),
        d["value"].as_u64().unwrap()
    );

    let mut r = Reader::new(&[]);
    assert!(r.u8("x").is_err());
}

#[test]
fn vectors_match_the_committed_file_and_verify() {
    let generated = generate();
    let path = path();
    if std::env::var_os("URNA_REGENERATE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (regenerate with URNA_REGENERATE_VECTORS=1)",
            path.display()
        )
    });
    let committed: Value = serde_json::from_str(&text).unwrap();
    verify_file(&committed);
    assert_eq!(
        committed, generated,
        "the code no longer reproduces spec/vectors/crypto.json: an encoding, label or derivation changed"
    );
}

#[test]
fn a_tampered_vector_file_fails() {
    let mut v = generate();
    // Flip one byte of the signature: verify_file must reject it.
    let sig = v["signature"]["signature"].as_str().unwrap().to_string();
    let mut bytes = hex::decode(sig).unwrap();
    bytes[40] ^= 1;
    v["signature"]["signature"] = Value::String(hex::encode(bytes));
    assert!(std::panic::catch_unwind(|| verify_file(&v)).is_err());
}
