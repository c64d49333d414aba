//! The voter's flows end to end against the in-memory board: cast,
//! re-vote, audit then cast, receipts and inclusion, ballot files
//! submitted later, dropped connections, and every error a voter can meet.

use voter_client::testing::sample_election;
use voter_client::{
    BallotDraft, BallotFile, BoardApi, CastReceipt, ClientError, Credential, Election,
    ElectionBundle, ExpectedFingerprint, MemoryBoard,
};

fn setup(voters: usize) -> (Election, ElectionBundle, Vec<Credential>, MemoryBoard) {
    let (election, bundle, creds) = sample_election(voters);
    let board = MemoryBoard::new(&bundle, &election, [42; 32]).unwrap();
    (election, bundle, creds, board)
}

fn draft(
    election: &Election,
    cred: &Credential,
    council: &[usize],
    scores: [u64; 3],
) -> BallotDraft {
    let mut d = BallotDraft::new(election, cred.clone()).unwrap();
    for &o in council {
        d.set(0, o, 1).unwrap();
    }
    for (o, s) in scores.into_iter().enumerate() {
        d.set(1, o, s).unwrap();
    }
    d
}

#[test]
fn cast_and_check_receipt_later() {
    let (election, bundle, creds, board) = setup(3);
    let sealed = draft(&election, &creds[0], &[1], [5, 0, 3]).seal().unwrap();
    let code = sealed.tracking_code();
    let before = board.len();
    let receipt = sealed.cast(&board).unwrap();
    assert_eq!(board.len(), before + 1);
    assert_eq!(receipt.tracking_code, code);
    assert_eq!(receipt.short_code, code.short());
    receipt.verify().unwrap();

    // The downloaded receipt file round-trips and still verifies.
    let json = receipt.to_json();
    assert!(!json.contains("opening") && !json.contains("nonce"));
    let back = CastReceipt::from_json(&json).unwrap();
    assert_eq!(back, receipt);
    back.verify().unwrap();

    // More ballots arrive; a later head still includes ours.
    for c in &creds[1..] {
        draft(&election, c, &[0, 2], [1, 1, 1])
            .seal()
            .unwrap()
            .cast(&board)
            .unwrap();
    }
    let (head, proof) = board
        .inclusion_proof("sample", receipt.log_index())
        .unwrap();
    assert!(head.tree_size > receipt.board.tree_head.tree_size);
    back.check_inclusion(&head, &proof).unwrap();

    // A proof for another entry, or a head from another board, fails.
    let (head2, proof2) = board
        .inclusion_proof("sample", receipt.log_index() + 1)
        .unwrap();
    let e = back.check_inclusion(&head2, &proof2).unwrap_err();
    assert_eq!(e.code(), "ERR_INCLUSION_INVALID");
    let other = MemoryBoard::new(&bundle, &election, [43; 32]).unwrap();
    let (foreign, _) = other.inclusion_proof("sample", 0).unwrap();
    assert_eq!(
        back.check_inclusion(&foreign, &proof).unwrap_err().code(),
        "ERR_CHECKPOINT_INVALID"
    );
}

#[test]
fn tampered_receipts_are_rejected() {
    let (election, _, creds, board) = setup(1);
    let receipt = draft(&election, &creds[0], &[3], [0, 0, 0])
        .seal()
        .unwrap()
        .cast(&board)
        .unwrap();
    let mut r = receipt.clone();
    r.board.log_index += 1;
    assert_eq!(r.verify().unwrap_err().code(), "ERR_RECEIPT_INVALID");
    let mut r = receipt.clone();
    r.board.promise.replace_range(300..302, "00");
    assert_eq!(r.verify().unwrap_err().code(), "ERR_RECEIPT_INVALID");
    let mut r = receipt.clone();
    // Another ballot of the same voter cannot be passed off under this promise.
    let other = draft(&election, &creds[0], &[2], [0, 0, 0]).seal().unwrap();
    r.ballot = hex::encode(other.ballot().to_bytes());
    r.tracking_code = other.tracking_code();
    r.short_code = other.tracking_code().short();
    assert_eq!(r.verify().unwrap_err().code(), "ERR_RECEIPT_INVALID");
    let json = receipt
        .to_json()
        .replace("urna-receipt/v1", "urna-receipt/v9");
    assert_eq!(
        CastReceipt::from_json(&json).unwrap_err().code(),
        "ERR_FORMAT"
    );
}

