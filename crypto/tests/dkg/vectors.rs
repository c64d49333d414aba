//! The known-answer vectors of spec/vectors/dkg.json, and the spec ids the
//! code cites.

use super::*;

// ------------------------------------------------------------------ vectors

const VECTOR_SEED: u64 = 0x75726e61_646b6731; // "urnadkg1"
/// Read at run time, not compile time: the build cache is shared between
/// checkouts, so a compile-time path may name another (or a deleted) one.
fn vectors_path() -> String {
    format!(
        "{}/../spec/vectors/dkg.json",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    )
}

fn hex32(b: &[u8]) -> String {
    hex::encode(b)
}

/// The 2-of-3 ceremony of `spec/vectors/dkg.json`, from a fixed seed.
fn vector_json() -> serde_json::Value {
    use serde_json::json;
    let mut rng = insecure_deterministic_rng(VECTOR_SEED);
    let mut c = Ceremony::new([0x42; 32], 3, 2, &mut rng);
    c.run_rounds_1_to_3(&mut rng);
    let shares = c.round4(&mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    let key = outcome.key();
    let (ct, _) = key.joint_key().encrypt(3, &mut rng);
    let parts = partial_decryptions(&shares, &ct, &mut rng);
    let trustees: Vec<_> = c
        .trustees
        .iter()
        .map(|t| {
            let state = t.to_bytes();
            let i = t.index();
            let r2 = c.round2_of(i);
            json!({
                "index": i,
                "insecure_state": hex::encode(&state[..]),
                "signing_key": hex32(&c.round1_of(i).identity().signing_key().to_bytes()),
                "encryption_key": hex32(&c.round1_of(i).identity().encryption_key().to_bytes()),
                "commitment_hash": hex32(c.round1_of(i).commitment_hash()),
                "commitments": r2.commitments().iter().map(|x| hex32(&x.to_bytes())).collect::<Vec<_>>(),
                "coefficient_proofs": r2.coefficients().iter().map(|(_, p)| hex::encode(p.to_bytes())).collect::<Vec<_>>(),
                "verification_key": hex32(&key.verification_key(i).unwrap().to_bytes()),
            })
        })
        .collect();
    let record = |msgs: Vec<Vec<u8>>| msgs.iter().map(hex::encode).collect::<Vec<_>>();
    json!({
        "description": "A 2-of-3 Urna key ceremony (spec/trustees.md) and one threshold decryption. INSECURE test data: every secret comes from insecure_deterministic_rng.",
        "generator": "crypto/tests/dkg/vectors.rs::generate_dkg_vectors (ChaCha20Rng::seed_from_u64(0x75726e61646b6731))",
        "spec": "spec/trustees.md §14",
        "params": hex::encode(c.params.to_bytes()),
        "trustees": trustees,
        "record": {
            "round1": record(c.record.round1.iter().map(Round1Message::to_bytes).collect()),
            "round2": record(c.record.round2.iter().map(Round2Message::to_bytes).collect()),
            "round3": record(c.record.round3.iter().map(Round3Message::to_bytes).collect()),
            "round4": record(c.record.round4.iter().map(Round4Message::to_bytes).collect()),
        },
        "qualified": key.qualified(),
        "joint_key": hex32(&key.joint_key().to_bytes()),
        "transcript_hash": hex32(key.transcript_hash()),
        "threshold_key": hex::encode(key.to_bytes()),
        "decryption": {
            "context": "merlin Transcript::new(\"urna/v1/test/tally\"), append_message(\"entry\", \"contest 0, option 0\"); then spec/trustees.md §12 (L1)",
            "plaintext": 3,
            "ciphertext": hex::encode(ct.to_bytes()),
            "shares": parts.iter().map(|(j, d)| json!({"trustee": j, "share": hex::encode(d.to_bytes())})).collect::<Vec<_>>(),
            "plaintext_point": hex32(&m_g(3).compress().to_bytes()),
        },
    })
}

/// Writes `spec/vectors/dkg.json`. Run on purpose only:
/// `cargo test -p urna-crypto --test dkg -- --ignored generate_dkg_vectors`.
#[test]
#[ignore]
fn generate_dkg_vectors() {
    let text = serde_json::to_string_pretty(&vector_json()).unwrap() + "\n";
    std::fs::write(vectors_path(), text).unwrap();
}

#[test]
fn dkg_vectors_are_reproduced() {
    let text = std::fs::read_to_string(vectors_path()).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        committed,
        vector_json(),
        "the code no longer reproduces spec/vectors/dkg.json"
    );
}

