//! Mirrors' gossip (spec/api.md §8.2): docs/attacks.md E5 — a board that
//! shows two histories to two mirrors is caught by their gossip, with
//! evidence `tally check-evidence` confirms. Everything runs in this
//! process on loopback, over SQLite.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{request, sample, Backend, TestDb};
use hyper::Method;
use urna_board::{start_mirror, MirrorConfig};
use urna_log::BoardKey;

use common::mirrors::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e05_lying_board_is_caught_by_mirror_gossip_with_checkable_evidence() {
    let s = sample();
    // The seized board key signs two histories that share the setup.
    let key = BoardKey::from_seed(&[0x5e; 32]);
    let mut a = s.setup().to_vec();
    a.extend([s.ballot(0, 0, 201), s.ballot(1, 0, 202)]);
    let mut b = s.setup().to_vec();
    b.extend([
        s.ballot(0, 0, 301),
        s.ballot(1, 0, 302),
        s.ballot(2, 0, 303),
    ]);
    let t0 = 1_800_000_000_000;
    let fa = Arc::new(fork(&key, &s.id, a, t0));
    let fb = Arc::new(fork(&key, &s.id, b, t0 + 1));
    let (aa, ab) = (serve_fork(fa.clone()).await, serve_fork(fb.clone()).await);

    // Two mirrors, each shown one history; they gossip with each other.
    let (d1, d2) = (
        TestDb::new(Backend::Sqlite).await.unwrap(),
        TestDb::new(Backend::Sqlite).await.unwrap(),
    );
    // Reserve mirror 2's port first so that mirror 1 can name it as a peer.
    let l2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p2 = l2.local_addr().unwrap();
    drop(l2);
    let m1 = mirror_of(&format!("http://{aa}"), &d1, vec![format!("http://{p2}")]).await;
    let mut c2 = MirrorConfig::for_tests(&format!("http://{ab}"), &d2.url, d2.dir.join("k"));
    c2.listen = p2;
    c2.peers = vec![format!("http://{}", m1.addr)];
    let m2 = start_mirror(c2).await.unwrap();

    // Each history verifies on its own: both mirrors follow "their" board …
    until("both mirrors sync", || async {
        head_of(m1.addr, &s.id).await == Some(fa.head)
            && head_of(m2.addr, &s.id).await == Some(fb.head)
    })
    .await;
    // … until gossip shows the fork: conflicting-leaf evidence (the heads
    // have different sizes), kept and served by both.
    for m in [&m1, &m2] {
        until("evidence", || async {
            let v = request(m.addr, Method::GET, "/api/evidence", None)
                .await
                .json();
            !v["evidence"].as_array().unwrap().is_empty()
        })
        .await;
        let v = request(m.addr, Method::GET, "/api/evidence", None)
            .await
            .json();
        let item = &v["evidence"][0];
        assert_eq!(item["kind"], "conflicting_leaf");
        assert_eq!(item["election"], s.id.as_str());
        // `tally check-evidence` on the served item, and on the encoding.
        let (ev, kind) = tally::evidence::check_evidence_file(item.to_string().as_bytes()).unwrap();
        assert_eq!(
            kind,
            urna_log::EvidenceKind::ConflictingLeaf {
                index: s.setup().len() as u64
            }
        );
        assert_eq!(ev.public_key, key.public_key());
        let raw = hex::decode(item["encoded"].as_str().unwrap()).unwrap();
        tally::evidence::check_evidence_file(&raw).unwrap();
        // The mirror stopped following the lying board and says why,
        // still serving what it verified.
        let st = status(m.addr).await;
        let halted = st["elections"][0]["halted"].as_str().unwrap();
        assert!(halted.contains("ERR_LOG_EQUIVOCATION"), "{halted}");
        assert!(head_of(m.addr, &s.id).await.is_some());
    }

    // A pushed head of the same size as mirror 1's but another root is a
    // split view (L25): refused with 409 and kept.
    let other = key
        .sign_tree_head(
            &s.id,
            fa.head.tree_size,
            t0 + 5,
            fb.tree.root_at(fa.head.tree_size).unwrap(),
        )
        .unwrap();
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [other]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json());
    assert_eq!(a.code(), "ERR_LOG_EQUIVOCATION");
    let v = request(m1.addr, Method::GET, "/api/evidence", None)
        .await
        .json();
    assert!(v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "split_view"));
    // A smaller tree signed later than a verified head is a rollback (L26).
    let back = key
        .sign_tree_head(
            &s.id,
            fa.head.tree_size - 1,
            t0 + 10,
            fa.tree.root_at(fa.head.tree_size - 1).unwrap(),
        )
        .unwrap();
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [back]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_LOG_EQUIVOCATION");
    let v = request(m1.addr, Method::GET, "/api/evidence", None)
        .await
        .json();
    let rollback = v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rollback")
        .expect("rollback evidence kept");
    let (_, kind) = tally::evidence::check_evidence_file(rollback.to_string().as_bytes()).unwrap();
    assert_eq!(kind, urna_log::EvidenceKind::Rollback);
    // A head the board key did not sign is ignored as a forgery (G1).
    let mut forged = other;
    forged.signature[5] ^= 1;
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [forged]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_CHECKPOINT_INVALID");
    // A head consistent with mirror 1's log is fine.
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [fa.head]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());

    m1.shutdown().await;
    m2.shutdown().await;
    d1.cleanup().await;
    d2.cleanup().await;
}
