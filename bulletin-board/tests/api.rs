//! The OpenAPI document matches the routes, and the documented error
//! statuses match `spec/api.md`'s code table.

mod common;

use common::{Backend, TestBoard};
use hyper::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_exactly_the_routes() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(urna_board::http::OPENAPI_JSON).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut count = 0;
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "no-such-election")
                .replace("{code}", &"0".repeat(64));
            let m = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                other => panic!("unexpected method {other}"),
            };
            let body = (m == Method::POST).then(|| b"{}".to_vec());
            let a = common::request(b.addr, m, &concrete, body).await;
            // A documented route exists: never the router's fallback, never 405.
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if a.status == StatusCode::NOT_FOUND {
                assert_ne!(
                    a.json()["message"],
                    "no such endpoint",
                    "{method} {path} is documented but not routed"
                );
            }
            count += 1;
        }
    }
    // Every route of the router is documented (same count as `http::router`).
    assert_eq!(count, 22, "routes and OpenAPI paths differ in number");
    // An undocumented path is the fallback.
    let a = b.get("/api/nothing").await;
    assert_eq!(a.json()["message"], "no such endpoint");
    b.stop().await;
}

#[test]
fn every_error_code_has_its_documented_status() {
    let spec = std::fs::read_to_string(format!(
        "{}/../spec/api.md",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    ))
    .expect("spec/api.md");
    let mut seen = 0;
    for line in spec.lines() {
        // Rows of the code table: | `ERR_…` | 409 | …
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with("`ERR_") {
            continue;
        }
        let code = cells[1].trim_matches('`');
        let Ok(status) = cells[2].parse::<u16>() else {
            continue;
        };
        assert_eq!(
            urna_board::status_of(code).as_u16(),
            status,
            "{code}: spec/api.md says {status}"
        );
        seen += 1;
    }
    assert!(seen >= 25, "only {seen} codes found in spec/api.md");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_no_cors() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let a = b.get("/healthz").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    assert_eq!(a.headers["x-frame-options"], "DENY");
    assert!(a.headers.contains_key("content-security-policy"));
    assert!(!a.headers.contains_key("access-control-allow-origin"));
    // 405 is a JSON error too.
    let a = common::request(b.addr, Method::DELETE, "/healthz", None).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.code(), "ERR_BAD_REQUEST");
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c07_no_ip_or_user_agent_columns() {
    let db = common::TestDb::new(Backend::Sqlite).await.unwrap();
    let store = urna_board::store::sqlite::SqliteStore::open(&db.url)
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM pragma_table_info('ballots') UNION ALL SELECT name FROM pragma_table_info('entries') \
         UNION ALL SELECT name FROM pragma_table_info('tree_heads') UNION ALL SELECT name FROM pragma_table_info('elections')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    for (c,) in &rows {
        let c = c.to_lowercase();
        assert!(
            !c.contains("ip") && !c.contains("agent") && !c.contains("addr"),
            "{c}"
        );
    }
    // The log tables reject UPDATE and DELETE.
    for sql in [
        "UPDATE entries SET tag = 0",
        "DELETE FROM entries",
        "DELETE FROM tree_heads",
        "UPDATE ballots SET spoiled = 0",
    ] {
        sqlx::query("INSERT OR IGNORE INTO elections (id, manifest_hash, created_at_ms) VALUES ('x', x'00', 1)")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("INSERT OR IGNORE INTO entries (election, seq, tag, bytes, leaf_hash) VALUES ('x', 0, 1, x'01', x'00')")
            .execute(store.pool())
            .await
            .unwrap();
        let r = sqlx::query(sql).execute(store.pool()).await;
        if sql.contains("entries") {
            assert!(r.is_err(), "{sql} must be refused");
        }
    }
    db.cleanup().await;
}
