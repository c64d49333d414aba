//! Mutants of the trustee ceremony (spec/trustees.md §5.8, docs/attacks.md
//! D9, D11): what someone without a trustee's key, a trustee posting out
//! of turn, or a board making up its own ceremony could put into a log.
//! Each is refused by (N1)–(N7) at its log index and reported under (R3).

use urna_crypto::dkg::{CeremonyMessage, CeremonyParams, Trustee, TrusteeKeys};
use urna_election::entry::{tag, StateChange};
use urna_election::{ElectionContext, Entry};

use super::{decode, insecure_deterministic_rng, positions, Entries};
use crate::sample::SampleSummary;

/// The ceremony parameters of the record's manifest.
fn params(entries: &[Vec<u8>]) -> CeremonyParams {
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!("first entry is not the manifest")
    };
    tally::ceremony::params(&manifest).unwrap()
}

/// The ceremony message of entry `i`.
fn message(entries: &[Vec<u8>], i: usize) -> CeremonyMessage {
    let Entry::Ceremony(bytes) = decode(&entries[i]) else {
        panic!("not a ceremony entry")
    };
    CeremonyMessage::from_bytes(&bytes).unwrap()
}

/// Log index of the first ceremony message of `round`.
fn first_of_round(entries: &[Vec<u8>], round: u8) -> usize {
    positions(entries, tag::CEREMONY)
        .into_iter()
        .find(|&i| message(entries, i).round() == round)
        .unwrap()
}

/// A fresh round-1 message of trustee `index` holding `keys`.
fn round1(entries: &[Vec<u8>], index: u8, keys: &TrusteeKeys) -> Vec<u8> {
    let rng = &mut insecure_deterministic_rng();
    let t = Trustee::with_keys(&params(entries), index, keys.clone(), rng).unwrap();
    Entry::Ceremony(CeremonyMessage::Round1(t.round1(rng).unwrap()).to_bytes()).to_bytes()
}

/// (N2): trustee 1's round-1 message again, one bit of its signature
/// flipped (anyone can make it). Before the roster, it blocked the whole
/// ceremony for good.
pub fn r03_ceremony_message_with_a_flipped_signature(entries: &mut Entries, _s: &SampleSummary) {
    let first = positions(entries, tag::CEREMONY)[0];
    let Entry::Ceremony(mut bytes) = decode(&entries[first]) else {
        panic!()
    };
    // The signature is the last 64 bytes; flip the lowest bit of its
    // scalar half, which stays a canonical scalar.
    let at = bytes.len() - 32;
    bytes[at] ^= 1;
    let at = first_of_round(entries, 2);
    entries.insert(at, Entry::Ceremony(bytes).to_bytes());
}

/// (N2): a validly self-signed round-1 message under trustee 2's index,
/// from a key the roster does not name (it made trustee 2 "equivocate").
pub fn r03_round1_from_a_key_not_in_the_roster(entries: &mut Entries, _s: &SampleSummary) {
    let stranger = TrusteeKeys::generate(&mut insecure_deterministic_rng());
    let forged = round1(entries, 2, &stranger);
    let at = first_of_round(entries, 2);
    entries.insert(at, forged);
}

/// (N4): trustee 3, with its own roster key, posts a new round-1 message
/// after round 2 began (round 1 is closed: every dealer dealt without it).
pub fn r03_round1_after_round2_began(entries: &mut Entries, s: &SampleSummary) {
    let late = round1(entries, 3, &s.secrets.trustees[2]);
    let at = first_of_round(entries, 2) + 1;
    entries.insert(at, late);
}

/// (N3): trustee 1 posts a second, different round-1 message while round 1
/// is still open.
pub fn r03_second_message_in_one_round(entries: &mut Entries, s: &SampleSummary) {
    let second = round1(entries, 1, &s.secrets.trustees[0]);
    let at = positions(entries, tag::CEREMONY)[0] + 1;
    entries.insert(at, second);
}

/// (N2), (R3): an exact repeat of an admitted message (a board answers a
/// repeat with the first receipt and never appends it).
pub fn r03_ceremony_message_repeated(entries: &mut Entries, _s: &SampleSummary) {
    let first = positions(entries, tag::CEREMONY)[0];
    let copy = entries[first].clone();
    entries.insert(first + 1, copy);
}

/// (N2): the board (with the organizer) replaces the ceremony by one of
/// its own, made with keys outside the roster, and opens the election
/// under the key it holds. Every made-up message is refused, so the
/// election has no key (the open entry then fails (R5) too).
pub fn r03_made_up_ceremony(entries: &mut Entries, s: &SampleSummary) {
    let rng = &mut insecure_deterministic_rng();
    let params = params(entries);
    let keys: Vec<TrusteeKeys> = (0..params.trustees())
        .map(|_| TrusteeKeys::generate(rng))
        .collect();
    let (messages, shares) = crate::sample::run_ceremony(&params, &keys, rng).unwrap();
    let places = positions(entries, tag::CEREMONY);
    let first = places[0];
    for &i in places.iter().rev() {
        entries.remove(i);
    }
    for (k, m) in messages.iter().enumerate() {
        entries.insert(first + k, Entry::Ceremony(m.to_bytes()).to_bytes());
    }
    // The organizer opens under the made-up key.
    let Entry::Manifest { manifest, .. } = decode(&entries[0]) else {
        panic!()
    };
    let list = entries
        .iter()
        .find_map(|e| match decode(e) {
            Entry::Credentials { list, .. } => Some(list),
            _ => None,
        })
        .unwrap();
    let ctx = ElectionContext::new(manifest, shares[0].joint_key().clone(), list).unwrap();
    let open = positions(entries, tag::STATE)[0];
    let Entry::State(change) = decode(&entries[open]) else {
        panic!()
    };
    entries[open] = Entry::State(StateChange::sign(
        change.phase,
        ctx.fingerprint(),
        change.timestamp,
        &s.secrets.organizer,
        rng,
    ))
    .to_bytes();
}
