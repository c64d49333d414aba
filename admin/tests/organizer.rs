//! A whole election driven only through the command-line tools, as the
//! organizers, trustees, credential authority and voters would run them:
//! `urna-board` (a real SQLite board process), `urna` (organizer and
//! credential authority), `urna-trustee` (trustees), `tally` (auditors)
//! and `urna-vote` (voters). 2-of-3 trustees, 50 voters from a CSV, a lost
//! credential replaced before the opening, ballots, close, decryption by two
//! trustees, the published result, `tally verify` on the downloaded record.
//! Along the way, every wrong step is refused with a clear message and
//! changes nothing; at the end the board's database holds no voter's name
//! or contact.
//!
//! The other tools' binaries are those `cargo test --workspace` builds next
//! to `urna`; when missing (e.g. `cargo test -p urna-admin` alone) they are
//! built first.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const PASS: &str = "a long enough test passphrase";

fn bin(name: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_urna")).with_file_name(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-p", package, "--bin", name])
            .status()
            .expect("running cargo build")
            .success();
        assert!(ok, "building {name}");
    }
    path
}

struct Tools {
    dir: PathBuf,
    board_url: String,
}

impl Tools {
    /// Run a tool in the test folder with the test passphrases and fast KDF.
    fn run(&self, tool: &str, package: &str, args: &[&str]) -> Output {
        Command::new(bin(tool, package))
            .args(args)
            .current_dir(&self.dir)
            .env("URNA_BOARD_URL", &self.board_url)
            .env("URNA_PASSPHRASE", PASS)
            .env("URNA_TRUSTEE_PASSPHRASE", PASS)
            .env("URNA_KDF_TEST_PARAMS", "1")
            .stdin(Stdio::null())
            .output()
            .expect("running a tool")
    }

