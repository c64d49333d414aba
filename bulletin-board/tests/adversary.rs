//! The service adversary (issue 15, docs/attacks.md F-series): attacks
//! that need no secret, each against a real board on SQLite and
//! PostgreSQL, each shown refused without harm to an honest voter.

mod common;

use common::scenario::refused;
use common::{post_all, sample, Backend, TestBoard};

both_backends!(
    f13_forged_ballots_cannot_lock_a_voter_out,
    f14_cross_site_posts_refused,
    f05_each_route_takes_only_what_it_needs,
    f16_only_named_organizers_create_elections,
    f16_the_election_list_comes_in_pages,
);

/// docs/attacks.md F13: an attacker copies any ballot, writes the victim's
/// public credential into it and sends it over and over. Each copy is
/// refused for its signature, and none is charged to the victim's rate
/// limit: the victim's own ballot is then accepted at once. (Before the
/// signature was checked first, the copies got 429 after the burst and
/// so did the victim.)
async fn f13_forged_ballots_cannot_lock_a_voter_out(backend: Backend) {
    let Some(b) = TestBoard::start_with(backend, |c| {
        c.rate_limit_per_minute = 2;
        c.rate_limit_burst = 2;
    })
    .await
    else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let victim = s.ballot(0, 0, 1301);
    let mut forged = s.ballot(1, 0, 1302);
    forged[33..65].copy_from_slice(&victim[33..65]);
    let path = format!("/api/elections/{}/ballots", s.id);
    for _ in 0..12 {
        refused(
            &b,
            &s.id,
            &path,
            common::scenario::json_entry(&forged),
            422,
            "ERR_SIGNATURE_INVALID",
        )
        .await;
    }
    let a = b.post_hex(&path, &victim).await;
    let r = a.receipt();
    assert_eq!(r.kind, "ballot");
    // The limit itself still holds for the credential's own ballots:
    // a burst of 2, then 429 with Retry-After.
    let again = b.post_hex(&path, &s.ballot(0, 1, 1303)).await;
    again.receipt();
    let over = b.post_hex(&path, &s.ballot(0, 2, 1304)).await;
    assert_eq!(
        over.status.as_u16(),
        429,
        "{}",
        String::from_utf8_lossy(&over.body)
    );
    assert!(over.headers.contains_key("retry-after"));
    b.stop().await;
}

/// docs/attacks.md F14: a page on another site makes a visitor's browser
/// post a form or `text/plain` body to the board (no preflight needed).
/// Every `POST` without `Content-Type: application/json` is refused with
/// 415 before its body is read, and the log is unchanged.
async fn f14_cross_site_posts_refused(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let body = common::scenario::json_entry(&s.ballot(0, 0, 1401));
    let before = b.snapshot(&s.id).await;
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let head = format!(
            "POST /api/elections/{}/ballots HTTP/1.1\r\nHost: x\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
            s.id,
            ct.map(|c| format!("Content-Type: {c}\r\n")).unwrap_or_default(),
            body.len(),
            String::from_utf8_lossy(&body)
        );
        let (status, answer) = common::raw_request(b.addr, &head).await;
        assert_eq!(status, 415, "{ct:?}: {answer}");
        assert!(answer.contains("ERR_CONTENT_TYPE"), "{answer}");
    }
    assert_eq!(b.snapshot(&s.id).await, before);
    // With the JSON type (and a charset) the same body is a ballot.
    let head = format!(
        "POST /api/elections/{}/ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        s.id,
        body.len(),
        String::from_utf8_lossy(&body)
    );
    let (status, answer) = common::raw_request(b.addr, &head).await;
    assert_eq!(status, 200, "{answer}");
    b.stop().await;
}