#[test]
fn revote_is_a_new_ballot() {
    let (election, _, creds, board) = setup(2);
    let first = draft(&election, &creds[0], &[0], [1, 2, 3])
        .seal()
        .unwrap()
        .cast(&board)
        .unwrap();
    let second = draft(&election, &creds[0], &[1, 2], [0, 0, 0])
        .seal()
        .unwrap()
        .cast(&board)
        .unwrap();
    assert_ne!(first.tracking_code, second.tracking_code);
    assert_eq!(second.log_index(), first.log_index() + 1);
    first.verify().unwrap();
    second.verify().unwrap();
}

#[test]
fn g03_audit_then_cast() {
    let (election, _, creds, board) = setup(2);
    let chosen = draft(&election, &creds[1], &[0, 3], [2, 4, 0]);
    let choices = chosen.choices().to_vec();
    let sealed = chosen.seal().unwrap();
    let audited_code = sealed.tracking_code();
    // The device's full ballot (credential, proofs, signature): never posted.
    let full = sealed.ballot().clone();

    let (audited, draft_again) = sealed.audit();
    assert_eq!(audited.tracking_code(), audited_code);
    // The audit shows what was chosen, and anyone can check it.
    assert!(audited.shows(&choices));
    let shown = audited.verify().unwrap();
    assert_eq!(shown[0].contest, "council");
    assert_eq!(shown[0].values[3], ("option-4".to_string(), 1));
    assert_eq!(shown[1].values[1], ("option-2".to_string(), 4));
    let posted = audited.post(&board).unwrap();
    assert_eq!(posted.kind, "spoiled");

    // Someone reading the spoiled entry off the board checks it too.
    let reread =
        voter_client::AuditedBallot::from_entry_bytes(&election, &audited.entry_bytes()).unwrap();
    assert!(reread.shows(&choices));
    // A second device finds it by the tracking code the first one showed.
    let found =
        voter_client::AuditedBallot::find(&board, &election, &audited_code.short()).unwrap();
    assert_eq!(found.tracking_code(), audited_code);
    assert!(found.shows(&choices));
    let full_code = voter_client::AuditedBallot::find(&board, &election, &audited_code.to_hex());
    assert_eq!(full_code.unwrap(), found);
    assert!(
        voter_client::AuditedBallot::find(&board, &election, "0000-0000-0000-0000-0000").is_err()
    );

    // The audited ballot can never be cast.
    let as_ballot = urna_election::Entry::Ballot(full).to_bytes();
    let e = board.submit_ballot("sample", &as_ballot).unwrap_err();
    assert_eq!(e.code(), "ERR_BALLOT_SPOILED");

    // The same choices, sealed afresh: new randomness, new tracking code.
    assert_eq!(draft_again.choices(), &choices[..]);
    let fresh = draft_again.seal().unwrap();
    assert_ne!(fresh.tracking_code(), audited_code);
    let old: Vec<[u8; 32]> = audited.spoiled().alphas().collect();
    assert!(fresh.ballot().alphas().all(|a| !old.contains(&a)));
    fresh.cast(&board).unwrap().verify().unwrap();
}

