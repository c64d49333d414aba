//! Generate complete election records: the organizer, the credential
//! authority, `n` trustees running the real ceremony, voters casting,
//! re-voting and auditing ballots, the tally and the result, and a board
//! signing tree heads — all in memory, written as a record file.
//!
//! Used for the sample record in `spec/samples/`, the verifier's mutant
//! suite, and the verifier benchmark. A real election's record comes from
//! the bulletin board; this module plays every role so the verifier can be
//! tested and measured without one.

use std::io::Write;

use anyhow::{anyhow, Context};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;
use urna_crypto::dkg::{
    CeremonyMessage, CeremonyParams, CeremonyRecord, KeyShare, Trustee, TrusteeKeys,
};
use urna_crypto::{CiphertextSum, SecretKey};
use urna_election::ballot::{ElectionContext, EncryptedBallot};
use urna_election::entry::{sign_credentials, sign_manifest, tally_context, StateChange};
use urna_election::record::{kind, RecordWriter};
use urna_election::{
    Contest, ContestKind, ContestOption, CredentialEntry, CredentialList, ElectionResult, Entry,
    LocalizedText, Manifest, Phase, SpoiledBallot, TallyShare, TrusteeInfo,
};
use urna_log::{BoardKey, MemoryTree};

/// The contests of a sample election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One approval contest, 5 options, choose 0 to 2 (the benchmark shape).
    Approval5,
    /// An approval contest (4 options, choose 1 to 2) and a score contest (3 options, 0–5).
    ApprovalAndScore,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SampleOptions {
    /// Contests.
    pub shape: Shape,
    /// Registered voters (credentials).
    pub voters: usize,
    /// Ballots cast (one per voter for the first `voters`, then re-votes).
    pub ballots: usize,
    /// Audited (spoiled) ballots.
    pub spoiled: usize,
    /// Trustees.
    pub trustees: u32,
    /// Threshold.
    pub threshold: u32,
    /// Trustees (1-based) who do not take part in decryption.
    pub absent: Vec<u32>,
    /// A tree head after every this many entries (and at the end).
    pub tree_head_every: usize,
    /// Seed for a reproducible record (`None`: OS randomness).
    pub seed: Option<u64>,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            shape: Shape::ApprovalAndScore,
            voters: 8,
            ballots: 10,
            spoiled: 1,
            trustees: 3,
            threshold: 2,
            absent: vec![3],
            tree_head_every: 16,
            seed: Some(1),
        }
    }
}

/// What was generated, for tests to compare with the verifier.
#[derive(Clone, Debug)]
pub struct SampleSummary {
    /// The result in the record, `totals[contest][option]`.
    pub totals: Vec<Vec<u64>>,
    /// Log entries written.
    pub entries: u64,
    /// The role keys, so tests can forge re-signed variants (mutants).
    pub secrets: SampleSecrets,
}

/// The secrets of a generated election. Test use only: a real election's
/// roles never share a machine.
#[derive(Clone, Debug)]
pub struct SampleSecrets {
    /// The organizer's signing key.
    pub organizer: SecretKey,
    /// The credential authority's signing key.
    pub authority: SecretKey,
    /// The board's Ed25519 seed.
    pub board_seed: [u8; 32],
    /// Voters' credential keys, by voter number.
    pub voters: Vec<SecretKey>,
    /// Trustees' key shares.
    pub key_shares: Vec<KeyShare>,
    /// Trustees' identity keys (the manifest's roster holds their signing keys).
    pub trustees: Vec<TrusteeKeys>,
}

/// The voters' credential keys (one stream per voter, so a seeded sample is
/// reproducible whatever the thread count) and the list of their public keys.
fn voters(opts: &SampleOptions) -> anyhow::Result<(Vec<SecretKey>, CredentialList)> {
    let keys: Vec<SecretKey> = (0..opts.voters)
        .into_par_iter()
        .map(|v| SecretKey::generate(&mut rng_for(opts, 1_000_000 + v as u64)))
        .collect();
    let list = CredentialList::new(
        keys.iter()
            .map(|k| CredentialEntry {
                public: k.public_key(),
                weight: 1,
            })
            .collect(),
    )?;
    Ok((keys, list))
}

