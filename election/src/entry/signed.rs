//! Signed actions (spec/record.md §6.2): the transcript every role's
//! signature runs on, and the signing and checking of the manifest, the
//! credential list, credential replacements, state changes and the result;
//! and the transcript of the trustees' decryption proofs.

use super::*;

/// The transcript of a signed action (spec/record.md §6.2): who signs
/// (`role`), what (`action`), and for which election (`election`: the
/// manifest hash for the credential list, the fingerprint for a result;
/// empty for the manifest itself), so a signature can never be moved to
/// another kind of action or another election.
pub(super) fn action_transcript(
    role: &'static [u8],
    action: &'static [u8],
    election: &[u8],
) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/signed-action");
    t.append_message(b"role", role);
    t.append_message(b"action", action);
    t.append_message(b"election", election);
    t
}

pub(super) fn replacement_body(list_hash: &Hash32, old: &PublicKey, new: &PublicKey) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(&list_hash.0)
        .element(old.element())
        .element(new.element());
    w.into_bytes()
}

impl CredentialReplacement {
    /// Sign a replacement of `old` by `new` in `list` as the credential
    /// authority of the election with manifest hash `manifest_hash`.
    pub fn sign<R: RngCore + CryptoRng>(
        list: &CredentialList,
        old: PublicKey,
        new: PublicKey,
        manifest_hash: &Hash32,
        authority: &SecretKey,
        rng: &mut R,
    ) -> Self {
        let list_hash = list.hash();
        let signature = Signature::sign(
            &mut action_transcript(b"credential-authority", b"replace", &manifest_hash.0),
            authority,
            &replacement_body(&list_hash, &old, &new),
            rng,
        );
        CredentialReplacement {
            list_hash,
            old,
            new,
            signature,
        }
    }

    /// Check the signature (spec/record.md §6.2 (S5)) and apply the
    /// replacement to `list` (spec/record.md §4.3 (L5)): the new list.
    pub fn apply(
        &self,
        list: &CredentialList,
        authority: &PublicKey,
        manifest_hash: &Hash32,
    ) -> Result<CredentialList> {
        self.signature
            .verify(
                &mut action_transcript(b"credential-authority", b"replace", &manifest_hash.0),
                authority,
                &replacement_body(&self.list_hash, &self.old, &self.new),
            )
            .map_err(|_| {
                ElectionError::SignatureInvalid(
                    "the credential replacement is not signed by the credential authority of the manifest"
                        .into(),
                )
            })?;
        if self.list_hash != list.hash() {
            return Err(ElectionError::CredentialListInvalid(
                "the replacement was made for another version of the credential list".into(),
            ));
        }
        list.replace(&self.old, &self.new)
    }
}

pub(super) fn state_body(phase: Phase, fingerprint: &Hash32, timestamp: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(match phase {
        Phase::Open => 1,
        Phase::Close => 2,
    })
    .fixed(&fingerprint.0)
    .u64(timestamp);
    w.into_bytes()
}

pub(super) fn result_body(totals: &[Vec<u64>]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u32(totals.len() as u32);
    for c in totals {
        w.u32(c.len() as u32);
        for v in c {
            w.u64(*v);
        }
    }
    w.into_bytes()
}

impl StateChange {
    /// Sign a state change with the organizer key.
    pub fn sign<R: RngCore + CryptoRng>(
        phase: Phase,
        fingerprint: Hash32,
        timestamp: u64,
        organizer: &SecretKey,
        rng: &mut R,
    ) -> Self {
        let body = state_body(phase, &fingerprint, timestamp);
        let signature = Signature::sign(
            &mut action_transcript(b"organizer", b"state", &[]),
            organizer,
            &body,
            rng,
        );
        StateChange {
            phase,
            fingerprint,
            timestamp,
            signature,
        }
    }

