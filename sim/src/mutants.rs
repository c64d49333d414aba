//! Tampered election records, one per verification check
//! (spec/record.md §10.2): the entry-level mutants that both the
//! verifier's mutant suite (`tally/tests/mutants.rs`) and the board's
//! differential test (`bulletin-board/tests/differential.rs`) replay.
//! Each mutant is what a lying party could produce: entries re-signed by
//! the roles' keys where that party holds them, so that only the targeted
//! check can catch it.
//!
//! Test support, not part of the verifier: it holds the sample's secret
//! keys and panics on a malformed sample.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rand_core::SeedableRng;
use urna_election::entry::{sign_credentials, sign_manifest, tag, StateChange};
use urna_election::rules::Check;
use urna_election::{ElectionResult, EncryptedBallot, Entry, SpoiledBallot};

use crate::sample::SampleSummary;

mod ceremony;
pub use ceremony::{
    r03_ceremony_message_repeated, r03_ceremony_message_with_a_flipped_signature,
    r03_made_up_ceremony, r03_round1_after_round2_began, r03_round1_from_a_key_not_in_the_roster,
    r03_second_message_in_one_round,
};

/// Log entries of a record, in order.
pub type Entries = Vec<Vec<u8>>;

/// One entry-level mutant: how to make it from the sample's entries, and
/// the check the verifier must name (the only one, when `only`).
pub struct Mutant {
    /// Test name.
    pub name: &'static str,
    /// The check that catches it.
    pub check: Check,
    /// Whether no other check may fail.
    pub only: bool,
    /// Tamper with the sample's entries.
    pub make: fn(&mut Entries, &SampleSummary),
}

/// Every entry-level mutant.
pub const ENTRY_MUTANTS: &[Mutant] = &[
    Mutant {
        name: "r01_unknown_entry_type",
        check: Check::R1,
        only: true,
        make: r01_unknown_entry_type,
    },
    Mutant {
        name: "r02_manifest_not_signed_by_its_organizer",
        check: Check::R2,
        only: true,
        make: r02_manifest_not_signed_by_its_organizer,
    },
    Mutant {
        name: "r03_ceremony_missing_a_certification",
        check: Check::R3,
        only: true,
        make: r03_ceremony_missing_a_certification,
    },
    Mutant {
        name: "r03_ceremony_message_with_a_flipped_signature",
        check: Check::R3,
        only: true,
        make: r03_ceremony_message_with_a_flipped_signature,
    },
    Mutant {
        name: "r03_round1_from_a_key_not_in_the_roster",
        check: Check::R3,
        only: true,
        make: r03_round1_from_a_key_not_in_the_roster,
    },
    Mutant {
        name: "r03_round1_after_round2_began",
        check: Check::R3,
        only: true,
        make: r03_round1_after_round2_began,
    },
    Mutant {
        name: "r03_second_message_in_one_round",
        check: Check::R3,
        only: true,
        make: r03_second_message_in_one_round,
    },
    Mutant {
        name: "r03_ceremony_message_repeated",
        check: Check::R3,
        only: true,
        make: r03_ceremony_message_repeated,
    },
    Mutant {
        name: "r03_made_up_ceremony",
        check: Check::R3,
        only: false,
        make: r03_made_up_ceremony,
    },
    Mutant {
        name: "r04_credential_list_signed_by_the_organizer",
        check: Check::R4,
        only: true,
        make: r04_credential_list_signed_by_the_organizer,
    },
    Mutant {
        name: "r05_opening_for_another_fingerprint",
        check: Check::R5,
        only: true,
        make: r05_opening_for_another_fingerprint,
    },
    Mutant {
        name: "r06_superseded_ballot_with_a_bad_signature",
        check: Check::R6,
        only: true,
        make: r06_superseded_ballot_with_a_bad_signature,
    },
    Mutant {
        name: "r07_ballot_posted_twice",
        check: Check::R7,
        only: true,
        make: r07_ballot_posted_twice,
    },
    Mutant {
        name: "r07_audited_ciphertexts_recast_under_a_new_signature",
        check: Check::R7,
        only: false,
        make: r07_audited_ciphertexts_recast_under_a_new_signature,
    },
    Mutant {
        name: "r08_result_counting_a_superseded_ballot",
        check: Check::R12,
        only: true,
        make: r08_result_counting_a_superseded_ballot,
    },
    Mutant {
        name: "r09_audited_ballot_that_does_not_open",
        check: Check::R9,
        only: true,
        make: r09_audited_ballot_that_does_not_open,
    },
    Mutant {
        name: "r09_audit_opens_to_a_value_the_contest_forbids",
        check: Check::R9,
        only: true,
        make: r09_audit_opens_to_a_value_the_contest_forbids,
    },
    Mutant {
        name: "r09_audited_ballot_cast_later",
        check: Check::R9,
        only: false,
        make: r09_audited_ballot_cast_later,
    },
    Mutant {
        name: "r10_r11_share_over_another_aggregate",
        check: Check::R11,
        only: true,
        make: r10_r11_share_over_another_aggregate,
    },
    Mutant {
        name: "r11_share_from_an_unknown_trustee",
        check: Check::R11,
        only: true,
        make: r11_share_from_an_unknown_trustee,
    },
    Mutant {
        name: "r12_announced_result_differs",
        check: Check::R12,
        only: true,
        make: r12_announced_result_differs,
    },
    Mutant {
        name: "r12_result_before_close",
        check: Check::R12,
        only: true,
        make: r12_result_before_close,
    },
    Mutant {
        name: "r14_ballot_after_close",
        check: Check::R14,
        only: true,
        make: r14_ballot_after_close,
    },
    Mutant {
        name: "r14_closing_for_another_election",
        check: Check::R14,
        only: true,
        make: r14_closing_for_another_election,
    },
    Mutant {
        name: "c02_credential_replacement_after_the_opening",
        check: Check::R4,
        only: true,
        make: c02_credential_replacement_after_the_opening,
    },
    Mutant {
        name: "r04_credential_replacement_signed_by_the_organizer",
        check: Check::R4,
        only: true,
        make: r04_credential_replacement_signed_by_the_organizer,
    },
    Mutant {
        name: "c02_valid_replacement_before_the_opening",
        check: Check::R5,
        only: false,
        make: c02_valid_replacement_before_the_opening,
    },
];

