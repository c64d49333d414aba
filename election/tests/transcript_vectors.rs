//! The vectors of `spec/vectors/transcripts.json`, made by a second
//! implementation (`election/scripts/gen_vectors.py`: Python, standard
//! library only, written from spec/crypto.md §3.3, RFC 9496 and
//! spec/record.md), checked against merlin 3.0 and the Rust code:
//!
//! - every output of the STROBE/merlin operation sequence (begin_op
//!   across the rate boundary, run_F padding, long absorbs and squeezes,
//!   the prover RNG's KEY), replayed on `merlin::Transcript`;
//! - the challenges on the contest and tally contexts as the election
//!   code builds them (spec/record.md §5.2, §7.2);
//! - an audited entry (spec/record.md §5.5), its tracking code (H5) and
//!   audit request (A3), made in Python;
//! - the five signed actions (spec/record.md §6.2), signed in Python,
//!   decoded as entries and accepted by the election code's verifiers, and
//!   refused once a byte changes;
//! - the ceremony of `spec/vectors/dkg.json`, re-checked and its derived
//!   values recomputed in Python (spec/trustees.md §14), equal to the file.
//!
//! Regenerate with `python3 election/scripts/gen_vectors.py >
//! spec/vectors/transcripts.json`; when python3 is installed, the test
//! also runs the script and requires its output to be the committed file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde_json::Value;
use urna_crypto::transcript::TranscriptProtocol;
use urna_crypto::{PublicKey, Signature};
use urna_election::ballot::contest_context;
use urna_election::entry::{
    tally_context, verify_credentials_signature, verify_manifest_signature,
};
use urna_election::{Entry, Hash32};

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
        .join("..")
}

