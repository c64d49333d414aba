//! docs/attacks.md F1, E6, B3: `kill -9` of the real `urna-board` binary
//! while many clients submit ballots, then a restart on the same database:
//! every ballot that got a receipt is in the log at its promised index, the
//! new head extends every head a client was shown, and the record verifies.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{big_sample, request, Backend, TestDb};
use hyper::{Method, StatusCode};
use urna_board::receipt::Receipt;
use urna_log::{check_extends, ConsistencyProof, SignedTreeHead};

struct Board {
    child: Child,
    addr: std::net::SocketAddr,
}

/// Start the binary; retry while a killed predecessor still holds the
/// database (PostgreSQL notices a dead client's lock within moments).
async fn spawn(db: &TestDb) -> Board {
    for _ in 0..40 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_urna-board"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &db.url,
                "--key-file",
                &db.key_file().display().to_string(),
                "--rate-limit-per-minute",
                "0",
                // Tests create their elections freely (spec/api.md §5.1).
                "--open-creation",
                "--log",
                "error",
            ])
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
        if let Some(addr) = line.trim().strip_prefix("urna-board listening on ") {
            return Board {
                child,
                addr: addr.parse().unwrap(),
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("urna-board did not start");
}

/// One request that may fail (the server is killed under it).
async fn try_post(
    addr: std::net::SocketAddr,
    path: String,
    body: Vec<u8>,
) -> Option<(StatusCode, Vec<u8>)> {
    use http_body_util::{BodyExt, Full};
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .ok()?;
    tokio::spawn(conn);
    let req = hyper::Request::post(path)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .body(Full::new(axum::body::Bytes::from(body)))
        .ok()?;
    let res = sender.send_request(req).await.ok()?;
    let status = res.status();
    let body = res.into_body().collect().await.ok()?.to_bytes().to_vec();
    Some((status, body))
}

fn pseudo_random(n: u64) -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (t ^ (n.wrapping_mul(0x9e37_79b9_7f4a_7c15))) % 1000
}

both_backends!(f01_kill_9_during_concurrent_ballots_loses_no_receipted_ballot);

async fn f01_kill_9_during_concurrent_ballots_loses_no_receipted_ballot(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = big_sample();
    let mut board = spawn(&db).await;
    for e in s.setup() {
        let body = serde_json::to_vec(&serde_json::json!({"entry": hex::encode(e)})).unwrap();
        let a = request(
            board.addr,
            Method::POST,
            &common::path_for(&s.id, e),
            Some(body),
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&a.body)
        );
    }
    let rounds = 4usize;
    let voters = 96usize;
    let mut receipts: Vec<(Vec<u8>, Receipt)> = Vec::new();
    for round in 0..rounds {
        let ballots: Vec<Vec<u8>> = (0..voters)
            .map(|v| s.ballot(v, round, (round * 1000 + v) as u64 + 5000))
            .collect();
        let queue = Arc::new(Mutex::new(ballots));
        let got = Arc::new(Mutex::new(Vec::new()));
        let mut clients = Vec::new();
        for _ in 0..12 {
            let (queue, got, addr, id) = (queue.clone(), got.clone(), board.addr, s.id.clone());
            clients.push(tokio::spawn(async move {
                loop {
                    let Some(ballot) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let body =
                        serde_json::to_vec(&serde_json::json!({"entry": hex::encode(&ballot)}))
                            .unwrap();
                    match try_post(addr, format!("/api/elections/{id}/ballots"), body).await {
                        Some((StatusCode::OK, b)) => {
                            let r: Receipt = serde_json::from_slice(&b).unwrap();
                            got.lock().unwrap().push((ballot, r));
                        }
                        Some(_) => {}
                        None => break, // the server is gone
                    }
                }
            }));
        }
        // kill -9 at a random moment while the clients submit.
        let delay = 10 + pseudo_random(round as u64) % 150;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        board.child.kill().unwrap(); // SIGKILL
        board.child.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let got = std::mem::take(&mut *got.lock().unwrap());
        eprintln!(
            "round {round}: killed after {delay} ms, {} new receipts",
            got.len()
        );
        receipts.extend(got);

        board = spawn(&db).await;
        let pk = {
            let a = request(board.addr, Method::GET, "/api/board", None)
                .await
                .json();
            let key = hex::decode(a["board_key"].as_str().unwrap()).unwrap();
            urna_log::BoardPublicKey::from_bytes(&key).unwrap()
        };
        let latest: SignedTreeHead = serde_json::from_value(
            request(
                board.addr,
                Method::GET,
                &format!("/api/elections/{}/tree-head", s.id),
                None,
            )
            .await
            .json()["tree_head"]
                .clone(),
        )
        .unwrap();
        let latest = latest.verify(&pk, &s.id).unwrap();
        for (ballot, r) in &receipts {
            // The receipt still checks, and the board still holds the ballot
            // at the promised index with the same promise.
            r.verify(&pk, ballot).unwrap();
            let now = request(
                board.addr,
                Method::GET,
                &format!(
                    "/api/elections/{}/ballots/{}",
                    s.id,
                    r.tracking_code.as_ref().unwrap()
                ),
                None,
            )
            .await
            .receipt();
            assert_eq!(now.log_index, r.log_index);
            assert_eq!(now.promise, r.promise);
            // The current log extends every head a client was shown.
            let old = r.tree_head.verify(&pk, &s.id).unwrap();
            let c = request(
                board.addr,
                Method::GET,
                &format!(
                    "/api/elections/{}/proof/consistency?first={}&second={}",
                    s.id, old.tree_size, latest.tree_size
                ),
                None,
            )
            .await
            .json();
            let proof: ConsistencyProof =
                serde_json::from_value(c["consistency_proof"].clone()).unwrap();
            check_extends(&old, &latest, &proof).unwrap();
        }
    }
    assert!(
        !receipts.is_empty(),
        "no ballot was receipted before the kills"
    );
    let a = request(
        board.addr,
        Method::GET,
        &format!("/api/elections/{}/record", s.id),
        None,
    )
    .await;
    let report = tally::verify::verify_record(&a.body[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    board.child.kill().unwrap();
    board.child.wait().unwrap();
    db.cleanup().await;
}
