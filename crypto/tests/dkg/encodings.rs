//! The canonical encodings of the ceremony messages, the parameters, the
//! identities and the threshold key, and the error codes.

use super::misbehaviour::deal_bad_share;
use super::*;

// ------------------------------------------------------------------ encodings

/// Every flip of one bit at `step`-spaced bytes must be rejected by
/// decoding or by `accepts`.
fn assert_tamper_detected(bytes: &[u8], step: usize, accepts: impl Fn(&[u8]) -> bool) {
    assert!(accepts(bytes));
    for i in (0..bytes.len()).step_by(step) {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.to_vec();
            b[i] ^= bit;
            assert!(!accepts(&b), "flip of bit {bit:#x} at byte {i} accepted");
        }
    }
}

fn assert_exact_length<T: core::fmt::Debug>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> urna_crypto::Result<T>,
) {
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(matches!(decode(&longer), Err(Error::TrailingBytes { .. })));
    assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    assert!(decode(&[]).is_err());
}

fn json_round_trip<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug,
{
    let s = serde_json::to_string(v).unwrap();
    assert!(s.starts_with('"') && s.chars().all(|c| !c.is_ascii_uppercase()));
    assert_eq!(&serde_json::from_str::<T>(&s).unwrap(), v);
    let upper = s.to_uppercase();
    assert!(serde_json::from_str::<T>(&upper).is_err());
}

#[test]
fn round1_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 91);
    let m = c.round1_of(2).clone();
    let bytes = m.to_bytes();
    assert_eq!(Round1Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round1Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round1Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params).is_ok())
    });
}

#[test]
fn round2_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 92);
    let m = c.round2_of(2).clone();
    let r1 = c.round1_of(2).clone();
    let bytes = m.to_bytes();
    assert_eq!(Round2Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round2Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round2Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &r1, &[1, 3]).is_ok())
    });
}

#[test]
fn round3_encoding_round_trip_and_tamper() {
    let mut rng = insecure_deterministic_rng(93);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 1, 2, false, &mut rng);
    deal_bad_share(&mut c, 3, 2, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let m = c
        .record
        .round3
        .iter()
        .find(|m| m.sender() == 2)
        .unwrap()
        .clone();
    assert_eq!(m.complaints().len(), 2);
    let key = c.round1_of(2).identity().signing_key().clone();
    let bytes = m.to_bytes();
    assert_eq!(Round3Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round3Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round3Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &key, &[1, 3]).is_ok())
    });
    // Complaints must be by ascending dealer.
    let mut reversed = m.complaints().to_vec();
    reversed.reverse();
    let bad = Round3Message::sign_unchecked(&c.params, c.trustee(2).keys(), 2, reversed, &mut rng);
    assert_eq!(
        bad.verify(&c.params, &key, &[1, 3]).unwrap_err().code(),
        "ERR_DKG_MESSAGE_INVALID"
    );
}

#[test]
fn round4_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 94);
    let m = c.record.round4[0].clone();
    let key = c.round1_of(m.sender()).identity().signing_key().clone();
    let bytes = m.to_bytes();
    assert_eq!(bytes.len(), 162);
    assert_eq!(Round4Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round4Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round4Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &key).is_ok())
    });
}

#[test]
fn any_message_decodes_by_tag() {
    let (c, _, _) = honest(3, 2, 95);
    let mut record = CeremonyRecord::new();
    let all: Vec<Vec<u8>> = c
        .record
        .round1
        .iter()
        .map(Round1Message::to_bytes)
        .chain(c.record.round2.iter().map(Round2Message::to_bytes))
        .chain(c.record.round3.iter().map(Round3Message::to_bytes))
        .chain(c.record.round4.iter().map(Round4Message::to_bytes))
        .collect();
    for b in &all {
        let m = CeremonyMessage::from_bytes(b).unwrap();
        assert_eq!(&m.to_bytes(), b);
        assert_eq!(m.round(), b[0]);
        json_round_trip(&m);
        record.push(m);
    }
    assert_eq!(record, c.record);
    assert!(CeremonyMessage::from_bytes(&[5, 0]).is_err());
    assert!(CeremonyMessage::from_bytes(&[]).is_err());
    // A message of one round never decodes as another.
    assert!(Round2Message::from_bytes(&all[0]).is_err());
}

