//! Load under attack (issue 15, docs/attacks.md F-series): the honest
//! intake of 64 clients while attackers run, each attack in its own run.
//! A benchmark, not a test of speed: run by hand, release build:
//!
//! ```text
//! URNA_TEST_POSTGRES_URL=postgres://… cargo test --release -p bulletin-board \
//!     --test load_attack -- --ignored --nocapture --test-threads 1
//! ```
//!
//! Per backend, five runs of `URNA_LOAD_BALLOTS` (default 960) honest
//! 5-option ballots from 64 clients: no attack, then (a) a read flood of
//! inclusion proofs and record downloads from 64 connections, (b) forged
//! ballots naming real credentials from 16 connections as fast as they
//! are answered, (c) 1,000 record downloads that are never read plus 200
//! connections that never finish their headers, (d) election-creation
//! spam from a stranger's key and audited-ballot spam whose openings lie
//! (each verified in full before it is refused). It prints, per run, the
//! honest ballots/s, p50/p99 latency, honest refusals, the attack's
//! requests and answers, and how `/healthz` answered throughout; it
//! asserts what must hold whatever the speed: no honest ballot refused or
//! lost, `/healthz` always answered.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{big_sample, post_all, Backend, TestBoard};
use hyper::Method;
use urna_election::Entry;
use urna_election::SpoiledBallot;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Attack {
    None,
    ReadFlood,
    ForgedBallots,
    SlowReaders,
    Spam,
}

/// What one run measured.
struct Run {
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    refused: usize,
    attack_requests: u64,
    health_ok: u64,
    health_failed: u64,
    health_max_ms: f64,
}

fn json(entry: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "entry": hex::encode(entry) })).unwrap()
}

/// The `i`-th request of an attacking loop.
type MakeRequest = Arc<dyn Fn(u64) -> (Method, String, Option<Vec<u8>>) + Send + Sync>;

/// Start the attack's tasks; they run until `stop`.
fn attack(
    kind: Attack,
    addr: std::net::SocketAddr,
    id: &str,
    size: u64,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let s = big_sample();
    let mut tasks = Vec::new();
    let spawn_loop = |tasks: &mut Vec<_>, n: usize, make: MakeRequest| {
        for t in 0..n {
            let (stop, count, make) = (stop.clone(), count.clone(), make.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = t as u64;
                while !stop.load(Ordering::Relaxed) {
                    let (m, path, body) = make(i);
                    let _ = common::request(addr, m, &path, body).await;
                    count.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            }));
        }
    };
    match kind {
        Attack::None => {}
        Attack::ReadFlood => {
            let id = id.to_string();
            spawn_loop(
                &mut tasks,
                64,
                Arc::new(move |i| {
                    if i % 8 == 0 {
                        (Method::GET, format!("/api/elections/{id}/record"), None)
                    } else {
                        let size = size.max(2);
                        let tree = 1 + (i * 7919) % size;
                        let index = (i * 104_729) % tree;
                        let p = format!(
                            "/api/elections/{id}/proof/inclusion?index={index}&tree_size={tree}"
                        );
                        (Method::GET, p, None)
                    }
                }),
            );
        }
        Attack::ForgedBallots => {
            // Real ballots with another voter's credential written in.
            let forged: Vec<Vec<u8>> = (0..16)
                .map(|v| {
                    let mut e = s.ballot(v, 50, 900_000 + v as u64);
                    let victim = s.ballot((v + 1) % 96, 50, 910_000 + v as u64);
                    e[33..65].copy_from_slice(&victim[33..65]);
                    json(&e)
                })
                .collect();
            let path = format!("/api/elections/{id}/ballots");
            spawn_loop(
                &mut tasks,
                16,
                Arc::new(move |i| {
                    let b = forged[i as usize % forged.len()].clone();
                    (Method::POST, path.clone(), Some(b))
                }),
            );
        }
        Attack::SlowReaders => {
            for n in 0..1200 {
                let (stop, count, id) = (stop.clone(), count.clone(), id.to_string());
                tasks.push(tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    let Ok(mut c) = tokio::net::TcpStream::connect(addr).await else {
                        return;
                    };
                    let head = if n < 1000 {
                        // A record download whose answer is never read.
                        format!("GET /api/elections/{id}/record HTTP/1.1\r\nHost: x\r\n\r\n")
                    } else {
                        // Headers that never end.
                        "GET /healthz HTTP/1.1\r\nHo".to_string()
                    };
                    let _ = c.write_all(head.as_bytes()).await;
                    count.fetch_add(1, Ordering::Relaxed);
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }));
            }
        }
        Attack::Spam => {
            let stranger = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
            let manifests: Vec<Vec<u8>> = (0..8)
                .map(|i| {
                    json(&common::scenario::manifest_entry(
                        &s.manifest,
                        &format!("spam-{i}"),
                        &stranger,
                    ))
                })
                .collect();
            let audits: Vec<Vec<u8>> = (0..16)
                .map(|v| {
                    // A stranger's audits: no credential request (F18), and
                    // openings that lie.
                    let (ballot, opening) = s.encrypt(v, 60, 920_000 + v as u64);
                    let mut audit = SpoiledBallot::of(&ballot, opening);
                    audit.contests[0][0].value ^= 1;
                    json(&Entry::Spoiled(audit).to_bytes())
                })
                .collect();
            let path = format!("/api/elections/{id}/spoiled");
            spawn_loop(
                &mut tasks,
                16,
                Arc::new(move |i| {
                    if i % 2 == 0 {
                        let b = manifests[i as usize % manifests.len()].clone();
                        (Method::POST, "/api/elections".to_string(), Some(b))
                    } else {
                        let b = audits[i as usize % audits.len()].clone();
                        (Method::POST, path.clone(), Some(b))
                    }
                }),
            );
        }
    }
    tasks
}

