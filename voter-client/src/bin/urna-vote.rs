//! `urna-vote`: vote from the command line, online or offline (for Tor
//! Browser's "Safer" level, where the page's WebAssembly cannot run).
//!
//! ```text
//! urna-vote fingerprint --election ELECTION.json
//! urna-vote fetch-election --board URL --election-id ID --out ELECTION.json
//! urna-vote show   --election ELECTION.json --fingerprint FP
//! urna-vote ballot --election ELECTION.json --fingerprint FP --credential CODE \
//!                  --choose council=option-2 --choose priorities=option-1:4 --out vote.urna-ballot
//! urna-vote audit  --election ELECTION.json --fingerprint FP --credential CODE --choose … [--board URL]
//! urna-vote check-audit --election ELECTION.json --fingerprint FP --board URL --code TRACKING-CODE
//! urna-vote submit vote.urna-ballot --board URL [--receipt receipt.json] [--mirror URL]
//! urna-vote check-receipt receipt.json [--board URL] [--mirror URL]
//! ```
//!
//! `--board` may name a mirror (`spec/api.md` §8): if it cannot reach the
//! board it queues the ballot, `submit` saves the mirror's signed promise
//! next to the receipt path and exits with status 3; the same `submit`
//! later returns the board's receipt. `--mirror` cross-checks the board's
//! tree head against a mirror (`spec/api.md` §8.2) and, if they disagree,
//! stops with `ERR_LOG_EQUIVOCATION` and saves any evidence.
//!
//! ```text
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use voter_client::ballot::describe_rule;
use voter_client::election::{bundle_fingerprint, short_fingerprint};
use voter_client::http::HttpBoard;
use voter_client::{
    AuditedBallot, AuditedContest, BallotDraft, BallotFile, BoardApi, CastReceipt, ClientError,
    Credential, Election, ElectionBundle, ExpectedFingerprint,
};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "urna-vote",
    version,
    about = "Vote in an Urna election from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct ElectionArgs {
    /// The election bundle (JSON), e.g. from `fetch-election`.
    #[arg(long, value_name = "ELECTION.json")]
    election: PathBuf,
    /// The election fingerprint announced by the organizer (64 hex digits,
    /// or the short form XXXX-XXXX-XXXX-XXXX-XXXX).
    #[arg(long, value_name = "FP")]
    fingerprint: String,
}

