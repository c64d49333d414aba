//! Encrypted ballots, their tracking codes and audits (spec/record.md §5).
//!
//! A ballot holds, per contest of the manifest, an [`EncryptedContest`]
//! (ciphertexts and proofs), plus the election fingerprint, the voter's
//! credential public key and a Schnorr signature by that credential over
//! everything else. Every proof's transcript starts with
//! `Transcript::new("urna/v1/ballot")`, then `fingerprint`, `credential`,
//! `contest` (u64 index): a proof cannot be moved to another election,
//! credential or contest (docs/attacks.md A6, B1, B9).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use urna_crypto::batch::Item;
use urna_crypto::group::{Reader, Writer};
use urna_crypto::{
    BatchVerifier, Ciphertext, ContestBounds, ContestOpening, EncryptedContest, PublicKey, Scalar,
    SecretKey, Signature,
};

use crate::codec::{hash, Hash32};
use crate::credentials::CredentialList;
use crate::error::{ElectionError, Result};
use crate::manifest::Manifest;

/// Largest encoded ballot accepted (bytes).
pub const MAX_BALLOT_BYTES: usize = 1 << 20;

/// Everything a ballot is checked against: the manifest, the joint election
/// key and the credential list, and the fingerprint that binds them.
#[derive(Clone, Debug)]
pub struct ElectionContext {
    manifest: Manifest,
    election_key: PublicKey,
    credentials: CredentialList,
    fingerprint: Hash32,
    bounds: Vec<ContestBounds>,
}

impl ElectionContext {
    /// Combine the three parts; checks (spec/record.md §4.2 (L4)) that an
    /// unweighted election has only weight-1 credentials.
    pub fn new(
        manifest: Manifest,
        election_key: PublicKey,
        credentials: CredentialList,
    ) -> Result<Self> {
        if !manifest.weighted && !credentials.is_unweighted() {
            return Err(ElectionError::CredentialListInvalid(
                "the election is unweighted but the list has weights other than 1".into(),
            ));
        }
        let bounds = manifest
            .contests
            .iter()
            .map(|c| c.bounds())
            .collect::<Result<Vec<_>>>()?;
        let fingerprint =
            election_fingerprint(&manifest.hash(), &election_key, &credentials.hash());
        Ok(ElectionContext {
            manifest,
            election_key,
            credentials,
            fingerprint,
            bounds,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// The joint election key `K`.
    pub fn election_key(&self) -> &PublicKey {
        &self.election_key
    }
    /// The credential list.
    pub fn credentials(&self) -> &CredentialList {
        &self.credentials
    }
    /// The election fingerprint.
    pub fn fingerprint(&self) -> Hash32 {
        self.fingerprint
    }
    /// Per-contest bounds.
    pub fn bounds(&self) -> &[ContestBounds] {
        &self.bounds
    }
}

/// `H("urna/v1/election-fingerprint", manifest hash ‖ K ‖ credential list hash)`
/// (spec/record.md §2.3 (H4)).
pub fn election_fingerprint(manifest: &Hash32, key: &PublicKey, credentials: &Hash32) -> Hash32 {
    let mut data = Vec::with_capacity(96);
    data.extend_from_slice(&manifest.0);
    data.extend_from_slice(&key.to_bytes());
    data.extend_from_slice(&credentials.0);
    Hash32(hash("urna/v1/election-fingerprint", &data))
}

/// The proof context of contest `index` (spec/record.md §5.2).
pub fn contest_context(fingerprint: &Hash32, credential: &PublicKey, index: usize) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/ballot");
    t.append_message(b"fingerprint", &fingerprint.0);
    t.append_message(b"credential", &credential.to_bytes());
    t.append_u64(b"contest", index as u64);
    t
}

fn signature_transcript() -> Transcript {
    Transcript::new(b"urna/v1/ballot-signature")
}

/// A ballot's tracking code (spec/record.md §2.3 (H5)):
///
/// ```text
/// H_c  = H("urna/v1/ballot-ciphertexts", fingerprint ‖ BE32(nc) ‖ (BE32(n) ‖ ciphertextⁿ)^nc)
/// H_b  = H("urna/v1/ballot-seal", ballot bytes)
/// code = H("urna/v1/tracking-code", H_c ‖ H_b)
/// ```
///
/// `H_c` covers exactly what an audit reveals, so a second device can
/// recompute the code from an audited entry (which carries `H_b`, not the
/// credential, proofs or signature, docs/attacks.md G10). Shown to voters
/// in a short form.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TrackingCode(pub Hash32);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl TrackingCode {
    /// `H("urna/v1/tracking-code", H_c ‖ H_b)` from its two halves.
    pub fn of_parts(ciphertexts: &Hash32, seal: &Hash32) -> Self {
        let mut data = [0u8; 64];
        data[..32].copy_from_slice(&ciphertexts.0);
        data[32..].copy_from_slice(&seal.0);
        TrackingCode(Hash32(hash("urna/v1/tracking-code", &data)))
    }

    /// The first 100 bits in Crockford base32, in five groups of four:
    /// `7KQ2-M9XA-P3RT-0WBN-C4HE`. Long enough that nobody can make two
    /// ballots share it on purpose in the life of an election.
    pub fn short(&self) -> String {
        let bytes = &self.0 .0;
        let mut acc: u128 = 0;
        for b in &bytes[..13] {
            acc = (acc << 8) | u128::from(*b);
        }
        // 104 bits read; keep the top 100.
        acc >>= 4;
        let mut chars = Vec::with_capacity(24);
        for i in (0..20).rev() {
            chars.push(CROCKFORD[((acc >> (i * 5)) & 31) as usize]);
        }
        let s: Vec<String> = chars
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        s.join("-")
    }

    /// Full hex.
    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }
}

