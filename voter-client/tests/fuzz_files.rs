//! Fuzz harnesses of what the voter client reads from untrusted hands
//! (issue 13, item 7): sealed ballot files in both forms (`spec/client.md`
//! §5), the board's signed promise (the wire crate's one codec, which the
//! client re-exports as `voter_client::Promise`) and the saved receipt
//! (§6). Bounded, seeded property tests run by `cargo test`; how inputs
//! are made and what is checked is in `election/tests/fuzz_support/mod.rs`,
//! shared by every harness.
//!
//! Every seed is made deterministically from the committed sample record
//! (written by `urna_sim::sample::write_sample`): its ballots become ballot
//! files, and a board of a fixed key logs its entries and answers one of
//! them with a promise, a tree head and an inclusion proof, from which the
//! receipt is built and checked (`CastReceipt::verify`) before any mutation.

#[path = "../../election/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use ed25519_dalek::{Signer, SigningKey};
use fuzz_support::{check_canonical, measure, mutated, mutated_json, random_after, run};
use proptest::prelude::*;
use urna_election::entry::tag;
use urna_election::record::{Frame, RecordReader};
use urna_election::{EncryptedBallot, Entry};
use urna_log::{BoardKey, MemoryTree};
use voter_client::file::{base45_encode, FILE_MAGIC, TEXT_PREFIX};
use voter_client::receipt::PROMISE_LABEL;
use voter_client::{BallotFile, BoardReceipt, CastReceipt, Promise};

const SAMPLE_RECORD: &[u8] = include_bytes!("../../spec/samples/election-1.urna");
const BOARD_SEED: [u8; 32] = [0x42; 32];
const T0: u64 = 1_767_225_600_000;
/// See `election/tests/fuzz_decoders.rs`; the text form adds base45.
const PER_BYTE: usize = 32;
const FIXED: usize = 64 * 1024;

fn entries() -> Vec<Vec<u8>> {
    let mut r = RecordReader::new(SAMPLE_RECORD).unwrap();
    let mut out = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        if let Frame::Entry(b) = f {
            out.push(b);
        }
    }
    out
}

fn election_id() -> String {
    match Entry::from_bytes(&entries()[0]).unwrap() {
        Entry::Manifest { manifest, .. } => manifest.election_id,
        _ => unreachable!(),
    }
}

fn ballot_files() -> Vec<BallotFile> {
    let id = election_id();
    entries()
        .iter()
        .filter(|e| e[0] == tag::BALLOT)
        .map(|e| {
            let ballot = EncryptedBallot::from_bytes(&e[1..]).unwrap();
            BallotFile::from_ballot(&id, ballot).unwrap()
        })
        .collect()
}

/// A board of key [`BOARD_SEED`] that logged the sample record's entries
/// answers the submission of its first ballot; the receipt the client
/// builds from that answer.
fn receipt() -> CastReceipt {
    let id = election_id();
    let entries = entries();
    let manifest = match Entry::from_bytes(&entries[0]).unwrap() {
        Entry::Manifest { manifest, .. } => manifest,
        _ => unreachable!(),
    };
    let index = entries.iter().position(|e| e[0] == tag::BALLOT).unwrap();
    let ballot = EncryptedBallot::from_bytes(&entries[index][1..]).unwrap();
    let code = ballot.tracking_code();
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push_entry(e);
    }
    let board = BoardKey::from_seed(&BOARD_SEED);
    let head = board
        .sign_tree_head(&id, tree.len(), T0 + 1, tree.root())
        .unwrap();
    let mut promise = Promise {
        log_id: board.log_id(&id),
        manifest_hash: manifest.hash().0,
        log_index: index as u64,
        timestamp_ms: T0,
        leaf_hash: tree.leaf_hash(index as u64).unwrap(),
        tracking_code: code.0 .0,
        signature: [0; 64],
    };
    promise.signature = SigningKey::from_bytes(&BOARD_SEED)
        .sign(&promise.body())
        .to_bytes();
    let answer = BoardReceipt {
        election: id.clone(),
        kind: "ballot".into(),
        log_index: index as u64,
        leaf_hash: promise.leaf_hash,
        tracking_code: Some(code.to_hex()),
        short_code: Some(code.short()),
        timestamp_ms: T0,
        promise: hex::encode(promise.to_bytes()),
        tree_head: head,
        inclusion_proof: tree.inclusion_proof(index as u64, tree.len()).unwrap(),
    };
    let receipt = CastReceipt {
        format: voter_client::receipt::RECEIPT_FORMAT.into(),
        election: id,
        fingerprint: ballot.fingerprint(),
        manifest_hash: manifest.hash(),
        tracking_code: code,
        short_code: code.short(),
        board_key: board.public_key(),
        ballot: hex::encode(ballot.to_bytes()),
        board: answer,
    };
    receipt.verify().unwrap();
    receipt
}

fn promise() -> Vec<u8> {
    let r = receipt();
    hex::decode(&r.board.promise).unwrap()
}

