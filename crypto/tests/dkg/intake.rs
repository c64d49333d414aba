//! Posting rules of the ceremony (spec/trustees.md §5.8 (N1)–(N7),
//! docs/attacks.md D9, D11): the roster pins who may post, and each round
//! is closed before anyone builds on it.

use super::*;
use urna_crypto::dkg::{Admission, CeremonyLog, Roster};

struct Setup {
    params: CeremonyParams,
    keys: Vec<TrusteeKeys>,
    trustees: Vec<Trustee>,
}

/// `n` trustees whose signing keys form the roster, with their states.
fn setup(n: u32, k: u32, rng: &mut ChaCha20Rng) -> Setup {
    let params = params(ELECTION_A, n, k);
    let keys: Vec<TrusteeKeys> = (0..n).map(|_| TrusteeKeys::generate(rng)).collect();
    let trustees = params
        .indices()
        .zip(&keys)
        .map(|(i, key)| Trustee::with_keys(&params, i, key.clone(), rng).unwrap())
        .collect();
    Setup {
        params,
        keys,
        trustees,
    }
}

impl Setup {
    fn log(&self) -> CeremonyLog {
        let roster = Roster::new(
            &self.params,
            self.keys.iter().map(|k| k.signing_key()).collect(),
        );
        CeremonyLog::new(self.params, roster.unwrap())
    }
}

fn bytes(m: CeremonyMessage) -> Vec<u8> {
    m.to_bytes()
}

fn admit(log: &mut CeremonyLog, b: &[u8]) -> Result<Admission, Error> {
    log.admit(b)
}

#[test]
fn roster_pins_who_may_post() {
    let rng = &mut insecure_deterministic_rng(91);
    let s = setup(3, 2, rng);
    let mut log = s.log();
    let r1 = bytes(CeremonyMessage::Round1(s.trustees[0].round1(rng).unwrap()));
    // A stranger's valid round-1 message under index 1: not the roster key.
    let stranger = Trustee::new(&s.params, 1, rng).unwrap();
    let forged = bytes(CeremonyMessage::Round1(stranger.round1(rng).unwrap()));
    assert!(matches!(
        admit(&mut log, &forged),
        Err(Error::DkgNotInRoster { trustee: 1 })
    ));
    // A flipped signature bit: not signed by the roster key.
    let mut flipped = r1.clone();
    let at = flipped.len() - 32;
    flipped[at] ^= 1;
    assert!(matches!(
        admit(&mut log, &flipped),
        Err(Error::DkgSignatureInvalid { .. })
    ));
    assert!(log.messages().is_empty(), "refusals change nothing");
    assert_eq!(admit(&mut log, &r1).unwrap(), Admission::New);
    assert_eq!(admit(&mut log, &r1).unwrap(), Admission::Repeat(0));
    let second = bytes(CeremonyMessage::Round1(s.trustees[0].round1(rng).unwrap()));
    assert!(matches!(
        admit(&mut log, &second),
        Err(Error::DkgEquivocation {
            trustee: 1,
            round: 1
        })
    ));
    assert_eq!(log.messages().len(), 1);
    // A roster with a key twice, or of the wrong size, is refused.
    let k = s.keys[0].signing_key();
    assert!(Roster::new(&s.params, vec![k.clone(), k.clone(), k.clone()]).is_err());
    assert!(Roster::new(&s.params, vec![k]).is_err());
}

/// Trustee 3 is absent in round 1; trustees 1 and 2 go on. When trustee 3
/// posts round 1 after round 2 began, it is refused (before, every honest
/// dealer then failed (E5) and nobody qualified), and the two complete.
#[test]
fn an_absent_trustee_posting_late_is_refused_and_the_quorum_completes() {
    let rng = &mut insecure_deterministic_rng(92);
    let s = setup(3, 2, rng);
    let mut log = s.log();
    for t in &s.trustees[..2] {
        admit(
            &mut log,
            &bytes(CeremonyMessage::Round1(t.round1(rng).unwrap())),
        )
        .unwrap();
    }
    let round2 = |log: &CeremonyLog, t: &Trustee, rng: &mut ChaCha20Rng| {
        bytes(CeremonyMessage::Round2(
            t.round2(log.record(), rng).unwrap(),
        ))
    };
    let r2_1 = round2(&log, &s.trustees[0], rng);
    let r2_2 = round2(&log, &s.trustees[1], rng);
    admit(&mut log, &r2_1).unwrap();
    let late = bytes(CeremonyMessage::Round1(s.trustees[2].round1(rng).unwrap()));
    assert!(matches!(
        admit(&mut log, &late),
        Err(Error::DkgOutOfTurn {
            trustee: 3,
            round: 1,
            ..
        })
    ));
    admit(&mut log, &r2_2).unwrap();
    // Trustee 3 cannot join a later round either.
    for t in &s.trustees[..2] {
        let m = t.round3(log.record(), rng).unwrap();
        admit(&mut log, &bytes(CeremonyMessage::Round3(m))).unwrap();
    }
    for t in &s.trustees[..2] {
        let (m, _) = t.round4(log.record(), rng).unwrap();
        admit(&mut log, &bytes(CeremonyMessage::Round4(m))).unwrap();
    }
    let outcome = verify_ceremony(&s.params, log.record()).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 2]);
}

/// (N6), (N7): a round-2 message dealt to another set than the closed
/// round 1, and a certificate of another transcript, are refused (the
/// trustee redoes its round) rather than disqualifying it or ending the
/// ceremony.
#[test]
fn stale_messages_are_refused_not_counted() {
    let rng = &mut insecure_deterministic_rng(93);
    let s = setup(3, 2, rng);
    let mut log = s.log();
    let r1: Vec<Vec<u8>> = s
        .trustees
        .iter()
        .map(|t| bytes(CeremonyMessage::Round1(t.round1(rng).unwrap())))
        .collect();
    // Trustee 1 deals having seen only trustees 1 and 2.
    admit(&mut log, &r1[0]).unwrap();
    admit(&mut log, &r1[1]).unwrap();
    let stale = bytes(CeremonyMessage::Round2(
        s.trustees[0].round2(log.record(), rng).unwrap(),
    ));
    admit(&mut log, &r1[2]).unwrap();
    assert!(matches!(
        admit(&mut log, &stale),
        Err(Error::DkgStale {
            trustee: 1,
            round: 2,
            ..
        })
    ));
    assert_eq!(log.latest_round(), 1, "a refused message closes nothing");
    for t in &s.trustees {
        let m = t.round2(log.record(), rng).unwrap();
        admit(&mut log, &bytes(CeremonyMessage::Round2(m))).unwrap();
    }
    for t in &s.trustees {
        let m = t.round3(log.record(), rng).unwrap();
        admit(&mut log, &bytes(CeremonyMessage::Round3(m))).unwrap();
    }
    // A certificate made before trustee 3's complaint-free round 3 was in.
    let mut early = log.record().clone();
    early.round3.pop();
    // (Trustee 3 then looked absent: QUAL {1, 2}, another transcript.)
    let (m, _) = s.trustees[0].round4(&early, rng).unwrap();
    let b = bytes(CeremonyMessage::Round4(m));
    assert!(matches!(
        admit(&mut log, &b),
        Err(Error::DkgStale {
            trustee: 1,
            round: 4,
            ..
        })
    ));
    for t in &s.trustees {
        let (m, _) = t.round4(log.record(), rng).unwrap();
        admit(&mut log, &bytes(CeremonyMessage::Round4(m))).unwrap();
    }
    let outcome = verify_ceremony(&s.params, log.record()).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 2, 3]);
}