/// A seeded or OS-backed CSPRNG for the roles. The seeded variant is for
/// reproducible samples only (named as docs/style.md item 6 asks).
fn insecure_deterministic_rng(seed: u64, stream: u64) -> rand_chacha::ChaCha20Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(&stream.to_le_bytes());
    rand_chacha::ChaCha20Rng::from_seed(s)
}

fn rng_for(opts: &SampleOptions, stream: u64) -> rand_chacha::ChaCha20Rng {
    match opts.seed {
        Some(seed) => insecure_deterministic_rng(seed, stream),
        None => {
            let mut s = [0u8; 32];
            rand_core::OsRng.fill_bytes(&mut s);
            rand_chacha::ChaCha20Rng::from_seed(s)
        }
    }
}

fn text(s: &str) -> LocalizedText {
    let mut t = LocalizedText::single("en", s);
    t.0.insert("ru".into(), format!("{s} (ru)"));
    t
}

fn contests(shape: Shape) -> Vec<Contest> {
    let options = |n: usize| {
        (0..n)
            .map(|i| ContestOption {
                id: format!("option-{}", i + 1),
                title: text(&format!("Candidate {}", i + 1)),
            })
            .collect::<Vec<_>>()
    };
    match shape {
        Shape::Approval5 => vec![Contest {
            id: "council".into(),
            title: text("Who should sit on the council?"),
            kind: ContestKind::Approval { min: 0, max: 2 },
            options: options(5),
        }],
        Shape::ApprovalAndScore => vec![
            Contest {
                id: "council".into(),
                title: text("Who should sit on the council?"),
                kind: ContestKind::Approval { min: 1, max: 2 },
                options: options(4),
            },
            Contest {
                id: "priorities".into(),
                title: text("Rate each priority from 0 to 5"),
                kind: ContestKind::Score { max_score: 5 },
                options: options(3),
            },
        ],
    }
}

/// A voter's choices, a deterministic function of the voter and round.
pub fn choices_for(shape: Shape, voter: usize, round: usize) -> Vec<Vec<u64>> {
    let v = voter + 7 * round;
    match shape {
        Shape::Approval5 => {
            let k = v % 3;
            vec![(0..5).map(|o| u64::from((o + v) % 5 < k)).collect()]
        }
        Shape::ApprovalAndScore => {
            let k = 1 + v % 2;
            vec![
                (0..4).map(|o| u64::from((o + v) % 4 < k)).collect(),
                (0..3).map(|o| ((v + 2 * o) % 6) as u64).collect(),
            ]
        }
    }
}

struct Board<W: Write> {
    out: RecordWriter<W>,
    tree: MemoryTree,
    key: BoardKey,
    every: usize,
    time_ms: u64,
    /// The election of the log (from its manifest, entry 0): names the log
    /// in every head (`spec/log.md` (L12)).
    election: String,
}

impl<W: Write> Board<W> {
    /// A record signed by the board key with this seed: the key frame first.
    fn start(w: W, seed: &[u8; 32], every: usize) -> anyhow::Result<Self> {
        let mut board = Board {
            out: RecordWriter::new(w)?,
            tree: MemoryTree::new(),
            key: BoardKey::from_seed(seed),
            every,
            time_ms: 1_800_000_000_000,
            election: String::new(),
        };
        board
            .out
            .frame(kind::BOARD_KEY, &board.key.public_key().to_bytes())?;
        Ok(board)
    }

