//! The service adversary (issue 15, docs/attacks.md F-series): attacks
//! that need no secret, each against a real board on SQLite and
//! PostgreSQL, each shown refused without harm to an honest voter.

mod common;

use common::scenario::refused;
use common::{post_all, sample, Backend, TestBoard};

both_backends!(f13_forged_ballots_cannot_lock_a_voter_out);

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
