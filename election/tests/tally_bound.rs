//! The tally bound (spec/record.md §3.3 (M8), §4.2 (L6); spec/crypto.md
//! §6.2 (L2)): a contest whose largest possible total exceeds 2^40 is
//! refused where the bound becomes known — by manifest validation for one
//! vote, by the rule-book's credential-list check for the whole list.
#![allow(clippy::unwrap_used)]

use rand_core::OsRng;
use urna_crypto::dlog::TALLY_BOUND;
use urna_crypto::SecretKey;
use urna_election::manifest::SPEC_VERSION;
use urna_election::rules::check_tally_bound;
use urna_election::{
    Contest, ContestKind, ContestOption, CredentialEntry, CredentialList, LocalizedText, Manifest,
    TrusteeInfo,
};

fn manifest() -> Manifest {
    let t = |s: &str| LocalizedText::single("en", s);
    Manifest {
        spec_version: SPEC_VERSION.into(),
        election_id: "test".into(),
        title: t("Test"),
        description: LocalizedText::default(),
        default_language: "en".into(),
        opens_at: 1,
        closes_at: 2,
        trustees: vec![TrusteeInfo {
            name: "A".into(),
            signing_key: SecretKey::generate(&mut OsRng).public_key(),
        }],
        threshold: 1,
        organizer_key: SecretKey::generate(&mut OsRng).public_key(),
        credential_authority_key: SecretKey::generate(&mut OsRng).public_key(),
        weighted: false,
        contests: vec![Contest {
            id: "c".into(),
            title: t("Q"),
            kind: ContestKind::Score { max_score: 5 },
            options: vec![ContestOption {
                id: "o".into(),
                title: t("O"),
            }],
        }],
    }
}

/// spec/record.md (M8), (L6): a contest whose largest possible total
/// exceeds the tally bound is refused where the bound becomes known.
#[test]
fn tally_bound_is_enforced_by_manifest_and_credential_list() {
    // (M8): one unit-weight vote must already fit.
    let mut m = manifest();
    m.contests[0].kind = ContestKind::Score {
        max_score: TALLY_BOUND + 1,
    };
    let e = m.validate().unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID");
    assert!(e.to_string().contains("tally bound"), "{e}");
    m.contests[0].kind = ContestKind::Score {
        max_score: TALLY_BOUND,
    };
    m.validate().unwrap();
    // (L6): 1,000 credentials of weight 1,000,000 with scores up to
    // 1,099 give W·S = 1.099·10¹² ≤ 2⁴⁰; 1,100 does not fit.
    m.weighted = true;
    let list = |n: usize, weight: u64| {
        CredentialList::new(
            (0..n)
                .map(|_| CredentialEntry {
                    public: SecretKey::generate(&mut OsRng).public_key(),
                    weight,
                })
                .collect(),
        )
        .unwrap()
    };
    let heavy = list(1000, 1_000_000);
    m.contests[0].kind = ContestKind::Score { max_score: 1_099 };
    check_tally_bound(&m, &heavy).unwrap();
    m.contests[0].kind = ContestKind::Score { max_score: 1_100 };
    let e = check_tally_bound(&m, &heavy).unwrap_err();
    assert_eq!(e.code(), "ERR_CREDENTIAL_LIST_INVALID");
    assert!(e.to_string().contains("2^40"), "{e}");
    // The same contest with one unit-weight credential is fine.
    check_tally_bound(&m, &list(1, 1)).unwrap();
    // Budget contests use max_per_option, approval contests 1.
    m.contests[0].kind = ContestKind::Budget {
        max_per_option: 1_100,
        budget: 1_100,
    };
    assert!(check_tally_bound(&m, &heavy).is_err());
}
