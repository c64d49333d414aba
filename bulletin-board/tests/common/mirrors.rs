//! Helpers of the mirror tests (`tests/mirror.rs`, `tests/mirror_gossip.rs`):
//! start mirrors, wait for conditions, proxies that cut a board off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{request, TestDb};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use hyper::Method;
use urna_board::{start_mirror, MirrorConfig, RunningMirror};
use urna_log::{BoardKey, MemoryTree, SignedTreeHead};

pub async fn mirror_of(upstream: &str, db: &TestDb, peers: Vec<String>) -> RunningMirror {
    let mut c = MirrorConfig::for_tests(upstream, &db.url, db.dir.join("mirror.key"));
    c.peers = peers;
    start_mirror(c).await.unwrap()
}

pub async fn head_of(addr: std::net::SocketAddr, id: &str) -> Option<SignedTreeHead> {
    let a = request(
        addr,
        Method::GET,
        &format!("/api/elections/{id}/tree-head"),
        None,
    )
    .await;
    (a.status == StatusCode::OK)
        .then(|| serde_json::from_value(a.json()["tree_head"].clone()).unwrap())
}

/// Poll until `f` holds (30 s at most: CI machines are slow and shared).
pub async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub async fn status(addr: std::net::SocketAddr) -> serde_json::Value {
    request(addr, Method::GET, "/api/mirror/status", None)
        .await
        .json()
}

// ---------------------------------------------------------------- E11

/// An entry index and the bytes served there instead.
pub type Substitute = Option<(u64, Vec<u8>)>;

/// A proxy in front of the board that alters the hex of every entry at
/// index `tamper_from` or later (`u64::MAX`: none), or answers 502 to
/// everything while `down` (the board is cut off).
#[derive(Clone)]
pub struct Proxy {
    pub board: String,
    pub tamper_from: Arc<AtomicU64>,
    pub down: Arc<std::sync::atomic::AtomicBool>,
    /// Serve these bytes instead of the entry at this index.
    pub substitute: Arc<std::sync::Mutex<Substitute>>,
}

impl Proxy {
    pub fn new(board: std::net::SocketAddr) -> Self {
        Proxy {
            board: format!("http://{board}"),
            tamper_from: Arc::new(AtomicU64::new(u64::MAX)),
            down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            substitute: Arc::new(std::sync::Mutex::new(None)),
        }
    }
}

pub async fn proxy_any(
    State(p): State<Proxy>,
    method: axum::http::Method,
    uri: Uri,
    body: axum::body::Bytes,
) -> (StatusCode, Json<serde_json::Value>) {
    if p.down.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({"code": "ERR_HTTP", "message": "cut off"})),
        );
    }
    let url = format!("{}{}", p.board, uri);
    let from = p.tamper_from.load(Ordering::SeqCst);
    let post = method == axum::http::Method::POST;
    let (status, mut v) = tokio::task::spawn_blocking(move || {
        let r = if post {
            ureq::post(&url)
                .set("content-type", "application/json")
                .send_bytes(&body)
        } else {
            ureq::get(&url).call()
        };
        match r {
            Ok(resp) => (
                resp.status(),
                resp.into_json::<serde_json::Value>().unwrap(),
            ),
            Err(ureq::Error::Status(s, resp)) => (s, resp.into_json().unwrap()),
            Err(e) => panic!("proxy: {e}"),
        }
    })
    .await
    .unwrap();
    if uri.path().ends_with("/entries") {
        let substitute = p.substitute.lock().unwrap().clone();
        for row in v["entries"].as_array_mut().unwrap() {
            if let Some((at, bytes)) = &substitute {
                if row["index"].as_u64() == Some(*at) {
                    row["entry"] = serde_json::Value::String(hex::encode(bytes));
                }
            }
            if row["index"].as_u64().unwrap() >= from {
                let mut hex_entry = row["entry"].as_str().unwrap().to_string();
                // Flip the last hex digit (a signature or proof byte).
                let last = hex_entry.pop().unwrap();
                hex_entry.push(if last == '0' { '1' } else { '0' });
                row["entry"] = serde_json::Value::String(hex_entry);
            }
        }
    }
    (StatusCode::from_u16(status).unwrap(), Json(v))
}

pub async fn serve_proxy(p: &Proxy) -> std::net::SocketAddr {
    serve(Router::new().fallback(proxy_any).with_state(p.clone())).await
}

pub async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// One history of the lying board.
pub struct Fork {
    pub entries: Vec<Vec<u8>>,
    pub tree: MemoryTree,
    pub head: SignedTreeHead,
    pub key: String,
    pub id: String,
}

pub type Forked = State<Arc<Fork>>;

pub async fn lie_board(State(f): Forked) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "board_key": f.key, "log_id": f.head.log_id, "version": "lying" }))
}

pub async fn lie_list(State(f): Forked) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "elections": [ { "election_id": f.id, "tree_head": f.head } ] }))
}

pub async fn lie_head(State(f): Forked, Path(_id): Path<String>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "tree_head": f.head, "encoded": hex::encode(f.head.to_bytes()) }))
}

#[derive(serde::Deserialize)]
pub struct Range {
    pub start: u64,
    pub end: u64,
}

pub async fn lie_entries(
    State(f): Forked,
    Path(_id): Path<String>,
    Query(r): Query<Range>,
) -> Json<serde_json::Value> {
    let end = r.end.min(f.entries.len() as u64);
    let rows: Vec<serde_json::Value> = (r.start..end)
        .map(|i| {
            let e = &f.entries[i as usize];
            serde_json::json!({
                "index": i,
                "kind": "x",
                "leaf_hash": hex::encode(urna_log::leaf_hash(e).0),
                "entry": hex::encode(e),
            })
        })
        .collect();
    Json(serde_json::json!({ "tree_size": f.head.tree_size, "entries": rows }))
}

pub fn fork(key: &BoardKey, id: &str, entries: Vec<Vec<u8>>, ts: u64) -> Fork {
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push_entry(e);
    }
    let head = key.sign_tree_head(id, tree.len(), ts, tree.root()).unwrap();
    Fork {
        entries,
        tree,
        head,
        key: hex::encode(key.public_key().to_bytes()),
        id: id.to_string(),
    }
}

pub async fn serve_fork(f: Arc<Fork>) -> std::net::SocketAddr {
    serve(
        Router::new()
            .route("/api/board", get(lie_board))
            .route("/api/elections", get(lie_list))
            .route("/api/elections/{id}/tree-head", get(lie_head))
            .route("/api/elections/{id}/entries", get(lie_entries))
            .with_state(f),
    )
    .await
}