#[derive(Args)]
struct VoteArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// Your credential code; `-` reads it from standard input (keeps it out
    /// of the shell history and the process list).
    #[arg(long, value_name = "CODE")]
    credential: String,
    /// A choice, `CONTEST=OPTION` (value 1) or `CONTEST=OPTION:VALUE`
    /// (scores, points). Repeat for each option.
    #[arg(long, value_name = "CONTEST=OPTION[:VALUE]")]
    choose: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Check an election bundle and print its fingerprint, to compare with
    /// the organizer's announcement.
    Fingerprint {
        /// The election bundle (JSON).
        #[arg(long, value_name = "ELECTION.json")]
        election: PathBuf,
    },
    /// Download an election bundle from a board or mirror.
    FetchElection {
        /// Board base URL, e.g. http://abc…xyz.onion.
        #[arg(long)]
        board: String,
        /// Election id.
        #[arg(long)]
        election_id: String,
        /// Where to write the bundle.
        #[arg(long)]
        out: PathBuf,
    },
    /// Show the questions, options and rules of an election.
    Show(ElectionArgs),
    /// Make a sealed ballot file (offline) — or cast it at once with --board.
    Ballot {
        #[command(flatten)]
        vote: VoteArgs,
        /// Where to write the sealed ballot file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the QR-code text form (when it fits one QR code).
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
        /// Cast it now through this board (otherwise: `submit` later).
        #[arg(long)]
        board: Option<String>,
        /// Where to write the receipt when casting now.
        #[arg(long, value_name = "FILE", default_value = "receipt.json")]
        receipt: PathBuf,
    },
    /// Check the encryption: seal a ballot with these choices, then reveal
    /// its randomness and show what it encrypts. The audited ballot can
    /// never be cast; vote with `ballot` afterwards.
    Audit {
        #[command(flatten)]
        vote: VoteArgs,
        /// Post the audited ballot to this board (anyone can then check it).
        #[arg(long)]
        board: Option<String>,
        /// Write the audited (spoiled) entry, hex, to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// On any device: find the audit another device posted, by the tracking
    /// code it showed, and show what that ballot encrypts (the audit names
    /// no credential; `spec/client.md` §4.5).
    CheckAudit {
        #[command(flatten)]
        election: ElectionArgs,
        /// Board or mirror base URL.
        #[arg(long)]
        board: String,
        /// The tracking code (short form `XXXX-XXXX-XXXX-XXXX-XXXX`, or 64 hex digits).
        #[arg(long, value_name = "CODE")]
        code: String,
    },
    /// Submit a sealed ballot file (yours or someone else's) to a board or mirror.
    Submit {
        /// The sealed ballot file (binary or text form).
        file: PathBuf,
        /// Board (or mirror) base URL.
        #[arg(long)]
        board: String,
        /// Where to write the receipt.
        #[arg(long, value_name = "FILE", default_value = "receipt.json")]
        receipt: PathBuf,
        /// Cross-check the receipt's tree head against this mirror.
        #[arg(long)]
        mirror: Option<String>,
    },
    /// Check a receipt: offline (signatures, inclusion under its tree head),
    /// and with --board against the board's latest tree head.
    CheckReceipt {
        /// The receipt file.
        receipt: PathBuf,
        /// Board or mirror base URL.
        #[arg(long)]
        board: Option<String>,
        /// Cross-check the board's tree head against this mirror.
        #[arg(long)]
        mirror: Option<String>,
    },
}

