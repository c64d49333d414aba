//! Audits that cannot be tied to a credential (issue 14, item 3;
//! `spec/record.md` §5.5, `spec/api.md` §5.6), each run against SQLite
//! and PostgreSQL. Test names start with the docs/attacks.md id they cover.

mod common;

use common::{audit_request_body, post_all, sample, Backend, TestBoard};
use urna_crypto::SecretKey;
use urna_election::entry::tag;
use urna_election::{EncryptedBallot, Entry, SpoiledBallot, TrackingCode};

use common::scenario::*;

both_backends!(
    g10_audited_entries_name_no_credential_and_open_from_the_tracking_code,
    f20_audits_are_bounded_per_credential,
    f21_nobody_spends_another_voters_audits,
);

/// The 16-byte runs of `secret` found in `haystack`.
fn shared_runs(secret: &[u8], haystack: &[u8]) -> usize {
    secret
        .windows(16)
        .filter(|w| haystack.windows(16).any(|h| h == *w))
        .count()
}

/// A ballot's 16-byte runs outside what its audit reveals on purpose (the
/// fingerprint and the ciphertexts with their counts): credential, proofs,
/// signature.
fn linkable_parts(ballot: &EncryptedBallot) -> Vec<Vec<u8>> {
    let bytes = ballot.to_bytes();
    // `cts` of spec/record.md §5.4, which the audit carries on purpose.
    let mut public = ballot.fingerprint().0.to_vec();
    public.extend_from_slice(&(ballot.contests().len() as u32).to_be_bytes());
    for c in ballot.contests() {
        public.extend_from_slice(&(c.ciphertexts().len() as u32).to_be_bytes());
        for ct in c.ciphertexts() {
            public.extend_from_slice(&ct.to_bytes());
        }
    }
    bytes
        .chunks(16)
        .filter(|c| c.len() == 16 && shared_runs(c, &public) == 0)
        .map(<[u8]>::to_vec)
        .collect()
}