    fn post(&mut self, e: &Entry) -> anyhow::Result<()> {
        self.post_bytes(&e.to_bytes())
    }
    fn post_bytes(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        if self.tree.is_empty() {
            if let Ok(Entry::Manifest { manifest, .. }) = Entry::from_bytes(bytes) {
                self.election = manifest.election_id;
            }
        }
        self.out.frame(kind::ENTRY, bytes)?;
        self.tree.push_entry(bytes);
        if (self.tree.len() as usize).is_multiple_of(self.every) {
            self.head()?;
        }
        Ok(())
    }
    fn head(&mut self) -> anyhow::Result<()> {
        self.time_ms += 1000;
        let h = self
            .key
            .sign_tree_head(
                &self.election,
                self.tree.len(),
                self.time_ms,
                self.tree.root(),
            )
            .map_err(|e| anyhow!("{e}"))?;
        self.out.frame(kind::TREE_HEAD, &h.to_bytes())?;
        Ok(())
    }
}

/// The identity keys of `n` trustees, made before the manifest, whose
/// roster pins their signing keys (spec/trustees.md §5.8).
pub fn trustee_keys<R: RngCore + CryptoRng>(n: u32, rng: &mut R) -> Vec<TrusteeKeys> {
    (0..n).map(|_| TrusteeKeys::generate(rng)).collect()
}

/// The roster of `keys`: each trustee's public signing key, by index.
pub fn roster(keys: &[TrusteeKeys]) -> Vec<urna_crypto::PublicKey> {
    keys.iter().map(TrusteeKeys::signing_key).collect()
}

/// Run a whole trustee ceremony in memory (every trustee honest, trustee
/// `i` holding `keys[i − 1]`, the manifest's roster), returning the posted
/// messages in order and each trustee's key share.
pub fn run_ceremony<R: RngCore + CryptoRng>(
    params: &CeremonyParams,
    keys: &[TrusteeKeys],
    rng: &mut R,
) -> anyhow::Result<(Vec<CeremonyMessage>, Vec<KeyShare>)> {
    let trustees: Vec<Trustee> = params
        .indices()
        .zip(keys)
        .map(|(i, k)| Trustee::with_keys(params, i, k.clone(), rng))
        .collect::<Result<_, _>>()?;
    let mut record = CeremonyRecord::new();
    let mut posted = Vec::new();
    let mut post = |record: &mut CeremonyRecord, m: CeremonyMessage| {
        posted.push(m.clone());
        record.push(m);
    };
    for t in &trustees {
        post(&mut record, CeremonyMessage::Round1(t.round1(rng)?));
    }
    let r2: Vec<_> = trustees
        .iter()
        .map(|t| t.round2(&record, rng))
        .collect::<Result<_, _>>()?;
    for m in r2 {
        post(&mut record, CeremonyMessage::Round2(m));
    }
    let r3: Vec<_> = trustees
        .iter()
        .map(|t| t.round3(&record, rng))
        .collect::<Result<_, _>>()?;
    for m in r3 {
        post(&mut record, CeremonyMessage::Round3(m));
    }
    let mut shares = Vec::new();
    let mut r4 = Vec::new();
    for t in &trustees {
        let (m, share) = t.round4(&record, rng)?;
        r4.push(m);
        shares.push(share);
    }
    for m in r4 {
        post(&mut record, CeremonyMessage::Round4(m));
    }
    Ok((posted, shares))
}

