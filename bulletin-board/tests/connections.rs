//! Connections and bounded reads (issue 15; docs/attacks.md F19):
//!
//! - a client that asks for the record and stops reading is cut off by
//!   the write timeout, and while it holds its stream the cap refuses one
//!   download too many (`503 ERR_BUSY`); its place is free again after;
//! - a mirror refuses an upstream answer larger than a correct one can be
//!   (`ClientError::TooLarge`), and takes one of the largest correct size.
//!
//! The connection behaviour does not depend on the database: these run on
//! SQLite only (the read-pool tests in `reads.rs` run on both).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use common::{big_sample, path_for, request, Backend, TestBoard};
use hyper::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use urna_board::mirror::{Upstream, ENTRIES_ANSWER_MAX, SMALL_ANSWER_MAX};

/// A board whose record is larger than every socket buffer between it and
/// a client that does not read (`tcp_wmem` allows the server 4 MiB): about
/// 6 MiB of ballots.
async fn board_with_a_large_record(max_streams: usize, write_timeout: u64) -> TestBoard {
    let b = TestBoard::start_with(Backend::Sqlite, |c| {
        c.max_record_streams = max_streams;
        c.write_timeout_secs = write_timeout;
    })
    .await
    .unwrap();
    let s = big_sample();
    for e in s.setup() {
        assert_eq!(b.post_entry(&s.id, e).await.status, StatusCode::OK);
    }
    let one = s.ballot(0, 3, 1).len();
    let n = (6 << 20) / one + 1;
    let mut tasks = Vec::new();
    for c in 0..8usize {
        let (addr, id) = (b.addr, s.id.clone());
        tasks.push(tokio::spawn(async move {
            for i in (c..n).step_by(8) {
                let e = big_sample().ballot(i % 96, 3 + i / 96, 900_000 + i as u64);
                let body =
                    serde_json::to_vec(&serde_json::json!({"entry": hex::encode(&e)})).unwrap();
                let a = request(addr, Method::POST, &path_for(&id, &e), Some(body)).await;
                assert_eq!(a.status, StatusCode::OK);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    b
}

/// Ask for the record with a tiny receive buffer, read the status line,
/// then read nothing more.
async fn stalled_download(addr: std::net::SocketAddr, id: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(format!("GET /api/elections/{id}/record HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the download did not start");
    s
}

/// Read what is left until the server closes; `true` if it closed
/// (end of file or reset) before the whole record came.
async fn closed_early(mut s: tokio::net::TcpStream, record_len: usize) -> bool {
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return got < record_len,
            Ok(n) => got += n,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f19_slow_record_readers_are_cut_off_and_the_stream_cap_refuses_one_more() {
    let b = board_with_a_large_record(2, 2).await;
    let id = big_sample().id.clone();
    let full = b.record(&id).await.len();
    assert!(full > 5 << 20, "the record is only {full} bytes");

    let t0 = Instant::now();
    let slow1 = stalled_download(b.addr, &id).await;
    let slow2 = stalled_download(b.addr, &id).await;
    // Both places are taken by clients that read nothing: one more is refused.
    let a = b.get(&format!("/api/elections/{id}/record")).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.code(), "ERR_BUSY");
    assert_eq!(a.headers.get("retry-after").unwrap(), "1");

    // The write timeout (2 s) cuts them off: the rest never comes.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        closed_early(slow1, full).await,
        "a stalled reader was not cut off"
    );
    assert!(
        closed_early(slow2, full).await,
        "a stalled reader was not cut off"
    );
    assert!(t0.elapsed() < Duration::from_secs(20));

    // Their places are free again: a reader that reads gets all of it.
    let again = b.record(&id).await;
    assert_eq!(again.len(), full);
    b.stop().await;
}

/// A fake upstream serving answers of the given sizes.
async fn upstream(head_bytes: usize, page_bytes: usize) -> Upstream {
    let head = "x".repeat(head_bytes.saturating_sub(16));
    let page = "y".repeat(page_bytes.saturating_sub(40));
    let router = Router::new()
        .route(
            "/api/elections/e/tree-head",
            get(move || {
                let head = head.clone();
                async move { axum::Json(serde_json::json!({ "padding": head })) }
            }),
        )
        .route(
            "/api/elections/e/entries",
            get(move || {
                let page = page.clone();
                async move {
                    axum::Json(serde_json::json!({ "tree_size": 1, "entries": [], "p": page }))
                }
            }),
        );
    let addr = common::mirrors::serve(router).await;
    Upstream::new(&format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_refuses_an_oversized_upstream_answer() {
    // Over the cap: refused, naming the bound.
    let big = upstream(
        SMALL_ANSWER_MAX as usize + 10,
        ENTRIES_ANSWER_MAX as usize + 10,
    )
    .await;
    let e = big
        .get_json("/api/elections/e/tree-head")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("larger than {SMALL_ANSWER_MAX} bytes")),
        "{e}"
    );
    let e = big
        .get_json("/api/elections/e/entries?start=0&end=1000")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("larger than {ENTRIES_ANSWER_MAX} bytes")),
        "{e}"
    );

    // At most the cap: read.
    let ok = upstream(
        SMALL_ANSWER_MAX as usize - 100,
        ENTRIES_ANSWER_MAX as usize - 100,
    )
    .await;
    ok.get_json("/api/elections/e/tree-head").await.unwrap();
    ok.get_json("/api/elections/e/entries?start=0&end=1000")
        .await
        .unwrap();
}