#[test]
fn dkg_vectors_verify_from_the_file_alone() {
    let text = std::fs::read_to_string(vectors_path()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bytes = |x: &serde_json::Value| hex::decode(x.as_str().unwrap()).unwrap();
    let p = CeremonyParams::from_bytes(&bytes(&v["params"])).unwrap();
    assert_eq!((p.trustees(), p.threshold()), (3, 2));
    let mut record = CeremonyRecord::new();
    for round in ["round1", "round2", "round3", "round4"] {
        for m in v["record"][round].as_array().unwrap() {
            record.push(CeremonyMessage::from_bytes(&bytes(m)).unwrap());
        }
    }
    let outcome = verify_ceremony(&p, &record).unwrap();
    let key = outcome.key();
    assert_eq!(key.joint_key().to_bytes().to_vec(), bytes(&v["joint_key"]));
    assert_eq!(key.transcript_hash().to_vec(), bytes(&v["transcript_hash"]));
    assert_eq!(
        &ThresholdKey::from_bytes(&bytes(&v["threshold_key"])).unwrap(),
        key
    );
    for t in v["trustees"].as_array().unwrap() {
        let i = t["index"].as_u64().unwrap() as u8;
        // The insecure secret state reproduces the published commitments.
        let trustee = Trustee::from_bytes(&bytes(&t["insecure_state"])).unwrap();
        assert_eq!(trustee.index(), i);
        let published = record.round2.iter().find(|m| m.sender() == i).unwrap();
        let commitments: Vec<Vec<u8>> = published
            .commitments()
            .iter()
            .map(|c| c.to_bytes().to_vec())
            .collect();
        let listed: Vec<Vec<u8>> = t["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .map(bytes)
            .collect();
        assert_eq!(commitments, listed);
        assert_eq!(
            commitment_hash(&p, i, &published.commitments()).to_vec(),
            bytes(&t["commitment_hash"])
        );
        assert_eq!(
            key.verification_key(i).unwrap().to_bytes().to_vec(),
            bytes(&t["verification_key"])
        );
    }
    let d = &v["decryption"];
    let ct = Ciphertext::from_bytes(&bytes(&d["ciphertext"])).unwrap();
    let parts: Vec<(u8, DecryptionShare)> = d["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["trustee"].as_u64().unwrap() as u8,
                DecryptionShare::from_bytes(&bytes(&s["share"])).unwrap(),
            )
        })
        .collect();
    for pair in subsets(&parts, 2) {
        let r = key
            .verify_and_combine(&tally_context(), &ct, &pair)
            .unwrap();
        assert_eq!(
            r.point().compress().to_bytes().to_vec(),
            bytes(&d["plaintext_point"])
        );
    }
    assert_eq!(
        urna_crypto::vartime_discrete_log(
            key.verify_and_combine(&tally_context(), &ct, &parts)
                .unwrap()
                .point(),
            10
        )
        .unwrap(),
        d["plaintext"].as_u64().unwrap()
    );
}

// ------------------------------------------------------------------ spec ids

/// Every `spec/trustees.md §N (ID)` cited in `crypto/src/dkg/` is defined
/// as `**(ID)**` in section N of the spec (docs/style.md item 3).
#[test]
fn spec_ids_cited_in_dkg_code_exist() {
    let root = format!(
        "{}/..",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    );
    let spec = std::fs::read_to_string(format!("{root}/spec/trustees.md")).unwrap();
    // Section number → ids defined in it (subsections included).
    let mut current = String::new();
    let mut sections: Vec<String> = Vec::new();
    let mut defined: Vec<(String, String)> = Vec::new();
    for line in spec.lines() {
        if line.starts_with('#') {
            let title = line.trim_start_matches('#').trim();
            if let Some(num) = title.split_whitespace().next() {
                current = num.trim_end_matches('.').to_string();
                sections.push(current.clone());
            }
        }
        let mut rest = line;
        while let Some(pos) = rest.find("**(") {
            let after = &rest[pos + 3..];
            if let Some(end) = after.find(")**") {
                defined.push((current.clone(), after[..end].to_string()));
                rest = &after[end..];
            } else {
                break;
            }
        }
    }
    let mut checked = 0;
    let dir = format!("{root}/crypto/src/dkg");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let needle = "spec/trustees.md §";
        let mut rest = text.as_str();
        while let Some(pos) = rest.find(needle) {
            let after = &rest[pos + needle.len()..];
            let section: String = after
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let tail = &after[section.len()..];
            if let Some(ids) = tail.strip_prefix(" (") {
                let id: String = ids.chars().take_while(|c| *c != ')').collect();
                let ok = defined.iter().any(|(s, d)| {
                    d == &id && (s == &section || s.starts_with(&format!("{section}.")))
                });
                assert!(
                    ok,
                    "{}: §{section} ({id}) is not defined in spec/trustees.md",
                    path.display()
                );
                checked += 1;
            } else {
                // A bare section reference must at least exist.
                let section = section.trim_end_matches('.');
                assert!(
                    sections.iter().any(|s| s == section),
                    "{}: §{section} is not a section of spec/trustees.md",
                    path.display()
                );
            }
            rest = after;
        }
    }
    assert!(checked > 40, "only {checked} citations found");
}
