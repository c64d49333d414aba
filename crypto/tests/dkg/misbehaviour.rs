//! D4–D7 and replay: bad shares and complaints, the commit-then-reveal,
//! certification, partial decryptions, messages from another election.

use super::keys::assert_excluded_and_completes;
use super::*;

// ------------------------------------------------------------------ D4

/// Dealer `i` re-signs its round-2 message with the share for `j` replaced.
pub(super) fn deal_bad_share(c: &mut Ceremony, i: u8, j: u8, garbage: bool, rng: &mut ChaCha20Rng) {
    let honest = c.round2_of(i).clone();
    let key = c.round1_of(j).identity().encryption_key().clone();
    let shares = honest
        .shares()
        .iter()
        .map(|s| {
            if s.recipient() != j {
                return *s;
            }
            let bad =
                EncryptedShare::encrypt(&c.params, i, j, &key, &Scalar::random(rng), rng).unwrap();
            if !garbage {
                return bad;
            }
            // Not even a valid ciphertext: flip a byte, keep the layout.
            let mut w = urna_crypto::group::Writer::new();
            bad.write(&mut w);
            let mut b = w.into_bytes();
            b[40] ^= 1;
            EncryptedShare::read(&mut urna_crypto::group::Reader::new(&b)).unwrap()
        })
        .collect();
    let m = Round2Message::sign_unchecked(
        &c.params,
        c.trustee(i).keys(),
        i,
        honest.coefficients().to_vec(),
        shares,
        rng,
    );
    c.replace_round2(m);
}

fn complaint_from(c: &Ceremony, j: u8) -> Vec<Complaint> {
    c.record
        .round3
        .iter()
        .find(|m| m.sender() == j)
        .unwrap()
        .complaints()
        .to_vec()
}

/// Anyone can check a complaint from the posted messages alone.
fn judge(c: &Ceremony, j: u8, complaint: &Complaint) -> urna_crypto::Result<()> {
    let dealer = c.round2_of(complaint.dealer());
    complaint.verify(
        &c.params,
        j,
        c.round1_of(j).identity().encryption_key(),
        dealer.share_for(j).unwrap(),
        &dealer.commitments(),
    )
}

#[test]
fn d04_bad_share_complaint_upheld_ceremony_completes() {
    let mut rng = insecure_deterministic_rng(41);
    let mut c = Ceremony::new(ELECTION_A, 5, 3, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 2, 4, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 4);
    assert_eq!(complaints.len(), 1);
    assert_eq!(complaints[0].dealer(), 2);
    judge(&c, 4, &complaints[0]).unwrap();
    // Nobody else complains.
    assert!(c
        .record
        .round3
        .iter()
        .filter(|m| m.sender() != 4)
        .all(|m| m.complaints().is_empty()));
    let outcome = evaluate_ceremony(&c.params, &c.record).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 3, 4, 5]);
    assert_eq!(
        outcome.disqualified()[0].reason(),
        &Error::DkgShareInvalid {
            dealer: 2,
            recipient: 4
        }
    );
    // The cheater gets no key share.
    assert_eq!(
        c.trustee(2).round4(&c.record, &mut rng).unwrap_err().code(),
        "ERR_DKG_SHARE_INVALID"
    );
    assert_excluded_and_completes(&mut c, 2, "ERR_DKG_SHARE_INVALID", &mut rng);
    // The joint key no longer includes the cheater's polynomial.
    let key = verify_ceremony(&c.params, &c.record).unwrap();
    let sum: RistrettoPoint = [1u8, 3, 4, 5]
        .iter()
        .map(|&i| c.round2_of(i).commitments()[0].point())
        .sum();
    assert_eq!(key.key().joint_key().point(), sum);
}

#[test]
fn d04_undecryptable_share_complaint_upheld() {
    let mut rng = insecure_deterministic_rng(42);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 1, 3, true, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 3);
    assert_eq!(complaints.len(), 1);
    judge(&c, 3, &complaints[0]).unwrap();
    assert_excluded_and_completes(&mut c, 1, "ERR_DKG_SHARE_INVALID", &mut rng);
}