/// `H_c` of (H5): the fingerprint and every ciphertext, contest by
/// contest, each contest prefixed by its count (the first part of an
/// audited entry's body, spec/record.md §6.1).
pub fn ciphertext_hash<'a, C, O>(fingerprint: &Hash32, contests: C) -> Hash32
where
    C: ExactSizeIterator<Item = O>,
    O: ExactSizeIterator<Item = &'a Ciphertext>,
{
    let mut w = Writer::new();
    write_ciphertexts(&mut w, fingerprint, contests);
    Hash32(hash("urna/v1/ballot-ciphertexts", &w.into_bytes()))
}

/// `fingerprint ‖ BE32(nc) ‖ (BE32(n) ‖ ciphertextⁿ)^nc`.
pub(crate) fn write_ciphertexts<'a, C, O>(w: &mut Writer, fingerprint: &Hash32, contests: C)
where
    C: ExactSizeIterator<Item = O>,
    O: ExactSizeIterator<Item = &'a Ciphertext>,
{
    w.fixed(&fingerprint.0);
    w.u32(contests.len() as u32);
    for c in contests {
        w.u32(c.len() as u32);
        for ct in c {
            ct.write(w);
        }
    }
}

fn write_unsigned(
    w: &mut Writer,
    fp: &Hash32,
    credential: &PublicKey,
    contests: &[EncryptedContest],
) {
    w.fixed(&fp.0);
    w.element(credential.element());
    w.u32(contests.len() as u32);
    for c in contests {
        c.write(w);
    }
}

/// An encrypted, proven and signed ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedBallot {
    fingerprint: Hash32,
    credential: PublicKey,
    contests: Vec<EncryptedContest>,
    signature: Signature,
}

/// The secret opening of a ballot (values and randomness), for an audit.
pub struct BallotOpening(Vec<ContestOpening>);

impl BallotOpening {
    /// Reveal everything (the ballot must then be spoiled, never cast).
    pub fn reveal(self) -> Vec<(Vec<u64>, Vec<Scalar>)> {
        self.0.into_iter().map(ContestOpening::reveal).collect()
    }
}

impl EncryptedBallot {
    /// Encrypt `choices` (one vector of option values per contest), prove,
    /// and sign with the credential.
    pub fn encrypt<R: RngCore + CryptoRng>(
        ctx: &ElectionContext,
        credential: &SecretKey,
        choices: &[Vec<u64>],
        rng: &mut R,
    ) -> Result<(Self, BallotOpening)> {
        if choices.len() != ctx.bounds.len() {
            return Err(ElectionError::BallotShape(format!(
                "{} contests chosen, the manifest has {}",
                choices.len(),
                ctx.bounds.len()
            )));
        }
        let public = credential.public_key();
        let mut contests = Vec::with_capacity(choices.len());
        let mut openings = Vec::with_capacity(choices.len());
        for (i, (c, bounds)) in choices.iter().zip(&ctx.bounds).enumerate() {
            let t = contest_context(&ctx.fingerprint, &public, i);
            let (enc, open) = EncryptedContest::encrypt(&t, &ctx.election_key, bounds, c, rng)
                .map_err(|e| {
                    ElectionError::BallotShape(format!(
                        "contest `{}`: {e}",
                        ctx.manifest.contests[i].id
                    ))
                })?;
            contests.push(enc);
            openings.push(open);
        }
        let mut w = Writer::new();
        write_unsigned(&mut w, &ctx.fingerprint, &public, &contests);
        let signature = Signature::sign(
            &mut signature_transcript(),
            credential,
            &w.into_bytes(),
            rng,
        );
        let ballot = EncryptedBallot {
            fingerprint: ctx.fingerprint,
            credential: public,
            contests,
            signature,
        };
        Ok((ballot, BallotOpening(openings)))
    }

