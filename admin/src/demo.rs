//! `urna demo`: a whole election on the embedded default (SQLite), for a
//! newcomer to see Urna work in minutes.
//!
//! `urna demo` starts a bulletin board, creates an election from the
//! example definition (2-of-3 trustees whose key shares sit in the demo
//! folder, a few hundred credentials), optionally casts simulated ballots
//! through the voter client, prints the voting page URL and three
//! credentials, and keeps the board running. `urna demo finish` (in another
//! terminal) closes the election, has two of the three trustees decrypt the
//! tally they recompute from the record, publishes the result, downloads the
//! record and verifies it with the independent verifier.
//!
//! Everything secret is written to `SECRET_demo.json` in the demo folder in
//! the clear: this is a demonstration, not how roles keep keys (the trustee
//! tool and the organizer keep theirs encrypted on separate machines).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rand_core::OsRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tally::board_client::BoardClient;
use urna_crypto::dkg::KeyShare;
use urna_crypto::SecretKey;
use urna_election::entry::{sign_credentials, sign_manifest, tally_context, StateChange};
use urna_election::{CredentialEntry, CredentialList, ElectionResult, Entry, Phase, TallyShare};
use voter_client::ballot::BallotDraft;
use voter_client::board::BoardApi;
use voter_client::credential::Credential;
use voter_client::election::{Election, ExpectedFingerprint};
use voter_client::http::HttpBoard;

/// What `urna demo` does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Folder for the database, keys and record.
    pub dir: PathBuf,
    /// Where the board listens.
    pub listen: SocketAddr,
    /// Credentials to register.
    pub voters: usize,
    /// Simulated ballots to cast.
    pub ballots: usize,
    /// Close, decrypt, publish and verify right away, then stop the board.
    pub finish: bool,
    /// Database URL (default: SQLite `board.db` in the demo folder).
    pub database_url: Option<String>,
    /// Audit (Benaloh challenge) every n-th simulated ballot before casting it afresh (0: never).
    pub audit_every: usize,
}

/// What a finished demo produced (for tests).
#[derive(Clone, Debug)]
pub struct DemoOutcome {
    /// The totals the simulated voters' last ballots add up to.
    pub expected: Vec<Vec<u64>>,
    /// The verified result from the downloaded record.
    pub verified: Vec<Vec<u64>>,
    /// Ballots audited.
    pub audited: usize,
}

/// The demo's state, kept in the demo folder for `urna demo finish`.
#[derive(Serialize, Deserialize)]
struct DemoState {
    board: String,
    election: String,
    fingerprint: String,
    organizer: String,
    /// Key shares of the trustees (index, bytes hex).
    trustees: Vec<(u8, String)>,
    credentials: Vec<String>,
}

const STATE_FILE: &str = "SECRET_demo.json";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Post an entry to the endpoint of its kind (`spec/api.md` §5).
fn post(base: &str, election: &str, entry: &Entry) -> anyhow::Result<()> {
    BoardClient::new(base).post_entry(election, &entry.to_bytes())?;
    Ok(())
}

fn get_record(base: &str, election: &str) -> anyhow::Result<Vec<u8>> {
    Ok(BoardClient::new(base).record(election)?)
}

fn bar(n: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(n);
    if let Ok(s) =
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
    {
        pb.set_style(s.progress_chars("=> "));
    }
    pb.set_message(msg.to_string());
    pb
}

/// A simulated voter's choices for the example election (approval 0–2 of 3,
/// scores 0–5 for 2 options).
fn simulated_choices(voter: usize) -> Vec<Vec<u64>> {
    let k = voter % 3;
    vec![
        (0..3).map(|o| u64::from((o + voter) % 3 < k)).collect(),
        (0..2).map(|o| ((voter + 3 * o) % 6) as u64).collect(),
    ]
}

/// What [`start`] set up: the board's address, the election and its secrets.
#[derive(Clone, Debug)]
pub struct Started {
    /// The board's base URL (`http://host:port`).
    pub base: String,
    /// The election id.
    pub election: String,
    /// The voting page URL (`{base}/vote/{election}`).
    pub url: String,
    /// The election fingerprint (hex).
    pub fingerprint: String,
    /// Every credential code (the first three are never used by simulated voters).
    pub credentials: Vec<String>,
    /// The totals of the simulated voters' last ballots.
    pub expected: Vec<Vec<u64>>,
    /// Simulated ballots audited.
    pub audited: usize,
}

