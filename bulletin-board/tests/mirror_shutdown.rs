//! docs/attacks.md E11, F1 with several processes on loopback: a primary
//! board and two mirrors (the real `urna-board` binary). Voters vote
//! through both mirrors; the primary is killed (SIGKILL); the mirrors keep
//! serving the log and queue ballots; the primary restarts on its
//! database; every queued ballot arrives exactly once (the same ballot
//! sent to both mirrors too); the record verifies, from the board and
//! from a mirror.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::mirrors::until;
use common::{request, sample, Backend, TestDb};
use hyper::{Method, StatusCode};
use urna_board::receipt::Receipt;
use urna_board::relay::MirrorPromise;
use urna_log::{BoardPublicKey, SignedTreeHead};

struct Proc {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn spawn(args: Vec<String>, prefix: &'static str) -> Proc {
    for _ in 0..40 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_urna-board"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).ok();
            line
        })
        .await
        .unwrap();
        if let Some(addr) = line.trim().strip_prefix(prefix) {
            return Proc {
                child,
                addr: addr.parse().unwrap(),
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("urna-board did not start: {args:?}");
}

async fn primary(db: &TestDb, listen: &str) -> Proc {
    spawn(
        vec![
            "--listen".into(),
            listen.into(),
            "--database-url".into(),
            db.url.clone(),
            "--key-file".into(),
            db.key_file().display().to_string(),
            "--rate-limit-per-minute".into(),
            "0".into(),
            // Tests create their elections freely (spec/api.md §5.1).
            "--open-creation".into(),
            "--log".into(),
            "error".into(),
        ],
        "urna-board listening on ",
    )
    .await
}

async fn mirror(db: &TestDb, upstream: std::net::SocketAddr, key: &BoardPublicKey) -> Proc {
    spawn(
        vec![
            "mirror".into(),
            "--upstream".into(),
            format!("http://{upstream}"),
            "--upstream-key".into(),
            hex::encode(key.to_bytes()),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--database-url".into(),
            db.url.clone(),
            "--key-file".into(),
            db.dir.join("mirror.key").display().to_string(),
            "--sync-interval-ms".into(),
            "150".into(),
            "--relay-interval-ms".into(),
            "150".into(),
            "--log".into(),
            "error".into(),
        ],
        "urna-board mirror listening on ",
    )
    .await
}

async fn head(addr: std::net::SocketAddr, id: &str) -> Option<SignedTreeHead> {
    serde_json::from_value(
        request(
            addr,
            Method::GET,
            &format!("/api/elections/{id}/tree-head"),
            None,
        )
        .await
        .json()["tree_head"]
            .clone(),
    )
    .ok()
}

fn body(entry: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "entry": hex::encode(entry) })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e11_primary_killed_mirrors_serve_and_queue_every_ballot_arrives_once() {
    let s = sample();
    let (db, d1, d2) = (
        TestDb::new(Backend::Sqlite).await.unwrap(),
        TestDb::new(Backend::Sqlite).await.unwrap(),
        TestDb::new(Backend::Sqlite).await.unwrap(),
    );
    let mut board = primary(&db, "127.0.0.1:0").await;
    let port = board.addr.port();
    for e in s.setup() {
        let a = request(
            board.addr,
            Method::POST,
            &common::path_for(&s.id, e),
            Some(body(e)),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    }
    let key = {
        let v = request(board.addr, Method::GET, "/api/board", None)
            .await
            .json();
        BoardPublicKey::from_bytes(&hex::decode(v["board_key"].as_str().unwrap()).unwrap()).unwrap()
    };
    let m1 = mirror(&d1, board.addr, &key).await;
    let m2 = mirror(&d2, board.addr, &key).await;
    let setup_head = head(board.addr, &s.id).await;
    until("mirrors sync", || async {
        head(m1.addr, &s.id).await == setup_head && head(m2.addr, &s.id).await == setup_head
    })
    .await;

    // Online: a ballot through each mirror gets the board's own receipt.
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for (i, m) in [&m1, &m2].into_iter().enumerate() {
        let b = s.ballot(i, 0, 400 + i as u64);
        let a = request(
            m.addr,
            Method::POST,
            &format!("/api/elections/{}/ballots", s.id),
            Some(body(&b)),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json());
        let r: Receipt = serde_json::from_slice(&a.body).unwrap();
        r.verify(&key, &b).unwrap();
        sent.push(b);
    }

    // The primary is seized: kill -9.
    board.child.kill().unwrap();
    board.child.wait().unwrap();
    // The mirrors keep serving the log …
    let before = head(m1.addr, &s.id).await;
    assert_eq!(before, head(m2.addr, &s.id).await);
    let rec = request(
        m1.addr,
        Method::GET,
        &format!("/api/elections/{}/record", s.id),
        None,
    )
    .await;
    assert!(tally::verify::verify_record(&rec.body[..], None).ok());
    // … and queue ballots with a signed mirror promise.
    let mut promises = Vec::new();
    for (i, m) in [(2usize, &m1), (3, &m2), (4, &m1), (5, &m2)] {
        let b = s.ballot(i, 0, 500 + i as u64);
        let a = request(
            m.addr,
            Method::POST,
            &format!("/api/elections/{}/ballots", s.id),
            Some(body(&b)),
        )
        .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.json());
        let v = a.json();
        assert_eq!(v["status"], "queued");
        let mk =
            BoardPublicKey::from_bytes(&hex::decode(v["mirror_key"].as_str().unwrap()).unwrap())
                .unwrap();
        let p =
            MirrorPromise::decode(&hex::decode(v["promise"].as_str().unwrap()).unwrap()).unwrap();
        p.verify(&mk, &s.id).unwrap();
        assert_eq!(p.leaf_hash, urna_log::leaf_hash(&b));
        assert_eq!(p.board_log_id, key.log_id(&s.id));
        promises.push((m.addr, v["tracking_code"].as_str().unwrap().to_string()));
        sent.push(b);
    }
    // The same sealed ballot handed to the other mirror too (a friend
    // retrying elsewhere): queued there as well, and one ballot in the end.
    let dup = sent[2].clone();
    let a = request(
        m2.addr,
        Method::POST,
        &format!("/api/elections/{}/ballots", s.id),
        Some(body(&dup)),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    // Submitting it again to the same mirror: the same promise (idempotent).
    let again = request(
        m1.addr,
        Method::POST,
        &format!("/api/elections/{}/ballots", s.id),
        Some(body(&dup)),
    )
    .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    let st = request(m1.addr, Method::GET, "/api/mirror/status", None)
        .await
        .json();
    assert_eq!(st["elections"][0]["relay"]["queued"], 2, "{st}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        head(m1.addr, &s.id).await,
        before,
        "nothing moves while the board is down"
    );

    // The primary comes back on the same database and address.
    board = primary(&db, &format!("127.0.0.1:{port}")).await;
    for m in [&m1, &m2] {
        until("queues drain", || async {
            let st = request(m.addr, Method::GET, "/api/mirror/status", None)
                .await
                .json();
            st["elections"][0]["relay"]["queued"] == 0
        })
        .await;
        let st = request(m.addr, Method::GET, "/api/mirror/status", None)
            .await
            .json();
        assert_eq!(st["elections"][0]["relay"]["refused"], 0, "{st}");
    }
    // Every ballot is in the log exactly once.
    let entries = request(
        board.addr,
        Method::GET,
        &format!("/api/elections/{}/entries?start=0&end=1000", s.id),
        None,
    )
    .await
    .json();
    let mut count: HashMap<String, usize> = HashMap::new();
    for row in entries["entries"].as_array().unwrap() {
        *count
            .entry(row["entry"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for b in &sent {
        assert_eq!(
            count.get(&hex::encode(b)),
            Some(&1),
            "a ballot is not in the log once"
        );
    }
    assert_eq!(
        entries["entries"].as_array().unwrap().len(),
        s.setup().len() + sent.len()
    );
    // The mirror now hands out the board's receipt for what it queued.
    for (addr, code) in &promises {
        let a = request(
            *addr,
            Method::GET,
            &format!("/api/elections/{}/ballots/{code}", s.id),
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json());
        let r: Receipt = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(r.tracking_code.as_deref(), Some(code.as_str()));
    }
    // The final record verifies, from the board and from a mirror.
    let latest = head(board.addr, &s.id).await;
    until("mirror 2 catches up", || async {
        head(m2.addr, &s.id).await == latest
    })
    .await;
    for addr in [board.addr, m2.addr] {
        let rec = request(
            addr,
            Method::GET,
            &format!("/api/elections/{}/record", s.id),
            None,
        )
        .await;
        let report = tally::verify::verify_record(&rec.body[..], None);
        assert!(report.ok(), "{:?}", report.failures);
        assert_eq!(report.ballots_cast as usize, sent.len());
    }
    drop((m1, m2, board));
    for d in [db, d1, d2] {
        d.cleanup().await;
    }
}
