//! Fuzz harnesses of the election model's decoders (issue 13, item 7): log
//! entries (`spec/record.md` §6.1) and the ceremony messages inside them,
//! ballots (§5.1), the manifest in both forms (§3.4 and JSON) and the
//! record reader (§8). Bounded, seeded property tests run by `cargo test`;
//! how inputs are made and what is checked is in `fuzz_support/mod.rs`.
//!
//! The seeds are real encodings: every entry of the committed sample record
//! (written by `urna_sim::sample::write_sample`: manifest, ceremony messages,
//! credential list, state changes, ballots, an audited ballot, tally shares
//! and the result), plus a credential replacement made with this crate's
//! own constructor, the only entry kind the sample does not hold.

mod fuzz_support;

use fuzz_support::{
    assert_allocation_bounded, check_canonical, measure, mutated, mutated_json, random_after, run,
};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use urna_crypto::dkg::CeremonyMessage;
use urna_crypto::SecretKey;
use urna_election::entry::tag;
use urna_election::record::{Frame, RecordReader, RecordWriter, MAX_FRAME};
use urna_election::{
    CredentialEntry, CredentialList, CredentialReplacement, EncryptedBallot, Entry, Hash32,
    Manifest,
};

/// The sample election record (`spec/samples/`), a real record of every
/// entry kind but one.
const SAMPLE_RECORD: &[u8] = include_bytes!("../../spec/samples/election-1.urna");

/// Bytes a decoder may allocate per input byte (decoded group elements are
/// six times their 32-byte encoding, plus vectors, strings and maps) and on
/// top of that. Measured on the valid seeds: at most 14 per byte.
const PER_BYTE: usize = 32;
const FIXED: usize = 64 * 1024;

fn frames(record: &[u8]) -> Vec<Frame> {
    let mut r = RecordReader::new(record).unwrap();
    let mut out = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        out.push(f);
    }
    out
}

fn sample_entries() -> Vec<Vec<u8>> {
    let mut entries: Vec<Vec<u8>> = frames(SAMPLE_RECORD)
        .into_iter()
        .filter_map(|f| match f {
            Frame::Entry(b) => Some(b),
            _ => None,
        })
        .collect();
    entries.push(replacement_entry());
    entries
}

fn replacement_entry() -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let authority = SecretKey::generate(&mut rng);
    let keys: Vec<_> = (0..3)
        .map(|_| SecretKey::generate(&mut rng).public_key())
        .collect();
    let list = CredentialList::new(
        keys[..2]
            .iter()
            .map(|k| CredentialEntry {
                public: k.clone(),
                weight: 1,
            })
            .collect(),
    )
    .unwrap();
    let rep = CredentialReplacement::sign(
        &list,
        keys[0].clone(),
        keys[2].clone(),
        &Hash32([7; 32]),
        &authority,
        &mut rng,
    );
    Entry::Replacement(rep).to_bytes()
}

fn entries_with_tag(t: u8) -> Vec<Vec<u8>> {
    sample_entries().into_iter().filter(|e| e[0] == t).collect()
}

/// The bodies (entry bytes without the tag) of the entries with tag `t`.
fn bodies(t: u8) -> Vec<Vec<u8>> {
    entries_with_tag(t)
        .into_iter()
        .map(|e| e[1..].to_vec())
        .collect()
}

fn sample_manifest() -> Manifest {
    match Entry::from_bytes(&entries_with_tag(tag::MANIFEST)[0]).unwrap() {
        Entry::Manifest { manifest, .. } => manifest,
        _ => unreachable!(),
    }
}

/// The sample's manifest and two variants of it (weighted, description,
/// a budget contest), so the seeds hold every contest kind.
fn manifests() -> Vec<Manifest> {
    let m = sample_manifest();
    let mut other = m.clone();
    other.weighted = true;
    other.description = urna_election::LocalizedText::single("en", "Why we vote");
    let mut c = other.contests[0].clone();
    c.id = "budget".into();
    c.kind = urna_election::ContestKind::Budget {
        max_per_option: 3,
        budget: 5,
    };
    other.contests.push(c);
    other.validate().unwrap();
    vec![m, other]
}

/// Decode a whole record as a verifier's first pass does: every frame,
/// every entry frame as an entry. Returns the frames if the record read
/// to a clean end.
fn read_record(b: &[u8]) -> Option<Vec<Frame>> {
    let mut r = RecordReader::new(b).ok()?;
    let mut out = Vec::new();
    // A frame takes at least its 5-byte header: no more frames than that.
    for _ in 0..=b.len() / 5 {
        match r.next_frame() {
            Ok(Some(f)) => {
                if let Frame::Entry(e) = &f {
                    let _ = Entry::from_bytes(e);
                }
                out.push(f);
            }
            Ok(None) => return Some(out),
            Err(_) => return None,
        }
    }
    panic!("the record reader returned more frames than the input can hold");
}