/// The mutants' randomness (signature nonces, a replacement's new key):
/// fixed, so that a mutant is the same record every time — the
/// conformance suite (`spec/conformance/`, written by `urna-sim conformance`) is
/// generated from them. Test material only (docs/style.md item 6).
fn insecure_deterministic_rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(0x75726e61_6d757461)
}

fn positions(entries: &[Vec<u8>], t: u8) -> Vec<usize> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e[0] == t)
        .map(|(i, _)| i)
        .collect()
}

fn decode(e: &[u8]) -> Entry {
    Entry::from_bytes(e).unwrap()
}

fn manifest_hash(entries: &[Vec<u8>]) -> urna_election::Hash32 {
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!("first entry is not the manifest")
    };
    manifest.hash()
}

/// The election fingerprint, read from the opening entry.
pub fn fingerprint(entries: &[Vec<u8>]) -> urna_election::Hash32 {
    let i = positions(entries, tag::STATE)[0];
    let Entry::State(open) = decode(&entries[i]) else {
        panic!("not a state change")
    };
    open.fingerprint
}

/// Mutant for (R1): see [`ENTRY_MUTANTS`].
pub fn r01_unknown_entry_type(entries: &mut Entries, _s: &SampleSummary) {
    entries.push(vec![0xff, 1, 2, 3]);
}

/// Mutant for (R2): see [`ENTRY_MUTANTS`].
pub fn r02_manifest_not_signed_by_its_organizer(entries: &mut Entries, s: &SampleSummary) {
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!()
    };
    // Signed by the credential authority's key instead.
    let mut forged = manifest.clone();
    forged.organizer_key = s.secrets.authority.public_key();
    let Entry::Manifest { signature, .. } = sign_manifest(
        forged,
        &s.secrets.authority,
        &mut insecure_deterministic_rng(),
    )
    .unwrap() else {
        panic!()
    };
    entries[0] = Entry::Manifest {
        manifest,
        signature,
    }
    .to_bytes();
}

