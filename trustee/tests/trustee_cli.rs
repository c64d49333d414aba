//! `urna-trustee` end to end, through the real binary only: a 2-of-3 key
//! ceremony (init ×3, rounds 1–4 for each, `check`), the key files'
//! protection, and `decrypt` on a record built around the ceremony the CLI
//! ran, which the verifier then accepts with the CLI-made shares.
//!
//! Every run uses the insecure test KDF parameters (`URNA_KDF_TEST_PARAMS=1`)
//! so the suite stays fast.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rand_core::OsRng;
use urna_crypto::SecretKey;
use urna_election::{ElectionResult, Entry};
use urna_keyfile::trustee::{KeyFile, KeyFileHeader};
use urna_sim::sample::{
    read_entries, sample_manifest, write_closed_election, write_entries, ExternalCeremony,
    SampleOptions,
};

const BIN: &str = env!("CARGO_BIN_EXE_urna-trustee");
const WRONG_PASSPHRASE: &str = "wrong passphrase, or the key file was modified";

/// How a run gets its passphrase.
#[derive(Clone, Copy)]
enum Pass<'a> {
    None,
    Env(&'a str),
    File(&'a Path),
    Stdin(&'a str),
}

struct Run {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "urna-trustee failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
    fn fails_with(self, needle: &str) -> Run {
        assert!(
            !self.status.success(),
            "urna-trustee should have failed:\n{}",
            self.stdout
        );
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in stderr:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }
}

fn trustee(dir: &Path, args: &[&str], pass: Pass<'_>) -> Run {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .args(args)
        .env("URNA_KDF_TEST_PARAMS", "1")
        .env_remove("URNA_TRUSTEE_PASSPHRASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut stdin_text = None;
    match pass {
        Pass::None => {
            c.stdin(Stdio::null());
        }
        Pass::Env(p) => {
            c.env("URNA_TRUSTEE_PASSPHRASE", p).stdin(Stdio::null());
        }
        Pass::File(f) => {
            c.arg("--passphrase-file").arg(f).stdin(Stdio::null());
        }
        Pass::Stdin(p) => {
            c.stdin(Stdio::piped());
            stdin_text = Some(format!("{p}\n"));
        }
    }
    let mut child = c.spawn().unwrap();
    if let Some(t) = stdin_text {
        child.stdin.take().unwrap().write_all(t.as_bytes()).unwrap();
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn passphrase(i: u8) -> String {
    format!("correct horse battery staple {i}")
}

/// Trustee `i`'s passphrase source: 1 by environment, 2 by file, 3 on stdin.
fn pass_for(i: u8, file: &Path) -> Pass<'static> {
    let p: &'static str = Box::leak(passphrase(i).into_boxed_str());
    match i {
        1 => Pass::Env(p),
        2 => Pass::File(Box::leak(file.to_path_buf().into_boxed_path())),
        _ => Pass::Stdin(p),
    }
}

fn options() -> SampleOptions {
    SampleOptions {
        voters: 4,
        ballots: 6,
        spoiled: 1,
        trustees: 3,
        threshold: 2,
        tree_head_every: 8,
        seed: Some(7),
        ..SampleOptions::default()
    }
}

/// A manifest for 3 trustees, threshold 2, whose roster pins `roster`;
/// the roles' keys.
fn election(
    dir: &Path,
    roster: &[urna_crypto::PublicKey],
) -> (urna_election::Manifest, SecretKey, SecretKey) {
    let organizer = SecretKey::generate(&mut OsRng);
    let authority = SecretKey::generate(&mut OsRng);
    let manifest = sample_manifest(
        &options(),
        &organizer.public_key(),
        &authority.public_key(),
        roster,
    )
    .unwrap();
    std::fs::write(dir.join("manifest.json"), manifest.to_json()).unwrap();
    (manifest, organizer, authority)
}

/// `urna-trustee init` for each trustee in `present` (`trustee{i}.key`),
/// then the election (`manifest.json`) whose roster pins their keys; the
/// others of the 3 get keys nobody here holds.
fn init_and_elect(dir: &Path, present: &[u8], pass: Pass<'_>) -> urna_election::Manifest {
    let roster: Vec<urna_crypto::PublicKey> = (1..=3u8)
        .map(|i| {
            if !present.contains(&i) {
                return SecretKey::generate(&mut OsRng).public_key();
            }
            printed_key(&trustee(dir, &["init", "--out", &format!("trustee{i}.key")], pass).ok())
        })
        .collect();
    election(dir, &roster).0
}

/// The signing key `urna-trustee init` printed for the roster.
fn printed_key(run: &Run) -> urna_crypto::PublicKey {
    let key = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Your signing key is "))
        .expect("init prints the signing key");
    urna_crypto::PublicKey::from_bytes(&hex::decode(key).unwrap()).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn round(dir: &Path, r: u8, i: u8, pass: Pass<'_>) -> Run {
    let out = format!("posted/round{r}-trustee{i}.msg");
    trustee(
        dir,
        &[
            &format!("round{r}"),
            "--key",
            &format!("trustee{i}.key"),
            "--manifest",
            "manifest.json",
            "--messages",
            "posted",
            "--out",
            &out,
        ],
        pass,
    )
}

#[test]
fn ceremony_and_decryption_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("posted")).unwrap();
    let pass_file = dir.join("pass2.txt");
    std::fs::write(&pass_file, format!("{}\n", passphrase(2))).unwrap();
    let pass = |i: u8| pass_for(i, &pass_file);

    // init ×3, before the manifest: each prints the key for the roster.
    let mut roster = Vec::new();
    for i in 1..=3u8 {
        let run = trustee(dir, &["init", "--out", &format!("trustee{i}.key")], pass(i)).ok();
        roster.push(printed_key(&run));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(format!("trustee{i}.key")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
    }
    let (manifest, organizer, authority) = election(dir, &roster);
    let check = || {
        trustee(
            dir,
            &[
                "check",
                "--manifest",
                "manifest.json",
                "--messages",
                "posted",
            ],
            Pass::None,
        )
    };
    let run = check();
    assert_eq!(run.status.code(), Some(3), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("waiting for round-1 messages from trustees 1, 2, 3"));

    // Round 1 for trustees 1 and 2: round 2 must wait for trustee 3.
    round(dir, 1, 1, pass(1)).ok();
    round(dir, 1, 2, pass(2)).ok();
    round(dir, 2, 1, pass(1)).fails_with("waiting for round-1 messages from trustee 3");
    assert!(!dir.join("posted/round2-trustee1.msg").exists());
    round(dir, 1, 3, pass(3)).ok();
    // A second round-1 message would be equivocation: refused.
    trustee(
        dir,
        &[
            "round1",
            "--key",
            "trustee1.key",
            "--manifest",
            "manifest.json",
            "--messages",
            "posted",
        ],
        pass(1),
    )
    .fails_with("already posted your round-1 message (round1-trustee1.msg)");
    assert!(!dir.join("round1-trustee1.msg").exists());

    for r in 2..=4u8 {
        for i in 1..=3u8 {
            let run = round(dir, r, i, pass(i)).ok();
            if r == 3 {
                assert!(run.stdout.contains("Every share dealt to you is valid"));
            }
        }
    }
    let run = check().ok();
    assert!(run.stdout.contains("COMPLETE"), "{}", run.stdout);
    assert!(!run.stdout.contains("INVALID"), "{}", run.stdout);

    // The 12 messages, in round order, as a board would hold them.
    let mut messages = Vec::new();
    for r in 1..=4u8 {
        for i in 1..=3u8 {
            messages
                .push(std::fs::read(dir.join(format!("posted/round{r}-trustee{i}.msg"))).unwrap());
        }
    }
    let keys = tally::ceremony::derive_keys(&manifest, &messages).unwrap();
    let joint = hex::encode(keys.election_key.to_bytes());
    assert!(
        run.stdout.contains(&format!("Joint election key: {joint}")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!(
        "Ceremony fingerprint (transcript hash): {}",
        hex::encode(keys.key.transcript_hash())
    )));

    // The key files: no plaintext secret on disk.
    for i in 1..=3u8 {
        let path = dir.join(format!("trustee{i}.key"));
        let bytes = std::fs::read(&path).unwrap();
        let header = KeyFileHeader::read(&path).unwrap();
        assert!(header.has_key_share && header.binding.map(|(_, j)| j) == Some(i));
        let kf = KeyFile::open(&path, &bytes, passphrase(i).as_bytes()).unwrap();
        let state = kf.trustee().unwrap().to_bytes();
        // 0x81 ‖ params (34) ‖ i ‖ s ‖ e ‖ a_0 ‖ a_1: every 32-byte secret.
        let secrets = &state[36..];
        assert_eq!(secrets.len(), 4 * 32);
        assert!(!contains(&bytes, &state));
        for secret in secrets.chunks(32) {
            assert!(!contains(&bytes, secret), "trustee {i}: a secret in clear");
            assert!(!contains(&bytes, &secret[..8]));
        }
        let share = kf.key_share().unwrap().to_bytes();
        assert!(!contains(&bytes, &share));
        // 0x82 ‖ j ‖ s_j ‖ …
        assert!(
            !contains(&bytes, &share[2..34]),
            "trustee {i}: key share in clear"
        );
        assert_eq!(kf.key_share().unwrap().threshold_key(), &keys.key);
    }

    // A wrong passphrase: the clear error, a non-zero exit, nothing written.
    trustee(
        dir,
        &[
            "decrypt",
            "--key",
            "trustee1.key",
            "--record",
            "none.urna",
            "--out",
            "share.entry",
        ],
        Pass::Env("not the passphrase at all"),
    )
    .fails_with(WRONG_PASSPHRASE);
    assert!(!dir.join("share.entry").exists());

    // A record around the CLI's ceremony, closed, with no share yet.
    let opts = options();
    let mut closed = Vec::new();
    let election = write_closed_election(
        &opts,
        &ExternalCeremony {
            manifest: &manifest,
            organizer: &organizer,
            authority: &authority,
            messages: &messages,
        },
        &mut closed,
    )
    .unwrap();
    std::fs::write(dir.join("closed.urna"), &closed).unwrap();
    let entries = read_entries(&closed[..]).unwrap();
    let write = |name: &str, entries: &[Vec<u8>]| {
        let bytes = write_entries(entries, &election.board_seed, 8, Vec::new()).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };

    // Still open (the close entry dropped): refused.
    write("open.urna", &entries[..entries.len() - 1]);
    let decrypt = |i: u8, record: &str, out: &str| {
        trustee(
            dir,
            &[
                "decrypt",
                "--key",
                &format!("trustee{i}.key"),
                "--record",
                record,
                "--out",
                out,
                "--quiet",
            ],
            pass(i),
        )
    };
    decrypt(1, "open.urna", "share1.entry").fails_with("voting is not closed");
    assert!(!dir.join("share1.entry").exists());

    // Trustee 1 decrypts the closed record.
    let run = decrypt(1, "closed.urna", "share1.entry").ok();
    assert!(
        run.stdout.contains("Wrote your decryption share"),
        "{}",
        run.stdout
    );
    let share1 = std::fs::read(dir.join("share1.entry")).unwrap();
    assert!(matches!(Entry::from_bytes(&share1).unwrap(), Entry::Tally(t) if t.trustee == 1));

    // Trustee 2 decrypts the record that already has trustee 1's share
    // (one share of two, no result yet: only the tally checks fail).
    let mut with1 = entries.clone();
    with1.push(share1.clone());
    write("with1.urna", &with1);
    decrypt(2, "with1.urna", "share2.entry").ok();
    decrypt(1, "with1.urna", "again.entry").fails_with("already holds a decryption share from you");
    let share2 = std::fs::read(dir.join("share2.entry")).unwrap();

    // The record with both shares and the result verifies.
    let mut full = with1;
    full.push(share2);
    full.push(
        Entry::Result(ElectionResult::sign(
            election.totals.clone(),
            &election.fingerprint,
            &organizer,
            &mut OsRng,
        ))
        .to_bytes(),
    );
    write("final.urna", &full);
    let report =
        tally::verify::verify_record(&std::fs::read(dir.join("final.urna")).unwrap()[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.result.as_ref(), Some(&election.totals));

    // A tampered record is refused before anything is decrypted.
    let mut tampered = entries.clone();
    let ballot = tampered
        .iter()
        .position(|e| e[0] == urna_election::entry::tag::BALLOT)
        .unwrap();
    let mid = tampered[ballot].len() / 2;
    tampered[ballot][mid] ^= 1;
    write("tampered.urna", &tampered);
    decrypt(3, "tampered.urna", "share3.entry").fails_with("does not verify");
    assert!(!dir.join("share3.entry").exists());

    // spec/crypto.md §5.3 (D4): the same ceremony, an election in which no
    // ballot is counted (one audited ballot only). The trustees' shares
    // are the empty-aggregate filler; the all-zero result verifies.
    let empty_opts = SampleOptions {
        ballots: 0,
        ..options()
    };
    let mut empty = Vec::new();
    let empty_election = write_closed_election(
        &empty_opts,
        &ExternalCeremony {
            manifest: &manifest,
            organizer: &organizer,
            authority: &authority,
            messages: &messages,
        },
        &mut empty,
    )
    .unwrap();
    std::fs::write(dir.join("empty.urna"), &empty).unwrap();
    let mut full = read_entries(&empty[..]).unwrap();
    for i in 1..=2u8 {
        let out = format!("empty{i}.entry");
        decrypt(i, "empty.urna", &out).ok();
        let share = std::fs::read(dir.join(&out)).unwrap();
        match Entry::from_bytes(&share).unwrap() {
            Entry::Tally(t) => assert!(t
                .shares
                .iter()
                .flatten()
                .all(urna_crypto::DecryptionShare::is_empty_aggregate)),
            _ => panic!("not a tally share"),
        }
        full.push(share);
    }
    assert!(empty_election.totals.iter().flatten().all(|&n| n == 0));
    full.push(
        Entry::Result(ElectionResult::sign(
            empty_election.totals.clone(),
            &empty_election.fingerprint,
            &organizer,
            &mut OsRng,
        ))
        .to_bytes(),
    );
    let bytes = write_entries(&full, &empty_election.board_seed, 8, Vec::new()).unwrap();
    let report = tally::verify::verify_record(&bytes[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_counted, 0);
    assert_eq!(report.result.as_ref(), Some(&empty_election.totals));
}

#[test]
fn key_file_protection() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("posted")).unwrap();
    let init = |pass: Pass<'_>, out: &str| trustee(dir, &["init", "--out", out], pass);

    init(Pass::Env("too short"), "trustee2.key").fails_with("at least 10 characters");
    assert!(!dir.join("trustee2.key").exists());
    let mine = printed_key(&init(Pass::Stdin("long enough passphrase"), "trustee2.key").ok());
    let original = std::fs::read(dir.join("trustee2.key")).unwrap();
    // Never overwritten by accident.
    init(Pass::Env("another long passphrase"), "trustee2.key").fails_with("already exists");
    assert_eq!(std::fs::read(dir.join("trustee2.key")).unwrap(), original);
    // The roster pins trustee 2's key; another key file has no place in it.
    let stranger = init(Pass::Env("long enough passphrase"), "stranger.key").ok();
    assert_ne!(printed_key(&stranger), mine);
    let other = || SecretKey::generate(&mut OsRng).public_key();
    election(dir, &[other(), mine, other()]);
    trustee(
        dir,
        &[
            "round1",
            "--key",
            "stranger.key",
            "--manifest",
            "manifest.json",
            "--messages",
            "posted",
        ],
        Pass::Env("long enough passphrase"),
    )
    .fails_with("is not in this election's trustee roster");

    let round1 = |pass: Pass<'_>| {
        trustee(
            dir,
            &[
                "round1",
                "--key",
                "trustee2.key",
                "--manifest",
                "manifest.json",
                "--messages",
                "posted",
                "--out",
                "r1.msg",
            ],
            pass,
        )
    };
    round1(Pass::Env("long enough passphrase!")).fails_with(WRONG_PASSPHRASE);
    round1(Pass::None).fails_with(WRONG_PASSPHRASE); // an empty line on stdin
    assert!(!dir.join("r1.msg").exists());

    // A modified file gives the same error.
    let mut modified = original.clone();
    let last = modified.len() - 1;
    modified[last] ^= 0x40;
    std::fs::write(dir.join("trustee2.key"), &modified).unwrap();
    round1(Pass::Env("long enough passphrase")).fails_with(WRONG_PASSPHRASE);
    // Not a key file at all.
    std::fs::write(dir.join("trustee2.key"), b"hello").unwrap();
    round1(Pass::Env("long enough passphrase")).fails_with("is not a trustee key file");

    std::fs::write(dir.join("trustee2.key"), &original).unwrap();
    let run = round1(Pass::Env("long enough passphrase")).ok();
    assert!(
        run.stdout.contains("Your key is trustee 2"),
        "{}",
        run.stdout
    );
    assert!(dir.join("r1.msg").exists());
}

#[test]
fn help_says_how_to_get_messages_from_the_board() {
    let run = trustee(Path::new("."), &["round2", "--help"], Pass::None).ok();
    assert!(run.stdout.contains("urna-trustee fetch"), "{}", run.stdout);
    let run = trustee(Path::new("."), &["--help"], Pass::None).ok();
    for cmd in [
        "init", "round1", "round4", "check", "decrypt", "post", "fetch",
    ] {
        assert!(run.stdout.contains(cmd), "{}", run.stdout);
    }
}

/// A message of another election in the folder blocks every round until it
/// is removed (spec/trustees.md §5.6 (M5)), and `check` names it.
#[test]
fn a_message_of_another_election_is_named_and_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let other = dir.join("other");
    std::fs::create_dir_all(other.join("posted")).unwrap();
    std::fs::create_dir(dir.join("posted")).unwrap();
    let pass = Pass::Env("long enough passphrase");
    init_and_elect(dir, &[1], pass);
    init_and_elect(&other, &[1], pass);
    round(&other, 1, 1, pass).ok();
    std::fs::copy(
        other.join("posted/round1-trustee1.msg"),
        dir.join("posted/stray.msg"),
    )
    .unwrap();
    let run = trustee(
        dir,
        &[
            "check",
            "--manifest",
            "manifest.json",
            "--messages",
            "posted",
        ],
        Pass::None,
    );
    assert_eq!(run.status.code(), Some(1), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("stray.msg: a message of another election (ERR_WRONG_ELECTION)"));
    round(dir, 1, 1, pass).fails_with("stray.msg: a message of another election");
    std::fs::remove_file(dir.join("posted/stray.msg")).unwrap();
    round(dir, 1, 1, pass).ok();
}

/// Trustee 3 never shows up: once the organizer closes round 1 without
/// it, trustees 1 and 2 go on with --allow-missing and complete the
/// ceremony between themselves (2 of 3 suffice).
#[test]
fn an_absent_trustee_is_left_out_with_allow_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("posted")).unwrap();
    let pass = Pass::Env("long enough passphrase");
    init_and_elect(dir, &[1, 2], pass);
    for i in 1..=2u8 {
        round(dir, 1, i, pass).ok();
    }
    round(dir, 2, 1, pass).fails_with("waiting for round-1 messages from trustee 3");
    let with_missing = |r: u8, i: u8| {
        trustee(
            dir,
            &[
                &format!("round{r}"),
                "--key",
                &format!("trustee{i}.key"),
                "--manifest",
                "manifest.json",
                "--messages",
                "posted",
                "--out",
                &format!("posted/round{r}-trustee{i}.msg"),
                "--allow-missing",
            ],
            pass,
        )
        .ok()
    };
    for r in 2..=4u8 {
        for i in 1..=2u8 {
            let run = with_missing(r, i);
            if r == 2 {
                assert!(
                    run.stdout.contains("going on without trustee 3"),
                    "{}",
                    run.stdout
                );
            }
        }
    }
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--manifest",
            "manifest.json",
            "--messages",
            "posted",
        ];
        args.extend_from_slice(extra);
        trustee(dir, &args, Pass::None)
    };
    let run = check(&[]);
    assert_eq!(run.status.code(), Some(3), "{}", run.stdout);
    let run = check(&["--allow-missing"]).ok();
    assert!(run.stdout.contains("COMPLETE"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Qualified trustees: 1, 2"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("trustee 3: trustee 3 posted no round-1 message"));
}