/// Write a complete, valid election record.
pub fn write_sample<W: Write>(
    opts: &SampleOptions,
    w: W,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<SampleSummary> {
    let mut rng = rng_for(opts, 0);
    let organizer = SecretKey::generate(&mut rng);
    let authority = SecretKey::generate(&mut rng);
    let trustees = trustee_keys(opts.trustees, &mut rng);
    let manifest = sample_manifest(
        opts,
        &organizer.public_key(),
        &authority.public_key(),
        &roster(&trustees),
    )?;
    let board_seed = {
        let mut s = [0u8; 32];
        rng.fill_bytes(&mut s);
        s
    };
    let mut board = Board::start(w, &board_seed, opts.tree_head_every.max(1))?;
    board.post(&sign_manifest(manifest.clone(), &organizer, &mut rng)?)?;

    let params = tally::ceremony::params(&manifest).map_err(|e| anyhow!(e))?;
    let (messages, key_shares) = run_ceremony(&params, &trustees, &mut rng)?;
    for m in &messages {
        board.post(&Entry::Ceremony(m.to_bytes()))?;
    }
    let election_key = key_shares
        .first()
        .map(|s| s.joint_key().clone())
        .ok_or_else(|| anyhow!("no trustee"))?;

    let (voter_keys, list) = voters(opts)?;
    board.post(&sign_credentials(
        list.clone(),
        &manifest.hash(),
        &authority,
        &mut rng,
    ))?;
    let ctx = ElectionContext::new(manifest.clone(), election_key, list)?;
    board.post(&Entry::State(StateChange::sign(
        Phase::Open,
        ctx.fingerprint(),
        manifest.opens_at,
        &organizer,
        &mut rng,
    )))?;

    // Ballots, encrypted in parallel in chunks, posted in order.
    let mut sums: Vec<Vec<CiphertextSum>> = manifest
        .contests
        .iter()
        .map(|c| vec![CiphertextSum::zero(); c.options.len()])
        .collect();
    let mut counted: Vec<Option<Vec<Vec<u64>>>> = vec![None; opts.voters];
    let mut last_cts: Vec<Option<EncryptedBallot>> = vec![None; opts.voters];
    let chunk = 4096;
    let mut done = 0;
    while done < opts.ballots {
        let end = (done + chunk).min(opts.ballots);
        let made: Vec<(usize, Vec<Vec<u64>>, EncryptedBallot)> = (done..end)
            .into_par_iter()
            .map(|b| {
                let voter = b % opts.voters.max(1);
                let round = b / opts.voters.max(1);
                let choice = choices_for(opts.shape, voter, round);
                let mut r = rng_for(opts, 2_000_000_000 + b as u64);
                EncryptedBallot::encrypt(&ctx, &voter_keys[voter], &choice, &mut r)
                    .map(|(ballot, _)| (voter, choice, ballot))
            })
            .collect::<Result<_, _>>()?;
        for (voter, choice, ballot) in made {
            board.post(&Entry::Ballot(ballot.clone()))?;
            counted[voter] = Some(choice);
            last_cts[voter] = Some(ballot);
        }
        done = end;
        progress(done as u64);
    }
    for s in 0..opts.spoiled {
        let voter = s % opts.voters.max(1);
        let choice = choices_for(opts.shape, voter, 99);
        let (ballot, opening) =
            EncryptedBallot::encrypt(&ctx, &voter_keys[voter], &choice, &mut rng)?;
        board.post(&Entry::Spoiled(SpoiledBallot::of(&ballot, opening)))?;
    }
    board.post(&Entry::State(StateChange::sign(
        Phase::Close,
        ctx.fingerprint(),
        manifest.closes_at,
        &organizer,
        &mut rng,
    )))?;

    // Each present trustee recomputes the aggregate and decrypts it.
    for b in last_cts.iter().flatten() {
        for (ci, c) in b.contests().iter().enumerate() {
            for (oi, ct) in c.ciphertexts().iter().enumerate() {
                sums[ci][oi].add(ct);
            }
        }
    }
    let aggregates: Vec<Vec<urna_crypto::Ciphertext>> = sums
        .iter()
        .map(|row| row.iter().map(CiphertextSum::to_ciphertext).collect())
        .collect();
    for share in &key_shares {
        let j = u32::from(share.index());
        if opts.absent.contains(&j) {
            continue;
        }
        let mut rows = Vec::new();
        for (ci, row) in aggregates.iter().enumerate() {
            let mut out = Vec::new();
            for (oi, agg) in row.iter().enumerate() {
                let base: Transcript = tally_context(&ctx.fingerprint(), ci, oi);
                out.push(share.partial_decrypt(&base, agg, &mut rng)?);
            }
            rows.push(out);
        }
        board.post(&Entry::Tally(TallyShare {
            trustee: j,
            shares: rows,
        }))?;
    }
    let totals: Vec<Vec<u64>> = manifest
        .contests
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            (0..c.options.len())
                .map(|oi| counted.iter().flatten().map(|ch| ch[ci][oi]).sum())
                .collect()
        })
        .collect();
    board.post(&Entry::Result(ElectionResult::sign(
        totals.clone(),
        &ctx.fingerprint(),
        &organizer,
        &mut rng,
    )))?;
    if !(board.tree.len() as usize).is_multiple_of(board.every) {
        board.head()?;
    }
    let entries = board.tree.len();
    board.out.finish()?;
    Ok(SampleSummary {
        totals,
        entries,
        secrets: SampleSecrets {
            organizer,
            authority,
            board_seed,
            voters: voter_keys,
            key_shares,
            trustees,
        },
    })
}

