//! The verifier against the sample record and one tampered record per check
//! (spec/record.md §10): each mutant must fail with exactly its check named.
//! Tampered records are re-signed by the roles' keys where a lying party
//! could do so (a dishonest board re-signs its tree heads), so only the
//! targeted check can catch them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rand_core::OsRng;
use tally::report::Report;
use tally::sample::{read_entries, write_entries, write_sample, SampleOptions, SampleSummary};
use tally::verify::verify_record;
use urna_election::entry::{sign_credentials, sign_manifest, tag, StateChange};
use urna_election::{ElectionResult, Entry, Phase};

fn sample() -> (Vec<u8>, SampleSummary) {
    let mut out = Vec::new();
    let summary = write_sample(&SampleOptions::default(), &mut out, &|_| {}).unwrap();
    (out, summary)
}

fn verify(bytes: &[u8]) -> Report {
    verify_record(bytes, None)
}

/// Re-sign `entries` as the board and verify.
fn verify_entries(entries: &[Vec<u8>], s: &SampleSummary) -> Report {
    let out = write_entries(entries, &s.secrets.board_seed, 16, Vec::new()).unwrap();
    verify(&out)
}

fn assert_only(report: &Report, check: &str) {
    assert!(!report.ok(), "the mutant for {check} verified");
    assert_eq!(
        report.failed_checks(),
        vec![check],
        "expected only {check} to fail; failures: {:#?}",
        report.failures
    );
}

fn positions(entries: &[Vec<u8>], t: u8) -> Vec<usize> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e[0] == t)
        .map(|(i, _)| i)
        .collect()
}

fn decode(e: &[u8]) -> Entry {
    Entry::from_bytes(e).unwrap()
}

fn manifest_hash(entries: &[Vec<u8>]) -> urna_election::Hash32 {
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!("first entry is not the manifest")
    };
    manifest.hash()
}

/// The election fingerprint, read from the opening entry.
fn fingerprint(entries: &[Vec<u8>]) -> urna_election::Hash32 {
    let i = positions(entries, tag::STATE)[0];
    let Entry::State(open) = decode(&entries[i]) else {
        panic!("not a state change")
    };
    open.fingerprint
}

#[test]
fn sample_verifies_with_the_expected_result() {
    let (bytes, s) = sample();
    let r = verify(&bytes);
    assert!(r.ok(), "{:#?}", r.failures);
    assert_eq!(r.result.as_ref(), Some(&s.totals));
    assert_eq!(r.ballots_cast, 10);
    assert_eq!(r.ballots_counted, 8);
    assert_eq!(r.ballots_spoiled, 1);
    // Every check ran.
    assert!(r.checks.iter().all(|c| c.ran), "{:#?}", r.checks);
}

#[test]
fn committed_sample_is_reproducible_and_verifies() {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"),
    )
    .join("../spec/samples/election-1.urna");
    let (bytes, s) = sample();
    if std::env::var_os("URNA_REGENERATE_VECTORS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let committed = std::fs::read(&path)
        .expect("spec/samples/election-1.urna (regenerate with URNA_REGENERATE_VECTORS=1)");
    let r = verify(&committed);
    assert!(r.ok(), "{:#?}", r.failures);
    assert_eq!(r.result.as_ref(), Some(&s.totals));
    assert!(
        committed == bytes,
        "the generator no longer reproduces spec/samples/election-1.urna: a format changed"
    );
}

#[test]
fn r01_unknown_entry_type() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    entries.push(vec![0xff, 1, 2, 3]);
    assert_only(&verify_entries(&entries, &s), "R1");
}

#[test]
fn r01_not_a_record() {
    let r = verify(b"PK\x03\x04 this is a zip file");
    assert_only(&r, "R1");
    let (bytes, _) = sample();
    // Truncated inside a frame.
    let r = verify(&bytes[..bytes.len() - 10]);
    assert!(r.failed_checks().contains(&"R1"));
}