#[test]
fn d04_false_complaint_dismissed() {
    let mut rng = insecure_deterministic_rng(43);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    c.round3_except(&[3], &mut rng);
    // Trustee 3 accuses trustee 1, whose share was fine.
    let share = *c.round2_of(1).share_for(3).unwrap();
    let lie = Complaint::create(&c.params, c.trustee(3).keys(), 3, 1, &share, &mut rng).unwrap();
    let m = Round3Message::sign_unchecked(&c.params, c.trustee(3).keys(), 3, vec![lie], &mut rng);
    c.record.round3.push(m);
    match judge(&c, 3, &lie) {
        Err(Error::DkgComplaintInvalid {
            complainer: 3,
            dealer: 1,
            reason,
        }) => assert_eq!(reason, "the revealed share is valid"),
        other => panic!("{other:?}"),
    }
    // The accused stays; the liar is out.
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMPLAINT_INVALID", &mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 2]);
}

#[test]
fn d04_complaint_with_wrong_dh_proof_dismissed() {
    let mut rng = insecure_deterministic_rng(44);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    c.round3_except(&[3], &mut rng);
    // A "revealed" key made for dealer 2's share, presented against dealer 1.
    let wrong_share = *c.round2_of(2).share_for(3).unwrap();
    let forged =
        Complaint::create(&c.params, c.trustee(3).keys(), 3, 1, &wrong_share, &mut rng).unwrap();
    match judge(&c, 3, &forged) {
        Err(Error::DkgComplaintInvalid { reason, .. }) => {
            assert_eq!(reason, "the Diffie–Hellman proof does not verify")
        }
        other => panic!("{other:?}"),
    }
    let m =
        Round3Message::sign_unchecked(&c.params, c.trustee(3).keys(), 3, vec![forged], &mut rng);
    c.record.round3.push(m);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMPLAINT_INVALID", &mut rng);
}

#[test]
fn d04_too_few_remain_stops_with_evidence() {
    let mut rng = insecure_deterministic_rng(45);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 2, 1, false, &mut rng);
    deal_bad_share(&mut c, 3, 1, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 1);
    assert_eq!(
        complaints.iter().map(Complaint::dealer).collect::<Vec<_>>(),
        vec![2, 3]
    );
    for complaint in &complaints {
        judge(&c, 1, complaint).unwrap();
    }
    let stop = |e: Error| match e {
        Error::DkgTooFewQualified {
            threshold,
            qualified,
            disqualified,
        } => {
            assert_eq!(threshold, 2);
            assert_eq!(qualified, vec![1]);
            let named: Vec<(u8, &str)> = disqualified
                .iter()
                .map(|d| (d.trustee(), d.reason().code()))
                .collect();
            assert_eq!(
                named,
                vec![(2, "ERR_DKG_SHARE_INVALID"), (3, "ERR_DKG_SHARE_INVALID")]
            );
        }
        other => panic!("{other:?}"),
    };
    stop(evaluate_ceremony(&c.params, &c.record).unwrap_err());
    stop(verify_ceremony(&c.params, &c.record).unwrap_err());
    stop(c.trustee(1).round4(&c.record, &mut rng).unwrap_err());
}

#[test]
fn d04_absent_trustee_is_excluded() {
    let mut rng = insecure_deterministic_rng(46);
    let mut c = Ceremony::new(ELECTION_A, 5, 3, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[5], &mut rng);
    c.round3_except(&[5], &mut rng);
    assert_excluded_and_completes(&mut c, 5, "ERR_DKG_MESSAGE_MISSING", &mut rng);
}

// ------------------------------------------------------------------ D5

#[test]
fn d05_reveal_must_match_round1_commitment() {
    let mut rng = insecure_deterministic_rng(51);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    // Trustee 3, having seen the others, switches to another polynomial
    // under the same keys.
    let keys = c.trustee(3).keys().clone();
    let switched = Trustee::with_keys(&c.params, 3, keys, &mut rng).unwrap();
    let mut own_view = c.record.clone();
    own_view.round1.retain(|m| m.sender() != 3);
    own_view.round1.push(switched.round1(&mut rng).unwrap());
    let late = switched.round2(&own_view, &mut rng).unwrap();
    let e = late.verify(&c.params, c.round1_of(3), &[1, 2]).unwrap_err();
    assert!(matches!(
        e,
        Error::DkgCommitmentInvalid {
            trustee: 3,
            reason: "the commitments do not match the round-1 hash"
        }
    ));
    c.record.round2.push(late);
    c.round2_except(&[3], &mut rng);
    c.round3_except(&[3], &mut rng);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMMITMENT_INVALID", &mut rng);
}