    /// Check the organizer's signature (spec/record.md §6.2 (S2)).
    pub fn verify(&self, organizer: &PublicKey) -> Result<()> {
        let body = state_body(self.phase, &self.fingerprint, self.timestamp);
        self.signature
            .verify(
                &mut action_transcript(b"organizer", b"state", &[]),
                organizer,
                &body,
            )
            .map_err(|_| {
                ElectionError::SignatureInvalid(
                    "the state change is not signed by the organizer key of the manifest".into(),
                )
            })
    }
}

impl ElectionResult {
    /// Sign a result with the organizer key.
    pub fn sign<R: RngCore + CryptoRng>(
        totals: Vec<Vec<u64>>,
        fingerprint: &Hash32,
        organizer: &SecretKey,
        rng: &mut R,
    ) -> Self {
        let body = result_body(&totals);
        let signature = Signature::sign(
            &mut action_transcript(b"organizer", b"result", &fingerprint.0),
            organizer,
            &body,
            rng,
        );
        ElectionResult { totals, signature }
    }

    /// Check the organizer's signature (spec/record.md §6.2 (S4)).
    pub fn verify(&self, organizer: &PublicKey, fingerprint: &Hash32) -> Result<()> {
        self.signature
            .verify(
                &mut action_transcript(b"organizer", b"result", &fingerprint.0),
                organizer,
                &result_body(&self.totals),
            )
            .map_err(|_| {
                ElectionError::SignatureInvalid("the result is not signed by the organizer".into())
            })
    }
}

/// Sign the manifest as its organizer.
pub fn sign_manifest<R: RngCore + CryptoRng>(
    manifest: Manifest,
    organizer: &SecretKey,
    rng: &mut R,
) -> Result<Entry> {
    if organizer.public_key() != manifest.organizer_key {
        return Err(ElectionError::invalid(
            "organizer_key",
            "the signing key is not the organizer key named in the manifest",
        ));
    }
    let signature = Signature::sign(
        &mut action_transcript(b"organizer", b"manifest", &[]),
        organizer,
        &manifest.to_bytes(),
        rng,
    );
    Ok(Entry::Manifest {
        manifest,
        signature,
    })
}

/// Sign the credential list as the credential authority.
pub fn sign_credentials<R: RngCore + CryptoRng>(
    list: CredentialList,
    manifest_hash: &Hash32,
    authority: &SecretKey,
    rng: &mut R,
) -> Entry {
    let signature = Signature::sign(
        &mut action_transcript(b"credential-authority", b"credentials", &manifest_hash.0),
        authority,
        &list.to_bytes(),
        rng,
    );
    Entry::Credentials { list, signature }
}

/// Check the manifest entry's organizer signature (spec/record.md §6.2 (S1)).
pub fn verify_manifest_signature(manifest: &Manifest, signature: &Signature) -> Result<()> {
    signature
        .verify(
            &mut action_transcript(b"organizer", b"manifest", &[]),
            &manifest.organizer_key,
            &manifest.to_bytes(),
        )
        .map_err(|_| {
            ElectionError::SignatureInvalid(
                "the manifest is not signed by its organizer key".into(),
            )
        })
}

/// Check the credential list's authority signature (spec/record.md §6.2 (S3)).
pub fn verify_credentials_signature(
    list: &CredentialList,
    signature: &Signature,
    authority: &PublicKey,
    manifest_hash: &Hash32,
) -> Result<()> {
    signature
        .verify(
            &mut action_transcript(b"credential-authority", b"credentials", &manifest_hash.0),
            authority,
            &list.to_bytes(),
        )
        .map_err(|_| {
            ElectionError::SignatureInvalid(
                "the credential list is not signed by the credential authority of the manifest"
                    .into(),
            )
        })
}

/// The decryption-proof context of contest `c`, option `o` (spec/record.md
/// §7.2). Trustee `j`'s proof runs on this transcript extended with
/// `trustee = j` (`urna_crypto::dkg::decryption_transcript`, spec/trustees.md).
pub fn tally_context(fingerprint: &Hash32, contest: usize, option: usize) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/tally");
    t.append_message(b"fingerprint", &fingerprint.0);
    t.append_u64(b"contest", contest as u64);
    t.append_u64(b"option", option as u64);
    t
}
