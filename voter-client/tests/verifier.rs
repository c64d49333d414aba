//! Differential check: ballots and audits made by the voter client, in a
//! record with a real trustee ceremony, pass the independent verifier
//! (`tally verify`, a dev-dependency only).

mod common;

use urna_election::record::{kind, RecordWriter};
use urna_election::{Entry, Phase};
use urna_log::{BoardKey, MemoryTree};
use voter_client::{BallotDraft, Election, ExpectedFingerprint};

#[test]
fn client_ballots_and_audits_pass_the_independent_verifier() {
    let s = common::Setup::new("client-check", 3);
    let election = Election::load(&s.bundle, &ExpectedFingerprint::Full(s.fingerprint)).unwrap();

    let mut entries: Vec<Vec<u8>> = vec![s.manifest_entry.to_bytes()];
    entries.extend(
        s.ceremony
            .iter()
            .map(|m| Entry::Ceremony(m.to_bytes()).to_bytes()),
    );
    entries.push(s.credentials_entry.to_bytes());
    entries.push(s.state(Phase::Open).to_bytes());
    for (i, v) in s.voters.iter().enumerate() {
        let mut d = BallotDraft::new(&election, v.clone()).unwrap();
        d.set(0, i % 4, 1).unwrap();
        d.set(1, 2, i as u64).unwrap();
        // Audit once, then cast the fresh encryption; the last voter re-votes.
        let (audited, d) = d.seal().unwrap().audit();
        audited.verify().unwrap();
        entries.push(audited.entry_bytes());
        entries.push(d.seal().unwrap().into_ballot_file().entry_bytes());
    }
    let mut d = BallotDraft::new(&election, s.voters[2].clone()).unwrap();
    d.set_by_id("council", "option-1", 1).unwrap();
    entries.push(d.seal().unwrap().into_ballot_file().entry_bytes());
    entries.push(s.state(Phase::Close).to_bytes());

    let board = BoardKey::from_seed(&[5; 32]);
    let mut tree = MemoryTree::new();
    let mut w = RecordWriter::new(Vec::new()).unwrap();
    w.frame(kind::BOARD_KEY, &board.public_key().to_bytes())
        .unwrap();
    for e in &entries {
        w.frame(kind::ENTRY, e).unwrap();
        tree.push_entry(e);
    }
    let head = board
        .sign_tree_head(
            &election.manifest().election_id,
            tree.len(),
            1_800_000_000_000,
            tree.root(),
        )
        .unwrap();
    w.frame(kind::TREE_HEAD, &head.to_bytes()).unwrap();
    let record = w.finish().unwrap();

    let report = tally::verify::verify_record(&record[..], None);
    assert!(report.ok(), "verifier failures: {:?}", report.failures);
    assert_eq!(report.ballots_cast, 4);
    assert_eq!(report.ballots_spoiled, 3);
    assert_eq!(report.ballots_counted, 3);
}
