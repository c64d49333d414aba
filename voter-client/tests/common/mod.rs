//! Shared by the integration tests: a complete election set up as its
//! organizer, credential authority and trustees would (real ceremony).
#![allow(dead_code)]

use rand_core::OsRng;
use urna_crypto::dkg::{CeremonyMessage, CeremonyRecord, Trustee, TrusteeKeys};
use urna_crypto::SecretKey;
use urna_election::entry::{sign_credentials, sign_manifest, StateChange};
use urna_election::{
    CredentialEntry, CredentialList, Entry, Hash32, LocalizedText, Manifest, Phase, TrusteeInfo,
};
use voter_client::election::bundle_fingerprint;
use voter_client::{Credential, ElectionBundle};

/// The real ceremony of `manifest`, trustee `i` holding `keys[i − 1]`
/// (the keys its roster pins).
pub fn ceremony(
    manifest: &Manifest,
    keys: &[TrusteeKeys],
) -> (Vec<CeremonyMessage>, urna_crypto::PublicKey) {
    let params = tally::ceremony::params(manifest).unwrap();
    let rng = &mut OsRng;
    let trustees: Vec<Trustee> = params
        .indices()
        .zip(keys)
        .map(|(i, k)| Trustee::with_keys(&params, i, k.clone(), rng).unwrap())
        .collect();
    let mut record = CeremonyRecord::new();
    let mut posted = Vec::new();
    let mut post = |record: &mut CeremonyRecord, m: CeremonyMessage| {
        posted.push(m.clone());
        record.push(m);
    };
    for t in &trustees {
        post(&mut record, CeremonyMessage::Round1(t.round1(rng).unwrap()));
    }
    let r2: Vec<_> = trustees
        .iter()
        .map(|t| t.round2(&record, rng).unwrap())
        .collect();
    for m in r2 {
        post(&mut record, CeremonyMessage::Round2(m));
    }
    let r3: Vec<_> = trustees
        .iter()
        .map(|t| t.round3(&record, rng).unwrap())
        .collect();
    for m in r3 {
        post(&mut record, CeremonyMessage::Round3(m));
    }
    let mut r4 = Vec::new();
    let mut key = None;
    for t in &trustees {
        let (m, share) = t.round4(&record, rng).unwrap();
        key = Some(share.joint_key().clone());
        r4.push(m);
    }
    for m in r4 {
        post(&mut record, CeremonyMessage::Round4(m));
    }
    (posted, key.unwrap())
}

/// Everything an election's roles produce before voting opens.
pub struct Setup {
    pub manifest: Manifest,
    pub organizer: SecretKey,
    pub voters: Vec<Credential>,
    pub manifest_entry: Entry,
    pub ceremony: Vec<CeremonyMessage>,
    pub credentials_entry: Entry,
    pub bundle: ElectionBundle,
    pub fingerprint: Hash32,
}

impl Setup {
    pub fn new(election_id: &str, voters: usize) -> Self {
        let organizer = SecretKey::generate(&mut OsRng);
        let authority = SecretKey::generate(&mut OsRng);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let trustee_keys: Vec<TrusteeKeys> =
            (0..3).map(|_| TrusteeKeys::generate(&mut OsRng)).collect();
        let manifest = Manifest {
            spec_version: "urna/v1".into(),
            election_id: election_id.into(),
            title: LocalizedText::single("en", "Client check"),
            description: LocalizedText::default(),
            default_language: "en".into(),
            opens_at: now - 60,
            closes_at: now + 86_400,
            trustees: trustee_keys
                .iter()
                .enumerate()
                .map(|(i, k)| TrusteeInfo {
                    name: format!("T{}", i + 1),
                    signing_key: k.signing_key(),
                })
                .collect(),
            threshold: 2,
            organizer_key: organizer.public_key(),
            credential_authority_key: authority.public_key(),
            weighted: false,
            contests: voter_client::testing::sample_contests(),
        };
        let voters: Vec<Credential> = (0..voters)
            .map(|_| Credential::generate(&mut OsRng))
            .collect();
        let list = CredentialList::new(
            voters
                .iter()
                .map(|c| CredentialEntry {
                    public: c.public_key(),
                    weight: 1,
                })
                .collect(),
        )
        .unwrap();
        let manifest_entry = sign_manifest(manifest.clone(), &organizer, &mut OsRng).unwrap();
        let credentials_entry = sign_credentials(list, &manifest.hash(), &authority, &mut OsRng);
        let (ceremony, key) = ceremony(&manifest, &trustee_keys);
        let bundle = ElectionBundle::new(&manifest_entry, &credentials_entry, &key, None);
        let fingerprint = bundle_fingerprint(&bundle).unwrap();
        Setup {
            manifest,
            organizer,
            voters,
            manifest_entry,
            ceremony,
            credentials_entry,
            bundle,
            fingerprint,
        }
    }

    pub fn state(&self, phase: Phase) -> Entry {
        let t = match phase {
            Phase::Open => self.manifest.opens_at,
            Phase::Close => self.manifest.closes_at,
        };
        Entry::State(StateChange::sign(
            phase,
            self.fingerprint,
            t,
            &self.organizer,
            &mut OsRng,
        ))
    }
}