    /// The election fingerprint the ballot claims.
    pub fn fingerprint(&self) -> Hash32 {
        self.fingerprint
    }
    /// The credential that signed it.
    pub fn credential(&self) -> &PublicKey {
        &self.credential
    }
    /// The encrypted contests.
    pub fn contests(&self) -> &[EncryptedContest] {
        &self.contests
    }

    fn write_unsigned(&self, w: &mut Writer) {
        write_unsigned(w, &self.fingerprint, &self.credential, &self.contests);
    }

    /// The bytes the credential signs: the encoding without the signature.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write_unsigned(&mut w);
        w.into_bytes()
    }

    /// `fingerprint ‖ credential ‖ u32 n ‖ contestⁿ ‖ signature` (spec/record.md §5.1).
    pub fn write(&self, w: &mut Writer) {
        self.write_unsigned(w);
        self.signature.write(w);
    }

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let fingerprint = Hash32::read(r, "ballot fingerprint")?;
        let credential = PublicKey::from_group_element(r.element("ballot credential")?)?;
        let n = r.count(crate::manifest::MAX_CONTESTS as u32, "ballot contest count")?;
        let contests = (0..n)
            .map(|_| EncryptedContest::read(r).map_err(ElectionError::from))
            .collect::<Result<Vec<_>>>()?;
        let signature = Signature::read(r)?;
        Ok(EncryptedBallot {
            fingerprint,
            credential,
            contests,
            signature,
        })
    }

    /// Decode canonical bytes (size-limited, no trailing bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        if b.len() > MAX_BALLOT_BYTES {
            return Err(ElectionError::BallotShape(format!(
                "ballot of {} bytes exceeds {MAX_BALLOT_BYTES}",
                b.len()
            )));
        }
        let mut r = Reader::new(b);
        let ballot = Self::read(&mut r)?;
        r.finish("ballot")?;
        Ok(ballot)
    }

    /// `H_c` of (H5): the fingerprint and the ciphertexts.
    pub fn ciphertext_hash(&self) -> Hash32 {
        ciphertext_hash(
            &self.fingerprint,
            self.contests.iter().map(|c| c.ciphertexts().iter()),
        )
    }

    /// `H_b` of (H5): the whole ballot, proofs, credential and signature
    /// included. Their fresh randomness makes it a hiding commitment to
    /// the credential (spec/record.md §5.5).
    pub fn seal_hash(&self) -> Hash32 {
        Hash32(hash("urna/v1/ballot-seal", &self.to_bytes()))
    }

    /// The `α` of every ciphertext, in ballot order (R7).
    pub fn alphas(&self) -> impl Iterator<Item = [u8; 32]> + '_ {
        self.contests
            .iter()
            .flat_map(|c| c.ciphertexts())
            .map(|ct| ct.alpha().to_bytes())
    }

    /// The tracking code (H5).
    pub fn tracking_code(&self) -> TrackingCode {
        TrackingCode::of_parts(&self.ciphertext_hash(), &self.seal_hash())
    }

    /// The cheap checks, before any cryptography (spec/record.md §5.3
    /// (V1)–(V3)): right election, right shape, listed credential.
    pub fn check_before_crypto(&self, ctx: &ElectionContext) -> Result<()> {
        // (V1)
        if self.fingerprint != ctx.fingerprint {
            return Err(ElectionError::WrongElection(format!(
                "the ballot is for election fingerprint {}, this election is {}",
                self.fingerprint.to_hex(),
                ctx.fingerprint.to_hex()
            )));
        }
        // (V2)
        if self.contests.len() != ctx.bounds.len() {
            return Err(ElectionError::BallotShape(format!(
                "{} contests, the manifest has {}",
                self.contests.len(),
                ctx.bounds.len()
            )));
        }
        for (i, (c, b)) in self.contests.iter().zip(&ctx.bounds).enumerate() {
            c.check_shape(b).map_err(|e| {
                ElectionError::BallotShape(format!(
                    "contest `{}`: {e}",
                    ctx.manifest.contests[i].id
                ))
            })?;
        }
        // (V3)
        if ctx.credentials.weight(&self.credential).is_none() {
            return Err(ElectionError::CredentialUnknown);
        }
        Ok(())
    }

    /// Add the signature (V4) and every proof (V5) to one batch item.
    /// Call [`EncryptedBallot::check_before_crypto`] first.
    pub fn add_to_batch(&self, ctx: &ElectionContext, item: &mut Item<'_>) {
        self.signature.add_to_batch(
            &mut signature_transcript(),
            &self.credential,
            &self.signed_bytes(),
            item,
        );
        for (i, (c, b)) in self.contests.iter().zip(&ctx.bounds).enumerate() {
            let t = contest_context(&ctx.fingerprint, &self.credential, i);
            c.add_to_batch(&t, &ctx.election_key, b, item);
        }
    }

    /// (V4) alone: the credential's signature over the ballot, one
    /// signature check (tens of microseconds, against milliseconds for the
    /// proofs). The board checks it before charging the credential's rate
    /// limit, so that only the holder of a credential's secret can spend
    /// that credential's allowance (docs/attacks.md F13).
    pub fn verify_signature(&self) -> Result<()> {
        self.signature
            .verify(
                &mut signature_transcript(),
                &self.credential,
                &self.signed_bytes(),
            )
            .map_err(|_| {
                ElectionError::SignatureInvalid("the credential signature does not verify".into())
            })
    }

    /// Every check of spec/record.md §5.3, on this ballot alone, naming the
    /// first that fails.
    pub fn verify(&self, ctx: &ElectionContext) -> Result<()> {
        self.check_before_crypto(ctx)?;
        // (V4)
        self.verify_signature()?;
        // (V5)
        for (i, (c, b)) in self.contests.iter().zip(&ctx.bounds).enumerate() {
            let t = contest_context(&ctx.fingerprint, &self.credential, i);
            c.verify(&t, &ctx.election_key, b).map_err(|_| {
                ElectionError::ProofInvalid(format!(
                    "contest `{}`: a range proof does not verify",
                    ctx.manifest.contests[i].id
                ))
            })?;
        }
        Ok(())
    }
}

