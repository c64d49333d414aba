//! The verifier conformance suite of `spec/conformance/`: an honest
//! record of a small election and tampered copies of it, each with the
//! verdict and the failures (check id and log index) that
//! `spec/record.md` §10 requires of any verifier. `urna-sim conformance
//! --out spec/conformance` writes it; `tally/tests/conformance.rs` checks
//! that the committed files are what this module makes and that
//! `tally verify --json` meets every expectation.
//!
//! The expectations are written here by hand, from the spec, as positions
//! in the honest record's log (the layout of [`Layout`]) — never read
//! from a verifier's report. The records are reproducible byte for byte:
//! the election is seeded and the mutants use fixed randomness.
//!
//! Test material, not part of any verifier: it holds the sample's secret
//! keys and panics on a malformed sample.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{json, Value};
use urna_election::entry::tag;
use urna_election::record::{kind, RECORD_MAGIC};
use urna_election::rules::Check;
use urna_election::Entry;
use urna_log::BoardKey;

use crate::mutants::{Entries, ENTRY_MUTANTS};
use crate::sample::{read_entries, write_entries, write_sample, SampleOptions, SampleSummary};

/// A tree head after every this many entries, and one at the end.
const HEAD_EVERY: usize = 16;

/// The election of the suite: three voters, four ballots (voter 0
/// re-votes), one audited ballot, 2-of-3 trustees of whom two decrypt.
pub fn options() -> SampleOptions {
    SampleOptions {
        voters: 3,
        ballots: 4,
        spoiled: 1,
        tree_head_every: HEAD_EVERY,
        seed: Some(23),
        ..SampleOptions::default()
    }
}

/// One case of the suite.
pub struct Case {
    /// File stem and name.
    pub name: String,
    /// The check the case is about (R1 … R14).
    pub check: Check,
    /// What was done to the honest record.
    pub about: String,
    /// The record file's bytes.
    pub record: Vec<u8>,
    /// Every failure a verifier must report, as (check, log index), in log
    /// order (failures naming no entry last). The order is not normative.
    pub failures: Vec<(Check, Option<u64>)>,
    /// For the honest record: each check's `passed` count and the result.
    pub honest: Option<Honest>,
}

/// What the honest record must also give: each check's `passed` count
/// (`spec/record.md` §10.4), and the decrypted result.
pub struct Honest {
    /// `(check, passed)` for R1 … R14.
    pub passed: Vec<(Check, u64)>,
    /// `totals[contest][option]`.
    pub result: Vec<Vec<u64>>,
}

/// Where the honest record's entries are (log indices).
pub struct Layout {
    /// Entries in the log.
    pub entries: u64,
    /// The credential list.
    pub list: u64,
    /// The open entry.
    pub open: u64,
    /// Ballot entries, in order.
    pub ballots: Vec<u64>,
    /// The audited ballot.
    pub audit: u64,
    /// The close entry.
    pub close: u64,
    /// The tally share entries.
    pub shares: Vec<u64>,
    /// The result entry.
    pub result: u64,
    /// Ceremony messages.
    pub ceremony: Vec<u64>,
}

impl Layout {
    fn of(entries: &[Vec<u8>]) -> Layout {
        let at = |t: u8| -> Vec<u64> {
            (0..entries.len() as u64)
                .filter(|i| entries[*i as usize][0] == t)
                .collect()
        };
        let states = at(tag::STATE);
        Layout {
            entries: entries.len() as u64,
            list: at(tag::CREDENTIALS)[0],
            open: states[0],
            ballots: at(tag::BALLOT),
            audit: at(tag::SPOILED)[0],
            close: states[1],
            shares: at(tag::TALLY),
            result: at(tag::RESULT)[0],
            ceremony: at(tag::CEREMONY),
        }
    }
}

type Expect = Vec<(Check, Option<u64>)>;