/// Start the board, set up the election, cast the simulated ballots, and
/// return without blocking: the board runs on the returned runtime until
/// [`urna_board::RunningBoard::shutdown`]. Ignores `opts.finish`.
pub fn start(
    opts: &DemoOptions,
) -> anyhow::Result<(urna_board::RunningBoard, tokio::runtime::Runtime, Started)> {
    std::fs::create_dir_all(&opts.dir)
        .with_context(|| format!("cannot create {}", opts.dir.display()))?;
    let db = opts.dir.join("board.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let url = opts
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", db.display()));
    let mut config = urna_board::Config::for_tests(&url, opts.dir.join("board.key"));
    config.listen = opts.listen;
    // The demo's board creates elections for the demo's organizer only
    // (docs/attacks.md F16), as a public board would for its organizers.
    let organizer = SecretKey::generate(&mut OsRng);
    config.open_creation = false;
    config.organizer_keys = vec![hex::encode(organizer.public_key().to_bytes())];
    let board = rt
        .block_on(urna_board::start(config))
        .context("starting the bulletin board")?;
    let base = format!("http://{}", board.addr);
    let where_ = if opts.database_url.is_some() {
        "PostgreSQL".to_string()
    } else {
        format!("SQLite: {}", db.display())
    };
    println!("Bulletin board running at {base} ({where_})");

    let state = setup(opts, &base, organizer)?;
    let (expected, audited) = cast(opts, &base, &state)?;
    let started = Started {
        url: format!("{base}/vote/{}", state.election),
        base,
        election: state.election,
        fingerprint: state.fingerprint,
        credentials: state.credentials,
        expected,
        audited,
    };
    Ok((board, rt, started))
}

/// Start the board, set up the election, cast the simulated ballots.
pub fn run(opts: &DemoOptions) -> anyhow::Result<Option<DemoOutcome>> {
    let (board, rt, started) = start(opts)?;
    let Started {
        url,
        fingerprint,
        credentials,
        expected,
        audited,
        ..
    } = started;

    println!();
    // The fingerprint travels in the fragment (never sent to the board); a
    // voter who gets the bare URL types it from the organizer's announcement.
    println!("Vote in your browser:  {url}#fp={fingerprint}");
    println!("Election fingerprint:  {fingerprint}");
    // The board's public page (state, ballots, tree head, how to verify).
    if let Some(page) = url.split("/vote/").next() {
        println!(
            "Election page:         {page}/elections/{}",
            url.rsplit('/').next().unwrap_or_default()
        );
    }
    println!("Three credentials (each votes once; re-voting replaces the earlier ballot):");
    for c in credentials.iter().take(3) {
        println!("  {c}");
    }
    if opts.finish {
        let verified = finish(&opts.dir);
        rt.block_on(board.shutdown());
        return Ok(Some(DemoOutcome {
            expected,
            verified: verified?,
            audited,
        }));
    }
    println!();
    println!("When you are done voting, in another terminal run:");
    println!(
        "  cargo run --release -p urna-admin --bin urna -- demo finish --dir {}",
        opts.dir.display()
    );
    println!("The board keeps running until you press Ctrl-C.");
    rt.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    rt.block_on(board.shutdown());
    Ok(None)
}

fn setup(opts: &DemoOptions, base: &str, organizer: SecretKey) -> anyhow::Result<DemoState> {
    let t0 = Instant::now();
    let authority = SecretKey::generate(&mut OsRng);
    let mut manifest = crate::definition::parse(
        crate::definition::EXAMPLE,
        &organizer.public_key(),
        &authority.public_key(),
    )
    .map_err(|e| anyhow!("example definition: {e}"))?;
    // A unique id per run, so a demo folder can hold several elections.
    manifest.election_id = format!("demo-{}", now());
    manifest.opens_at = now();
    manifest.closes_at = now() + 7 * 24 * 3600;
    // The trustees made their keys first (`urna-trustee init`); the
    // manifest's roster pins their signing keys.
    let trustee_keys = urna_sim::sample::trustee_keys(manifest.trustee_count(), &mut OsRng);
    for (t, k) in manifest.trustees.iter_mut().zip(&trustee_keys) {
        t.signing_key = k.signing_key();
    }
    manifest.validate()?;
    post(
        base,
        &manifest.election_id,
        &sign_manifest(manifest.clone(), &organizer, &mut OsRng)?,
    )?;
    let id = manifest.election_id.clone();

    // The trustees' ceremony (in memory here; `urna-trustee` runs it from files).
    let params = tally::ceremony::params(&manifest).map_err(|e| anyhow!(e))?;
    let (messages, shares) = urna_sim::sample::run_ceremony(&params, &trustee_keys, &mut OsRng)?;
    for m in &messages {
        post(base, &id, &Entry::Ceremony(m.to_bytes()))?;
    }
    println!(
        "Election `{id}`: {} trustees ran the key ceremony ({} needed to decrypt)",
        manifest.trustees.len(),
        manifest.threshold
    );

    // The credential authority: one secret credential per voter, the board gets only public keys.
    let creds: Vec<Credential> = (0..opts.voters)
        .into_par_iter()
        .map(|_| Credential::generate(&mut OsRng))
        .collect();
    let list = CredentialList::new(
        creds
            .iter()
            .map(|c| CredentialEntry {
                public: c.public_key(),
                weight: 1,
            })
            .collect(),
    )?;
    post(
        base,
        &id,
        &sign_credentials(list.clone(), &manifest.hash(), &authority, &mut OsRng),
    )?;
    let key = shares
        .first()
        .map(|s| s.joint_key().clone())
        .ok_or_else(|| anyhow!("no trustee"))?;
    let ctx = urna_election::ElectionContext::new(manifest.clone(), key, list)?;
    post(
        base,
        &id,
        &Entry::State(StateChange::sign(
            Phase::Open,
            ctx.fingerprint(),
            now(),
            &organizer,
            &mut OsRng,
        )),
    )?;
    println!(
        "{} credentials registered, voting open ({:.1?})",
        creds.len(),
        t0.elapsed()
    );
    let state = DemoState {
        board: base.to_string(),
        election: id,
        fingerprint: ctx.fingerprint().to_hex(),
        organizer: hex::encode(*organizer.to_bytes()),
        trustees: shares
            .iter()
            .map(|s| (s.index(), hex::encode(s.to_bytes().as_slice())))
            .collect(),
        credentials: creds.iter().map(|c| c.to_code().to_string()).collect(),
    };
    let path = opts.dir.join(STATE_FILE);
    std::fs::write(&path, serde_json::to_string_pretty(&state)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(state)
}

/// Cast the simulated ballots round by round (a voter's later round is a
/// re-vote), auditing every `audit_every`-th before casting it afresh.
/// Returns the totals of every voter's last ballot, and the audits done.
fn cast(
    opts: &DemoOptions,
    base: &str,
    state: &DemoState,
) -> anyhow::Result<(Vec<Vec<u64>>, usize)> {
    let mut last: Vec<Option<Vec<Vec<u64>>>> = vec![None; state.credentials.len()];
    if opts.ballots == 0 {
        return Ok((totals(&last), 0));
    }
    let board = HttpBoard::new(base);
    let bundle = board
        .election_bundle(&state.election)
        .map_err(|e| anyhow!("loading the election: {e}"))?;
    let expected = ExpectedFingerprint::parse(&state.fingerprint).map_err(|e| anyhow!("{e}"))?;
    let election = Election::load(&bundle, &expected).map_err(|e| anyhow!("{e}"))?;
    // The first three credentials are left for the person trying the demo.
    let voters = state.credentials.len().saturating_sub(3).max(1);
    let t0 = Instant::now();
    let pb = bar(opts.ballots as u64, "cast");
    let audits = std::sync::atomic::AtomicUsize::new(0);
    // Many submissions in flight (each waits for the board's durable
    // commit), so the board's sequencer can batch them; encryption itself
    // still uses every core.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(32).build()?;
    let mut start = 0;
    while start < opts.ballots {
        let end = (start + voters).min(opts.ballots);
        let round: Vec<(usize, Vec<Vec<u64>>)> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|b| -> anyhow::Result<(usize, Vec<Vec<u64>>)> {
                    let v = (3 + b % voters).min(state.credentials.len() - 1);
                    let choices = simulated_choices(v + b / voters);
                    let credential =
                        Credential::parse(&state.credentials[v]).map_err(|e| anyhow!("{e}"))?;
                    let mut draft =
                        BallotDraft::new(&election, credential).map_err(|e| anyhow!("{e}"))?;
                    draft.set_all(choices.clone()).map_err(|e| anyhow!("{e}"))?;
                    let mut sealed = draft.seal().map_err(|e| anyhow!("{e}"))?;
                    if opts.audit_every > 0 && b % opts.audit_every == 0 {
                        // Benaloh challenge: reveal, post as spoiled, check, encrypt afresh.
                        let (audited, draft) = sealed.audit();
                        audited
                            .post(&board)
                            .map_err(|e| anyhow!("posting an audit: {e}"))?;
                        if !audited.shows(&choices) {
                            bail!("an audited ballot does not show the voter's choices");
                        }
                        audits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        sealed = draft.seal().map_err(|e| anyhow!("{e}"))?;
                    }
                    sealed
                        .cast(&board)
                        .map_err(|f| anyhow!("casting ballot {b}: {}", f.error))?;
                    pb.inc(1);
                    Ok((v, choices))
                })
                .collect::<anyhow::Result<_>>()
        })?;
        for (v, c) in round {
            last[v] = Some(c);
        }
        start = end;
    }
    pb.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    let audited = audits.into_inner();
    println!(
        "{} simulated ballots encrypted, cast through the board and receipted in {:.1} s ({:.0} ballots/s); {audited} audited first",
        opts.ballots,
        secs,
        opts.ballots as f64 / secs
    );
    Ok((totals(&last), audited))
}

