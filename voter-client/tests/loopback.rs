//! The voter client against a real board on loopback (SQLite): load the
//! election from the board's log, cast, re-vote, audit then cast, receipt
//! inclusion later, a ballot file submitted later (twice), and the
//! `urna-vote` binary's `submit` and `check-receipt`.

mod common;

use std::process::Command;

use urna_election::{Entry, Phase};
use voter_client::http::HttpBoard;
use voter_client::{
    AuditedBallot, BallotDraft, BoardApi, CastReceipt, Election, ExpectedFingerprint,
};

struct Board {
    rt: tokio::runtime::Runtime,
    board: Option<urna_board::RunningBoard>,
    dir: tempfile::TempDir,
    base: String,
}

impl Board {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = urna_board::config::Config::for_tests(
            &format!("sqlite://{}", dir.path().join("board.db").display()),
            dir.path().join("board.key"),
        );
        let board = rt.block_on(urna_board::start(config)).unwrap();
        let base = format!("http://{}", board.addr);
        Board {
            rt,
            board: Some(board),
            dir,
            base,
        }
    }

    fn post(&self, path: &str, entry: &Entry) {
        let r = ureq::post(&format!("{}{path}", self.base))
            .send_json(serde_json::json!({ "entry": hex::encode(entry.to_bytes()) }));
        if let Err(e) = r {
            panic!("{path}: {e}");
        }
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        if let Some(b) = self.board.take() {
            self.rt.block_on(b.shutdown());
        }
        let _ = &self.dir;
    }
}

fn open_election(board: &Board, id: &str, voters: usize) -> common::Setup {
    let s = common::Setup::new(id, voters);
    board.post("/api/elections", &s.manifest_entry);
    for m in &s.ceremony {
        board.post(
            &format!("/api/elections/{id}/ceremony"),
            &Entry::Ceremony(m.to_bytes()),
        );
    }
    board.post(
        &format!("/api/elections/{id}/credentials"),
        &s.credentials_entry,
    );
    board.post(&format!("/api/elections/{id}/open"), &s.state(Phase::Open));
    s
}

#[test]
fn voting_through_a_real_board() {
    let board = Board::start();
    let s = open_election(&board, "loopback", 3);
    let http = HttpBoard::new(&board.base);

    // Load the election from the board's log, checked against the fingerprint.
    let bundle = http.election_bundle("loopback").unwrap();
    assert!(bundle.board_key.is_some());
    let election = Election::load(&bundle, &ExpectedFingerprint::Full(s.fingerprint)).unwrap();
    assert_eq!(election.fingerprint(), s.fingerprint);

    // Cast, and check the receipt.
    let mut d = BallotDraft::new(&election, s.voters[0].clone()).unwrap();
    d.set_by_id("council", "option-3", 1).unwrap();
    d.set_by_id("priorities", "option-1", 5).unwrap();
    let first = d.seal().unwrap().cast(&http).unwrap();
    first.verify().unwrap();

    // Re-vote.
    let mut d = BallotDraft::new(&election, s.voters[0].clone()).unwrap();
    d.set_by_id("council", "option-1", 1).unwrap();
    let second = d.seal().unwrap().cast(&http).unwrap();
    assert!(second.log_index() > first.log_index());

    // Audit, then cast a fresh encryption of the same choices.
    let mut d = BallotDraft::new(&election, s.voters[1].clone()).unwrap();
    d.set(0, 0, 1).unwrap();
    d.set(0, 3, 1).unwrap();
    let choices = d.choices().to_vec();
    let sealed = d.seal().unwrap();
    // What the device still holds; the audit publishes none of it.
    let full = sealed.ballot().clone();
    let (audited, d) = sealed.audit();
    assert!(audited.shows(&choices));
    audited.verify().unwrap();
    let posted = audited.post(&http).unwrap();
    assert_eq!(posted.kind, "spoiled");
    // The second device: from the short code the first one showed.
    let short = audited.tracking_code().short();
    let found = AuditedBallot::find(&http, &election, &short.to_lowercase()).unwrap();
    assert_eq!(found.values(), choices);
    assert!(found.request().is_none());
    let spoiled_as_ballot = Entry::Ballot(full).to_bytes();
    let e = http
        .submit_ballot("loopback", &spoiled_as_ballot)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_BALLOT_SPOILED");
    let fresh = d.seal().unwrap().cast(&http).unwrap();
    assert_ne!(fresh.tracking_code, audited.tracking_code());

    // A ballot file made offline, submitted later, twice: one ballot, one receipt.
    let mut d = BallotDraft::new(&election, s.voters[2].clone()).unwrap();
    d.set(0, 1, 1).unwrap();
    let file = d.seal().unwrap().into_ballot_file();
    let r1 = file.submit(&http, &election).unwrap();
    let r2 = file.submit(&http, &election).unwrap();
    assert_eq!(r1.board.log_index, r2.board.log_index);
    assert_eq!(r1.board.promise, r2.board.promise);

    // Later: the first receipt is still included under the latest head.
    let (head, proof) = http.inclusion_proof("loopback", first.log_index()).unwrap();
    assert!(head.tree_size > first.board.tree_head.tree_size);
    first.check_inclusion(&head, &proof).unwrap();

    // The command line: submit a saved ballot file, then check the receipt.
    let dir = tempfile::tempdir().unwrap();
    let mut d = BallotDraft::new(&election, s.voters[2].clone()).unwrap();
    d.set(0, 2, 1).unwrap();
    let file = d.seal().unwrap().into_ballot_file();
    let path = dir.path().join("vote.urna-ballot");
    std::fs::write(&path, file.to_text()).unwrap();
    let receipt = dir.path().join("receipt.json");
    let exe = env!("CARGO_BIN_EXE_urna-vote");
    let out = Command::new(exe)
        .args([
            "submit",
            path.to_str().unwrap(),
            "--board",
            &board.base,
            "--receipt",
        ])
        .arg(&receipt)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&file.tracking_code().short()), "{stdout}");
    let r = CastReceipt::from_json(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    r.verify().unwrap();
    let out = Command::new(exe)
        .args([
            "check-receipt",
            receipt.to_str().unwrap(),
            "--board",
            &board.base,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("still included"));

    // The second device's check from the command line: by the short
    // tracking code the first device showed, the audit and its choices.
    let election_file = dir.path().join("election.json");
    std::fs::write(&election_file, bundle.to_json()).unwrap();
    let fp = s.fingerprint.to_hex();
    let check_audit = |code: &str| {
        Command::new(exe)
            .args(["check-audit", "--election"])
            .arg(&election_file)
            .args(["--fingerprint", &fp, "--board", &board.base, "--code", code])
            .output()
            .unwrap()
    };
    let out = check_audit(&short);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("council = option-1 : 1"), "{stdout}");
    assert!(stdout.contains("council = option-4 : 1"), "{stdout}");
    assert!(!check_audit("0000-0000-0000-0000-0000").status.success());

    // A receipt altered by hand is refused by the command line.
    let tampered = std::fs::read_to_string(&receipt).unwrap().replacen(
        "\"log_index\": ",
        "\"log_index\": 1",
        1,
    );
    std::fs::write(&receipt, tampered).unwrap();
    let out = Command::new(exe)
        .args(["check-receipt", receipt.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