/// docs/attacks.md F5: each route takes a body no larger than what it can
/// legitimately carry (spec/api.md §2): an open entry padded to 20 KiB, a
/// manifest of 600 KiB and a ceremony message of 3 MiB are refused with
/// 413, the log unchanged; before, every such route took 32 MiB.
async fn f05_each_route_takes_only_what_it_needs(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.before_credentials(), 0).await;
    for (path, size) in [
        (format!("/api/elections/{}/open", s.id), 20 << 10),
        ("/api/elections".to_string(), 600 << 10),
        (format!("/api/elections/{}/ceremony", s.id), 3 << 20),
    ] {
        let body = format!("{{\"entry\":\"{}\"}}", "00".repeat(size / 2)).into_bytes();
        refused(&b, &s.id, &path, body, 413, "ERR_BODY_TOO_LARGE").await;
    }
    b.stop().await;
}

/// The manifest entry of a copy of the sample election under `id`.
fn manifest_entry(id: &str, organizer: &urna_crypto::SecretKey) -> Vec<u8> {
    common::scenario::manifest_entry(&sample().manifest, id, organizer)
}

/// docs/attacks.md F16: strangers fill a public board with elections
/// (each followed by every mirror, replayed at every start). Only the
/// organizer keys the operator named may create elections, each up to its
/// quota; a stranger's validly signed manifest is refused and nothing is
/// stored.
async fn f16_only_named_organizers_create_elections(backend: Backend) {
    let s = sample();
    let allowed = hex::encode(s.organizer().public_key().to_bytes());
    let Some(b) = TestBoard::start_with(backend, |c| {
        c.open_creation = false;
        c.organizer_keys = vec![allowed];
        c.max_elections_per_organizer = 2;
    })
    .await
    else {
        return;
    };
    let stranger = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
    let a = b
        .post_hex(
            "/api/elections",
            &manifest_entry("strangers-poll", &stranger),
        )
        .await;
    assert_eq!(
        a.status.as_u16(),
        403,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.code(), "ERR_ORGANIZER_NOT_ALLOWED");
    let list = b.get("/api/elections").await.json();
    assert_eq!(list["elections"].as_array().unwrap().len(), 0, "{list}");
    assert_eq!(
        b.get("/api/elections/strangers-poll").await.status.as_u16(),
        404
    );
    // The named organizer: two elections, then its quota.
    post_all(&b, &s.id, &s.entries[..1], 0).await;
    b.post_hex(
        "/api/elections",
        &manifest_entry("second-poll", s.organizer()),
    )
    .await
    .receipt();
    let a = b
        .post_hex(
            "/api/elections",
            &manifest_entry("third-poll", s.organizer()),
        )
        .await;
    assert_eq!(
        a.status.as_u16(),
        429,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.code(), "ERR_QUOTA_EXCEEDED");
    let list = b.get("/api/elections").await.json();
    assert_eq!(list["elections"].as_array().unwrap().len(), 2, "{list}");
    b.stop().await;
}

/// docs/attacks.md F16: the election list is served a page at a time, so
/// a board with many elections answers each request with a bounded page.
async fn f16_the_election_list_comes_in_pages(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    for id in ["poll-a", "poll-b", "poll-c"] {
        b.post_hex("/api/elections", &manifest_entry(id, s.organizer()))
            .await
            .receipt();
    }
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["elections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["election_id"].as_str().unwrap().to_string())
            .collect()
    };
    let first = b.get("/api/elections?limit=2").await.json();
    assert_eq!(ids(&first), ["poll-a", "poll-b"]);
    assert_eq!(first["next"], "poll-b");
    let second = b.get("/api/elections?limit=2&after=poll-b").await.json();
    assert_eq!(ids(&second), ["poll-c"]);
    assert!(second.get("next").is_none(), "{second}");
    assert_eq!(ids(&b.get("/api/elections").await.json()).len(), 3);
    for bad in ["limit=0", "limit=1001", "limit=x", "page=2"] {
        let a = b.get(&format!("/api/elections?{bad}")).await;
        assert_eq!(a.status.as_u16(), 400, "{bad}");
        assert_eq!(a.code(), "ERR_INVALID");
    }
    b.stop().await;
}