/// Mutant for (R3): see [`ENTRY_MUTANTS`].
pub fn r03_ceremony_missing_a_certification(entries: &mut Entries, _s: &SampleSummary) {
    let last = *positions(entries, tag::CEREMONY).last().unwrap();
    entries.remove(last);
}

/// Mutant for (R4): see [`ENTRY_MUTANTS`].
pub fn r04_credential_list_signed_by_the_organizer(entries: &mut Entries, s: &SampleSummary) {
    let i = positions(entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    entries[i] = sign_credentials(
        list,
        &manifest_hash(entries),
        &s.secrets.organizer,
        &mut insecure_deterministic_rng(),
    )
    .to_bytes();
}

/// Mutant for (R5): see [`ENTRY_MUTANTS`].
pub fn r05_opening_for_another_fingerprint(entries: &mut Entries, s: &SampleSummary) {
    resign_state(entries, s, 0, 0);
}

/// Mutant for (R6): see [`ENTRY_MUTANTS`].
pub fn r06_superseded_ballot_with_a_bad_signature(entries: &mut Entries, _s: &SampleSummary) {
    // The first ballot is voter 0's, re-voted later: it does not count,
    // so only its own check can notice it is invalid.
    let i = positions(entries, tag::BALLOT)[0];
    let n = entries[i].len();
    // The signature response z is the last 32 bytes (little-endian, < ℓ):
    // z + 1 stays canonical but no longer verifies.
    entries[i][n - 32] = entries[i][n - 32].wrapping_add(1);
}

/// Mutant for (R7): see [`ENTRY_MUTANTS`].
pub fn r07_ballot_posted_twice(entries: &mut Entries, _s: &SampleSummary) {
    let i = *positions(entries, tag::BALLOT).last().unwrap();
    let copy = entries[i].clone();
    entries.insert(i + 1, copy);
}

/// The election context the record's setup entries give.
fn context(entries: &[Vec<u8>]) -> std::sync::Arc<urna_election::ElectionContext> {
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!()
    };
    let mut rules = urna_election::rules::Rules::new(manifest);
    for e in &entries[1..] {
        match decode(e) {
            Entry::Ceremony(m) => {
                rules.ceremony(&m).unwrap();
            }
            Entry::Credentials { list, signature } => {
                rules.credentials_list(&list, &signature).unwrap()
            }
            _ => break,
        }
    }
    rules.end_ceremony().unwrap();
    rules.ctx().unwrap().clone()
}

/// A fresh ballot of voter 0 audited right after the sample's audit
/// (inserted at its index + 1, valid): the full ballot, which a record
/// never holds, is what its device could still cast.
fn audit_a_fresh_ballot(entries: &mut Entries, s: &SampleSummary) -> (usize, EncryptedBallot) {
    let i = positions(entries, tag::SPOILED)[0];
    let ctx = context(entries);
    let choices = crate::sample::choices_for(crate::sample::Shape::ApprovalAndScore, 0, 7);
    let mut rng = insecure_deterministic_rng();
    let (ballot, opening) =
        EncryptedBallot::encrypt(&ctx, &s.secrets.voters[0], &choices, &mut rng).unwrap();
    let audit = SpoiledBallot::of(&ballot, opening);
    entries.insert(i + 1, Entry::Spoiled(audit).to_bytes());
    (i + 1, ballot)
}

/// Mutant for (R7): see [`ENTRY_MUTANTS`].
pub fn r07_audited_ciphertexts_recast_under_a_new_signature(
    entries: &mut Entries,
    s: &SampleSummary,
) {
    // G3: an audited ballot's randomness is public; re-signing its
    // ciphertexts (and proofs, which bind the credential, not the
    // signature) gives a new tracking code but the same α values.
    let (at, ballot) = audit_a_fresh_ballot(entries, s);
    let voter0 = &s.secrets.voters[0];
    let unsigned = ballot.signed_bytes();
    let sig = urna_crypto::Signature::sign(
        &mut merlin::Transcript::new(b"urna/v1/ballot-signature"),
        voter0,
        &unsigned,
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(8),
    );
    let mut recast = vec![tag::BALLOT];
    recast.extend_from_slice(&unsigned);
    recast.extend_from_slice(&sig.to_bytes());
    // Refused, so it supersedes nothing: only the duplicate check fails.
    entries.insert(at + 1, recast);
}

