//! Posting a ceremony message: who may post what, and when
//! (spec/trustees.md §5.8). The board runs [`CeremonyLog::admit`] on every
//! posted message before it enters the log; every verifier runs it on the
//! log's messages in order and reports what it refuses. Both therefore
//! judge the ceremony on the same messages.
//!
//! **Roster.** The manifest pins trustee `i`'s signing key `P_i`
//! ([`Roster`]). A message is *attributed* to trustee `i` only if
//! (N2) a round-1 message carries `S_i = P_i`, and every message's
//! signature (M4) verifies under `P_i`. Nobody without `i`'s signing key
//! can post under index `i`, so nobody without a trustee key can poison
//! the ceremony (docs/attacks.md D9).
//!
//! **Order.** The first round-`r` message *closes* round `r − 1`: from
//! then on the round-`(r − 1)` set is fixed and every later round-`(r − 1)`
//! message is refused (N4). Share checks, complaints and certificates are
//! therefore judged against sets that cannot change afterwards
//! (docs/attacks.md D11). A trustee of round `r` must have taken part in
//! round `r − 1` (N5); a round-2 message must deal to exactly the accepted
//! round-1 set (N6); a round-4 message must certify the transcript hash and
//! joint key of the closed rounds 1–3 (N7). A trustee whose view was stale
//! is refused, not disqualified, and redoes its round.
//!
//! **Repeats.** The same bytes again are admitted as a repeat
//! ([`Admission::Repeat`]): nothing changes, and a board answers with the
//! first copy's receipt. A second *different* message of the same sender
//! in the same (open) round is refused (N3): the first stands. The order
//! of the checks is (N1), (N2), (N4), (N3), (N5)–(N7).
//!
//! Every check runs before any change: a refused message leaves the log's
//! state exactly as it was. Variable time: everything here is public.

use std::collections::BTreeMap;

use super::ceremony::{accepted_round1, accepted_round2, evaluate};
use super::messages::SignedMessage;
use super::record::{CeremonyMessage, CeremonyRecord};
use super::{CeremonyParams, MessageBody};
use crate::elgamal::PublicKey;
use crate::error::{Error, Result};

/// The trustees' signing keys pinned by the manifest, by index (`P_i` of
/// spec/trustees.md §5.8).
///
/// Invariant: exactly `n` keys, pairwise distinct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    keys: Vec<PublicKey>,
}

impl Roster {
    /// The roster of a ceremony of `params`: `keys[i − 1]` is trustee `i`'s.
    pub fn new(params: &CeremonyParams, keys: Vec<PublicKey>) -> Result<Self> {
        if keys.len() != usize::from(params.trustees()) {
            return Err(Error::DkgParams(
                "the roster must name exactly one signing key per trustee",
            ));
        }
        for (i, k) in keys.iter().enumerate() {
            if keys.iter().skip(i + 1).any(|other| other == k) {
                return Err(Error::DkgParams(
                    "two trustees of the roster share a signing key",
                ));
            }
        }
        Ok(Roster { keys })
    }

    /// Trustee `index`'s signing key.
    pub fn key(&self, index: u8) -> Option<&PublicKey> {
        usize::from(index)
            .checked_sub(1)
            .and_then(|i| self.keys.get(i))
    }

    /// The index whose signing key is `key`, if any (how a trustee's tool
    /// finds its own index in a manifest).
    pub fn index_of(&self, key: &PublicKey) -> Option<u8> {
        self.keys
            .iter()
            .position(|k| k == key)
            .and_then(|i| u8::try_from(i + 1).ok())
    }

    /// (M2), (M3), (N2): the message names this election and an index of
    /// the roster, a round-1 message carries that index's roster key, and
    /// the signature verifies under it.
    pub fn attribute(&self, params: &CeremonyParams, m: &CeremonyMessage) -> Result<()> {
        match m {
            CeremonyMessage::Round1(r) => {
                r.check_envelope(params)?;
                if self.key(r.sender()) != Some(r.identity().signing_key()) {
                    return Err(Error::DkgNotInRoster {
                        trustee: r.sender(),
                    });
                }
                self.signed(params, r)
            }
            CeremonyMessage::Round2(r) => self.signed(params, r),
            CeremonyMessage::Round3(r) => self.signed(params, r),
            CeremonyMessage::Round4(r) => self.signed(params, r),
        }
    }

    /// (M2), (M3), and (M4) under the sender's roster key.
    fn signed<B: MessageBody>(&self, params: &CeremonyParams, m: &SignedMessage<B>) -> Result<()> {
        m.check_envelope(params)?;
        let key = self.key(m.sender()).ok_or(Error::DkgNotInRoster {
            trustee: m.sender(),
        })?;
        m.verify_signature(params, key)
    }
}

/// What [`CeremonyLog::admit`] did with an acceptable message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A new message: it is part of the ceremony now.
    New,
    /// The same bytes as the message already admitted at this position
    /// (0-based, in admission order): nothing changed.
    Repeat(usize),
}

/// What a closed round fixes for the next one.
#[derive(Clone, Debug)]
struct Closed {
    /// Who may post the next round: accepted round-1 senders (for round 2),
    /// accepted round-2 senders (round 3), QUAL (round 4).
    participants: Vec<u8>,
    /// For round 4: the transcript hash and joint key to certify.
    certify: Option<([u8; 32], PublicKey)>,
}