#[test]
fn d05_round1_hides_the_commitments() {
    let mut rng = insecure_deterministic_rng(52);
    let c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    let m = c.trustee(1).round1(&mut rng).unwrap();
    // Round 1 carries only the identity and a hash: no commitment appears.
    let bytes = m.to_bytes();
    assert_eq!(bytes.len(), 322);
    let mut view = CeremonyRecord::new();
    view.round1.push(m);
    for t in &c.trustees[1..] {
        view.round1.push(t.round1(&mut rng).unwrap());
    }
    let r2 = c.trustee(1).round2(&view, &mut rng).unwrap();
    for cmt in r2.commitments() {
        assert!(!bytes.windows(32).any(|w| w == cmt.to_bytes()));
    }
}

// ------------------------------------------------------------------ D6

#[test]
fn d06_missing_certificate_rejected() {
    let (mut c, _shares, outcome) = honest(3, 2, 61);
    let all = c.record.round4.clone();
    c.record.round4.retain(|m| m.sender() != 2);
    assert_eq!(
        verify_ceremony(&c.params, &c.record),
        Err(Error::DkgTranscriptMismatch { trustees: vec![2] })
    );
    // A certificate of another transcript hash is a mismatch too.
    let mut rng = insecure_deterministic_rng(62);
    let wrong = Round4Message::sign_unchecked(
        &c.params,
        c.trustee(2).keys(),
        2,
        [9; 32],
        outcome.key().joint_key().clone(),
        &mut rng,
    );
    c.record.round4.push(wrong);
    assert_eq!(
        verify_ceremony(&c.params, &c.record).unwrap_err().code(),
        "ERR_DKG_TRANSCRIPT_MISMATCH"
    );
    c.record.round4 = all;
    assert_eq!(verify_ceremony(&c.params, &c.record).unwrap(), outcome);
}

#[test]
fn d06_split_view_detected() {
    let mut rng = insecure_deterministic_rng(63);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    // The board shows trustee 3 another (validly signed) round-2 message of 1.
    let other = c.trustee(1).round2(&c.record, &mut rng).unwrap();
    assert_ne!(&other, c.round2_of(1));
    let view_a = c.record.clone();
    let mut view_b = c.record.clone();
    view_b.round2.retain(|m| m.sender() != 1);
    view_b.round2.push(other);
    let r3: Vec<Round3Message> = vec![
        c.trustee(1).round3(&view_a, &mut rng).unwrap(),
        c.trustee(2).round3(&view_a, &mut rng).unwrap(),
        c.trustee(3).round3(&view_b, &mut rng).unwrap(),
    ];
    let view_a = CeremonyRecord {
        round3: r3.clone(),
        ..view_a
    };
    let view_b = CeremonyRecord {
        round3: r3,
        ..view_b
    };
    let certs = vec![
        c.trustee(1).round4(&view_a, &mut rng).unwrap().0,
        c.trustee(2).round4(&view_a, &mut rng).unwrap().0,
        c.trustee(3).round4(&view_b, &mut rng).unwrap().0,
    ];
    assert_ne!(certs[0].transcript_hash(), certs[2].transcript_hash());
    let audited = CeremonyRecord {
        round4: certs.clone(),
        ..view_a
    };
    assert_eq!(
        verify_ceremony(&c.params, &audited),
        Err(Error::DkgTranscriptMismatch { trustees: vec![3] })
    );
    // With both messages of trustee 1 on the record, 1 equivocated.
    let mut full = audited.clone();
    full.round2
        .extend(view_b.round2.iter().filter(|m| m.sender() == 1).cloned());
    let outcome = evaluate_ceremony(&c.params, &full).unwrap();
    assert_eq!(outcome.disqualified()[0].trustee(), 1);
    assert_eq!(
        verify_ceremony(&c.params, &full).unwrap_err().code(),
        "ERR_DKG_TRANSCRIPT_MISMATCH"
    );
}

// ------------------------------------------------------------------ D7