fn load(name: &str) -> Value {
    let p = root().join("spec/vectors").join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn b(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn b32(v: &Value) -> [u8; 32] {
    b(v).try_into().unwrap()
}

/// merlin takes `&'static` labels; the vector's come from the file.
fn label(v: &Value) -> &'static [u8] {
    Box::leak(v.as_str().unwrap().as_bytes().to_vec().into_boxed_slice())
}

/// The "OS" generator of the RNG step: the vector's fixed bytes.
struct Fixed(Vec<u8>);
impl RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        unreachable!()
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert_eq!(dest.len(), self.0.len());
        dest.copy_from_slice(&self.0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for Fixed {}

#[test]
fn merlin_reproduces_the_strobe_vector() {
    let v = load("transcripts.json");
    let ops = v["merlin"]["ops"].as_array().unwrap();
    let mut t: Option<Transcript> = None;
    let mut checked = 0;
    for op in ops {
        match op["op"].as_str().unwrap() {
            "new" => t = Some(Transcript::new(label(&op["label"]))),
            "append_message" => t
                .as_mut()
                .unwrap()
                .append_message(label(&op["label"]), &b(&op["message"])),
            "append_u64" => t
                .as_mut()
                .unwrap()
                .append_u64(label(&op["label"]), op["value"].as_u64().unwrap()),
            "challenge_bytes" => {
                let mut out = vec![0u8; op["length"].as_u64().unwrap() as usize];
                t.as_mut()
                    .unwrap()
                    .challenge_bytes(label(&op["label"]), &mut out);
                assert_eq!(hex::encode(&out), op["output"].as_str().unwrap());
                checked += 1;
            }
            "rng" => {
                let mut builder = t.as_ref().unwrap().build_rng();
                for w in op["witnesses"].as_array().unwrap() {
                    builder = builder.rekey_with_witness_bytes(label(&w["label"]), &b(&w["bytes"]));
                }
                let mut rng = builder.finalize(&mut Fixed(b(&op["os_bytes"])));
                let lengths = op["fill_lengths"].as_array().unwrap();
                let outputs = op["outputs"].as_array().unwrap();
                for (n, want) in lengths.iter().zip(outputs) {
                    let mut out = vec![0u8; n.as_u64().unwrap() as usize];
                    rng.fill_bytes(&mut out);
                    assert_eq!(hex::encode(&out), want.as_str().unwrap());
                    checked += 1;
                }
            }
            other => panic!("unknown op {other}"),
        }
    }
    assert_eq!(checked, 5);
    // The message before the straddling append leaves the duplex one byte
    // before the end of the rate (so the next begin_op crosses it).
    assert!(
        v["merlin"]["message_length_before_straddle"]
            .as_u64()
            .unwrap()
            > 0
    );
}

fn scalar_hex(t: &mut Transcript) -> String {
    hex::encode(t.challenge_scalar(b"c").to_bytes())
}

#[test]
fn record_contexts_match_the_independent_challenges() {
    let v = load("transcripts.json");
    let c = &v["contest_context"];
    let fp = Hash32(b32(&c["fingerprint"]));
    let cred = PublicKey::from_bytes(&b(&c["credential"])).unwrap();
    let base = contest_context(&fp, &cred, c["contest"].as_u64().unwrap() as usize);
    assert_eq!(
        scalar_hex(&mut base.clone()),
        c["challenge_c"].as_str().unwrap()
    );
    // spec/crypto.md §7.2 (K5): an option's and the total's extensions.
    let mut option = base.clone();
    option.append_message(b"part", b"option");
    option.append_u64(b"index", 2);
    assert_eq!(
        scalar_hex(&mut option),
        c["option_2"]["challenge_c"].as_str().unwrap()
    );
    let mut total = base.clone();
    total.append_message(b"part", b"total");
    assert_eq!(
        scalar_hex(&mut total),
        c["total"]["challenge_c"].as_str().unwrap()
    );

    let t = &v["tally_context"];
    let fp = Hash32(b32(&t["fingerprint"]));
    let base = tally_context(&fp, 1, 2);
    let mut with_trustee = urna_crypto::dkg::decryption_transcript(&base, 3);
    assert_eq!(
        scalar_hex(&mut with_trustee),
        t["challenge_c"].as_str().unwrap()
    );
}

/// Check one signed action through the election code; `Err` if refused.
fn check_action(a: &Value, s: &Value, entry: &[u8]) -> Result<(), String> {
    let mhash = Hash32(b32(&s["manifest_hash"]));
    let signer = PublicKey::from_bytes(&b(&a["signer"])).unwrap();
    let e = Entry::from_bytes(entry).map_err(|e| e.to_string())?;
    let r = match (a["action"].as_str().unwrap(), e) {
        (
            "manifest",
            Entry::Manifest {
                manifest,
                signature,
            },
        ) => {
            assert_eq!(manifest.hash(), mhash);
            assert_eq!(manifest.organizer_key, signer);
            verify_manifest_signature(&manifest, &signature)
        }
        ("credentials", Entry::Credentials { list, signature }) => {
            assert_eq!(list.hash().0, b32(&s["list_hash"]));
            verify_credentials_signature(&list, &signature, &signer, &mhash)
        }
        ("replace", Entry::Replacement(rep)) => {
            // The list it replaces in is the credentials action's list.
            let creds = &s["actions"][1];
            let Entry::Credentials { list, .. } = Entry::from_bytes(&b(&creds["entry"])).unwrap()
            else {
                panic!("the second action is the credential list")
            };
            rep.apply(&list, &signer, &mhash).map(|new| {
                assert!(new
                    .entries()
                    .iter()
                    .any(|c| c.public.to_bytes() == b32(&s["new_credential"])));
            })
        }
        ("state", Entry::State(st)) => {
            assert_eq!(st.fingerprint.0, b32(&s["fingerprint"]));
            st.verify(&signer)
        }
        ("result", Entry::Result(r)) => r.verify(&signer, &Hash32(b32(&s["fingerprint"]))),
        (action, e) => panic!("{action}: unexpected entry {e:?}"),
    };
    r.map_err(|e| e.to_string())
}

/// spec/record.md §2.3 (H5), §5.5, §6.1 tag 6 and (A3), from the Python
/// implementation: the entry decodes and re-encodes byte for byte, its
/// openings open under K, the tracking code recomputed from it is the
/// vector's, and the audit request verifies for that code only.
#[test]
fn independently_made_audit_opens_and_recomputes_its_tracking_code() {
    let v = load("transcripts.json");
    let a = &v["audit"];
    let entry = b(&a["entry"]);
    let Entry::Spoiled(audit) = Entry::from_bytes(&entry).unwrap() else {
        panic!("not an audited entry")
    };
    assert_eq!(Entry::Spoiled(audit.clone()).to_bytes(), entry);
    assert_eq!(audit.fingerprint.0, b32(&a["fingerprint"]));
    assert_eq!(audit.ciphertext_hash().0, b32(&a["ciphertext_hash"]));
    assert_eq!(audit.seal.0, b32(&a["seal_hash"]));
    let code = audit.tracking_code();
    assert_eq!(code.0 .0, b32(&a["tracking_code"]));
    let values: Vec<Vec<u64>> = serde_json::from_value(a["values"].clone()).unwrap();
    assert_eq!(audit.values(), values);
    let k = PublicKey::from_bytes(&b(&a["election_key"])).unwrap();
    for o in audit.contests.iter().flatten() {
        assert!(k.vartime_check_opening(&o.ciphertext, o.value, &o.nonce));
        assert!(!k.vartime_check_opening(&o.ciphertext, o.value + 1, &o.nonce));
    }
    let request = urna_election::AuditRequest {
        credential: PublicKey::from_bytes(&b(&a["request"]["credential"])).unwrap(),
        signature: Signature::from_bytes(&b(&a["request"]["signature"])).unwrap(),
    };
    request.verify(&code).unwrap();
    let mut other = code;
    other.0 .0[31] ^= 1;
    assert!(request.verify(&other).is_err());
    // Another H_b is another tracking code.
    let mut t = audit;
    t.seal.0[0] ^= 1;
    assert_ne!(t.tracking_code(), code);
}

#[test]
fn independently_signed_actions_verify_and_tampered_ones_do_not() {
    let v = load("transcripts.json");
    let s = &v["signed_actions"];
    let actions = s["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 5);
    for a in actions {
        let name = a["action"].as_str().unwrap();
        let entry = b(&a["entry"]);
        check_action(a, s, &entry).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The signature's z + 1 (still canonical): refused.
        let mut bad = entry.clone();
        let n = bad.len();
        bad[n - 32] = bad[n - 32].wrapping_add(1);
        assert!(
            check_action(a, s, &bad).is_err(),
            "{name}: tampered z accepted"
        );
        // The same signature under another action's transcript: refused.
        let sig = Signature::from_bytes(&b(&a["signature"])).unwrap();
        let mut t = Transcript::new(b"urna/v1/signed-action");
        t.append_message(b"role", a["role"].as_str().unwrap().as_bytes());
        t.append_message(b"action", b"another action");
        t.append_message(b"election", &b(&a["election"]));
        let signer = PublicKey::from_bytes(&b(&a["signer"])).unwrap();
        assert!(sig.verify(&mut t, &signer, &b(&a["signed_bytes"])).is_err());
    }
}

#[test]
fn the_ceremony_vectors_agree_with_the_independent_recomputation() {
    let x = load("transcripts.json");
    let x = &x["dkg_crosscheck"];
    let d = load("dkg.json");
    assert_eq!(x["joint_key"], d["joint_key"]);
    assert_eq!(x["transcript_hash"], d["transcript_hash"]);
    assert_eq!(x["qualified"], d["qualified"]);
    assert_eq!(x["plaintext_point"], d["decryption"]["plaintext_point"]);
    let keys: Vec<Value> = d["trustees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["verification_key"].clone())
        .collect();
    assert_eq!(x["verification_keys"].as_array().unwrap(), &keys);
    let messages: usize = (1..=4)
        .map(|r| d["record"][format!("round{r}")].as_array().unwrap().len())
        .sum();
    assert_eq!(
        x["signatures_verified"].as_u64().unwrap() as usize,
        messages
    );
    let trustees = d["trustees"].as_array().unwrap().len() as u64;
    assert_eq!(
        x["proofs_of_possession_verified"].as_u64().unwrap(),
        2 * trustees
    );
}

#[test]
fn the_python_generator_reproduces_the_committed_file() {
    let script = root().join("election/scripts/gen_vectors.py");
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .current_dir(root())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("python3 not available ({e}): the generator was not re-run");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = std::fs::read(root().join("spec/vectors/transcripts.json")).unwrap();
    assert!(
        out.stdout == committed,
        "spec/vectors/transcripts.json is not what election/scripts/gen_vectors.py writes"
    );
}