/// The entries of a record (its tree heads and board key dropped).
pub fn read_entries<R: std::io::Read>(r: R) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut reader = urna_election::record::RecordReader::new(r)?;
    let mut out = Vec::new();
    while let Some(f) = reader.next_frame()? {
        if let urna_election::record::Frame::Entry(b) = f {
            out.push(b);
        }
    }
    Ok(out)
}

/// Write `entries` as a record signed by the board key with seed
/// `board_seed`, with a tree head after every `every` entries and at the end.
/// (For tests that build altered records, re-signed as a lying board would.)
pub fn write_entries<W: Write>(
    entries: &[Vec<u8>],
    board_seed: &[u8; 32],
    every: usize,
    w: W,
) -> anyhow::Result<W> {
    let mut board = Board::start(w, board_seed, every.max(1))?;
    for e in entries {
        board.post_bytes(e)?;
    }
    if !(board.tree.len() as usize).is_multiple_of(board.every) {
        board.head()?;
    }
    Ok(board.out.finish()?)
}

/// The manifest of a sample election of `opts`' shape, trustees and
/// threshold, with the given organizer and credential authority keys and
/// the trustees' signing keys (`roster[i − 1]` for trustee `i`). For
/// elections whose ceremony runs elsewhere (e.g. through `urna-trustee`):
/// the trustees start from this manifest.
pub fn sample_manifest(
    opts: &SampleOptions,
    organizer: &urna_crypto::PublicKey,
    authority: &urna_crypto::PublicKey,
    roster: &[urna_crypto::PublicKey],
) -> anyhow::Result<Manifest> {
    if roster.len() != opts.trustees as usize {
        anyhow::bail!(
            "{} trustees but {} signing keys in the roster",
            opts.trustees,
            roster.len()
        );
    }
    let manifest = Manifest {
        spec_version: urna_election::manifest::SPEC_VERSION.into(),
        election_id: "sample-election".into(),
        title: text("Sample election"),
        // Written when this module was `tally::sample`; kept, because the
        // sample record (spec/samples/election-1.urna) holds it byte for byte.
        description: text("Generated by tally::sample for tests and benchmarks"),
        default_language: "en".into(),
        opens_at: 1_800_000_000,
        closes_at: 1_800_086_400,
        trustees: roster
            .iter()
            .enumerate()
            .map(|(i, k)| TrusteeInfo {
                name: format!("Trustee {}", i + 1),
                signing_key: k.clone(),
            })
            .collect(),
        threshold: opts.threshold,
        organizer_key: organizer.clone(),
        credential_authority_key: authority.clone(),
        weighted: false,
        contests: contests(opts.shape),
    };
    manifest.validate().context("sample manifest")?;
    Ok(manifest)
}

/// The roles of an election whose trustee ceremony ran elsewhere.
pub struct ExternalCeremony<'a> {
    /// The manifest (of `opts.shape`, e.g. from [`sample_manifest`]).
    pub manifest: &'a Manifest,
    /// The organizer's signing key (the manifest's organizer key).
    pub organizer: &'a SecretKey,
    /// The credential authority's signing key.
    pub authority: &'a SecretKey,
    /// Every ceremony message, canonical bytes, in posting order.
    pub messages: &'a [Vec<u8>],
}