#[test]
fn d07_invalid_partial_decryption_named_and_decryption_completes() {
    let (_c, shares, outcome) = honest(5, 3, 71);
    let key = outcome.key();
    let mut rng = insecure_deterministic_rng(72);
    let (ct, _) = key.joint_key().encrypt(5, &mut rng);
    let (other_ct, _) = key.joint_key().encrypt(6, &mut rng);
    let mut parts = partial_decryptions(&shares, &ct, &mut rng);
    // Trustee 2 sends a share of another ciphertext; trustee 4 a proof made
    // on another transcript.
    parts[1].1 = shares[1]
        .partial_decrypt(&tally_context(), &other_ct, &mut rng)
        .unwrap();
    parts[3].1 = shares[3]
        .partial_decrypt(&Transcript::new(b"elsewhere"), &ct, &mut rng)
        .unwrap();
    let d = key
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(*d.point(), m_g(5));
    assert_eq!(d.used(), &[1, 3, 5]);
    let named: Vec<(u8, &str)> = d
        .rejected()
        .iter()
        .map(|e| match e {
            Error::ShareInvalid { trustee, .. } => (*trustee, e.code()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        named,
        vec![(2, "ERR_SHARE_INVALID"), (4, "ERR_SHARE_INVALID")]
    );
    // Without trustee 5 only two valid shares remain.
    match key.verify_and_combine(&tally_context(), &ct, &parts[..4]) {
        Err(Error::InsufficientShares {
            valid,
            invalid,
            missing,
            ..
        }) => {
            assert_eq!(valid, vec![1, 3]);
            assert_eq!(invalid, vec![2, 4]);
            assert_eq!(missing, vec![5]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn d07_duplicate_and_unqualified_shares_rejected() {
    let mut rng = insecure_deterministic_rng(73);
    let mut c = Ceremony::new(ELECTION_A, 4, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[4], &mut rng);
    c.round3_except(&[4], &mut rng);
    let shares = c.round4(&mut rng);
    let key = verify_ceremony(&c.params, &c.record).unwrap().key().clone();
    assert_eq!(key.qualified(), &[1, 2, 3]);
    let (ct, _) = key.joint_key().encrypt(3, &mut rng);
    let mut parts = partial_decryptions(&shares, &ct, &mut rng);
    parts.push(parts[0]);
    parts.push((4, parts[1].1));
    let d = key
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(*d.point(), m_g(3));
    let reasons: Vec<_> = d.rejected().iter().map(|e| e.to_string()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("trustee 1") && reasons[1].contains("trustee 4"));
}

// ------------------------------------------------------------------ replay

#[test]
fn replayed_messages_from_another_election_rejected() {
    let mut rng = insecure_deterministic_rng(81);
    let (a, _, _) = honest(3, 2, 82);
    let mut b = Ceremony::new(ELECTION_B, 3, 2, &mut rng);
    b.run_rounds_1_to_3(&mut rng);
    b.round4(&mut rng);
    let wrong = |e: Error| assert_eq!(e.code(), "ERR_WRONG_ELECTION", "{e}");
    // Message by message.
    wrong(b.record.round1[0].verify(&a.params).unwrap_err());
    wrong(
        b.round2_of(1)
            .verify(&a.params, b.round1_of(1), &[2, 3])
            .unwrap_err(),
    );
    let key = b.round1_of(1).identity().signing_key().clone();
    wrong(
        b.record.round3[0]
            .verify(&a.params, &key, &[2, 3])
            .unwrap_err(),
    );
    wrong(b.record.round4[0].verify(&a.params, &key).unwrap_err());
    // Inside a record, for a trustee and an auditor alike.
    for round in 1..=4 {
        let mut r = a.record.clone();
        match round {
            1 => r.round1[0] = b.record.round1[0].clone(),
            2 => r.round2[0] = b.record.round2[0].clone(),
            3 => r.round3[0] = b.record.round3[0].clone(),
            _ => r.round4[0] = b.record.round4[0].clone(),
        }
        wrong(verify_ceremony(&a.params, &r).unwrap_err());
        if round < 4 {
            wrong(a.trustee(1).round4(&r, &mut rng).unwrap_err());
        }
    }
    // Same election id, other parameters: the signatures do not carry over.
    let p = params(ELECTION_A, 3, 3);
    assert_eq!(
        a.record.round1[0].verify(&p).unwrap_err().code(),
        "ERR_SIGNATURE_INVALID"
    );
}

#[test]
fn unsigned_message_in_record_is_an_error_not_evidence() {
    let (a, _, _) = honest(3, 2, 83);
    let mut r = a.record.clone();
    let mut bytes = r.round2[1].to_bytes();
    let z = bytes.len() - 32;
    bytes[z] ^= 1; // the signature's response, still a canonical scalar
    r.round2[1] = Round2Message::from_bytes(&bytes).unwrap();
    assert!(matches!(
        verify_ceremony(&a.params, &r),
        Err(Error::DkgSignatureInvalid { round: 2, .. })
    ));
}