fn print_shown(shown: &[AuditedContest]) {
    println!("the ballot encrypts:");
    for c in shown {
        for (o, v) in &c.values {
            if *v > 0 {
                println!("  {} = {} : {}", c.contest, o, v);
            }
        }
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn fail(e: ClientError) -> anyhow::Error {
    anyhow!("{e} [{}]", e.code())
}

fn bundle(path: &Path) -> anyhow::Result<ElectionBundle> {
    let text = String::from_utf8(read(path)?).context("the election file is not UTF-8")?;
    ElectionBundle::from_json(&text).map_err(fail)
}

fn load(args: &ElectionArgs) -> anyhow::Result<Election> {
    let b = bundle(&args.election)?;
    let expected = ExpectedFingerprint::parse(&args.fingerprint).map_err(fail)?;
    Election::load(&b, &expected).map_err(fail)
}

fn credential(arg: &str) -> anyhow::Result<Credential> {
    let code = if arg == "-" {
        let mut s = Zeroizing::new(String::new());
        std::io::stdin()
            .read_line(&mut s)
            .context("cannot read the credential code from standard input")?;
        s
    } else {
        Zeroizing::new(arg.to_string())
    };
    Credential::parse(&code).map_err(|e| fail(e.into()))
}

fn draft(vote: &VoteArgs) -> anyhow::Result<BallotDraft> {
    let election = load(&vote.election)?;
    let mut d = BallotDraft::new(&election, credential(&vote.credential)?).map_err(fail)?;
    for c in &vote.choose {
        let (contest, rest) = c.split_once('=').ok_or_else(|| {
            anyhow!("`{c}`: write a choice as CONTEST=OPTION or CONTEST=OPTION:VALUE")
        })?;
        let (option, value) = match rest.split_once(':') {
            Some((o, v)) => (
                o,
                v.parse::<u64>()
                    .with_context(|| format!("`{c}`: the value must be a number"))?,
            ),
            None => (rest, 1),
        };
        d.set_by_id(contest, option, value).map_err(fail)?;
    }
    d.check().map_err(|e| fail(e.into()))?;
    Ok(d)
}

fn print_receipt(r: &CastReceipt) {
    println!("tracking code: {}", r.short_code);
    println!("full code:     {}", r.tracking_code.to_hex());
    println!("log index:     {}", r.log_index());
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Fingerprint { election } => {
            let fp = bundle_fingerprint(&bundle(&election)?).map_err(fail)?;
            println!("{}", fp.to_hex());
            println!("{}", short_fingerprint(&fp));
        }
        Command::FetchElection {
            board,
            election_id,
            out,
        } => {
            let b = HttpBoard::new(&board)
                .election_bundle(&election_id)
                .map_err(fail)?;
            write(&out, b.to_json().as_bytes())?;
            let fp = bundle_fingerprint(&b).map_err(fail)?;
            println!(
                "saved {}; fingerprint {} ({})",
                out.display(),
                fp.to_hex(),
                short_fingerprint(&fp)
            );
            println!("compare it with the fingerprint the organizer announced before you vote");
        }
        Command::Show(args) => {
            let e = load(&args)?;
            let m = e.manifest();
            let lang = &m.default_language;
            println!("{} ({})", m.title.get(lang, lang), m.election_id);
            for c in &m.contests {
                println!(
                    "\n{} [{}]: {}",
                    c.title.get(lang, lang),
                    c.id,
                    describe_rule(&c.kind)
                );
                for o in &c.options {
                    println!("  {:<20} {}", o.id, o.title.get(lang, lang));
                }
            }
        }
        Command::Ballot {
            vote,
            out,
            qr,
            board,
            receipt,
        } => {
            let d = draft(&vote)?;
            let election = d.election().clone();
            let sealed = d.seal().map_err(fail)?;
            println!("tracking code: {}", sealed.tracking_code().short());
            let file = sealed.into_ballot_file();
            write(&out, &file.to_bytes())?;
            println!(
                "sealed ballot saved to {} (no secret in it; submit it with `urna-vote submit`)",
                out.display()
            );
            if let Some(qr) = qr {
                match file.qr_payload() {
                    Some(t) => write(&qr, t.as_bytes())?,
                    None => eprintln!("the ballot is too large for one QR code; use the file"),
                }
            }
            if let Some(url) = board {
                let r = file.submit(&HttpBoard::new(&url), &election).map_err(|e| {
                    anyhow!(
                        "{e} [{}]; the ballot is saved in {}: retry with `urna-vote submit`",
                        e.code(),
                        out.display()
                    )
                })?;
                write(&receipt, r.to_json().as_bytes())?;
                print_receipt(&r);
                println!("receipt saved to {}", receipt.display());
            }
        }
        Command::Audit { vote, board, out } => {
            let d = draft(&vote)?;
            let sealed = d.seal().map_err(fail)?;
            println!(
                "tracking code: {} (audited: it will never be counted)",
                sealed.tracking_code().short()
            );
            let (audited, _fresh) = sealed.audit();
            let shown = audited.verify().map_err(fail)?;
            print_shown(&shown);
            if let Some(out) = out {
                write(&out, hex::encode(audited.entry_bytes()).as_bytes())?;
            }
            if let Some(url) = board {
                let r = audited.post(&HttpBoard::new(&url)).map_err(fail)?;
                println!("posted as audited ballot at log index {}", r.log_index);
            }
            println!("if this is what you chose, make your real ballot with `urna-vote ballot`");
        }
        Command::CheckAudit {
            election,
            board,
            code,
        } => {
            let e = load(&election)?;
            let audited = AuditedBallot::find(&HttpBoard::new(&board), &e, &code).map_err(fail)?;
            println!(
                "audit {} found on the board; it opens correctly",
                audited.tracking_code().short()
            );
            print_shown(&audited.verify().map_err(fail)?);
            println!("if this is what you chose on the other device, its encryption was honest");
        }
        Command::Submit {
            file,
            board,
            receipt,
            mirror,
        } => {
            let f = BallotFile::from_bytes(&read(&file)?).map_err(fail)?;
            let http = HttpBoard::new(&board);
            // The ballot's own fingerprint is the one its maker trusted; a
            // board serving another election cannot accept it.
            let bundle = http.election_bundle(f.election_id()).map_err(fail)?;
            let election = Election::load(&bundle, &ExpectedFingerprint::Full(f.fingerprint()))
                .map_err(fail)?;
            f.verify(&election).map_err(fail)?;
            let r = match f.submit(&http, &election) {
                Ok(r) => r,
                Err(ClientError::Queued { answer }) => {
                    let saved = queued_path(&receipt);
                    write(&saved, answer.as_bytes())?;
                    println!("tracking code: {}", f.tracking_code().short());
                    println!(
                        "the board is unreachable: the mirror queued your ballot and will relay it; \
                         its signed promise is saved in {}",
                        saved.display()
                    );
                    println!("run the same `urna-vote submit` later to get the board's receipt");
                    return Err(anyhow!(Queued));
                }
                Err(e) => return Err(fail(e)),
            };
            write(&receipt, r.to_json().as_bytes())?;
            print_receipt(&r);
            println!("receipt saved to {}", receipt.display());
            if let Some(m) = mirror {
                cross_check(&http, &m, &r.election, &r.board_key, &r.board.tree_head)?;
            }
        }
        Command::CheckReceipt {
            receipt,
            board,
            mirror,
        } => {
            let text = String::from_utf8(read(&receipt)?).context("the receipt is not UTF-8")?;
            let r = CastReceipt::from_json(&text).map_err(fail)?;
            r.verify().map_err(fail)?;
            print_receipt(&r);
            println!(
                "ok: signed promise and inclusion under the tree head of size {}",
                r.board.tree_head.tree_size
            );
            let mut latest = r.board.tree_head;
            if let Some(url) = &board {
                let (head, proof) = HttpBoard::new(url)
                    .inclusion_proof(&r.election, r.log_index())
                    .map_err(fail)?;
                r.check_inclusion(&head, &proof).map_err(fail)?;
                println!(
                    "ok: still included under the board's latest tree head (size {})",
                    head.tree_size
                );
                latest = head;
            }
            if let Some(m) = mirror {
                // Without --board, the receipt's own head is compared (the
                // mirror proves the extension; the board is not asked).
                let b = HttpBoard::new(board.as_deref().unwrap_or(&m));
                cross_check(&b, &m, &r.election, &r.board_key, &latest)?;
            }
        }
    }
    Ok(())
}

/// `submit` ended with the ballot queued by a mirror (exit status 3).
#[derive(Debug)]
struct Queued;

impl std::fmt::Display for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("queued by a mirror: no receipt yet (ERR_QUEUED)")
    }
}