/// A record written by [`write_closed_election`].
#[derive(Clone, Debug)]
pub struct ClosedElection {
    /// The expected result, `totals[contest][option]`.
    pub totals: Vec<Vec<u64>>,
    /// Log entries written.
    pub entries: u64,
    /// The board's Ed25519 seed, to extend the record ([`write_entries`]).
    pub board_seed: [u8; 32],
    /// The election fingerprint (what the result signature names).
    pub fingerprint: urna_election::Hash32,
}

/// Write the record of an election whose trustee ceremony ran elsewhere
/// (e.g. through `urna-trustee`): the manifest, the given ceremony
/// messages, the credential list, the opening, `opts.ballots` ballots and
/// `opts.spoiled` audited ballots (as [`write_sample`] casts them), and the
/// close. No decryption share and no result: the trustees decrypt from this
/// record (`urna-trustee decrypt`). `opts.trustees`, `threshold` and
/// `absent` are not used.
pub fn write_closed_election<W: Write>(
    opts: &SampleOptions,
    ext: &ExternalCeremony<'_>,
    w: W,
) -> anyhow::Result<ClosedElection> {
    let manifest = ext.manifest;
    let mut rng = rng_for(opts, 0);
    let board_seed = {
        let mut s = [0u8; 32];
        rng.fill_bytes(&mut s);
        s
    };
    let mut board = Board::start(w, &board_seed, opts.tree_head_every.max(1))?;
    board.post(&sign_manifest(manifest.clone(), ext.organizer, &mut rng)?)?;
    for m in ext.messages {
        board.post(&Entry::Ceremony(m.clone()))?;
    }
    let keys = tally::ceremony::derive_keys(manifest, ext.messages).map_err(|e| anyhow!(e))?;
    let (voter_keys, list) = voters(opts)?;
    board.post(&sign_credentials(
        list.clone(),
        &manifest.hash(),
        ext.authority,
        &mut rng,
    ))?;
    let ctx = ElectionContext::new(manifest.clone(), keys.election_key, list)?;
    board.post(&Entry::State(StateChange::sign(
        Phase::Open,
        ctx.fingerprint(),
        manifest.opens_at,
        ext.organizer,
        &mut rng,
    )))?;
    let mut counted: Vec<Option<Vec<Vec<u64>>>> = vec![None; opts.voters];
    for b in 0..opts.ballots {
        let voter = b % opts.voters.max(1);
        let choice = choices_for(opts.shape, voter, b / opts.voters.max(1));
        let mut r = rng_for(opts, 2_000_000_000 + b as u64);
        let (ballot, _) = EncryptedBallot::encrypt(&ctx, &voter_keys[voter], &choice, &mut r)?;
        board.post(&Entry::Ballot(ballot))?;
        counted[voter] = Some(choice);
    }
    for s in 0..opts.spoiled {
        let voter = s % opts.voters.max(1);
        let choice = choices_for(opts.shape, voter, 99);
        let (ballot, opening) =
            EncryptedBallot::encrypt(&ctx, &voter_keys[voter], &choice, &mut rng)?;
        board.post(&Entry::Spoiled(SpoiledBallot::of(&ballot, opening)))?;
    }
    board.post(&Entry::State(StateChange::sign(
        Phase::Close,
        ctx.fingerprint(),
        manifest.closes_at,
        ext.organizer,
        &mut rng,
    )))?;
    if !(board.tree.len() as usize).is_multiple_of(board.every) {
        board.head()?;
    }
    let totals = manifest
        .contests
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            (0..c.options.len())
                .map(|oi| counted.iter().flatten().map(|ch| ch[ci][oi]).sum())
                .collect()
        })
        .collect();
    let entries = board.tree.len();
    board.out.finish()?;
    Ok(ClosedElection {
        totals,
        entries,
        board_seed,
        fingerprint: ctx.fingerprint(),
    })
}