/// What `spec/record.md` §10 requires for each entry mutant of
/// [`ENTRY_MUTANTS`], in the honest layout `l`; with the reason.
fn entry_expectation(name: &str, l: &Layout) -> Option<(&'static str, Expect)> {
    use Check::*;
    let e = Some;
    Some(match name {
        "r01_unknown_entry_type" => (
            "an entry with the unknown tag 0xff appended: it does not decode (R1), and is otherwise ignored",
            vec![(R1, e(l.entries))],
        ),
        "r02_manifest_not_signed_by_its_organizer" => (
            "the manifest's signature is by another key than the organizer key it names (S1)",
            vec![(R2, e(0))],
        ),
        "r03_ceremony_missing_a_certification" => (
            "the last round-4 message removed: a qualified trustee never certifies (spec/trustees.md (X2)); the failure names the entry that ends the run (the list, one place earlier), and everything needing the election key is skipped, not failed (§10.1)",
            vec![(R3, e(l.list - 1))],
        ),
        "r03_ceremony_message_with_a_flipped_signature" => (
            "trustee 1's round-1 message again with one signature bit flipped, before round 2: not attributed to the roster key (spec/trustees.md (N2)), refused at its index and left out; the ceremony completes without it",
            vec![(R3, e(l.ceremony[3]))],
        ),
        "r03_round1_from_a_key_not_in_the_roster" => (
            "a validly self-signed round-1 message under trustee 2's index from a key the roster does not name (N2): refused, and trustee 2 is not made to equivocate",
            vec![(R3, e(l.ceremony[3]))],
        ),
        "r03_round1_after_round2_began" => (
            "trustee 3 posts a new round-1 message, signed with its roster key, after round 2 began: round 1 is closed (N4), the message is refused and nobody's shares are judged against it",
            vec![(R3, e(l.ceremony[3] + 1))],
        ),
        "r03_second_message_in_one_round" => (
            "trustee 1 posts a second, different round-1 message while round 1 is open (N3): refused, the first stands",
            vec![(R3, e(l.ceremony[0] + 1))],
        ),
        "r03_ceremony_message_repeated" => (
            "an exact copy of the first ceremony message right after it: a board answers a repeat with the first receipt and never appends it (R3); it counts once",
            vec![(R3, e(l.ceremony[0] + 1))],
        ),
        "r03_made_up_ceremony" => (
            "the whole ceremony replaced by one made with keys outside the manifest's roster, and the election opened under its key (organizer re-signed): every made-up message is refused (N2), so the election has no key, the open entry fails (R5) and every ballot and audit fails for want of a set-up election (§10.1)",
            l.ceremony
                .iter()
                .map(|&i| (R3, e(i)))
                .chain([(R5, e(l.open))])
                .chain(l.ballots.iter().map(|&i| (R6, e(i))))
                .chain([(R9, e(l.audit))])
                .collect(),
        ),
        "r04_credential_list_signed_by_the_organizer" => (
            "the credential list signed by the organizer's key, not the authority's (S3); later checks needing the list are skipped (§10.1)",
            vec![(R4, e(l.list))],
        ),
        "r05_opening_for_another_fingerprint" => (
            "the open entry re-signed by the organizer for another fingerprint: it fails (R5) but, well signed, still opens the election",
            vec![(R5, e(l.open))],
        ),
        "r06_superseded_ballot_with_a_bad_signature" => (
            "the first ballot (voter 0's, superseded by a re-vote) with its signature's z + 1 (V4)",
            vec![(R6, e(l.ballots[0]))],
        ),
        "r07_ballot_posted_twice" => (
            "the last ballot posted a second time, right after itself: its α values repeat (R7); the copy is not accepted",
            vec![(R7, e(l.ballots[l.ballots.len() - 1] + 1))],
        ),
        "r07_audited_ciphertexts_recast_under_a_new_signature" => (
            "a fresh ballot of voter 0 audited right after the sample's audit (valid), then its ciphertexts and proofs cast under a fresh signature: a new tracking code but the audit's α values (R7, docs/attacks.md G3); not accepted, so it supersedes nothing",
            vec![(R7, e(l.audit + 2))],
        ),
        "r08_result_counting_a_superseded_ballot" => (
            "re-voting (R8) has no failure of its own: a result that also counts voter 0's superseded ballot, re-signed by the organizer, differs from the tally (R12)",
            vec![(R12, e(l.result))],
        ),
        "r09_audited_ballot_that_does_not_open" => (
            "the audited ballot's first opening changed: the opening does not match its ciphertext (A1)",
            vec![(R9, e(l.audit))],
        ),
        "r09_audit_opens_to_a_value_the_contest_forbids" => (
            "the audit's first ciphertext replaced by an honest encryption of the contest's largest value plus one, opened: the opening matches, the value is out of range (A1; an audit has no proof)",
            vec![(R9, e(l.audit))],
        ),
        "r09_audited_ballot_cast_later" => (
            "a fresh ballot of voter 0 audited right after the sample's audit (valid), then cast as a ballot (A2: its tracking code is the audit's); not accepted",
            vec![(R9, e(l.audit + 2))],
        ),
        "r10_r11_share_over_another_aggregate" => (
            "aggregation (R10) has no failure of its own: trustee 2's shares of two options swapped, so they are shares of other aggregates than the ones the verifier computed; the entry fails (Y3), and one valid share entry is below the threshold (Y4, naming no entry)",
            vec![(R11, e(l.shares[1])), (R11, None)],
        ),
        "r11_share_from_an_unknown_trustee" => (
            "the first share entry claims trustee 9, not a qualified trustee (Y3); one valid share entry is then below the threshold (Y4)",
            vec![(R11, e(l.shares[0])), (R11, None)],
        ),
        "r12_announced_result_differs" => (
            "the result, re-signed by the organizer, with one count raised by one (§7.4)",
            vec![(R12, e(l.result))],
        ),
        "r12_result_before_close" => (
            "the result moved before the close entry (O8); the shares are then valid and no result follows them, which fails at the end, naming no entry",
            vec![(R12, e(l.close)), (R12, None)],
        ),
        "r14_ballot_after_close" => (
            "a copy of the third ballot posted right after the close entry (O5)",
            vec![(R14, e(l.close + 1))],
        ),
        "r14_closing_for_another_election" => (
            "the close entry re-signed by the organizer for another fingerprint (O6); well signed, it still closes the election",
            vec![(R14, e(l.close))],
        ),
        "c02_credential_replacement_after_the_opening" => (
            "a credential replacement signed by the authority, posted right after the open entry (L5, docs/attacks.md C2); ignored",
            vec![(R4, e(l.open + 1))],
        ),
        "r04_credential_replacement_signed_by_the_organizer" => (
            "a credential replacement right after the list, signed by the organizer's key (S5); ignored",
            vec![(R4, e(l.list + 1))],
        ),
        "c02_valid_replacement_before_the_opening" => {
            // Every entry from the list on moves one place: the valid
            // replacement changes the list, so the fingerprint (H4) is not
            // the one the open entry, every ballot, the close entry and the
            // shares were made for.
            let mut f = vec![(R5, e(l.open + 1))];
            f.extend(l.ballots.iter().map(|b| (R6, e(b + 1))));
            f.push((R9, e(l.audit + 1)));
            f.push((R14, e(l.close + 1)));
            f.extend(l.shares.iter().map(|x| (R11, e(x + 1))));
            f.push((R11, None));
            (
                "a valid credential replacement before the opening: applied, so the election fingerprint changes and the open entry (made for the old list) fails (R5); so does every ballot (V1), the audited ballot and the close entry (O6). No ballot is accepted, so every aggregate is (0, 0), whose only valid share is the fixed EMPTY (spec/crypto.md (D4), Y3): the trustees' shares, made for the aggregate they expected, fail (R11), too few remain to decrypt (R11, no entry), and the result is not checked",
                f,
            )
        }
        _ => return None,
    })
}

