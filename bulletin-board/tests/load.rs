//! Load generator (run by hand, not in CI):
//!
//! ```text
//! URNA_TEST_POSTGRES_URL=postgres://… cargo test -p bulletin-board --test load -- --ignored --nocapture
//! ```
//!
//! Submits `URNA_LOAD_BALLOTS` (default 2000) valid 5-option ballots from
//! `URNA_LOAD_CLIENTS` (default 64) concurrent clients over loopback, with
//! full verification and durable commit, and prints accepted ballots per
//! second and p50/p99 latency per backend. Every answer must be a receipt.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{big_sample, post_all, Backend, TestBoard};
use hyper::{Method, StatusCode};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = big_sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let n = env("URNA_LOAD_BALLOTS", 2000);
    let clients = env("URNA_LOAD_CLIENTS", 64);
    let t = Instant::now();
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let e = s.ballot(i % 96, i / 96, 100_000 + i as u64);
            serde_json::to_vec(&serde_json::json!({"entry": hex::encode(e)})).unwrap()
        })
        .collect();
    eprintln!(
        "{backend:?}: {n} ballots prepared in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let queue = Arc::new(Mutex::new(bodies));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (queue, latencies, addr, path) = (
            queue.clone(),
            latencies.clone(),
            b.addr,
            format!("/api/elections/{}/ballots", s.id),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().unwrap().pop() else {
                    break;
                };
                let t0 = Instant::now();
                let a = common::request(addr, Method::POST, &path, Some(body)).await;
                assert_eq!(
                    a.status,
                    StatusCode::OK,
                    "{}",
                    String::from_utf8_lossy(&a.body)
                );
                latencies.lock().unwrap().push(t0.elapsed().as_secs_f64());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| l[((l.len() as f64 - 1.0) * p) as usize] * 1000.0;
    eprintln!(
        "{backend:?}: {n} ballots, {clients} clients: {:.0} ballots/s, p50 {:.0} ms, p99 {:.0} ms",
        n as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["ballots_cast"], n);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "load generator: run by hand with --ignored --nocapture"]
async fn load_sqlite() {
    run(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "load generator: run by hand with --ignored --nocapture"]
async fn load_postgres() {
    run(Backend::Postgres).await
}
