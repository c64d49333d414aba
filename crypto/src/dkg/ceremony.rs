//! The public side of the ceremony: which posted messages count, who is
//! disqualified, the results and the transcript hash (spec/trustees.md §5.6,
//! §9, §10, §3.4, §11).
//!
//! Everything here reads public messages only, so trustees, the board and
//! auditors run the same code and reach the same verdicts; it is all
//! variable time.
//!
//! Two kinds of bad input are told apart:
//! - a message that cannot be attributed to its sender (another election,
//!   an index out of range, a signature that does not verify) is an
//!   *error*: the caller must remove it (a board refuses it at posting);
//! - a signed message that breaks a rule is *evidence*: the sender is
//!   disqualified and the ceremony goes on without it, if `k` remain.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::messages::{
    MessageBody, Round1Message, Round2Message, Round3Message, Round4Message, SignedMessage,
};
use super::polynomial::vartime_evaluate_commitments;
use super::record::CeremonyRecord;
use super::{CeremonyParams, ThresholdKey};
use crate::batch::{BatchVerifier, Item};
use crate::elgamal::PublicKey;
use crate::error::{Disqualification, Error, Result};
use crate::group::{GroupElement, Writer};

/// Prefix of the transcript hash (spec/trustees.md §3.4 (H2)).
pub const TRANSCRIPT_HASH_LABEL: &[u8] = b"urna/v1/dkg/transcript";

/// The result of a ceremony, derived from the posted messages alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CeremonyOutcome {
    key: ThresholdKey,
    disqualified: Vec<Disqualification>,
}

impl CeremonyOutcome {
    /// The joint key, verification keys and transcript hash.
    pub fn key(&self) -> &ThresholdKey {
        &self.key
    }
    /// The excluded trustees, by ascending index (a trustee may appear
    /// once per rule it broke).
    pub fn disqualified(&self) -> &[Disqualification] {
        &self.disqualified
    }
}

/// The messages of one round that count.
struct RoundSet<'a, M> {
    /// The one acceptable message of each sender that passed every check.
    accepted: BTreeMap<u8, &'a M>,
    /// Every distinct validly signed message from an eligible sender, by
    /// (sender, bytes): what the transcript hash covers, evidence included.
    signed: Vec<&'a M>,
}

impl<M> RoundSet<'_, M> {
    fn senders(&self) -> Vec<u8> {
        self.accepted.keys().copied().collect()
    }
}

/// Everything derived from rounds 1–3.
pub(crate) struct Evaluation<'a> {
    pub(crate) round1: BTreeMap<u8, &'a Round1Message>,
    pub(crate) round2: BTreeMap<u8, &'a Round2Message>,
    pub(crate) outcome: CeremonyOutcome,
}

/// Group by sender after (M2), (M3); exact duplicates collapse; senders
/// for which `eligible` is false are ignored (spec/trustees.md §5.6 (M6)).
fn group<'a, B: MessageBody + PartialEq>(
    params: &CeremonyParams,
    msgs: &'a [SignedMessage<B>],
    eligible: impl Fn(u8) -> bool,
) -> Result<BTreeMap<u8, Vec<&'a SignedMessage<B>>>> {
    let mut by_sender: BTreeMap<u8, Vec<&'a SignedMessage<B>>> = BTreeMap::new();
    for m in msgs {
        m.check_envelope(params)?;
        if !eligible(m.sender()) {
            continue;
        }
        let list = by_sender.entry(m.sender()).or_default();
        if !list.contains(&m) {
            list.push(m);
        }
    }
    for list in by_sender.values_mut() {
        list.sort_by_key(|m| m.to_bytes());
    }
    Ok(by_sender)
}