#[test]
fn ballot_file_exported_and_submitted_later() {
    let (election, bundle, creds, board) = setup(1);
    let sealed = draft(&election, &creds[0], &[2], [5, 5, 5]).seal().unwrap();
    let code = sealed.tracking_code();
    let file = sealed.into_ballot_file();
    assert_eq!(file.tracking_code(), code);
    file.verify(&election).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vote.urna-ballot");
    std::fs::write(&path, file.to_bytes()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"URNA-BALLOT/v1\n"));
    let back = BallotFile::from_bytes(&bytes).unwrap();
    assert_eq!(back, file);

    // The text form reads back; it is the QR payload when it fits (this
    // ballot, with three score range proofs, does not: see qr_payload_fits_*).
    let text = file.to_text();
    assert_eq!(file.qr_payload(), None);
    assert!(text.len() > voter_client::file::QR_MAX_CHARS);
    assert!(text
        .bytes()
        .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)));
    assert_eq!(
        BallotFile::from_bytes(format!("  {text}\n").as_bytes()).unwrap(),
        file
    );

    // Someone else (a relay, a mirror) submits it later, twice: one ballot.
    let relay_election = Election::load(
        &board.election_bundle("sample").unwrap(),
        &ExpectedFingerprint::Full(election.fingerprint()),
    )
    .unwrap();
    let before = board.len();
    let r1 = back.submit(&board, &relay_election).unwrap();
    let r2 = back.submit(&board, &relay_election).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(board.len(), before + 1);
    r1.verify().unwrap();

    // Damaged or foreign files are refused with a reason.
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    assert!(
        BallotFile::from_bytes(&bad).is_err()
            || BallotFile::from_bytes(&bad)
                .unwrap()
                .verify(&election)
                .is_err()
    );
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        BallotFile::from_bytes(&trailing).unwrap_err().code(),
        "ERR_ENCODING"
    );
    assert_eq!(
        BallotFile::from_bytes(b"URNA-BALLOT/v2\nxx")
            .unwrap_err()
            .code(),
        "ERR_FORMAT"
    );
    let (other, _, _) = sample_election(1);
    assert_eq!(
        file.verify(&other).unwrap_err().code(),
        "ERR_WRONG_ELECTION"
    );
    let _ = bundle;
}

#[test]
fn g08_lost_answer_is_retried_with_the_same_ballot() {
    let (election, _, creds, board) = setup(1);
    let sealed = draft(&election, &creds[0], &[0], [0, 1, 0]).seal().unwrap();
    let code = sealed.tracking_code();
    board.lose_answers(1);
    let before = board.len();
    let failure = sealed.cast(&board).unwrap_err();
    assert_eq!(failure.error.code(), "ERR_TRANSPORT");
    assert_eq!(failure.file.tracking_code(), code);
    assert_eq!(board.len(), before + 1); // it did arrive
    let receipt = failure.file.submit(&board, &election).unwrap();
    assert_eq!(receipt.tracking_code, code);
    assert_eq!(board.len(), before + 1); // and only once

    // Offline: nothing arrives, the file is kept, and goes through later.
    let sealed = draft(&election, &creds[0], &[1], [0, 0, 0]).seal().unwrap();
    board.set_offline(true);
    let failure = sealed.cast(&board).unwrap_err();
    assert_eq!(board.len(), before + 1);
    board.set_offline(false);
    failure
        .file
        .submit(&board, &election)
        .unwrap()
        .verify()
        .unwrap();
}

#[test]
fn voter_mistakes_get_clear_errors() {
    let (election, _, creds, _) = setup(1);
    // A typo in the credential code.
    let code = creds[0].to_code();
    let mut typo: Vec<char> = code.chars().collect();
    typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
    let e = ClientError::from(Credential::parse(&typo.iter().collect::<String>()).unwrap_err());
    assert_eq!(e.code(), "ERR_CREDENTIAL_CHECKSUM");
    assert!(e.to_string().contains("typo"));
    // A valid code that is not registered here.
    let stranger = Credential::generate(&mut rand_core::OsRng);
    assert_eq!(
        BallotDraft::new(&election, stranger).unwrap_err().code(),
        "ERR_CREDENTIAL_UNKNOWN"
    );

    // Rules of the manifest.
    let d = BallotDraft::new(&election, creds[0].clone()).unwrap();
    assert_eq!(d.check().unwrap_err().code(), "ERR_TOO_FEW_CHOICES");
    assert_eq!(d.seal().unwrap_err().code(), "ERR_TOO_FEW_CHOICES");
    let mut d = draft(&election, &creds[0], &[0, 1, 2], [0, 0, 0]);
    let e = d.check().unwrap_err();
    assert_eq!(e.code(), "ERR_TOO_MANY_CHOICES");
    assert!(e.to_string().contains("at most 2"), "{e}");
    assert_eq!(d.set(1, 0, 6).unwrap_err().code(), "ERR_VALUE_TOO_LARGE");
    assert_eq!(d.set(0, 0, 2).unwrap_err().code(), "ERR_VALUE_TOO_LARGE");
    assert_eq!(d.set(2, 0, 1).unwrap_err().code(), "ERR_BALLOT_SHAPE");
    assert_eq!(
        d.set_by_id("council", "nobody", 1).unwrap_err().code(),
        "ERR_BALLOT_SHAPE"
    );
    d.set_by_id("council", "option-1", 0).unwrap();
    d.check().unwrap();
    assert_eq!(
        d.set_all(vec![vec![1, 0, 0, 0]]).unwrap_err().code(),
        "ERR_BALLOT_SHAPE"
    );
}

