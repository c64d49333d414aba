//! The board and the verifier drive one rule-book (`urna_election::rules`);
//! this test checks that they cannot drift apart in the direction that
//! matters: every tampered record of the verifier's mutant suite
//! (`urna_sim::mutants`), replayed through the board's intake
//! (`urna_board::replay::check_log`, the path a mirror's catch-up
//! takes), is refused at the same log index the verifier names first —
//! so the board never accepts an entry that would make its own record
//! fail `tally verify`. The honest sample goes through untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tally::verify::verify_record;
use urna_board::replay::check_log;
use urna_sim::mutants::ENTRY_MUTANTS;
use urna_sim::sample::{read_entries, write_entries, write_sample, SampleOptions, SampleSummary};

fn sample() -> (Vec<Vec<u8>>, SampleSummary) {
    let mut out = Vec::new();
    let s = write_sample(&SampleOptions::default(), &mut out, &|_| {}).unwrap();
    (read_entries(&out[..]).unwrap(), s)
}

/// The smallest log index the verifier's report names.
fn verifier_first_index(entries: &[Vec<u8>], s: &SampleSummary) -> Option<u64> {
    let record = write_entries(entries, &s.secrets.board_seed, 16, Vec::new()).unwrap();
    let report = verify_record(&record[..], None);
    report.failures.iter().filter_map(|f| f.entry).min()
}

#[test]
fn the_honest_sample_is_accepted_whole_by_the_board() {
    let (entries, s) = sample();
    assert_eq!(verifier_first_index(&entries, &s), None);
    assert_eq!(check_log(&entries), Ok(()));
}

#[test]
fn every_mutant_is_refused_by_the_board_where_the_verifier_fails_it() {
    let (entries, s) = sample();
    let mut checked = 0;
    for m in ENTRY_MUTANTS {
        let mut e = entries.clone();
        (m.make)(&mut e, &s);
        let verifier = verifier_first_index(&e, &s)
            .unwrap_or_else(|| panic!("{}: the verifier names no entry", m.name));
        let board = check_log(&e)
            .err()
            .unwrap_or_else(|| panic!("{}: the board accepted the whole record", m.name));
        assert_eq!(
            board.index, verifier,
            "{}: the board refuses entry {} ({}: {}), the verifier fails entry {verifier} first",
            m.name, board.index, board.code, board.message
        );
        checked += 1;
    }
    assert_eq!(checked, ENTRY_MUTANTS.len());
}

/// spec/crypto.md §5.3 (D4), spec/record.md §7.3 (Y5): an election in
/// which no ballot is counted (two audited ballots only) goes through the
/// board whole and verifies with an all-zero result; a share for the empty
/// aggregate that is not exactly `EMPTY` is refused by the board at the
/// index where the verifier fails it.
#[test]
fn an_election_with_no_counted_ballot_is_accepted_and_verifies_all_zero() {
    use urna_crypto::DecryptionShare;
    use urna_election::Entry;
    let opts = SampleOptions {
        ballots: 0,
        spoiled: 2,
        seed: Some(11),
        ..SampleOptions::default()
    };
    let mut out = Vec::new();
    let s = write_sample(&opts, &mut out, &|_| {}).unwrap();
    let entries = read_entries(&out[..]).unwrap();
    let report = verify_record(&out[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_counted, 0);
    let totals = report.result.expect("a verified result");
    assert!(totals.iter().flatten().all(|&n| n == 0), "{totals:?}");
    assert_eq!(check_log(&entries), Ok(()));

    // One share slot changed from EMPTY (z = 0) to z = 1: still decodes.
    let at = entries
        .iter()
        .position(|e| matches!(Entry::from_bytes(e), Ok(Entry::Tally(_))))
        .unwrap();
    let Ok(Entry::Tally(mut share)) = Entry::from_bytes(&entries[at]) else {
        unreachable!()
    };
    let mut bytes = DecryptionShare::empty_aggregate().to_bytes();
    bytes[96] = 1;
    share.shares[0][0] = DecryptionShare::from_bytes(&bytes).unwrap();
    let mut tampered = entries.clone();
    tampered[at] = Entry::Tally(share).to_bytes();
    assert_eq!(verifier_first_index(&tampered, &s), Some(at as u64));
    let refused = check_log(&tampered).unwrap_err();
    assert_eq!(
        refused.index, at as u64,
        "{}: {}",
        refused.code, refused.message
    );
    assert_eq!(refused.code, "ERR_SHARE_INVALID");
}
