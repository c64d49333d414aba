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