async fn run(backend: Backend, kind: Attack, round: usize) -> Option<Run> {
    let s = big_sample();
    let allowed = hex::encode(s.organizer().public_key().to_bytes());
    let b = TestBoard::start_with(backend, |c| {
        c.open_creation = false;
        c.organizer_keys = vec![allowed];
        // Each voter re-votes about ten times in a run: within the burst.
        c.rate_limit_per_minute = 600;
        c.rate_limit_burst = 100;
    })
    .await?;
    post_all(&b, &s.id, s.setup(), 0).await;
    let n = std::env::var("URNA_LOAD_BALLOTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(960usize);
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            json(&s.ballot(
                i % 96,
                100 * round + i / 96,
                1_000_000 * round as u64 + i as u64,
            ))
        })
        .collect();
    // Some ballots first, so the read flood has a tree to read.
    let size = s.setup().len() as u64;

    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let attackers = attack(kind, b.addr, &s.id, size, stop.clone(), count.clone());
    // /healthz every 100 ms, throughout.
    let health = {
        let (stop, addr) = (stop.clone(), b.addr);
        tokio::spawn(async move {
            let (mut ok, mut failed, mut max) = (0u64, 0u64, 0f64);
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let a = tokio::time::timeout(
                    Duration::from_secs(5),
                    common::request(addr, Method::GET, "/healthz", None),
                )
                .await;
                match a {
                    Ok(a) if a.status.as_u16() == 200 => ok += 1,
                    _ => failed += 1,
                }
                max = max.max(t0.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (ok, failed, max)
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await; // let the attack start

    let queue = Arc::new(Mutex::new(bodies));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let refused = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut honest = Vec::new();
    for _ in 0..64 {
        let (queue, latencies, refused, addr) =
            (queue.clone(), latencies.clone(), refused.clone(), b.addr);
        let path = format!("/api/elections/{}/ballots", s.id);
        honest.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().unwrap().pop() else {
                    break;
                };
                let t0 = Instant::now();
                let a = common::request(addr, Method::POST, &path, Some(body)).await;
                if a.status.as_u16() == 200 {
                    latencies.lock().unwrap().push(t0.elapsed().as_secs_f64());
                } else {
                    refused.lock().unwrap().push(format!(
                        "{} {}",
                        a.status,
                        String::from_utf8_lossy(&a.body)
                    ));
                }
            }
        }));
    }
    for t in honest {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in attackers {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    let (health_ok, health_failed, health_max_ms) = health.await.unwrap();
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        l.get(((l.len().max(1) - 1) as f64 * p) as usize)
            .copied()
            .unwrap_or(0.0)
            * 1000.0
    };
    let refused = refused.lock().unwrap().clone();
    for r in refused.iter().take(3) {
        eprintln!("     honest refusal: {r}");
    }
    // Nothing accepted was lost: the board counts every receipted ballot.
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(
        info["ballots_cast"],
        l.len(),
        "receipted ballots missing from the board"
    );
    b.stop().await;
    Some(Run {
        per_s: l.len() as f64 / secs,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        refused: refused.len(),
        attack_requests: count.load(Ordering::Relaxed),
        health_ok,
        health_failed,
        health_max_ms,
    })
}

async fn bench(backend: Backend) {
    eprintln!(
        "| backend | attack | honest ballots/s | p50 ms | p99 ms | honest refused | attack requests | /healthz ok / failed (max ms) |"
    );
    eprintln!("|---|---|---|---|---|---|---|---|");
    let mut base = None;
    for (round, kind) in [
        Attack::None,
        Attack::ReadFlood,
        Attack::ForgedBallots,
        Attack::SlowReaders,
        Attack::Spam,
    ]
    .into_iter()
    .enumerate()
    {
        let Some(r) = run(backend, kind, round).await else {
            return;
        };
        let base_rate = *base.get_or_insert(r.per_s);
        eprintln!(
            "| {backend:?} | {kind:?} | {:.0} ({:.0} %) | {:.0} | {:.0} | {} | {} | {} / {} ({:.0}) |",
            r.per_s,
            100.0 * r.per_s / base_rate,
            r.p50_ms,
            r.p99_ms,
            r.refused,
            r.attack_requests,
            r.health_ok,
            r.health_failed,
            r.health_max_ms
        );
        assert_eq!(r.refused, 0, "{kind:?}: honest ballots were refused");
        assert_eq!(r.health_failed, 0, "{kind:?}: /healthz did not answer");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run by hand, release build, with --ignored --nocapture"]
async fn load_under_attack_sqlite() {
    bench(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run by hand, release build, with --ignored --nocapture"]
async fn load_under_attack_postgres() {
    bench(Backend::Postgres).await
}
