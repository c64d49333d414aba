//! Sample elections for tests, examples and demonstrations (the doctests,
//! the `wasm/` tests, the CLI's tests). Every role's key is random and
//! thrown away, so a sample election is valid but nobody can decrypt it.
//! Not for real elections: a real one comes from its organizer and board.

use rand_core::OsRng;
use urna_crypto::SecretKey;
use urna_election::entry::{sign_credentials, sign_manifest};
use urna_election::{
    Contest, ContestKind, ContestOption, CredentialEntry, CredentialList, LocalizedText, Manifest,
    TrusteeInfo,
};

use crate::credential::Credential;
use crate::election::{Election, ElectionBundle, ExpectedFingerprint};

fn text(en: &str, ru: &str) -> LocalizedText {
    let mut t = LocalizedText::single("en", en);
    t.0.insert("ru".into(), ru.into());
    t
}

/// The contests of the sample election: `council` (approval, 4 options,
/// choose 1 to 2) and `priorities` (score, 3 options, 0 to 5 each).
pub fn sample_contests() -> Vec<Contest> {
    let options = |n: usize| {
        (0..n)
            .map(|i| ContestOption {
                id: format!("option-{}", i + 1),
                title: text(
                    &format!("Candidate {}", i + 1),
                    &format!("Кандидат {}", i + 1),
                ),
            })
            .collect::<Vec<_>>()
    };
    vec![
        Contest {
            id: "council".into(),
            title: text(
                "Who should sit on the council?",
                "Кто должен войти в совет?",
            ),
            kind: ContestKind::Approval { min: 1, max: 2 },
            options: options(4),
        },
        Contest {
            id: "priorities".into(),
            title: text(
                "Rate each priority from 0 to 5",
                "Оцените каждый приоритет от 0 до 5",
            ),
            kind: ContestKind::Score { max_score: 5 },
            options: options(3),
        },
    ]
}

/// A sample election with these contests and `voters` credentials:
/// the loaded election, its bundle (no board key) and the credentials.
///
/// # Panics
///
/// Only if the hard-coded sample is invalid (a bug caught by the tests).
#[allow(clippy::expect_used)]
pub fn sample_election_with(
    contests: Vec<Contest>,
    voters: usize,
) -> (Election, ElectionBundle, Vec<Credential>) {
    let organizer = SecretKey::generate(&mut OsRng);
    let authority = SecretKey::generate(&mut OsRng);
    let manifest = Manifest {
        spec_version: urna_election::manifest::SPEC_VERSION.into(),
        election_id: "sample".into(),
        title: text("Sample election", "Пробные выборы"),
        description: LocalizedText::default(),
        default_language: "en".into(),
        opens_at: 1_800_000_000,
        closes_at: 1_800_086_400,
        trustees: vec![TrusteeInfo {
            name: "Trustee 1".into(),
            signing_key: SecretKey::generate(&mut OsRng).public_key(),
        }],
        threshold: 1,
        organizer_key: organizer.public_key(),
        credential_authority_key: authority.public_key(),
        weighted: false,
        contests,
    };
    let credentials: Vec<Credential> = (0..voters.max(1))
        .map(|_| Credential::generate(&mut OsRng))
        .collect();
    let list = CredentialList::new(
        credentials
            .iter()
            .map(|c| CredentialEntry {
                public: c.public_key(),
                weight: 1,
            })
            .collect(),
    )
    .expect("sample credential list");
    let manifest_hash = manifest.hash();
    let manifest_entry = sign_manifest(manifest, &organizer, &mut OsRng).expect("sample manifest");
    let credentials_entry = sign_credentials(list, &manifest_hash, &authority, &mut OsRng);
    let key = SecretKey::generate(&mut OsRng).public_key();
    let bundle = ElectionBundle::new(&manifest_entry, &credentials_entry, &key, None);
    let fp = crate::election::bundle_fingerprint(&bundle).expect("sample bundle");
    let election =
        Election::load(&bundle, &ExpectedFingerprint::Full(fp)).expect("sample election");
    (election, bundle, credentials)
}

/// [`sample_election_with`] the [`sample_contests`].
pub fn sample_election(voters: usize) -> (Election, ElectionBundle, Vec<Credential>) {
    sample_election_with(sample_contests(), voters)
}