/// Check every item in one batch (one item each); the positions of the
/// failing ones.
fn failing_items<T>(items: &[T], add: impl Fn(&T, &mut Item<'_>)) -> Vec<usize> {
    let mut b = BatchVerifier::new();
    for it in items {
        add(it, &mut b.item());
    }
    match b.vartime_check() {
        Ok(()) => Vec::new(),
        Err(Error::BatchFailed { failing }) => failing,
        Err(_) => (0..items.len()).collect(),
    }
}

/// As [`failing_items`], then run `verify` on each failing item alone to
/// name the failure. Returns `(position, error)` pairs.
fn batch_then_name<T>(
    items: &[T],
    add: impl Fn(&T, &mut Item<'_>),
    verify: impl Fn(&T) -> Result<()>,
) -> Vec<(usize, Error)> {
    failing_items(items, add)
        .into_iter()
        .filter_map(|i| {
            let e = match verify(items.get(i)?) {
                Ok(()) => Error::BatchFailed { failing: vec![i] },
                Err(e) => e,
            };
            Some((i, e))
        })
        .collect()
}

/// (M4) for all messages, batched; any failure is an error, since the
/// message cannot be attributed (spec/trustees.md §5.6 (M5)).
fn check_signatures<B: MessageBody>(
    params: &CeremonyParams,
    msgs: &[&SignedMessage<B>],
    key: impl Fn(&SignedMessage<B>) -> Option<PublicKey>,
) -> Result<()> {
    let with_keys: Vec<(&SignedMessage<B>, PublicKey)> = msgs
        .iter()
        .filter_map(|m| key(m).map(|k| (*m, k)))
        .collect();
    let failures = batch_then_name(
        &with_keys,
        |(m, k), item| m.add_signature_to_batch(params, k, item),
        |(m, k)| m.verify_signature(params, k),
    );
    match failures.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Split groups into the signed list, and per sender either its one
/// message or an equivocation disqualification (spec/trustees.md §9 (Q2)).
fn single_or_equivocation<'a, B: MessageBody>(
    groups: &BTreeMap<u8, Vec<&'a SignedMessage<B>>>,
    excluded: &mut Vec<Disqualification>,
) -> (
    Vec<&'a SignedMessage<B>>,
    BTreeMap<u8, &'a SignedMessage<B>>,
) {
    let mut signed = Vec::new();
    let mut single = BTreeMap::new();
    for (&sender, list) in groups {
        signed.extend(list.iter().copied());
        match list.as_slice() {
            [m] => {
                single.insert(sender, *m);
            }
            _ => excluded.push(Disqualification {
                trustee: sender,
                reason: Error::DkgMessageInvalid {
                    trustee: sender,
                    round: B::ROUND,
                    reason: "two different messages in one round (equivocation)",
                },
            }),
        }
    }
    (signed, single)
}

/// Every `expected` sender without any message is absent
/// (spec/trustees.md §9 (Q1)).
fn mark_missing(
    expected: &[u8],
    present: &BTreeMap<u8, Vec<impl Sized>>,
    round: u8,
    excluded: &mut Vec<Disqualification>,
) {
    for &j in expected {
        if !present.contains_key(&j) {
            excluded.push(Disqualification {
                trustee: j,
                reason: Error::DkgMessageMissing { trustee: j, round },
            });
        }
    }
}

/// The signing key of an accepted round-1 sender.
fn signing_key(round1: &BTreeMap<u8, &Round1Message>, sender: u8) -> Option<PublicKey> {
    round1
        .get(&sender)
        .map(|m| m.identity().signing_key().clone())
}

/// Round 1 (spec/trustees.md §6): signatures, then (I1), (I2).
fn accept_round1<'a>(
    params: &CeremonyParams,
    msgs: &'a [Round1Message],
    excluded: &mut Vec<Disqualification>,
) -> Result<RoundSet<'a, Round1Message>> {
    let groups = group(params, msgs, |_| true)?;
    let all: Vec<&Round1Message> = groups.values().flatten().copied().collect();
    // spec/trustees.md §5.1 (M4): self-signed under the key the message carries.
    check_signatures(params, &all, |m| Some(m.identity().signing_key().clone()))?;
    let (signed, single) = single_or_equivocation(&groups, excluded);
    let candidates: Vec<&Round1Message> = single.values().copied().collect();
    // spec/trustees.md §4 (I1), (I2)
    let failures = batch_then_name(
        &candidates,
        |m, item| m.identity().add_to_batch(params, item),
        |m| m.identity().verify(params),
    );
    let mut accepted = single;
    for (i, reason) in failures {
        if let Some(m) = candidates.get(i) {
            accepted.remove(&m.sender());
            excluded.push(Disqualification {
                trustee: m.sender(),
                reason,
            });
        }
    }
    let expected: Vec<u8> = params.indices().collect();
    mark_missing(&expected, &groups, 1, excluded);
    Ok(RoundSet { accepted, signed })
}