fn record(entries: &[Vec<u8>], s: &SampleSummary) -> Vec<u8> {
    write_entries(entries, &s.secrets.board_seed, HEAD_EVERY, Vec::new()).unwrap()
}

/// A record's frames as `(kind, bytes)`.
fn frames(record: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = &record[RECORD_MAGIC.len()..];
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
        out.push((rest[0], rest[5..5 + len].to_vec()));
        rest = &rest[5 + len..];
    }
    out
}

fn unframe(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = RECORD_MAGIC.to_vec();
    for (k, b) in frames {
        out.push(*k);
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    }
    out
}

fn case(name: &str, check: Check, about: &str, record: Vec<u8>, failures: Expect) -> Case {
    Case {
        name: name.into(),
        check,
        about: about.into(),
        record,
        failures,
        honest: None,
    }
}

/// The cases that alter frames rather than entries: the record format
/// (R1) and the tree heads (R13).
fn frame_cases(honest: &[u8], entries: &Entries, s: &SampleSummary) -> Vec<Case> {
    use Check::*;
    let l = Layout::of(entries);
    let n = l.entries;
    let f = frames(honest);
    let last = f.len() - 1;
    assert_eq!(f[last].0, kind::TREE_HEAD);
    let board = BoardKey::from_seed(&s.secrets.board_seed);
    let Entry::Manifest { manifest, .. } = Entry::from_bytes(&entries[0]).unwrap() else {
        panic!("entry 0 is not the manifest")
    };
    let election = manifest.election_id;
    let mut out = Vec::new();

    out.push(case(
        "r01_not_a_record",
        R1,
        "a file that does not start with the record magic (F1): nothing else is checked",
        b"PK\x03\x04 this is a zip file, not an election record".to_vec(),
        vec![(R1, None)],
    ));

    let mut cut = honest.to_vec();
    cut.truncate(honest.len() - 10);
    out.push(case(
        "r01_truncated_last_frame",
        R1,
        "the record cut 10 bytes before its end, inside the last tree head (F2); the end-of-record checks still run, and the entries after the previous head are not covered (R13 part 3)",
        cut,
        vec![(R1, None), (R13, None)],
    ));

    let mut g = f.clone();
    g.pop();
    out.push(case(
        "r13_last_tree_head_missing",
        R13,
        "the last tree head removed: entries follow the last head (R13 part 3)",
        unframe(&g),
        vec![(R13, None)],
    ));

    let mut g = f.clone();
    let len = g[last].1.len();
    g[last].1[len - 40] ^= 1;
    out.push(case(
        "r13_last_tree_head_with_a_bad_signature",
        R13,
        "one byte of the last head's signature changed: the head fails (L14), once; it still decodes and stands after every entry, so coverage holds (R13 part 3)",
        unframe(&g),
        vec![(R13, Some(n))],
    ));

    let wrong_root = board
        .sign_tree_head(&election, n, 1_900_000_000_000, urna_log::Hash([7; 32]))
        .unwrap();
    let mut g = f.clone();
    g.push((kind::TREE_HEAD, wrong_root.to_bytes().to_vec()));
    out.push(case(
        "r13_tree_head_over_another_root",
        R13,
        "one more head appended, signed by the board for the right size but another root (a board that lies)",
        unframe(&g),
        vec![(R13, Some(n))],
    ));

    let empty = board
        .sign_tree_head(&election, 0, 1_700_000_000_000, urna_log::empty_root())
        .unwrap();
    let mut g = f.clone();
    g.insert(1, (kind::TREE_HEAD, empty.to_bytes().to_vec()));
    out.push(case(
        "r13_tree_head_before_the_manifest",
        R13,
        "a well-signed head of the empty log placed before entry 0: no manifest has been read, so its log id cannot be checked and it fails (R13 part 2)",
        unframe(&g),
        vec![(R13, Some(0))],
    ));

    let other = BoardKey::from_seed(&[0x55; 32]).public_key().to_bytes();
    let mut g = f.clone();
    g.push((kind::BOARD_KEY, other.to_vec()));
    out.push(case(
        "r13_second_board_key",
        R13,
        "a second, different board key frame appended (F3)",
        unframe(&g),
        vec![(R13, None)],
    ));
    out
}