/// The record reader's allocations: its 1 MiB read buffer, and for each
/// frame a buffer of the length its header declares, which the reader
/// checks against the format's limit ([`MAX_FRAME`], 16 MiB) before
/// allocating it but not against the bytes that follow; so a header can
/// make it allocate up to 16 MiB (zeroed, freed when the frame turns out
/// truncated), never more.
fn record_allocation_bounded(
    input_len: usize,
    a: fuzz_support::Allocated,
) -> Result<(), TestCaseError> {
    prop_assert!(a.largest <= MAX_FRAME.max(1 << 20), "{a:?}");
    assert_allocation_bounded(
        "record",
        input_len,
        a,
        PER_BYTE,
        (1 << 20) + MAX_FRAME + FIXED,
    )
}

fn write_record(frames: &[Frame]) -> Vec<u8> {
    let mut w = RecordWriter::new(Vec::new()).unwrap();
    for f in frames {
        let (k, b) = match f {
            Frame::Entry(b) => (urna_election::record::kind::ENTRY, b),
            Frame::TreeHead(b) => (urna_election::record::kind::TREE_HEAD, b),
            Frame::BoardKey(b) => (urna_election::record::kind::BOARD_KEY, b),
        };
        w.frame(k, b).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn seeds_are_valid_and_cover_every_entry_kind() {
    let entries = sample_entries();
    let mut tags: Vec<u8> = entries.iter().map(|e| e[0]).collect();
    tags.sort();
    tags.dedup();
    assert_eq!(tags, (1..=9).collect::<Vec<u8>>());
    for e in &entries {
        let (d, a) = measure(|| Entry::from_bytes(e).unwrap());
        assert_eq!(d.to_bytes(), *e);
        assert!(a.largest <= e.len() * PER_BYTE + FIXED, "{a:?}");
    }
    assert_eq!(
        write_record(&read_record(SAMPLE_RECORD).unwrap()),
        SAMPLE_RECORD
    );
    for m in manifests() {
        assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
    }
}

/// Regression (found by `entry_decoding_mutated`): a credential list
/// entry of five bytes, tag 3 and a count of ten million, reserved room
/// for 2^20 entries (over 200 MiB) before reading any of them. The
/// reservation is now capped by what the input can hold.
#[test]
fn credential_count_does_not_reserve_before_reading() {
    let mut b = vec![tag::CREDENTIALS];
    b.extend_from_slice(&10_000_000u32.to_be_bytes());
    let (r, a) = measure(|| Entry::from_bytes(&b));
    assert!(r.is_err());
    assert!(a.largest < 4096, "{a:?}");
}

/// Regression (found by `admin/tests/fuzz_definition.rs`): a manifest
/// with a trustee name over 256 bytes, or a text in more than 64
/// languages, passed validation (so `urna election check`, the JSON form
/// and the board's page took it) although its canonical encoding cannot be
/// decoded (`spec/record.md` §2.2). Validation now refuses both.
#[test]
fn manifest_validation_keeps_to_the_encoding_limits() {
    let m = sample_manifest();
    let round_trips = |m: &Manifest| Manifest::from_bytes(&m.to_bytes()).as_ref() == Ok(m);
    let mut at_limit = m.clone();
    at_limit.trustees[0].name = "é".repeat(128);
    for i in 0.. {
        if at_limit.title.0.len() == 64 {
            break;
        }
        at_limit.title.0.insert(format!("l-{i}"), "t".into());
    }
    assert!(at_limit.validate().is_ok() && round_trips(&at_limit));

    let mut name = at_limit.clone();
    name.trustees[0].name.push('x');
    assert!(name.validate().is_err());
    assert!(Manifest::from_bytes(&name.to_bytes()).is_err());

    let mut texts = at_limit;
    texts.title.0.insert("zz".into(), "t".into());
    assert!(texts.validate().is_err());
    assert!(Manifest::from_bytes(&texts.to_bytes()).is_err());
}

/// Log entries of every kind, mutated.
#[test]
fn entry_decoding_mutated() {
    run(
        "log entry, mutated",
        50_000,
        0x5eed_0001,
        2500,
        mutated(sample_entries()),
        |input| {
            Ok(check_canonical(
                "log entry",
                &input,
                Entry::from_bytes,
                Entry::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// Random bodies after every tag (and unknown tags).
#[test]
fn entry_decoding_random() {
    let tags = (0..=10u8).map(|t| vec![t]).collect();
    run(
        "log entry, random",
        20_000,
        0x5eed_0002,
        0,
        random_after(tags, 400),
        |input| {
            Ok(check_canonical(
                "log entry",
                &input,
                Entry::from_bytes,
                Entry::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// Ballots (the body of a tag-5 entry, as boards and ballot files take
/// them), mutated.
#[test]
fn ballot_decoding_mutated() {
    run(
        "ballot, mutated",
        20_000,
        0x5eed_0003,
        600,
        mutated(bodies(tag::BALLOT)),
        |input| {
            let Some(b) = check_canonical(
                "ballot",
                &input,
                EncryptedBallot::from_bytes,
                EncryptedBallot::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            // What a board computes next from a decoded ballot.
            let _ = b.tracking_code();
            prop_assert_eq!(b.signed_bytes().len() + 64, input.len());
            Ok(true)
        },
    );
}

/// Ceremony messages (the body of tag-2 entries), mutated.
#[test]
fn ceremony_message_decoding_mutated() {
    let seeds = entries_with_tag(tag::CEREMONY)
        .into_iter()
        .map(|e| match Entry::from_bytes(&e).unwrap() {
            Entry::Ceremony(m) => m,
            _ => unreachable!(),
        })
        .collect::<Vec<_>>();
    for m in &seeds {
        assert_eq!(CeremonyMessage::from_bytes(m).unwrap().to_bytes(), *m);
    }
    run(
        "ceremony message, mutated",
        30_000,
        0x5eed_0004,
        1500,
        mutated(seeds),
        |input| {
            Ok(check_canonical(
                "ceremony message",
                &input,
                CeremonyMessage::from_bytes,
                CeremonyMessage::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// The manifest's canonical encoding, mutated.
#[test]
fn manifest_decoding_mutated() {
    let seeds = manifests().iter().map(Manifest::to_bytes).collect();
    run(
        "manifest, mutated",
        30_000,
        0x5eed_0005,
        600,
        mutated(seeds),
        |input| {
            let Some(m) = check_canonical(
                "manifest",
                &input,
                Manifest::from_bytes,
                Manifest::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            // Whatever decodes is valid, and so has a JSON form that parses back.
            prop_assert!(m.validate().is_ok());
            prop_assert_eq!(Manifest::from_json(&m.to_json()).ok(), Some(m));
            Ok(true)
        },
    );
}

/// The manifest's JSON form (what an organizer's tool or a board hands
/// over), mutated. JSON is not canonical; the checks are that
/// whatever parses is valid and survives both of its forms.
#[test]
fn manifest_json_mutated() {
    let seeds = manifests().iter().map(Manifest::to_json).collect();
    run(
        "manifest JSON, mutated",
        30_000,
        0x5eed_0006,
        500,
        mutated_json(seeds),
        |input| {
            let text = String::from_utf8_lossy(&input);
            let (parsed, a) = measure(|| Manifest::from_json(&text));
            assert_allocation_bounded("manifest JSON", input.len(), a, PER_BYTE, FIXED)?;
            let Ok(m) = parsed else {
                return Ok(false);
            };
            prop_assert!(m.validate().is_ok());
            let back = Manifest::from_json(&m.to_json()).ok();
            prop_assert_eq!(back.as_ref(), Some(&m));
            prop_assert_eq!(Manifest::from_bytes(&m.to_bytes()).ok(), Some(m));
            Ok(true)
        },
    );
}

/// Whole election records, mutated (each case reads every frame and
/// decodes every entry of a 54 KB record). A record that reads to a clean
/// end is written back byte for byte by the record writer.
#[test]
fn record_reader_mutated() {
    run(
        "record, mutated",
        2000,
        0x5eed_0007,
        200,
        mutated(vec![SAMPLE_RECORD.to_vec()]),
        |input| {
            let (frames, a) = measure(|| read_record(&input));
            record_allocation_bounded(input.len(), a)?;
            let Some(frames) = frames else {
                return Ok(false);
            };
            prop_assert!(
                write_record(&frames) == input,
                "a record read cleanly but is not written back as it was"
            );
            Ok(true)
        },
    );
}

/// Short records: the magic, then random frames.
#[test]
fn record_reader_random() {
    let magic = urna_election::record::RECORD_MAGIC.to_vec();
    let prefixes = vec![
        magic.clone(),
        [magic.as_slice(), &[1, 0, 0, 0]].concat(),
        Vec::new(),
    ];
    run(
        "record, random",
        20_000,
        0x5eed_0008,
        0,
        random_after(prefixes, 200),
        |input| {
            let (frames, a) = measure(|| read_record(&input));
            record_allocation_bounded(input.len(), a)?;
            Ok(frames.is_some())
        },
    );
}