/// Round 2 (spec/trustees.md §7): signatures, then (C1)–(C4), (E5).
fn accept_round2<'a>(
    params: &CeremonyParams,
    round1: &BTreeMap<u8, &Round1Message>,
    msgs: &'a [Round2Message],
    excluded: &mut Vec<Disqualification>,
) -> Result<RoundSet<'a, Round2Message>> {
    let groups = group(params, msgs, |s| round1.contains_key(&s))?;
    let all: Vec<&Round2Message> = groups.values().flatten().copied().collect();
    check_signatures(params, &all, |m| signing_key(round1, m.sender()))?;
    let (signed, single) = single_or_equivocation(&groups, excluded);
    let senders: Vec<u8> = round1.keys().copied().collect();
    let mut accepted = BTreeMap::new();
    let mut candidates = Vec::new();
    for (&i, &m) in &single {
        let recipients: Vec<u8> = senders.iter().copied().filter(|&j| j != i).collect();
        let Some(r1) = round1.get(&i) else { continue };
        match m.check_structure(params, r1, &recipients) {
            Ok(()) => candidates.push(m),
            // spec/trustees.md §5.6 (M7), §9 (Q2)
            Err(reason) => excluded.push(Disqualification { trustee: i, reason }),
        }
    }
    // spec/trustees.md §7.1 (C4)
    let failed: Vec<u8> = failing_items(&candidates, |m, item| m.add_proofs_to_batch(params, item))
        .into_iter()
        .filter_map(|i| candidates.get(i).map(|m| m.sender()))
        .collect();
    for m in candidates {
        if failed.contains(&m.sender()) {
            excluded.push(Disqualification {
                trustee: m.sender(),
                reason: Error::DkgPopInvalid {
                    trustee: m.sender(),
                    what: "coefficient proof of knowledge",
                },
            });
        } else {
            accepted.insert(m.sender(), m);
        }
    }
    mark_missing(&senders, &groups, 2, excluded);
    Ok(RoundSet { accepted, signed })
}

/// Round 3 (spec/trustees.md §8): signatures, then (K1).
fn accept_round3<'a>(
    params: &CeremonyParams,
    round1: &BTreeMap<u8, &Round1Message>,
    round2: &BTreeMap<u8, &Round2Message>,
    msgs: &'a [Round3Message],
    excluded: &mut Vec<Disqualification>,
) -> Result<RoundSet<'a, Round3Message>> {
    let groups = group(params, msgs, |s| round2.contains_key(&s))?;
    let all: Vec<&Round3Message> = groups.values().flatten().copied().collect();
    check_signatures(params, &all, |m| signing_key(round1, m.sender()))?;
    let (signed, single) = single_or_equivocation(&groups, excluded);
    let dealers: Vec<u8> = round2.keys().copied().collect();
    let mut accepted = BTreeMap::new();
    for (&j, &m) in &single {
        let others: Vec<u8> = dealers.iter().copied().filter(|&i| i != j).collect();
        // spec/trustees.md §8.2 (K1)
        match m.check_structure(&others) {
            Ok(()) => {
                accepted.insert(j, m);
            }
            Err(reason) => excluded.push(Disqualification { trustee: j, reason }),
        }
    }
    mark_missing(&dealers, &groups, 3, excluded);
    Ok(RoundSet { accepted, signed })
}

/// Judge every complaint (spec/trustees.md §8.2 (K3), (K4); §9 (Q3), (Q4)).
fn judge_complaints(
    params: &CeremonyParams,
    round1: &BTreeMap<u8, &Round1Message>,
    round2: &BTreeMap<u8, &Round2Message>,
    round3: &BTreeMap<u8, &Round3Message>,
    excluded: &mut Vec<Disqualification>,
) {
    for (&j, m) in round3 {
        let Some(key) = round1.get(&j).map(|r| r.identity().encryption_key()) else {
            continue;
        };
        for c in m.complaints() {
            let i = c.dealer();
            let Some(dealer) = round2.get(&i) else {
                continue;
            };
            let verdict = match dealer.share_for(j) {
                Some(share) => c.verify(params, j, key, share, &dealer.commitments()),
                // Unreachable after (E5): a dealer that sent no share is at fault.
                None => Ok(()),
            };
            excluded.push(match verdict {
                // spec/trustees.md §9 (Q3)
                Ok(()) => Disqualification {
                    trustee: i,
                    reason: Error::DkgShareInvalid {
                        dealer: i,
                        recipient: j,
                    },
                },
                // spec/trustees.md §9 (Q4)
                Err(reason) => Disqualification { trustee: j, reason },
            });
        }
    }
}