/// Every case of the suite, the honest record first.
pub fn cases() -> anyhow::Result<Vec<Case>> {
    let mut honest = Vec::new();
    let s = write_sample(&options(), &mut honest, &|_| {})?;
    let entries = read_entries(&honest[..])?;
    let l = Layout::of(&entries);
    let opts = options();
    let heads = frames(&honest)
        .iter()
        .filter(|(k, _)| *k == kind::TREE_HEAD)
        .count() as u64;
    let voters_who_voted = opts.voters.min(opts.ballots) as u64;
    let decrypting = u64::from(opts.trustees) - opts.absent.len() as u64;
    let passed = vec![
        (Check::R1, l.entries),
        (Check::R2, 1),
        (Check::R3, l.ceremony.len() as u64),
        (Check::R4, 1),
        (Check::R5, 1),
        (Check::R6, l.ballots.len() as u64),
        (Check::R7, (l.ballots.len() + 1) as u64),
        (Check::R8, voters_who_voted),
        (Check::R9, 1),
        (Check::R10, 1),
        (Check::R11, decrypting),
        (Check::R12, 1),
        (Check::R13, heads),
        (Check::R14, 1),
    ];
    let mut out = vec![Case {
        name: "honest".into(),
        check: Check::R1,
        about: "the honest record: every check runs and passes".into(),
        record: honest.clone(),
        failures: Vec::new(),
        honest: Some(Honest {
            passed,
            result: s.totals.clone(),
        }),
    }];
    for m in ENTRY_MUTANTS {
        let Some((about, failures)) = entry_expectation(m.name, &l) else {
            bail!(
                "the entry mutant {} has no expectation in sim/src/conformance.rs",
                m.name
            );
        };
        let mut e = entries.clone();
        (m.make)(&mut e, &s);
        // Re-voting (R8) and aggregation (R10) have no failure of their
        // own: their cases fail the check that catches them.
        let check = match m.name {
            "r08_result_counting_a_superseded_ballot" => Check::R8,
            "r10_r11_share_over_another_aggregate" => Check::R10,
            _ => m.check,
        };
        out.push(case(m.name, check, about, record(&e, &s), failures));
    }
    out.extend(frame_cases(&honest, &entries, &s));
    Ok(out)
}