#[test]
fn r02_manifest_not_signed_by_its_organizer() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!()
    };
    // Signed by the credential authority's key instead.
    let mut forged = manifest.clone();
    forged.organizer_key = s.secrets.authority.public_key();
    let Entry::Manifest { signature, .. } =
        sign_manifest(forged, &s.secrets.authority, &mut OsRng).unwrap()
    else {
        panic!()
    };
    entries[0] = Entry::Manifest {
        manifest,
        signature,
    }
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R2");
}

#[test]
fn r03_ceremony_missing_a_certification() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let last = *positions(&entries, tag::CEREMONY).last().unwrap();
    entries.remove(last);
    assert_only(&verify_entries(&entries, &s), "R3");
}

#[test]
fn r04_credential_list_signed_by_the_organizer() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    entries[i] = sign_credentials(
        list,
        &manifest_hash(&entries),
        &s.secrets.organizer,
        &mut OsRng,
    )
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R4");
}

#[test]
fn r05_opening_for_another_fingerprint() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::STATE)[0];
    let Entry::State(open) = decode(&entries[i]) else {
        panic!()
    };
    let mut fp = open.fingerprint;
    fp.0[0] ^= 1;
    entries[i] = Entry::State(StateChange::sign(
        Phase::Open,
        fp,
        open.timestamp,
        &s.secrets.organizer,
        &mut OsRng,
    ))
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R5");
}

#[test]
fn r06_superseded_ballot_with_a_bad_signature() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    // The first ballot is voter 0's, re-voted later: it does not count,
    // so only its own check can notice it is invalid.
    let i = positions(&entries, tag::BALLOT)[0];
    let n = entries[i].len();
    // The signature response z is the last 32 bytes (little-endian, < ℓ):
    // z + 1 stays canonical but no longer verifies.
    entries[i][n - 32] = entries[i][n - 32].wrapping_add(1);
    assert_only(&verify_entries(&entries, &s), "R6");
}

#[test]
fn r07_ballot_posted_twice() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = *positions(&entries, tag::BALLOT).last().unwrap();
    let copy = entries[i].clone();
    entries.insert(i + 1, copy);
    assert_only(&verify_entries(&entries, &s), "R7");
}

#[test]
fn r08_result_counting_a_superseded_ballot_fails() {
    // The re-voting rule is applied by the verifier itself (R8); a result
    // that counted superseded ballots disagrees with the tally: R12.
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::RESULT)[0];
    let mut totals = s.totals.clone();
    // Voter 0's first ballot (superseded) counted on top.
    let first = tally::sample::choices_for(tally::sample::Shape::ApprovalAndScore, 0, 0);
    for (row, add) in totals.iter_mut().zip(first) {
        for (t, a) in row.iter_mut().zip(add) {
            *t += a;
        }
    }
    entries[i] = Entry::Result(ElectionResult::sign(
        totals,
        &fingerprint(&entries),
        &s.secrets.organizer,
        &mut OsRng,
    ))
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R12");
}

#[test]
fn r09_audited_ballot_that_does_not_open() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::SPOILED)[0];
    let Entry::Spoiled(mut sp) = decode(&entries[i]) else {
        panic!()
    };
    sp.openings[0].0[0] ^= 1;
    entries[i] = Entry::Spoiled(sp).to_bytes();
    assert_only(&verify_entries(&entries, &s), "R9");
}

#[test]
fn r09_audited_ballot_cast_later() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::SPOILED)[0];
    let Entry::Spoiled(sp) = decode(&entries[i]) else {
        panic!()
    };
    // Cast the audited ballot right after it was audited (still open).
    entries.insert(i + 1, Entry::Ballot(sp.ballot).to_bytes());
    let r = verify_entries(&entries, &s);
    assert!(r.failed_checks().contains(&"R9"), "{:#?}", r.failures);
}

