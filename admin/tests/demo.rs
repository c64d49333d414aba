//! The end-to-end election (issue 8): the real board, trustees (one absent
//! at decryption), credentials, simulated voters casting through the voter
//! client with re-votes and audited ballots, two contests of different kinds
//! (approval and score), close, decryption, result, and the independent
//! verifier on the downloaded record — on SQLite and on PostgreSQL.

use urna_admin::demo::{run, DemoOptions};

fn election(database_url: Option<String>, dir: &std::path::Path) {
    let outcome = run(&DemoOptions {
        dir: dir.to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        voters: 23,
        ballots: 45, // 20 simulated voters: everyone votes, 5 re-vote... twice over
        finish: true,
        database_url,
        audit_every: 7,
    })
    .unwrap()
    .expect("a finished demo has an outcome");
    assert_eq!(
        outcome.verified, outcome.expected,
        "the verified result is not the votes cast"
    );
    assert!(outcome.audited >= 6);
    let record = std::fs::read(dir.join("record.urna")).unwrap();
    let report = tally::verify::verify_record(&record[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_cast, 45);
    assert_eq!(report.ballots_counted, 20);
    assert_eq!(report.ballots_spoiled as usize, outcome.audited);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("urna-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn e2e_election_on_sqlite() {
    election(None, &temp_dir("sqlite"));
}

#[test]
fn e2e_election_on_postgres() {
    let Ok(url) = std::env::var("URNA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "URNA_TEST_POSTGRES_URL must be set in CI (scripts/test sets it up)"
        );
        eprintln!("skipping: URNA_TEST_POSTGRES_URL is not set (scripts/test sets it up)");
        return;
    };
    // A fresh database: a board refuses a database signed by another board key.
    let name = format!("urna_e2e_{}", std::process::id());
    let drop_create = |sql: String| {
        let out = std::process::Command::new("psql")
            .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-c", &sql])
            .output()
            .expect("psql (installed with PostgreSQL by scripts/test)");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    drop_create(format!("DROP DATABASE IF EXISTS {name}"));
    drop_create(format!("CREATE DATABASE {name}"));
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
    election(Some(format!("{base}/{name}")), &temp_dir("postgres"));
    drop_create(format!("DROP DATABASE IF EXISTS {name}"));
}