#[test]
fn seeds_are_valid() {
    for f in ballot_files() {
        assert_eq!(BallotFile::from_bytes(&f.to_bytes()).unwrap(), f);
        assert_eq!(BallotFile::from_bytes(f.to_text().as_bytes()).unwrap(), f);
    }
    let r = receipt();
    assert_eq!(CastReceipt::from_json(&r.to_json()).unwrap(), r);
    let p = promise();
    assert_eq!(Promise::decode(&p).unwrap().to_bytes(), p);
}

/// The binary form, mutated.
#[test]
fn ballot_file_binary_mutated() {
    let seeds = ballot_files().iter().map(BallotFile::to_bytes).collect();
    run(
        "ballot file, mutated",
        20_000,
        0x5eed_0201,
        600,
        mutated(seeds),
        |input| {
            Ok(check_canonical(
                "ballot file",
                &input,
                BallotFile::from_bytes,
                BallotFile::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// The text (and QR) form: the body mutated then base45-encoded, or the
/// text itself mutated. Whatever reads re-encodes to the text without the
/// surrounding whitespace the reader allows.
#[test]
fn ballot_file_text_mutated() {
    let files = ballot_files();
    let bodies: Vec<Vec<u8>> = files
        .iter()
        .map(|f| f.to_bytes()[FILE_MAGIC.len()..].to_vec())
        .collect();
    let texts: Vec<Vec<u8>> = files.iter().map(|f| f.to_text().into_bytes()).collect();
    let from_bodies = (mutated(bodies), 0..4usize).prop_map(|(body, pad)| {
        let ws = ["", " ", "\n", " \r\n\t"][pad];
        format!("{ws}{TEXT_PREFIX}{}{ws}", base45_encode(&body)).into_bytes()
    });
    run(
        "ballot file text, mutated",
        10_000,
        0x5eed_0202,
        200,
        prop_oneof![from_bodies, mutated(texts)],
        |input| {
            let (read, a) = measure(|| BallotFile::from_bytes(&input));
            fuzz_support::assert_allocation_bounded(
                "ballot file text",
                input.len(),
                a,
                PER_BYTE,
                FIXED,
            )?;
            let Ok(f) = read else {
                return Ok(false);
            };
            if input.starts_with(FILE_MAGIC) {
                prop_assert!(f.to_bytes() == input, "not canonical");
            } else {
                let text = std::str::from_utf8(&input).unwrap();
                let again = f.to_text();
                prop_assert_eq!(again.as_str(), text.trim(), "not canonical");
            }
            Ok(true)
        },
    );
}

/// Anything else a voter might hand the client as a file.
#[test]
fn ballot_file_random() {
    let prefixes = vec![
        FILE_MAGIC.to_vec(),
        TEXT_PREFIX.as_bytes().to_vec(),
        Vec::new(),
    ];
    run(
        "ballot file, random",
        20_000,
        0x5eed_0203,
        0,
        random_after(prefixes, 300),
        |input| {
            let (read, a) = measure(|| BallotFile::from_bytes(&input));
            fuzz_support::assert_allocation_bounded(
                "ballot file",
                input.len(),
                a,
                PER_BYTE,
                FIXED,
            )?;
            Ok(read.is_ok())
        },
    );
}

/// The board's promise (`spec/client.md` §6.2 (P1)): a mutated promise
/// never verifies under the board's key.
#[test]
fn promise_decoding_mutated() {
    let real = promise();
    let key = BoardKey::from_seed(&BOARD_SEED).public_key();
    let id = election_id();
    run(
        "promise, mutated",
        30_000,
        0x5eed_0204,
        2500,
        prop_oneof![
            4 => mutated(vec![real.clone()]),
            1 => random_after(vec![PROMISE_LABEL.to_vec(), Vec::new()], 240),
        ],
        |input| {
            let Some(p) = check_canonical(
                "promise",
                &input,
                Promise::decode,
                Promise::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            if p.verify(&key, &id).is_ok() {
                prop_assert!(input == real, "a mutated promise verifies");
            }
            Ok(true)
        },
    );
}

/// The saved receipt file (`spec/client.md` §6.1), mutated, read and
/// checked offline as the client does when a voter opens it.
#[test]
fn receipt_json_mutated() {
    let r = receipt();
    let seeds = vec![
        r.to_json(),
        serde_json::to_string(&r).unwrap(),
        serde_json::to_string(&r.board).unwrap(),
    ];
    run(
        "receipt JSON, mutated",
        10_000,
        0x5eed_0205,
        500,
        mutated_json(seeds),
        |input| {
            let text = String::from_utf8_lossy(&input);
            let (read, a) = measure(|| CastReceipt::from_json(&text));
            fuzz_support::assert_allocation_bounded("receipt", input.len(), a, PER_BYTE, FIXED)?;
            // The board's answer alone, as the page receives it.
            let _ = serde_json::from_str::<BoardReceipt>(&text);
            let Ok(parsed) = read else {
                return Ok(false);
            };
            let _ = parsed.verify();
            prop_assert_eq!(CastReceipt::from_json(&parsed.to_json()).ok(), Some(parsed));
            Ok(true)
        },
    );
}