#[test]
fn r10_r11_share_over_another_aggregate_is_rejected() {
    // A trustee share is checked against the aggregate the verifier
    // recomputed (R10); a share for anything else fails its proof (R11).
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::TALLY)[1];
    let Entry::Tally(mut t) = decode(&entries[i]) else {
        panic!()
    };
    t.shares[0].swap(0, 1);
    entries[i] = Entry::Tally(t).to_bytes();
    let r = verify_entries(&entries, &s);
    assert_only(&r, "R11");
    assert!(
        r.failures.iter().any(|f| f.message.contains("trustee 2")),
        "{:#?}",
        r.failures
    );
}

#[test]
fn r11_share_from_an_unknown_trustee() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::TALLY)[0];
    let Entry::Tally(mut t) = decode(&entries[i]) else {
        panic!()
    };
    t.trustee = 9;
    entries[i] = Entry::Tally(t).to_bytes();
    assert_only(&verify_entries(&entries, &s), "R11");
}

#[test]
fn r12_announced_result_differs() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::RESULT)[0];
    let mut totals = s.totals.clone();
    totals[0][0] += 1;
    entries[i] = Entry::Result(ElectionResult::sign(
        totals,
        &fingerprint(&entries),
        &s.secrets.organizer,
        &mut OsRng,
    ))
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R12");
}

#[test]
fn r13_tree_head_over_another_root() {
    let (bytes, s) = sample();
    let entries = read_entries(&bytes[..]).unwrap();
    let mut out = write_entries(&entries, &s.secrets.board_seed, 16, Vec::new()).unwrap();
    // The board signs one more head, of the right size but a wrong root.
    let key = urna_log::BoardKey::from_seed(&s.secrets.board_seed);
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!("first entry is not the manifest")
    };
    let head = key
        .sign_tree_head(
            &manifest.election_id,
            entries.len() as u64,
            1_900_000_000_000,
            urna_log::Hash([7; 32]),
        )
        .unwrap()
        .to_bytes();
    out.push(urna_election::record::kind::TREE_HEAD);
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&head);
    assert_only(&verify(&out), "R13");
}

#[test]
fn r13_entries_after_the_last_tree_head() {
    let (bytes, _) = sample();
    let mut out = bytes.clone();
    // Append an entry frame that no head covers.
    let e = read_entries(&bytes[..]).unwrap()[0].clone();
    out.push(urna_election::record::kind::ENTRY);
    out.extend_from_slice(&(e.len() as u32).to_be_bytes());
    out.extend_from_slice(&e);
    let r = verify(&out);
    assert!(r.failed_checks().contains(&"R13"), "{:#?}", r.failures);
}

#[test]
fn r14_ballot_after_close() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let close = positions(&entries, tag::STATE)[1];
    let ballot = entries[positions(&entries, tag::BALLOT)[2]].clone();
    entries.insert(close + 1, ballot);
    assert_only(&verify_entries(&entries, &s), "R14");
}

#[test]
fn r14_closing_for_another_election() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::STATE)[1];
    let Entry::State(close) = decode(&entries[i]) else {
        panic!()
    };
    let mut fp = close.fingerprint;
    fp.0[5] ^= 1;
    entries[i] = Entry::State(StateChange::sign(
        Phase::Close,
        fp,
        close.timestamp,
        &s.secrets.organizer,
        &mut OsRng,
    ))
    .to_bytes();
    assert_only(&verify_entries(&entries, &s), "R14");
}

#[test]
fn r12_result_before_close() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let r = positions(&entries, tag::RESULT)[0];
    let result = entries.remove(r);
    let close = positions(&entries, tag::STATE)[1];
    entries.insert(close, result);
    assert_only(&verify_entries(&entries, &s), "R12");
}