#[test]
fn params_identity_and_threshold_key_encodings() {
    let (c, shares, outcome) = honest(3, 2, 96);
    let p = c.params;
    assert_eq!(CeremonyParams::from_bytes(&p.to_bytes()).unwrap(), p);
    json_round_trip(&p);
    assert_exact_length(&p.to_bytes(), CeremonyParams::from_bytes);

    let id = c.round1_of(1).identity().clone();
    assert_eq!(TrusteeIdentity::from_bytes(&id.to_bytes()).unwrap(), id);
    json_round_trip(&id);
    assert_exact_length(&id.to_bytes(), TrusteeIdentity::from_bytes);
    assert_tamper_detected(&id.to_bytes(), 1, |b| {
        TrusteeIdentity::from_bytes(b).is_ok_and(|i| i.verify(&p).is_ok())
    });

    let key = outcome.key().clone();
    let bytes = key.to_bytes();
    assert_eq!(ThresholdKey::from_bytes(&bytes).unwrap(), key);
    json_round_trip(&key);
    assert_exact_length(&bytes, ThresholdKey::from_bytes);
    // Every change of a key, an index or a count breaks decoding or the
    // consistency check (O4). (The parameters and the transcript hash are
    // checked against the certified record, not here.)
    for i in 34 + 32..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            assert!(ThresholdKey::from_bytes(&b).is_err(), "flip at {i}");
        }
    }

    // The secret files round-trip and keep working.
    for s in &shares {
        let again = KeyShare::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(again.threshold_key(), s.threshold_key());
        assert_eq!(again.index(), s.index());
        let mut b = s.to_bytes().to_vec();
        b[3] ^= 1; // the secret share no longer matches X_j
        assert!(KeyShare::from_bytes(&b).is_err());
    }
    check_threshold_decryption(&key, &shares, 97);
}

#[test]
fn trustee_state_round_trips_between_rounds() {
    let mut rng = insecure_deterministic_rng(98);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    // Each round runs from the saved state, as a CLI would from a file.
    let reload = |t: &Trustee| Trustee::from_bytes(&t.to_bytes()).unwrap();
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round1_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round2_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round3_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    let shares = c.round4(&mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    check_threshold_decryption(outcome.key(), &shares, 99);
    let state = c.trustee(1).to_bytes();
    assert!(Trustee::from_bytes(&state[..state.len() - 1]).is_err());
    assert!(format!("{:?}", c.trustee(1)).contains("redacted"));
    assert!(format!("{:?}", shares[0]).contains("redacted"));
    assert!(format!("{:?}", TrusteeKeys::generate(&mut rng)).contains("redacted"));
}

#[test]
fn error_codes_of_the_ceremony() {
    let cases: Vec<(Error, &str)> = vec![
        (Error::DkgParams("x"), "ERR_DKG_PARAMS"),
        (Error::WrongElection { what: "x" }, "ERR_WRONG_ELECTION"),
        (
            Error::DkgPopInvalid {
                trustee: 1,
                what: "x",
            },
            "ERR_DKG_POP_INVALID",
        ),
        (
            Error::DkgShareInvalid {
                dealer: 1,
                recipient: 2,
            },
            "ERR_DKG_SHARE_INVALID",
        ),
        (
            Error::DkgTranscriptMismatch { trustees: vec![1] },
            "ERR_DKG_TRANSCRIPT_MISMATCH",
        ),
        (
            Error::ShareInvalid {
                trustee: 1,
                reason: "x",
            },
            "ERR_SHARE_INVALID",
        ),
        (
            Error::InsufficientShares {
                needed: 2,
                valid: vec![],
                invalid: vec![],
                missing: vec![],
            },
            "ERR_INSUFFICIENT_SHARES",
        ),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
        assert!(!e.to_string().is_empty());
    }
}