/// The admitted messages of one ceremony, in admission order, with the
/// state (N1)–(N7) need. See the module docs.
#[derive(Clone, Debug)]
pub struct CeremonyLog {
    params: CeremonyParams,
    roster: Roster,
    messages: Vec<Vec<u8>>,
    record: CeremonyRecord,
    /// (round, sender) → position in `messages`.
    slots: BTreeMap<(u8, u8), usize>,
    /// The highest round with a message (0 before any).
    latest: u8,
    /// `closed[r]`: what closing round `r − 1` fixed for round `r` (2–4).
    closed: [Option<Closed>; 5],
}

impl CeremonyLog {
    /// An empty ceremony of `params` under `roster`.
    pub fn new(params: CeremonyParams, roster: Roster) -> Self {
        CeremonyLog {
            params,
            roster,
            messages: Vec::new(),
            record: CeremonyRecord::new(),
            slots: BTreeMap::new(),
            latest: 0,
            closed: Default::default(),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &CeremonyParams {
        &self.params
    }

    /// The roster.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The admitted messages, decoded, by round.
    pub fn record(&self) -> &CeremonyRecord {
        &self.record
    }

    /// The admitted messages' bytes, in admission order.
    pub fn messages(&self) -> &[Vec<u8>] {
        &self.messages
    }

    /// The highest round with a message (0 before any): every earlier
    /// round is closed.
    pub fn latest_round(&self) -> u8 {
        self.latest
    }

    /// Admit one posted message (N1)–(N7), or refuse it and change nothing.
    pub fn admit(&mut self, bytes: &[u8]) -> Result<Admission> {
        // (N1)
        let m = CeremonyMessage::from_bytes(bytes)?;
        let (round, sender) = (m.round(), m.sender());
        if let Some(&at) = self.slots.get(&(round, sender)) {
            if self.messages.get(at).is_some_and(|b| b.as_slice() == bytes) {
                return Ok(Admission::Repeat(at));
            }
        }
        // (M2), (M3), (N2)
        self.roster.attribute(&self.params, &m)?;
        // (N4)
        let out_of_turn = |reason| Error::DkgOutOfTurn {
            trustee: sender,
            round,
            reason,
        };
        if round < self.latest {
            return Err(out_of_turn(
                "that round is closed: a message of a later round was already posted",
            ));
        }
        if round > self.latest + 1 {
            return Err(out_of_turn("the previous round has no message yet"));
        }
        // (N3)
        if self.slots.contains_key(&(round, sender)) {
            return Err(Error::DkgEquivocation {
                trustee: sender,
                round,
            });
        }
        let closing = if round >= 2 && self.closed[usize::from(round)].is_none() {
            Some(self.close(round)?)
        } else {
            None
        };
        let closed = closing
            .as_ref()
            .or(self.closed[usize::from(round)].as_ref());
        if let Some(c) = closed {
            // (N5)
            if !c.participants.contains(&sender) {
                return Err(out_of_turn(
                    "the sender did not take part in the previous round (or was excluded in it)",
                ));
            }
            check_against(&m, c)?;
        }
        // Every check passed: change state.
        if let Some(c) = closing {
            self.closed[usize::from(round)] = Some(c);
        }
        self.slots.insert((round, sender), self.messages.len());
        self.messages.push(bytes.to_vec());
        self.record.push(m);
        self.latest = self.latest.max(round);
        Ok(Admission::New)
    }

    /// What closing round `round − 1` now would fix for `round`.
    fn close(&self, round: u8) -> Result<Closed> {
        let (participants, certify) = match round {
            2 => {
                let p = accepted_round1(&self.params, &self.record)?;
                (p.accepted.iter().map(|(j, _)| *j).collect(), None)
            }
            3 => {
                let p = accepted_round2(&self.params, &self.record)?;
                (p.accepted.iter().map(|(j, _)| *j).collect(), None)
            }
            _ => {
                let e = evaluate(&self.params, &self.record)?;
                let key = e.outcome.key();
                (
                    key.qualified().to_vec(),
                    Some((*key.transcript_hash(), key.joint_key().clone())),
                )
            }
        };
        Ok(Closed {
            participants,
            certify,
        })
    }
}

/// (N6), (N7): a message made against the closed previous rounds.
fn check_against(m: &CeremonyMessage, c: &Closed) -> Result<()> {
    match m {
        CeremonyMessage::Round2(r) => {
            let recipients = c.participants.iter().copied().filter(|&j| j != r.sender());
            if !r.shares().iter().map(|s| s.recipient()).eq(recipients) {
                return Err(Error::DkgStale {
                    trustee: r.sender(),
                    round: 2,
                    reason: "its shares are not dealt to exactly the trustees accepted in round 1",
                });
            }
            Ok(())
        }
        CeremonyMessage::Round4(r) => match &c.certify {
            Some((hash, key)) if r.transcript_hash() == hash && r.joint_key() == key => Ok(()),
            _ => Err(Error::DkgStale {
                trustee: r.sender(),
                round: 4,
                reason: "it certifies another transcript hash or joint key than rounds 1–3 give",
            }),
        },
        _ => Ok(()),
    }
}