/// Mutant for (R12): see [`ENTRY_MUTANTS`].
pub fn r08_result_counting_a_superseded_ballot(entries: &mut Entries, s: &SampleSummary) {
    // The re-voting rule is applied by the verifier itself (R8); a result
    // that counted superseded ballots disagrees with the tally: R12.
    let i = positions(entries, tag::RESULT)[0];
    let mut totals = s.totals.clone();
    // Voter 0's first ballot (superseded) counted on top.
    let first = crate::sample::choices_for(crate::sample::Shape::ApprovalAndScore, 0, 0);
    for (row, add) in totals.iter_mut().zip(first) {
        for (t, a) in row.iter_mut().zip(add) {
            *t += a;
        }
    }
    entries[i] = Entry::Result(ElectionResult::sign(
        totals,
        &fingerprint(entries),
        &s.secrets.organizer,
        &mut insecure_deterministic_rng(),
    ))
    .to_bytes();
}

/// Mutant for (R9): see [`ENTRY_MUTANTS`].
pub fn r09_audited_ballot_that_does_not_open(entries: &mut Entries, _s: &SampleSummary) {
    let i = positions(entries, tag::SPOILED)[0];
    let Entry::Spoiled(mut sp) = decode(&entries[i]) else {
        panic!()
    };
    sp.contests[0][0].value ^= 1;
    entries[i] = Entry::Spoiled(sp).to_bytes();
}

/// Mutant for (R9): see [`ENTRY_MUTANTS`].
pub fn r09_audit_opens_to_a_value_the_contest_forbids(entries: &mut Entries, _s: &SampleSummary) {
    // No proof is published with an audit, so (A1) checks the values:
    // option 0 replaced by an honest encryption of S + 1, opened.
    let i = positions(entries, tag::SPOILED)[0];
    let ctx = context(entries);
    let Entry::Spoiled(mut sp) = decode(&entries[i]) else {
        panic!()
    };
    let value = ctx.bounds()[0].max_per_option() + 1;
    let (ciphertext, nonce) = ctx
        .election_key()
        .encrypt(value, &mut insecure_deterministic_rng());
    sp.contests[0][0] = urna_election::OpenedCiphertext {
        ciphertext,
        value,
        nonce: nonce.reveal(),
    };
    entries[i] = Entry::Spoiled(sp).to_bytes();
}

/// Mutant for (R9): see [`ENTRY_MUTANTS`].
pub fn r09_audited_ballot_cast_later(entries: &mut Entries, s: &SampleSummary) {
    // A fresh ballot audited, then cast right after its audit (still open).
    let (at, ballot) = audit_a_fresh_ballot(entries, s);
    entries.insert(at + 1, Entry::Ballot(ballot).to_bytes());
}

/// Mutant for (R11): see [`ENTRY_MUTANTS`].
pub fn r10_r11_share_over_another_aggregate(entries: &mut Entries, _s: &SampleSummary) {
    // A trustee share is checked against the aggregate the verifier
    // recomputed (R10); a share for anything else fails its proof (R11).
    let i = positions(entries, tag::TALLY)[1];
    let Entry::Tally(mut t) = decode(&entries[i]) else {
        panic!()
    };
    t.shares[0].swap(0, 1);
    entries[i] = Entry::Tally(t).to_bytes();
}

/// Mutant for (R11): see [`ENTRY_MUTANTS`].
pub fn r11_share_from_an_unknown_trustee(entries: &mut Entries, _s: &SampleSummary) {
    let i = positions(entries, tag::TALLY)[0];
    let Entry::Tally(mut t) = decode(&entries[i]) else {
        panic!()
    };
    t.trustee = 9;
    entries[i] = Entry::Tally(t).to_bytes();
}