/// `cases.json`: the expectations, naming each record file.
pub fn cases_json(cases: &[Case]) -> Value {
    let list: Vec<Value> = cases
        .iter()
        .map(|c| {
            let failures: Vec<Value> = c
                .failures
                .iter()
                .map(|(check, entry)| json!({ "check": check.id(), "entry": entry }))
                .collect();
            let mut v = json!({
                "name": c.name,
                "check": c.check.id(),
                "about": c.about,
                "record": format!("records/{}.urna", c.name),
                "verdict": if c.failures.is_empty() { "pass" } else { "fail" },
                "failures": failures,
            });
            if let Some(h) = &c.honest {
                let passed: serde_json::Map<String, Value> = h
                    .passed
                    .iter()
                    .map(|(check, n)| (check.id().to_string(), json!(n)))
                    .collect();
                v["passed"] = Value::Object(passed);
                v["result"] = json!(h.result);
            }
            v
        })
        .collect();
    json!({
        "spec": "urna/v1",
        "generated_by": "urna-sim conformance --out spec/conformance (sim/src/conformance.rs)",
        "election": "sample election (urna_sim::sample, seed 23): 3 voters, 4 ballots (voter 0 re-votes), 1 audited ballot, 2-of-3 trustees of whom trustees 1 and 2 decrypt, a tree head after every 16 entries and at the end",
        "cases": list,
    })
}

/// The text of `cases.json`.
pub fn cases_text(cases: &[Case]) -> String {
    serde_json::to_string_pretty(&cases_json(cases)).unwrap_or_default() + "\n"
}

/// Write the suite into `dir` (`cases.json` and `records/`).
pub fn write(dir: &Path) -> anyhow::Result<usize> {
    let cases = cases()?;
    let records = dir.join("records");
    std::fs::create_dir_all(&records)
        .with_context(|| format!("cannot create {}", records.display()))?;
    for c in &cases {
        let p = records.join(format!("{}.urna", c.name));
        std::fs::write(&p, &c.record).with_context(|| format!("cannot write {}", p.display()))?;
    }
    let p = dir.join("cases.json");
    std::fs::write(&p, cases_text(&cases))
        .with_context(|| format!("cannot write {}", p.display()))?;
    Ok(cases.len())
}