impl std::error::Error for Queued {}

/// Where a mirror's queued answer is saved: next to the receipt.
fn queued_path(receipt: &Path) -> PathBuf {
    let mut name = receipt.file_name().unwrap_or_default().to_os_string();
    name.push(".mirror-promise.json");
    receipt.with_file_name(name)
}

/// Compare `head` (the board's) with a mirror's; on a disagreement save
/// any evidence to `evidence.json` and fail.
fn cross_check(
    board: &HttpBoard,
    mirror_url: &str,
    election: &str,
    key: &urna_log::BoardPublicKey,
    head: &urna_log::SignedTreeHead,
) -> anyhow::Result<()> {
    let mirror = HttpBoard::new(mirror_url);
    match voter_client::http::cross_check(board, &mirror, election, key, head) {
        Ok(m) => {
            println!(
                "ok: the mirror's tree head (size {}) is consistent with the board's (size {})",
                m.tree_size, head.tree_size
            );
            Ok(())
        }
        Err(ClientError::Inconsistent {
            reason,
            evidence: Some(ev),
        }) => {
            write(Path::new("evidence.json"), ev.as_bytes())?;
            Err(anyhow!(
                "ERR_LOG_EQUIVOCATION: {reason}; evidence saved to evidence.json (check it with `tally check-evidence evidence.json`)"
            ))
        }
        Err(e) => Err(fail(e)),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Queued>() => ExitCode::from(3),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