/// Verify many ballots in batches; returns per ballot `Ok` or the precise
/// error (spec/record.md §5.3). With the `parallel` feature, the ballots are
/// split into one batch per core (transcripts, challenges and the
/// multiscalar multiplication all run in parallel).
pub fn verify_ballots(ctx: &ElectionContext, ballots: &[EncryptedBallot]) -> Vec<Result<()>> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        if threads > 1 && ballots.len() >= 64 {
            let chunk = ballots.len().div_ceil(threads);
            return ballots
                .par_chunks(chunk)
                .flat_map_iter(|c| verify_ballots_one_batch(ctx, c))
                .collect();
        }
    }
    verify_ballots_one_batch(ctx, ballots)
}

/// [`verify_ballots`] as one batch on the calling thread's pool.
pub fn verify_ballots_one_batch(
    ctx: &ElectionContext,
    ballots: &[EncryptedBallot],
) -> Vec<Result<()>> {
    let mut results: Vec<Result<()>> = ballots.iter().map(|b| b.check_before_crypto(ctx)).collect();
    let mut batch = BatchVerifier::new();
    let mut in_batch = Vec::with_capacity(ballots.len());
    for (i, b) in ballots.iter().enumerate() {
        if results[i].is_ok() {
            b.add_to_batch(ctx, &mut batch.item());
            in_batch.push(i);
        }
    }
    match batch.vartime_check() {
        Ok(()) => {}
        Err(urna_crypto::Error::BatchFailed { failing }) => {
            for f in failing {
                if let Some(&i) = in_batch.get(f) {
                    results[i] = match ballots[i].verify(ctx) {
                        Ok(()) => Err(ElectionError::ProofInvalid(
                            "the ballot failed batch verification".into(),
                        )),
                        Err(e) => Err(e),
                    };
                }
            }
        }
        Err(e) => {
            for &i in &in_batch {
                results[i] = Err(e.clone().into());
            }
        }
    }
    results
}