async fn g10_audited_entries_name_no_credential_and_open_from_the_tracking_code(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    b.audit_as(&s.secrets.voters);
    // Every voter audits one ballot, then casts another; voter 0 audits twice.
    let mut audited: Vec<(EncryptedBallot, TrackingCode, Vec<Vec<u64>>)> = Vec::new();
    let mut linkable: Vec<Vec<u8>> = Vec::new();
    for v in 0..s.secrets.voters.len() {
        for round in 0..if v == 0 { 2 } else { 1 } {
            let (ballot, opening) = s.encrypt(v, 10 + round, 7_000 + (v * 10 + round) as u64);
            let audit = SpoiledBallot::of(&ballot, opening);
            let values = audit.values();
            let r = b
                .post_entry(&s.id, &Entry::Spoiled(audit).to_bytes())
                .await
                .receipt();
            assert_eq!(r.kind, "spoiled");
            linkable.extend(linkable_parts(&ballot));
            audited.push((ballot.clone(), ballot.tracking_code(), values));
        }
        let (cast, _) = s.encrypt(v, 0, 8_000 + v as u64);
        b.post_entry(&s.id, &Entry::Ballot(cast.clone()).to_bytes())
            .await
            .receipt();
        linkable.extend(linkable_parts(&cast));
    }
    for k in s.ctx.credentials().entries() {
        linkable.push(k.public.to_bytes().to_vec());
    }
    let record = b.record(&s.id).await;
    let report = tally::verify::verify_record(&record[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.ballots_spoiled, audited.len() as u64);
    let entries = urna_sim::sample::read_entries(&record[..]).unwrap();
    let audits: Vec<&Vec<u8>> = entries.iter().filter(|e| e[0] == tag::SPOILED).collect();
    assert_eq!(audits.len(), audited.len());
    // No credential key, signature, proof or other byte run of a ballot
    // that a credential's transcript binds is in any audited entry.
    for entry in &audits {
        for part in &linkable {
            assert_eq!(
                shared_runs(part, entry),
                0,
                "an audit holds {}",
                hex::encode(part)
            );
        }
    }
    // The second device: from the tracking code the first one showed, the
    // record alone gives the audit, and it opens to the sealed choices.
    for (ballot, code, values) in &audited {
        let found: Vec<SpoiledBallot> = audits
            .iter()
            .filter_map(|e| match Entry::from_bytes(e).unwrap() {
                Entry::Spoiled(a) if a.tracking_code() == *code => Some(a),
                _ => None,
            })
            .collect();
        assert_eq!(found.len(), 1);
        found[0].verify(&s.ctx).unwrap();
        assert_eq!(&found[0].values(), values);
        assert_eq!(found[0].ciphertext_hash(), ballot.ciphertext_hash());
    }
    b.stop().await;
}

fn audit_of(s: &common::Sample, voter: usize, seed: u64) -> (Vec<u8>, TrackingCode) {
    let (ballot, opening) = s.encrypt(voter, 20, seed);
    let entry = Entry::Spoiled(SpoiledBallot::of(&ballot, opening)).to_bytes();
    (entry, ballot.tracking_code())
}

async fn f20_audits_are_bounded_per_credential(backend: Backend) {
    let Some(b) = TestBoard::start_with(backend, |c| c.max_audits_per_credential = 2).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let path = format!("/api/elections/{}/spoiled", s.id);
    let voter = &s.secrets.voters[0];
    for seed in 0..2 {
        let (entry, code) = audit_of(s, 0, 9_000 + seed);
        let a = b
            .post_raw(&path, audit_request_body(&entry, voter, &code))
            .await;
        a.receipt();
    }
    // The third audit the same credential asks for: refused, nothing logged.
    let (entry, code) = audit_of(s, 0, 9_002);
    let body = audit_request_body(&entry, voter, &code);
    refused(&b, &s.id, &path, body, 429, "ERR_QUOTA_EXCEEDED").await;
    // Another voter's quota is untouched; an audit with no request is refused.
    let (entry, code) = audit_of(s, 1, 9_003);
    let other = &s.secrets.voters[1];
    b.post_raw(&path, audit_request_body(&entry, other, &code))
        .await
        .receipt();
    let (entry, _) = audit_of(s, 1, 9_004);
    refused(&b, &s.id, &path, json_entry(&entry), 400, "ERR_ENCODING").await;
    b.stop().await;
}

async fn f21_nobody_spends_another_voters_audits(backend: Backend) {
    let Some(b) = TestBoard::start_with(backend, |c| c.max_audits_per_credential = 1).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let path = format!("/api/elections/{}/spoiled", s.id);
    let victim = &s.secrets.voters[2];
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    // Requests naming the victim's credential, signed by someone else or
    // for another code: refused before the quota, as often as they come.
    for seed in 0..3 {
        let (entry, code) = audit_of(s, 2, 9_100 + seed);
        let mut forged: serde_json::Value =
            serde_json::from_slice(&audit_request_body(&entry, &stranger, &code)).unwrap();
        forged["credential"] = hex::encode(victim.public_key().to_bytes()).into();
        let body = serde_json::to_vec(&forged).unwrap();
        refused(&b, &s.id, &path, body, 422, "ERR_SIGNATURE_INVALID").await;
        let (_, other_code) = audit_of(s, 2, 9_200 + seed);
        let body = audit_request_body(&entry, victim, &other_code);
        refused(&b, &s.id, &path, body, 422, "ERR_SIGNATURE_INVALID").await;
    }
    // A stranger's own credential is not listed.
    let (entry, code) = audit_of(s, 2, 9_300);
    let body = audit_request_body(&entry, &stranger, &code);
    refused(&b, &s.id, &path, body, 403, "ERR_CREDENTIAL_UNKNOWN").await;
    // The victim's one audit is still there to spend.
    b.post_raw(&path, audit_request_body(&entry, victim, &code))
        .await
        .receipt();
    b.stop().await;
}