/// Mutant for (R12): see [`ENTRY_MUTANTS`].
pub fn r12_announced_result_differs(entries: &mut Entries, s: &SampleSummary) {
    let i = positions(entries, tag::RESULT)[0];
    let mut totals = s.totals.clone();
    totals[0][0] += 1;
    entries[i] = Entry::Result(ElectionResult::sign(
        totals,
        &fingerprint(entries),
        &s.secrets.organizer,
        &mut insecure_deterministic_rng(),
    ))
    .to_bytes();
}

/// Mutant for (R12): see [`ENTRY_MUTANTS`].
pub fn r12_result_before_close(entries: &mut Entries, _s: &SampleSummary) {
    let r = positions(entries, tag::RESULT)[0];
    let result = entries.remove(r);
    let close = positions(entries, tag::STATE)[1];
    entries.insert(close, result);
}

/// Mutant for (R14): see [`ENTRY_MUTANTS`].
pub fn r14_ballot_after_close(entries: &mut Entries, _s: &SampleSummary) {
    let close = positions(entries, tag::STATE)[1];
    let ballot = entries[positions(entries, tag::BALLOT)[2]].clone();
    entries.insert(close + 1, ballot);
}

/// Mutant for (R14): see [`ENTRY_MUTANTS`].
pub fn r14_closing_for_another_election(entries: &mut Entries, s: &SampleSummary) {
    resign_state(entries, s, 1, 5);
}

/// The `nth` state change (0: open, 1: close) re-signed by the organizer
/// for a fingerprint with byte `byte` flipped.
fn resign_state(entries: &mut Entries, s: &SampleSummary, nth: usize, byte: usize) {
    let i = positions(entries, tag::STATE)[nth];
    let Entry::State(change) = decode(&entries[i]) else {
        panic!("not a state change")
    };
    let mut fp = change.fingerprint;
    fp.0[byte] ^= 1;
    entries[i] = Entry::State(StateChange::sign(
        change.phase,
        fp,
        change.timestamp,
        &s.secrets.organizer,
        &mut insecure_deterministic_rng(),
    ))
    .to_bytes();
}

/// Mutant for (R4): see [`ENTRY_MUTANTS`].
pub fn c02_credential_replacement_after_the_opening(entries: &mut Entries, s: &SampleSummary) {
    let rep = replacement(entries, s);
    let open = positions(entries, tag::STATE)[0];
    entries.insert(open + 1, rep);
}

/// Mutant for (R4): see [`ENTRY_MUTANTS`].
pub fn r04_credential_replacement_signed_by_the_organizer(
    entries: &mut Entries,
    s: &SampleSummary,
) {
    let Entry::Replacement(mut rep) = decode(&replacement(entries, s)) else {
        panic!()
    };
    let i = positions(entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    rep.signature = urna_election::CredentialReplacement::sign(
        &list,
        rep.old.clone(),
        rep.new.clone(),
        &manifest_hash(entries),
        &s.secrets.organizer,
        &mut insecure_deterministic_rng(),
    )
    .signature;
    entries.insert(i + 1, Entry::Replacement(rep).to_bytes());
}

/// Mutant for (R5): see [`ENTRY_MUTANTS`].
pub fn c02_valid_replacement_before_the_opening(entries: &mut Entries, s: &SampleSummary) {
    // Applied: the opening, signed for the list without it, names another
    // fingerprint (R5) — so a replacement cannot be slipped in unnoticed.
    let rep = replacement(entries, s);
    let i = positions(entries, tag::CREDENTIALS)[0];
    entries.insert(i + 1, rep.clone());
}

/// A credential replacement signed by the authority for the current list,
/// of the first voter in the list, by a fresh key.
fn replacement(entries: &[Vec<u8>], s: &SampleSummary) -> Vec<u8> {
    let i = positions(entries, tag::CREDENTIALS)[0];
    let Entry::Credentials { list, .. } = decode(&entries[i]) else {
        panic!()
    };
    let old = list.entries()[0].public.clone();
    let new = urna_crypto::SecretKey::generate(&mut insecure_deterministic_rng()).public_key();
    Entry::Replacement(urna_election::CredentialReplacement::sign(
        &list,
        old,
        new,
        &manifest_hash(entries),
        &s.secrets.authority,
        &mut insecure_deterministic_rng(),
    ))
    .to_bytes()
}