#[test]
fn r07_audited_ciphertexts_recast_under_a_new_signature() {
    // G3: the audited ballot's randomness is public; re-signing its
    // ciphertexts gives a new tracking code but the same α values.
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let i = positions(&entries, tag::SPOILED)[0];
    let Entry::Spoiled(sp) = decode(&entries[i]) else {
        panic!()
    };
    // Move the audit before voter 0's last ballot is replaced by a copy of
    // the audited ciphertexts: simplest faithful variant is to cast the
    // audited ballot's bytes with a fresh signature by the same voter.
    let voter0 = &s.secrets.voters[0];
    assert_eq!(sp.ballot.credential(), &voter0.public_key());
    let mut w = urna_crypto::group::Writer::new();
    w.fixed(&sp.ballot.fingerprint().0);
    w.element(sp.ballot.credential().element());
    w.u32(sp.ballot.contests().len() as u32);
    for c in sp.ballot.contests() {
        c.write(&mut w);
    }
    let unsigned = w.into_bytes();
    let sig = urna_crypto::Signature::sign(
        &mut merlin::Transcript::new(b"urna/v1/ballot-signature"),
        voter0,
        &unsigned,
        &mut OsRng,
    );
    let mut recast = vec![tag::BALLOT];
    recast.extend_from_slice(&unsigned);
    recast.extend_from_slice(&sig.to_bytes());
    // Cast before close, after the audit; it supersedes voter 0's ballot, so
    // the announced result no longer matches either: only the duplicate
    // check is asserted.
    entries.insert(i + 1, recast);
    let r = verify_entries(&entries, &s);
    assert!(r.failed_checks().contains(&"R7"), "{:#?}", r.failures);
}

/// A credential replacement signed by the authority for the current list,
/// of the first voter in the list, by a fresh key.
fn replacement(entries: &[Vec<u8>], s: &SampleSummary) -> Vec<u8> {
    let i = positions(entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    let old = list.entries()[0].public.clone();
    let new = urna_crypto::SecretKey::generate(&mut OsRng).public_key();
    Entry::Replacement(urna_election::CredentialReplacement::sign(
        &list,
        old,
        new,
        &manifest_hash(entries),
        &s.secrets.authority,
        &mut OsRng,
    ))
    .to_bytes()
}

#[test]
fn c02_credential_replacement_after_the_opening_fails_r4() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let rep = replacement(&entries, &s);
    let open = positions(&entries, tag::STATE)[0];
    entries.insert(open + 1, rep);
    let r = verify_entries(&entries, &s);
    assert_only(&r, "R4");
    assert_eq!(
        r.credentials_replaced, 0,
        "the late replacement was not applied"
    );
    assert_eq!(r.result.as_ref(), Some(&s.totals), "nothing else changed");
}

#[test]
fn r04_credential_replacement_signed_by_the_organizer() {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let Entry::Replacement(mut rep) = decode(&replacement(&entries, &s)) else {
        panic!()
    };
    let i = positions(&entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    rep.signature = urna_election::CredentialReplacement::sign(
        &list,
        rep.old.clone(),
        rep.new.clone(),
        &manifest_hash(&entries),
        &s.secrets.organizer,
        &mut OsRng,
    )
    .signature;
    entries.insert(i + 1, Entry::Replacement(rep).to_bytes());
    assert_only(&verify_entries(&entries, &s), "R4");
}

#[test]
fn c02_valid_replacement_before_the_opening_changes_the_fingerprint() {
    // Applied: the opening, signed for the list without it, names another
    // fingerprint (R5) — so a replacement cannot be slipped in unnoticed.
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let rep = replacement(&entries, &s);
    let i = positions(&entries, tag::CREDENTIALS)[0];
    entries.insert(i + 1, rep.clone());
    let r = verify_entries(&entries, &s);
    assert_eq!(r.credentials_replaced, 1);
    assert!(r.failed_checks().contains(&"R5"), "{:#?}", r.failures);
    // Replayed a second time, it is for a stale list: R4.
    entries.insert(i + 2, rep);
    let r = verify_entries(&entries, &s);
    assert!(r.failed_checks().contains(&"R4"), "{:#?}", r.failures);
    assert_eq!(r.credentials_replaced, 1);
}