/// Option totals of the counted choices (the example election's shape).
fn totals(last: &[Option<Vec<Vec<u64>>>]) -> Vec<Vec<u64>> {
    let mut t = vec![vec![0u64; 3], vec![0u64; 2]];
    for c in last.iter().flatten() {
        for (row, add) in t.iter_mut().zip(c) {
            for (x, a) in row.iter_mut().zip(add) {
                *x += a;
            }
        }
    }
    t
}

/// Close, decrypt (2 of 3 trustees), publish the result, verify the record.
pub fn finish(dir: &Path) -> anyhow::Result<Vec<Vec<u64>>> {
    let path = dir.join(STATE_FILE);
    let state: DemoState = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("no demo in {} (run `urna demo` first)", dir.display()))?,
    )?;
    let base = state.board.as_str();
    let id = state.election.as_str();
    let organizer = SecretKey::from_bytes(&hex::decode(&state.organizer)?)?;
    let fp = urna_election::Hash32::from_bytes(&hex::decode(&state.fingerprint)?)?;
    let t0 = Instant::now();
    post(
        base,
        id,
        &Entry::State(StateChange::sign(
            Phase::Close,
            fp,
            now(),
            &organizer,
            &mut OsRng,
        )),
    )?;
    println!("Voting closed.");

    // Trustees 1 and 2 decrypt (trustee 3 is away: any 2 of 3 suffice).
    for (index, hex_share) in state.trustees.iter().take(2) {
        let share = KeyShare::from_bytes(&hex::decode(hex_share)?)?;
        let record = get_record(base, id)?;
        let report = tally::verify::verify_record(&record[..], None);
        let input = report.tally_input.as_ref().ok_or_else(|| {
            anyhow!(
                "the record does not verify up to closing: {:?}",
                report.failures
            )
        })?;
        let mut rows = Vec::new();
        for (ci, row) in input.aggregates.iter().enumerate() {
            let mut out = Vec::new();
            for (oi, agg) in row.iter().enumerate() {
                out.push(share.partial_decrypt(&tally_context(&fp, ci, oi), agg, &mut OsRng)?);
            }
            rows.push(out);
        }
        post(
            base,
            id,
            &Entry::Tally(TallyShare {
                trustee: u32::from(*index),
                shares: rows,
            }),
        )?;
        println!("Trustee {index} checked the record and posted its decryption share.");
    }

    // The organizer publishes the result the shares decrypt to.
    let record = get_record(base, id)?;
    let report = tally::verify::verify_record(&record[..], None);
    let totals = report
        .result
        .clone()
        .ok_or_else(|| anyhow!("the shares do not decrypt: {:?}", report.failures))?;
    post(
        base,
        id,
        &Entry::Result(ElectionResult::sign(totals, &fp, &organizer, &mut OsRng)),
    )?;
    println!("Result published ({:.1?}).", t0.elapsed());
    println!("Result page:           {base}/elections/{id}/result");

    // Anyone: download the record and verify everything.
    let record = get_record(base, id)?;
    let out = dir.join("record.urna");
    std::fs::write(&out, &record)?;
    let t1 = Instant::now();
    let report = tally::verify::verify_record(&record[..], None);
    println!();
    let manifest = tally::cli::record_manifest(&record[..]);
    tally::cli::print_report(&report, manifest.as_ref());
    println!("(verified in {:.1?})", t1.elapsed());
    println!();
    println!(
        "Verify it yourself:  cargo run --release -p tally -- verify {}",
        out.display()
    );
    if !report.ok() {
        bail!("the election record does not verify");
    }
    report
        .result
        .ok_or_else(|| anyhow!("the verified record has no result"))
}