    /// Run and require success; its standard output.
    fn ok(&self, tool: &str, package: &str, args: &[&str]) -> String {
        let out = self.run(tool, package, args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "`{tool} {}` failed:\n{stdout}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Run and require failure; its standard error.
    fn fails(&self, tool: &str, package: &str, args: &[&str]) -> String {
        let out = self.run(tool, package, args);
        assert!(
            !out.status.success(),
            "`{tool} {}` should have failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    }

    fn urna(&self, args: &[&str]) -> String {
        self.ok("urna", "urna-admin", args)
    }

    /// `urna` must fail; its standard error.
    fn urna_fails(&self, args: &[&str]) -> String {
        self.fails("urna", "urna-admin", args)
    }

    fn tally(&self, args: &[&str]) -> String {
        self.ok("tally", "tally", args)
    }

    fn trustee(&self, args: &[&str]) -> String {
        self.ok("urna-trustee", "urna-trustee", args)
    }

    fn info(&self, election: &str) -> serde_json::Value {
        ureq::get(&format!("{}/api/elections/{election}", self.board_url))
            .call()
            .expect("election info")
            .into_json()
            .expect("json")
    }
}

struct BoardProcess(Child);

impl Drop for BoardProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A board that creates elections for `organizer` (hex) only, as an
/// operator runs it (docs/guides/organizer.md).
fn start_board(dir: &Path, organizer: &str) -> (BoardProcess, String) {
    let mut child = Command::new(bin("urna-board", "bulletin-board"))
        .args([
            "--organizer-key",
            organizer,
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &format!("sqlite://{}", dir.join("board.db").display()),
            "--key-file",
            &dir.join("board.key").display().to_string(),
            "--log",
            "error",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting urna-board");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("urna-board listening on ")
        .unwrap_or_else(|| panic!("urna-board did not start: {line}"))
        .to_string();
    (BoardProcess(child), format!("http://{addr}"))
}

fn voter_name(v: usize) -> String {
    format!("Voterina Testova-{v:03}")
}

fn voter_contact(v: usize) -> String {
    format!("voter{v:03}@mail.example")
}

/// Voter `v`'s choices: one candidate, and two priority scores.
fn choices(v: usize) -> (usize, u64, u64) {
    (v % 3, (v % 6) as u64, ((v + 1) % 6) as u64)
}

fn codes(dir: &Path) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(dir.join("creds/SECRET_delivery.csv")).unwrap();
    rdr.records()
        .map(|r| r.unwrap().get(3).unwrap().to_string())
        .collect()
}

#[test]
fn a_whole_election_through_the_commands() {
    let dir = std::env::temp_dir().join(format!("urna-organizer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut t = Tools {
        dir: dir.clone(),
        board_url: String::new(),
    };

    // ---- keys: organizer and credential authority --------------------------
    t.urna(&[
        "key",
        "new",
        "--role",
        "organizer",
        "--out",
        "organizer.key",
    ]);
    t.urna(&[
        "key",
        "new",
        "--role",
        "authority",
        "--out",
        "authority.key",
    ]);
    t.urna(&["key", "new", "--role", "organizer", "--out", "intruder.key"]);
    let e = t.urna_fails(&[
        "key",
        "new",
        "--role",
        "organizer",
        "--out",
        "organizer.key",
    ]);
    assert!(e.contains("refusing to overwrite"), "{e}");
    let shown = t.urna(&["key", "show", "authority.key"]);
    assert!(shown.contains("credential authority key"), "{shown}");

    // ---- the board, which creates elections for this organizer only ---------
    let organizer_pub = std::fs::read_to_string(dir.join("organizer.key.pub")).unwrap();
    let (_board, board_url) = start_board(&dir, organizer_pub.trim());
    t.board_url = board_url.clone();

    // ---- trustees make their keys first: the roster pins them -----------------
    let mut trustee_keys = Vec::new();
    for i in 1..=3 {
        let out = t.trustee(&["init", "--out", &format!("trustee{i}.key")]);
        let key = out
            .lines()
            .find_map(|l| l.strip_prefix("Your signing key is "))
            .expect("init prints the signing key")
            .to_string();
        trustee_keys.push(key);
    }

    // ---- the definition: a bad one is refused, the example is created -------
    let mut example = t.urna(&["election", "example"]);
    let example_keys: Vec<String> = example
        .lines()
        .filter_map(|l| l.strip_prefix("signing_key = \""))
        .map(|k| k.trim_end_matches('"').to_string())
        .collect();
    assert_eq!(example_keys.len(), 3, "{example}");
    // A roster without keys is refused, naming the trustee.
    let keyless: String = example
        .lines()
        .filter(|l| !l.starts_with("signing_key"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("keyless.toml"), &keyless).unwrap();
    let e = t.urna_fails(&["election", "check", "keyless.toml"]);
    assert!(
        e.contains("trustees[0].signing_key") && e.contains("urna-trustee init"),
        "{e}"
    );
    for (old, new) in example_keys.iter().zip(&trustee_keys) {
        example = example.replace(old.as_str(), new);
    }
    std::fs::write(dir.join("election.toml"), &example).unwrap();
    t.urna(&["election", "check", "election.toml"]);
    std::fs::write(
        dir.join("bad.toml"),
        example.replace("threshold = 2", "threshold = 7"),
    )
    .unwrap();
    let e = t.urna_fails(&[
        "election",
        "create",
        "bad.toml",
        "--key",
        "organizer.key",
        "--authority",
        "authority.key.pub",
        "--out",
        "bad.json",
    ]);
    assert!(e.contains("bad.toml") && e.contains("threshold"), "{e}");
    let listed: serde_json::Value = ureq::get(&format!("{board_url}/api/elections"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(
        listed["elections"].as_array().unwrap().len(),
        0,
        "nothing created"
    );
    let out = t.urna(&[
        "election",
        "create",
        "election.toml",
        "--key",
        "organizer.key",
        "--authority",
        "authority.key.pub",
    ]);
    assert!(out.contains("Created election `council-2026`"), "{out}");
    let id = "council-2026";

    // ---- trustees: 2 of 3, the key ceremony through the board ----------------
    // Voting cannot open before the ceremony and the list.
    let e = t.urna_fails(&["election", "open", id, "--key", "organizer.key"]);
    assert!(e.contains("cannot open yet"), "{e}");
    for round in 1..=4 {
        for i in 1..=3 {
            let msgs = format!("msgs{i}");
            t.trustee(&["fetch", "--election", id, "--messages", &msgs]);
            let out = format!("out/round{round}-trustee{i}.msg");
            std::fs::create_dir_all(dir.join("out")).unwrap();
            let (round_cmd, key) = (format!("round{round}"), format!("trustee{i}.key"));
            t.trustee(&[
                &round_cmd,
                "--key",
                &key,
                "--manifest",
                "election.json",
                "--messages",
                &msgs,
                "--out",
                &out,
            ]);
            t.trustee(&["post", "--election", id, &out]);
        }
    }
    t.trustee(&["fetch", "--election", id, "--messages", "msgs1"]);
    let check = t.trustee(&[
        "check",
        "--manifest",
        "election.json",
        "--messages",
        "msgs1",
    ]);
    assert!(check.to_lowercase().contains("complete"), "{check}");

    // ---- the credential authority: 50 voters from a CSV -----------------------
    let mut csv = String::from("name,contact,language\n");
    for v in 0..50 {
        csv.push_str(&format!(
            "{},{},{}\n",
            voter_name(v),
            voter_contact(v),
            if v % 2 == 0 { "ru" } else { "en" }
        ));
    }
    std::fs::write(dir.join("voters.csv"), &csv).unwrap();
    // A CSV with a duplicate voter, and one with a malformed row: refused, nothing written.
    std::fs::write(
        dir.join("dup.csv"),
        format!("{csv}{},{}\n", voter_name(3), voter_contact(3)),
    )
    .unwrap();
    let e = t.urna_fails(&[
        "credentials",
        "issue",
        "--voters",
        "dup.csv",
        "--manifest",
        "election.json",
        "--out",
        "dup-out",
    ]);
    assert!(e.contains("line 52") && e.contains("line 5"), "{e}");
    assert!(!dir.join("dup-out").exists(), "nothing written");
    std::fs::write(
        dir.join("bad.csv"),
        "name,contact,weight\nA,a@x,1\nB,b@x,lots\n",
    )
    .unwrap();
    let e = t.urna_fails(&[
        "credentials",
        "issue",
        "--voters",
        "bad.csv",
        "--manifest",
        "election.json",
        "--out",
        "bad-out",
    ]);
    assert!(e.contains("line 3") && e.contains("weight"), "{e}");
    t.urna(&[
        "credentials",
        "issue",
        "--voters",
        "voters.csv",
        "--manifest",
        "election.json",
        "--out",
        "creds",
    ]);
    // The organizer's key cannot sign the list.
    let e = t.urna_fails(&[
        "credentials",
        "upload",
        "--manifest",
        "election.json",
        "--public",
        "creds/public-credentials.json",
        "--key",
        "organizer.key",
    ]);
    assert!(e.contains("credential authority key"), "{e}");
    t.urna(&[
        "credentials",
        "upload",
        "--manifest",
        "election.json",
        "--public",
        "creds/public-credentials.json",
        "--key",
        "authority.key",
    ]);
    // Voter 49 lost their code: replaced before the opening (logged).
    let lost = codes(&dir)[49].clone();
    let out = t.urna(&[
        "credentials",
        "replace",
        "--manifest",
        "election.json",
        "--issued",
        "creds",
        "--voter",
        &voter_contact(49),
        "--key",
        "authority.key",
    ]);
    assert!(out.contains("revoked"), "{out}");
    let codes = codes(&dir);
    assert_ne!(codes[49], lost, "a new code for voter 49");
    assert!(
        std::fs::read_to_string(dir.join("creds/SECRET_sheets/0050.html"))
            .unwrap()
            .contains(&codes[49])
    );

    // ---- open; the wrong key is refused first ---------------------------------
    let entries_before = t.info(id)["entries"].clone();
    let e = t.urna_fails(&["election", "open", id, "--key", "intruder.key"]);
    assert!(e.contains("not the organizer key"), "{e}");
    assert_eq!(t.info(id)["entries"], entries_before, "nothing logged");
    // Signed with the wrong key and posted anyway: the board refuses it.
    let intruder = urna_admin::keyfile::open(
        &dir.join("intruder.key"),
        urna_admin::keyfile::Role::Organizer,
        PASS.as_bytes(),
    )
    .unwrap();
    let fp_hex = t.info(id)["fingerprint"].as_str().unwrap().to_string();
    let fp = urna_election::Hash32::from_bytes(&hex::decode(&fp_hex).unwrap()).unwrap();
    let forged = urna_election::Entry::State(urna_election::StateChange::sign(
        urna_election::Phase::Open,
        fp,
        0,
        &intruder,
        &mut rand_core::OsRng,
    ));
    let client = tally::board_client::BoardClient::new(&board_url);
    let err = client.post_entry(id, &forged.to_bytes()).unwrap_err();
    assert_eq!(err.code(), Some("ERR_SIGNATURE_INVALID"), "{err}");
    assert_eq!(t.info(id)["entries"], entries_before, "nothing logged");

    let out = t.urna(&["election", "open", id, "--key", "organizer.key"]);
    let full = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("full:"))
        .expect("the fingerprint is printed")
        .trim()
        .to_string();
    assert_eq!(full, t.info(id)["fingerprint"].as_str().unwrap());
    assert_eq!(t.info(id)["state"], "open");

    // Credentials after the opening: refused, nothing changed.
    let e = t.urna_fails(&[
        "credentials",
        "upload",
        "--manifest",
        "election.json",
        "--public",
        "creds/public-credentials.json",
        "--key",
        "authority.key",
    ]);
    assert!(e.contains("ERR_CREDENTIALS_CHANGED"), "{e}");
    let e = t.urna_fails(&[
        "credentials",
        "replace",
        "--manifest",
        "election.json",
        "--issued",
        "creds",
        "--voter",
        &voter_contact(1),
        "--key",
        "authority.key",
    ]);
    assert!(e.contains("ERR_CREDENTIALS_CHANGED"), "{e}");

    // ---- voters, through urna-vote ------------------------------------------
    t.ok(
        "urna-vote",
        "voter-client",
        &[
            "fetch-election",
            "--board",
            &board_url,
            "--election-id",
            id,
            "--out",
            "bundle.json",
        ],
    );
    let council = ["anna", "ihar", "maryia"];
    let vote = |code: &str, v: usize| {
        let (c, media, legal) = choices(v);
        t.run(
            "urna-vote",
            "voter-client",
            &[
                "ballot",
                "--election",
                "bundle.json",
                "--fingerprint",
                &full,
                "--credential",
                code,
                "--choose",
                &format!("council={}", council[c]),
                "--choose",
                &format!("priorities=media:{media}"),
                "--choose",
                &format!("priorities=legal:{legal}"),
                "--out",
                &format!("ballot{v}.bin"),
                "--board",
                &board_url,
                "--receipt",
                &format!("receipt{v}.json"),
            ],
        )
    };
    // The revoked code no longer votes.
    let out = vote(&lost, 49);
    assert!(!out.status.success(), "the revoked credential voted");
    let voting: Vec<usize> = (0..50).filter(|v| v % 10 != 7).collect();
    let mut expected = vec![vec![0u64; 3], vec![0u64; 2]];
    for &v in &voting {
        let out = vote(&codes[v], v);
        assert!(
            out.status.success(),
            "voter {v}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (c, media, legal) = choices(v);
        expected[0][c] += 1;
        expected[1][0] += media;
        expected[1][1] += legal;
    }
    assert_eq!(t.info(id)["ballots_cast"], voting.len());

    // ---- close, decrypt (trustees 1 and 3), publish --------------------------
    t.urna(&["election", "close", id, "--key", "organizer.key"]);
    let e = t.urna_fails(&["election", "publish", id, "--key", "organizer.key"]);
    assert!(e.contains("not enough trustees"), "{e}");
    t.tally(&["fetch", "--election", id, "--out", "closed.urna"]);
    for i in [1, 3] {
        t.trustee(&[
            "decrypt",
            "--key",
            &format!("trustee{i}.key"),
            "--record",
            "closed.urna",
            "--out",
            &format!("share{i}.entry"),
            "--quiet",
        ]);
        t.trustee(&["post", "--election", id, &format!("share{i}.entry")]);
    }
    let out = t.urna(&["election", "publish", id, "--key", "organizer.key"]);
    assert!(out.contains("Published the verified result"), "{out}");
    assert_eq!(t.info(id)["result_posted"], true);

    // ---- anyone: download and verify --------------------------------------------
    t.tally(&["fetch", "--election", id, "--out", "final.urna"]);
    let verified = t.tally(&["verify", "final.urna", "--quiet"]);
    assert!(verified.contains("VERIFIED"), "{verified}");
    let report =
        tally::verify::verify_record(&std::fs::read(dir.join("final.urna")).unwrap()[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(
        report.result.as_ref(),
        Some(&expected),
        "the published result"
    );
    assert_eq!(report.credentials_replaced, 1);
    assert_eq!(report.ballots_counted, voting.len() as u64);

    // ---- the board's database holds no name and no contact ----------------------
    let mut db = Vec::new();
    for f in std::fs::read_dir(&dir).unwrap() {
        let p = f.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("board.db") {
            db.extend(std::fs::read(&p).unwrap());
        }
    }
    assert!(db.len() > 10_000, "the database was found");
    let db = String::from_utf8_lossy(&db);
    for v in 0..50 {
        assert!(
            !db.contains(&voter_name(v)),
            "voter {v}'s name is in the board's database"
        );
        assert!(
            !db.contains(&voter_contact(v)),
            "voter {v}'s contact is in the board's database"
        );
    }
    assert!(!db.contains("Voterina") && !db.contains("mail.example"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn self_made_credentials_are_registered_without_secrets() {
    let dir = std::env::temp_dir().join(format!("urna-register-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let t = Tools {
        dir: dir.clone(),
        board_url: "http://127.0.0.1:9".into(),
    };
    // A manifest as `election create` writes it (keys from key files).
    t.urna(&["key", "new", "--role", "organizer", "--out", "o.key"]);
    t.urna(&["key", "new", "--role", "authority", "--out", "a.key"]);
    let org = urna_admin::keyfile::public_key_arg(dir.join("o.key.pub").to_str().unwrap()).unwrap();
    let ca = urna_admin::keyfile::public_key_arg(dir.join("a.key.pub").to_str().unwrap()).unwrap();
    let m = urna_admin::definition::parse(urna_admin::definition::EXAMPLE, &org, &ca).unwrap();
    std::fs::write(dir.join("election.json"), m.to_json()).unwrap();
    // Voters made their credentials on the page and sent the public part.
    let keys: Vec<_> = (0..3)
        .map(|_| voter_client::Credential::generate(&mut rand_core::OsRng).public_key())
        .collect();
    let mut csv = String::from("name,contact,public_credential\n");
    for (i, k) in keys.iter().enumerate() {
        csv.push_str(&format!("V{i},v{i}@x,{}\n", hex::encode(k.to_bytes())));
    }
    std::fs::write(dir.join("voters.csv"), &csv).unwrap();
    t.urna(&[
        "credentials",
        "register",
        "--voters",
        "voters.csv",
        "--manifest",
        "election.json",
        "--out",
        "creds",
    ]);
    let list = urna_admin::authority::read_public_list(&dir.join("creds/public-credentials.json"))
        .unwrap();
    assert_eq!(list.len(), 3);
    for k in &keys {
        assert_eq!(list.weight(k), Some(1));
    }
    let text = std::fs::read_to_string(dir.join("creds/public-credentials.json")).unwrap();
    assert!(
        !text.contains("V1") && !text.contains("@x"),
        "no names in the public list"
    );
    // A bad key names its line; nothing is written.
    std::fs::write(dir.join("bad.csv"), format!("{csv}V9,v9@x,abc\n")).unwrap();
    let e = t.urna_fails(&[
        "credentials",
        "register",
        "--voters",
        "bad.csv",
        "--manifest",
        "election.json",
        "--out",
        "bad",
    ]);
    assert!(
        e.contains("line 5") && e.contains("public_credential"),
        "{e}"
    );
    assert!(!dir.join("bad").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