/// (Q5): at least `k` trustees must remain, else stop with the evidence.
pub(crate) fn ensure_quorum(
    params: &CeremonyParams,
    qualified: &[u8],
    excluded: &[Disqualification],
) -> Result<()> {
    if qualified.len() < usize::from(params.threshold()) {
        let mut disqualified = excluded.to_vec();
        disqualified.sort_by_key(|d| d.trustee);
        return Err(Error::DkgTooFewQualified {
            threshold: params.threshold(),
            qualified: qualified.to_vec(),
            disqualified,
        });
    }
    Ok(())
}

/// (O1), (O2): `K = Σ_{i∈QUAL} C_{i,0}`, `X_j = Σ_l j^l·A_l` with
/// `A_l = Σ_{i∈QUAL} C_{i,l}`.
fn derive_keys(
    params: &CeremonyParams,
    round2: &BTreeMap<u8, &Round2Message>,
    qualified: &[u8],
) -> Result<(PublicKey, Vec<PublicKey>)> {
    let k = usize::from(params.threshold());
    let mut sums = vec![curve25519_dalek::ristretto::RistrettoPoint::default(); k];
    for i in qualified {
        let Some(m) = round2.get(i) else { continue };
        for (acc, (c, _)) in sums.iter_mut().zip(m.coefficients()) {
            *acc += c.point();
        }
    }
    let sums: Vec<GroupElement> = sums.into_iter().map(GroupElement::from_point).collect();
    // spec/trustees.md §10 (O1)
    let joint = sums
        .first()
        .and_then(|a0| PublicKey::from_group_element(*a0).ok())
        .ok_or(Error::IdentityPoint {
            field: "joint election key",
        })?;
    // spec/trustees.md §10 (O2)
    let keys = qualified
        .iter()
        .map(|&j| {
            let x = GroupElement::from_point(vartime_evaluate_commitments(&sums, j));
            PublicKey::from_group_element(x).map_err(|_| Error::IdentityPoint {
                field: "trustee verification key",
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((joint, keys))
}

/// (H2): the hash every qualified trustee certifies.
fn transcript_hash(
    params: &CeremonyParams,
    rounds: [Vec<Vec<u8>>; 3],
    qualified: &[u8],
    joint_key: &PublicKey,
    verification_keys: &[PublicKey],
) -> [u8; 32] {
    let mut w = Writer::new();
    w.fixed(TRANSCRIPT_HASH_LABEL);
    params.write(&mut w);
    for (r, msgs) in rounds.iter().enumerate() {
        w.u8(r as u8 + 1).u32(msgs.len() as u32);
        for m in msgs {
            w.var_bytes(m);
        }
    }
    w.u32(qualified.len() as u32);
    for (j, x) in qualified.iter().zip(verification_keys) {
        w.u8(*j).element(x.element());
    }
    w.element(joint_key.element());
    Sha256::digest(w.into_bytes()).into()
}

/// Rounds 1–3 → the qualified set, the keys and the transcript hash.
pub(crate) fn evaluate<'a>(
    params: &CeremonyParams,
    record: &'a CeremonyRecord,
) -> Result<Evaluation<'a>> {
    let mut excluded = Vec::new();
    let r1 = accept_round1(params, &record.round1, &mut excluded)?;
    ensure_quorum(params, &r1.senders(), &excluded)?;
    let r2 = accept_round2(params, &r1.accepted, &record.round2, &mut excluded)?;
    ensure_quorum(params, &r2.senders(), &excluded)?;
    let r3 = accept_round3(
        params,
        &r1.accepted,
        &r2.accepted,
        &record.round3,
        &mut excluded,
    )?;
    judge_complaints(
        params,
        &r1.accepted,
        &r2.accepted,
        &r3.accepted,
        &mut excluded,
    );
    // spec/trustees.md §9 (Q5)
    let qualified: Vec<u8> = r3
        .accepted
        .keys()
        .copied()
        .filter(|j| !excluded.iter().any(|d| d.trustee == *j))
        .collect();
    ensure_quorum(params, &qualified, &excluded)?;
    let (joint_key, verification_keys) = derive_keys(params, &r2.accepted, &qualified)?;
    let rounds = [
        r1.signed.iter().map(|m| m.to_bytes()).collect(),
        r2.signed.iter().map(|m| m.to_bytes()).collect(),
        r3.signed.iter().map(|m| m.to_bytes()).collect(),
    ];
    let hash = transcript_hash(params, rounds, &qualified, &joint_key, &verification_keys);
    excluded.sort_by_key(|d| d.trustee);
    Ok(Evaluation {
        round1: r1.accepted,
        round2: r2.accepted,
        outcome: CeremonyOutcome {
            key: ThresholdKey::new(*params, qualified, joint_key, verification_keys, hash),
            disqualified: excluded,
        },
    })
}

/// The accepted messages of the latest round read, and the exclusions so far.
pub(crate) struct Progress<'a, M> {
    pub(crate) accepted: Vec<(u8, &'a M)>,
    pub(crate) excluded: Vec<Disqualification>,
}

/// Round 1 alone, for a trustee about to deal.
pub(crate) fn accepted_round1<'a>(
    params: &CeremonyParams,
    record: &'a CeremonyRecord,
) -> Result<Progress<'a, Round1Message>> {
    let mut excluded = Vec::new();
    let r1 = accept_round1(params, &record.round1, &mut excluded)?;
    Ok(Progress {
        accepted: r1.accepted.into_iter().collect(),
        excluded,
    })
}

