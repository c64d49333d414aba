//! The protocol adversary against the key ceremony (issue 14,
//! docs/attacks.md D9, D11; spec/trustees.md §5.8): each attack against a
//! real board on SQLite and PostgreSQL is refused at posting, changes
//! nothing, and the honest trustees then complete the ceremony and the
//! election opens.

mod common;

use common::scenario::{json_entry, refused};
use common::{post_all, sample, Backend, Sample, TestBoard};
use rand_core::OsRng;
use urna_crypto::dkg::{CeremonyMessage, Trustee, TrusteeKeys};
use urna_election::entry::tag;
use urna_election::Entry;

both_backends!(
    d9_a_flipped_signature_is_refused,
    d9_a_self_signed_round1_under_another_index_is_refused,
    d9_a_made_up_ceremony_is_refused,
    d11_a_late_round1_message_is_refused,
    d9_a_second_message_is_refused_and_a_repeat_gets_the_same_receipt,
);

/// Log indices of the sample's ceremony messages (3 trustees × 4 rounds).
fn ceremony(s: &Sample) -> Vec<usize> {
    (0..s.entries.len())
        .filter(|&i| s.entries[i][0] == tag::CEREMONY)
        .collect()
}

/// A fresh round-1 ceremony entry of trustee `index` holding `keys`.
fn round1(s: &Sample, index: u8, keys: &TrusteeKeys) -> Vec<u8> {
    let params = tally::ceremony::params(&s.manifest).unwrap();
    let t = Trustee::with_keys(&params, index, keys.clone(), &mut OsRng).unwrap();
    let m = CeremonyMessage::Round1(t.round1(&mut OsRng).unwrap());
    Entry::Ceremony(m.to_bytes()).to_bytes()
}

/// Post `entries[from..]` of the honest sample up to the open entry: the
/// ceremony completes and voting opens.
async fn the_rest_opens(b: &TestBoard, s: &Sample, from: usize) {
    post_all(b, &s.id, &s.setup()[from..], from as u64).await;
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["state"], "open", "{info}");
}

/// Post a ceremony entry and assert it is refused with `status` and
/// `code`, the log unchanged.
async fn refused_message(b: &TestBoard, s: &Sample, entry: &[u8], status: u16, code: &str) {
    let path = format!("/api/elections/{}/ceremony", s.id);
    refused(b, &s.id, &path, json_entry(entry), status, code).await;
}

/// D9: a copy of trustee 1's round-1 message with one signature bit
/// flipped. Before the roster it was stored, and the ceremony could never
/// verify again; now it is refused as not signed by trustee 1's key.
async fn d9_a_flipped_signature_is_refused(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    let c = ceremony(s);
    post_all(&b, &s.id, &s.entries[..c[3]], 0).await;
    let mut forged = s.entries[c[0]].clone();
    let at = forged.len() - 32;
    forged[at] ^= 1;
    refused_message(&b, s, &forged, 422, "ERR_SIGNATURE_INVALID").await;
    the_rest_opens(&b, s, c[3]).await;
    b.stop().await;
}

/// D9: a validly self-signed round-1 message under trustee 2's index from
/// a key the roster does not name. Before, trustee 2 was then excluded for
/// "equivocating"; now the message is refused.
async fn d9_a_self_signed_round1_under_another_index_is_refused(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    let c = ceremony(s);
    post_all(&b, &s.id, &s.entries[..c[2]], 0).await;
    let stranger = round1(s, 2, &TrusteeKeys::generate(&mut OsRng));
    refused_message(&b, s, &stranger, 422, "ERR_DKG_NOT_IN_ROSTER").await;
    the_rest_opens(&b, s, c[2]).await;
    b.stop().await;
}

/// D9: a whole ceremony run by keys outside the roster (a board or anyone
/// occupying the trustees' slots). Its first message is refused, and so is
/// each of the others; the real trustees' ceremony then completes.
async fn d9_a_made_up_ceremony_is_refused(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, &s.entries[..1], 0).await;
    let params = tally::ceremony::params(&s.manifest).unwrap();
    let keys = urna_sim::sample::trustee_keys(3, &mut OsRng);
    let (made_up, _) = urna_sim::sample::run_ceremony(&params, &keys, &mut OsRng).unwrap();
    for m in made_up.iter().take(4) {
        let code = match m.round() {
            1 => "ERR_DKG_NOT_IN_ROSTER",
            _ => "ERR_SIGNATURE_INVALID",
        };
        let entry = Entry::Ceremony(m.to_bytes()).to_bytes();
        refused_message(&b, s, &entry, 422, code).await;
    }
    the_rest_opens(&b, s, 1).await;
    b.stop().await;
}

/// D11: once round 2 began, round 1 is closed: a round-1 message that comes
/// now, even one signed with a rostered trustee's own key, is refused, so
/// no honest dealer's shares are judged against a set that changed.
async fn d11_a_late_round1_message_is_refused(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    let c = ceremony(s);
    post_all(&b, &s.id, &s.entries[..=c[3]], 0).await;
    let late = round1(s, 3, &s.secrets.trustees[2]);
    refused_message(&b, s, &late, 409, "ERR_DKG_OUT_OF_TURN").await;
    the_rest_opens(&b, s, c[3] + 1).await;
    b.stop().await;
}

/// D9: a second, different round-1 message of trustee 1 is refused (the
/// first stands); the same bytes as an accepted message get a receipt for
/// the entry already in the log, and nothing is appended.
async fn d9_a_second_message_is_refused_and_a_repeat_gets_the_same_receipt(backend: Backend) {
    let Some(b) = TestBoard::start(backend).await else {
        return;
    };
    let s = sample();
    let c = ceremony(s);
    post_all(&b, &s.id, &s.entries[..=c[0]], 0).await;
    let second = round1(s, 1, &s.secrets.trustees[0]);
    refused_message(&b, s, &second, 409, "ERR_DKG_EQUIVOCATION").await;
    let before = b.snapshot(&s.id).await;
    let again = b.post_entry(&s.id, &s.entries[c[0]]).await.receipt();
    assert_eq!(again.log_index, c[0] as u64);
    again.verify(&b.public, &s.entries[c[0]]).unwrap();
    assert_eq!(b.snapshot(&s.id).await, before, "nothing appended");
    the_rest_opens(&b, s, c[0] + 1).await;
    b.stop().await;
}