#[test]
fn elections_are_checked_against_the_expected_fingerprint() {
    let (election, bundle, _, _) = setup(2);
    let fp = election.fingerprint();
    let short = voter_client::election::short_fingerprint(&fp);
    Election::load(&bundle, &ExpectedFingerprint::parse(&short).unwrap()).unwrap();
    Election::load(&bundle, &ExpectedFingerprint::parse(&fp.to_hex()).unwrap()).unwrap();

    // Another election's bundle under this fingerprint.
    let (_, other, _) = sample_election(2);
    let e = Election::load(&other, &ExpectedFingerprint::Full(fp)).unwrap_err();
    assert_eq!(e.code(), "ERR_WRONG_ELECTION");
    // The credential list of another election swapped in: its authority
    // signature fails (it names another manifest).
    let mut mixed = bundle.clone();
    mixed.credentials_entry = other.credentials_entry.clone();
    assert_eq!(
        Election::load(&mixed, &ExpectedFingerprint::Full(fp))
            .unwrap_err()
            .code(),
        "ERR_SIGNATURE_INVALID"
    );
    // Another key: the fingerprint differs.
    let mut rekeyed = bundle.clone();
    rekeyed.election_key = other.election_key.clone();
    assert_eq!(
        Election::load(&rekeyed, &ExpectedFingerprint::Full(fp))
            .unwrap_err()
            .code(),
        "ERR_WRONG_ELECTION"
    );
    // Unknown format versions and fields.
    let mut future = bundle.clone();
    future.format = "urna-election/v2".into();
    assert_eq!(
        Election::load(&future, &ExpectedFingerprint::Full(fp))
            .unwrap_err()
            .code(),
        "ERR_FORMAT"
    );
    let json = bundle.to_json().replacen('{', "{\"extra\": 1,", 1);
    assert_eq!(
        ElectionBundle::from_json(&json).unwrap_err().code(),
        "ERR_FORMAT"
    );
    assert_eq!(
        Election::load_json(&bundle.to_json(), &ExpectedFingerprint::Full(fp)).unwrap(),
        election
    );
}

#[test]
fn g04_no_secret_in_debug_output_of_sealed_ballots() {
    let (election, _, creds, _) = setup(1);
    let code = creds[0].to_code();
    let d = draft(&election, &creds[0], &[1], [4, 4, 4]);
    let s = d.seal().unwrap();
    let shown = format!("{s:?} {:?}", creds[0]);
    assert!(shown.contains("redacted"));
    assert!(!shown.contains(code.as_str()));
}

#[test]
fn qr_payload_fits_a_five_option_approval_ballot() {
    use urna_election::{Contest, ContestKind, ContestOption, LocalizedText};
    let contest = Contest {
        id: "council".into(),
        title: LocalizedText::single("en", "Council"),
        kind: ContestKind::Approval { min: 0, max: 2 },
        options: (1..=5)
            .map(|i| ContestOption {
                id: format!("option-{i}"),
                title: LocalizedText::single("en", &format!("Candidate {i}")),
            })
            .collect(),
    };
    let (election, _, creds) = voter_client::testing::sample_election_with(vec![contest], 1);
    let mut d = BallotDraft::new(&election, creds[0].clone()).unwrap();
    d.set(0, 4, 1).unwrap();
    let file = d.seal().unwrap().into_ballot_file();
    let qr = file.qr_payload().expect("fits one QR code");
    eprintln!(
        "5-option approval ballot: {} bytes, file {} bytes, QR payload {} characters",
        file.ballot().to_bytes().len(),
        file.to_bytes().len(),
        qr.len()
    );
    assert_eq!(BallotFile::from_text(&qr).unwrap(), file);
}