/// Rounds 1–2, for a trustee about to check its shares.
pub(crate) fn accepted_round2<'a>(
    params: &CeremonyParams,
    record: &'a CeremonyRecord,
) -> Result<Progress<'a, Round2Message>> {
    let mut excluded = Vec::new();
    let r1 = accept_round1(params, &record.round1, &mut excluded)?;
    ensure_quorum(params, &r1.senders(), &excluded)?;
    let r2 = accept_round2(params, &r1.accepted, &record.round2, &mut excluded)?;
    Ok(Progress {
        accepted: r2.accepted.into_iter().collect(),
        excluded,
    })
}

/// Evaluate rounds 1–3 of a record: the qualified set, the joint key, the
/// verification keys and the transcript hash, *before* certification.
/// Fails with [`Error::DkgTooFewQualified`] (and the evidence) if fewer
/// than `k` trustees remain. Auditors use [`verify_ceremony`].
pub fn evaluate_ceremony(
    params: &CeremonyParams,
    record: &CeremonyRecord,
) -> Result<CeremonyOutcome> {
    evaluate(params, record).map(|e| e.outcome)
}

/// Verify a whole ceremony from its record: rounds 1–3 as in
/// [`evaluate_ceremony`], then (X2): every qualified trustee certified the
/// same transcript hash and joint key, and no other certificate of theirs
/// exists; otherwise [`Error::DkgTranscriptMismatch`] names them (docs/attacks.md D6).
pub fn verify_ceremony(
    params: &CeremonyParams,
    record: &CeremonyRecord,
) -> Result<CeremonyOutcome> {
    let e = evaluate(params, record)?;
    let key = e.outcome.key();
    let qualified = key.qualified();
    let groups = group(params, &record.round4, |s| qualified.contains(&s))?;
    let all: Vec<&Round4Message> = groups.values().flatten().copied().collect();
    check_signatures(params, &all, |m| signing_key(&e.round1, m.sender()))?;
    // spec/trustees.md §11 (X2)
    let certifies = |m: &&Round4Message| {
        m.transcript_hash() == key.transcript_hash() && m.joint_key() == key.joint_key()
    };
    let mismatched: Vec<u8> = qualified
        .iter()
        .copied()
        .filter(|j| match groups.get(j) {
            Some(list) => !list.iter().all(certifies),
            None => true,
        })
        .collect();
    if !mismatched.is_empty() {
        return Err(Error::DkgTranscriptMismatch {
            trustees: mismatched,
        });
    }
    Ok(e.outcome)
}
