//! `tally`: Urna's independent verifier and trustee tool.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tally::board_client::{board_url, BoardClient};

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Urna's independent election verifier and trustee tool",
    long_about = "Verify Urna elections offline and act as a trustee.\n\n\
                  Auditors: `tally fetch --board URL --election ID --out election.urna`, then \
                  `tally verify election.urna`. Trustees: `tally trustee --help`. The `demo` \
                  command runs a whole election's cryptography in memory."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify an election record offline: every signature, proof, the
    /// credential and re-voting rules, the aggregation, the decryption and
    /// the announced result. Exits non-zero on any failure.
    Verify {
        /// The election record file (downloaded from a board or a mirror).
        record: std::path::PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Check equivocation evidence offline (`spec/log.md` §9): two tree
    /// heads signed by one board key that no honest board signs together,
    /// as a mirror keeps and serves it (`GET /api/evidence`). Exit 0: the
    /// evidence is valid (the board misbehaved); 1: it is not evidence;
    /// 2: the file cannot be read.
    CheckEvidence {
        /// The evidence file: JSON (`spec/log.md` §11, or an item of a
        /// mirror's `/api/evidence`), binary (L22) or hex.
        file: std::path::PathBuf,
    },
    /// Compute the result from a record's ballots and trustees' decryption
    /// shares (verifying them), and print it.
    Tally {
        /// The election record file.
        record: std::path::PathBuf,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a complete sample election record (every role simulated in
    /// memory: organizer, credential authority, trustees, voters, board),
    /// for trying out `tally verify` and for benchmarks.
    Sample {
        /// Where to write the record.
        out: std::path::PathBuf,
        /// Registered voters.
        #[arg(long, default_value_t = 8)]
        voters: usize,
        /// Ballots cast (beyond one per voter they are re-votes).
        #[arg(long, default_value_t = 10)]
        ballots: usize,
        /// Audited (spoiled) ballots.
        #[arg(long, default_value_t = 1)]
        spoiled: usize,
        /// One approval contest of 5 options, choose 0 to 2 (the benchmark
        /// shape), instead of an approval and a score contest.
        #[arg(long)]
        bench_shape: bool,
        /// Seed for a reproducible record (default: fresh randomness).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Download an election's record from a board or mirror, for `tally
    /// verify` or `tally trustee decrypt`. Nothing downloaded is trusted
    /// until verified.
    Fetch {
        /// The election id.
        #[arg(long)]
        election: String,
        /// Where to write the record.
        #[arg(long)]
        out: std::path::PathBuf,
        /// The board (default: $URNA_BOARD_URL, else http://127.0.0.1:8080).
        #[arg(long)]
        board: Option<String>,
    },
    /// Act as a trustee: create your key file, run the key ceremony, check
    /// the other trustees' messages, and decrypt the final tally.
    #[command(long_about = TRUSTEE_ABOUT)]
    Trustee {
        #[command(subcommand)]
        command: TrusteeCommand,
    },
    /// Run an end-to-end cryptographic election in memory: keys, encrypted
    /// ballots with proofs, one batch verification, homomorphic tally,
    /// proven decryption, and the printed result.
    Demo {
        /// Number of simulated ballots.
        #[arg(long, default_value_t = 1000)]
        ballots: usize,
        /// Number of options in the contest.
        #[arg(long, default_value_t = 5)]
        options: u32,
        /// Fewest options a voter must choose.
        #[arg(long, default_value_t = 0)]
        min: u64,
        /// Most options a voter may choose.
        #[arg(long, default_value_t = 2)]
        max: u64,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// Benchmark (used by bench/run; hidden): set up an election of the
    /// benchmark shape (5 options, choose 0 to 2, 2-of-3 trustees), then time
    /// encrypting N ballots on every core, verifying them, and the tally
    /// with two trustees' decryptions. Prints `key=value` lines.
    #[command(hide = true)]
    BenchEncrypt {
        /// Ballots to encrypt (one per voter).
        #[arg(long, default_value_t = 1000)]
        ballots: usize,
    },
}

const TRUSTEE_ABOUT: &str = "\
Act as a trustee of an election. Any k of the n trustees together can decrypt the
final tally; fewer cannot, and nobody ever decrypts a single ballot.

Steps, each in a fresh run of this tool, on your own computer:

  1. tally trustee init --manifest election.json --index 2 --out trustee.key
     makes your secret key file, sealed with a passphrase you choose.
  2. tally trustee round1 --key trustee.key --messages posted/
     and post the file it writes; then round2, round3 and round4 the same way,
     each once every trustee has posted the previous round.
  3. tally trustee check --manifest election.json --messages posted/
     shows who has posted what, any complaint or disqualification, and the
     joint election key once the ceremony is complete.
  4. After voting closes: tally trustee decrypt --key trustee.key --record election.urna
     --out share.entry checks the whole record, recomputes the tally itself and
     writes your decryption share, to be posted.

Messages are exchanged as files (`*.msg`) in a folder. Through the board:
`tally trustee post --election ID FILE` posts your message (or, at the end, your
share), `tally trustee fetch --election ID --messages posted/` copies every posted
message into the folder. `tally fetch --election ID --out election.urna` downloads
the record. The board is --board URL, else URNA_BOARD_URL, else the local default
http://127.0.0.1:8080. Files can also travel any other way (messenger, USB stick).

The passphrase is asked on the terminal. For scripts: --passphrase-file FILE,
or the environment variable URNA_TRUSTEE_PASSPHRASE.";

const MESSAGES_HELP: &str =
    "The folder of the ceremony messages posted so far (files *.msg; other files are ignored). \
     Fill it from the board with `tally trustee fetch`.";

#[derive(Subcommand)]
enum TrusteeCommand {
    /// Create your secret key file for the election (your keys for the key
    /// ceremony), sealed with a passphrase.
    #[command(
        long_about = "Create your secret key file for the election named by the manifest: \
        your signing key, your encryption key and your secret polynomial for the key ceremony. \
        The file is sealed with a passphrase (Argon2id + XChaCha20-Poly1305) and readable only \
        by you; the secrets never leave your computer unencrypted. Your passphrase must have at \
        least 10 characters; you will need it for every later step."
    )]
    Init {
        /// The election manifest (JSON), as published by the organizer.
        #[arg(long)]
        manifest: std::path::PathBuf,
        /// Your trustee number in the manifest (1 for the first trustee listed).
        #[arg(long)]
        index: u32,
        /// Where to write your key file.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Replace an existing file (you lose the key it holds).
        #[arg(long)]
        force: bool,
        /// Read the passphrase from the first line of this file instead of asking.
        #[arg(long)]
        passphrase_file: Option<std::path::PathBuf>,
    },
    /// Round 1 (commit): announce your public keys and commit to your
    /// secret polynomial.
    Round1(RoundArgs),
    /// Round 2 (reveal and deal): once every trustee posted round 1, reveal
    /// your commitments and send each trustee an encrypted share.
    Round2(RoundArgs),
    /// Round 3 (check and complain): once every trustee posted round 2,
    /// check the shares sent to you and complain, with proof, about bad ones.
    Round3(RoundArgs),
    /// Round 4 (certify): once every trustee posted round 3, derive your key
    /// share (stored in your key file) and certify the joint election key.
    Round4(RoundArgs),
    /// Check every ceremony message posted so far: who is valid, missing or
    /// disqualified, and the joint election key once complete. Needs no key.
    #[command(
        long_about = "Check every ceremony message posted so far, as anyone can: for each \
        trustee and round whether its message is valid, missing or invalid (with the reason \
        and error code), the complaints and their verdicts, who is disqualified, and, once \
        every qualified trustee has certified the ceremony, the joint election key and the \
        ceremony fingerprint. Needs no key file.\n\n\
        Exit status: 0 when the ceremony is complete, 3 while it is still in progress, \
        1 when a problem was found."
    )]
    Check {
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: std::path::PathBuf,
        #[arg(long, help = MESSAGES_HELP)]
        messages: std::path::PathBuf,
        /// Treat trustees that have not posted as absent for good (once the
        /// organizer has closed the rounds without them).
        #[arg(long)]
        allow_missing: bool,
    },
    /// Post your ceremony messages (`*.msg`) or your decryption share
    /// (`share.entry`) to the board; each is checked by the board and logged.
    Post {
        #[command(flatten)]
        board: BoardArgs,
        /// The files to post, in order.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Copy every ceremony message posted on the board into your messages
    /// folder (as `board-<log index>.msg`), for the next round or `check`.
    Fetch {
        #[command(flatten)]
        board: BoardArgs,
        #[arg(long, help = MESSAGES_HELP)]
        messages: std::path::PathBuf,
    },
    /// After voting closes: verify the election record, recompute the tally
    /// from it and write your decryption share of it.
    #[command(
        long_about = "After voting closes: verify the whole election record (as `tally \
        verify` does), refuse unless everything up to the close of voting verifies and the \
        record's key ceremony is the one your key file took part in, recompute the encrypted \
        tally from the counted ballots yourself, and write your decryption share of it (a \
        tally entry, to be posted to the board). This command only ever decrypts the tally it \
        recomputed: it never accepts a ciphertext from anyone."
    )]
    Decrypt {
        /// Your key file (after round 4 it holds your key share).
        #[arg(long)]
        key: std::path::PathBuf,
        /// The election record file, downloaded from the board or a mirror
        /// (`tally fetch`).
        #[arg(long)]
        record: std::path::PathBuf,
        /// Where to write your decryption share (a tally entry).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Read the passphrase from the first line of this file instead of asking.
        #[arg(long)]
        passphrase_file: Option<std::path::PathBuf>,
    },
}

#[derive(clap::Args)]
struct BoardArgs {
    /// The election id on the board.
    #[arg(long)]
    election: String,
    /// The board (default: $URNA_BOARD_URL, else http://127.0.0.1:8080).
    #[arg(long)]
    board: Option<String>,
}

#[derive(clap::Args)]
struct RoundArgs {
    /// Your key file (from `tally trustee init`).
    #[arg(long)]
    key: std::path::PathBuf,
    #[arg(long, help = MESSAGES_HELP)]
    messages: std::path::PathBuf,
    /// Where to write your message for this round (default:
    /// roundN-trusteeI.msg in the current folder). Post this file.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Replace an existing output file. Never post two different messages
    /// for one round: that disqualifies you.
    #[arg(long)]
    force: bool,
    /// Run the round even though some trustees have not posted the previous
    /// round. Only when the organizer has closed that round without them:
    /// they are then left out of the ceremony.
    #[arg(long)]
    allow_missing: bool,
    /// Read the passphrase from the first line of this file instead of asking.
    #[arg(long)]
    passphrase_file: Option<std::path::PathBuf>,
}

impl RoundArgs {
    fn into_args(self, round: u8) -> tally::trustee::commands::RoundArgs {
        tally::trustee::commands::RoundArgs {
            round,
            key: self.key,
            messages: self.messages,
            out: self.out,
            force: self.force,
            allow_missing: self.allow_missing,
            passphrase_file: self.passphrase_file,
        }
    }
}

fn trustee(command: TrusteeCommand) -> anyhow::Result<()> {
    use tally::trustee::commands as cmd;
    match command {
        TrusteeCommand::Init {
            manifest,
            index,
            out,
            force,
            passphrase_file,
        } => cmd::init(&cmd::InitArgs {
            manifest,
            index,
            out,
            force,
            passphrase_file,
        })?,
        TrusteeCommand::Round1(a) => {
            cmd::round(&a.into_args(1))?;
        }
        TrusteeCommand::Round2(a) => {
            cmd::round(&a.into_args(2))?;
        }
        TrusteeCommand::Round3(a) => {
            cmd::round(&a.into_args(3))?;
        }
        TrusteeCommand::Round4(a) => {
            cmd::round(&a.into_args(4))?;
        }
        TrusteeCommand::Check {
            manifest,
            messages,
            allow_missing,
        } => match cmd::check(&cmd::CheckArgs {
            manifest,
            messages,
            allow_missing,
        })? {
            cmd::CheckResult::Complete => {}
            cmd::CheckResult::InProgress => std::process::exit(3),
            cmd::CheckResult::Problem => std::process::exit(1),
        },
        TrusteeCommand::Post { board, files } => {
            let client = BoardClient::new(&board_url(board.board.as_deref()));
            for f in &files {
                let bytes =
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
                let entry = cmd::entry_for_file(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
                let receipt = client
                    .post_entry(&board.election, &entry)
                    .with_context(|| format!("posting {}", f.display()))?;
                println!(
                    "Posted {} to {}: log entry {}.",
                    f.display(),
                    client.base(),
                    receipt.log_index
                );
            }
        }
        TrusteeCommand::Fetch { board, messages } => {
            let client = BoardClient::new(&board_url(board.board.as_deref()));
            let n = cmd::fetch_messages(&client, &board.election, &messages)?;
            println!(
                "{n} ceremony message(s) from {} are in {}.",
                client.base(),
                messages.display()
            );
        }
        TrusteeCommand::Decrypt {
            key,
            record,
            out,
            force,
            quiet,
            passphrase_file,
        } => cmd::decrypt(&cmd::DecryptArgs {
            key,
            record,
            out,
            force,
            quiet,
            passphrase_file,
        })?,
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Fetch {
            election,
            out,
            board,
        } => {
            let client = BoardClient::new(&board_url(board.as_deref()));
            let bytes = client.record(&election)?;
            urna_keyfile::files::write_atomic(
                &out,
                &bytes,
                urna_keyfile::files::Mode::Public,
                true,
                "",
            )?;
            println!(
                "Downloaded the record of `{election}` from {} ({} bytes) to {}. Check it with: tally verify {}",
                client.base(),
                bytes.len(),
                out.display(),
                out.display()
            );
        }
        Command::Verify {
            record,
            json,
            quiet,
        } => {
            let report = tally::cli::verify(&record, quiet || json)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                tally::cli::print_report(&report);
            }
            if !report.ok() {
                std::process::exit(1);
            }
        }
        Command::Sample {
            out,
            voters,
            ballots,
            spoiled,
            bench_shape,
            seed,
        } => {
            if voters == 0 {
                bail!("--voters must be at least 1");
            }
            let opts = tally::sample::SampleOptions {
                shape: if bench_shape {
                    tally::sample::Shape::Approval5
                } else {
                    tally::sample::Shape::ApprovalAndScore
                },
                voters,
                ballots,
                spoiled,
                tree_head_every: 10_000,
                seed,
                ..Default::default()
            };
            let file = std::fs::File::create(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let pb = indicatif::ProgressBar::new(ballots as u64);
            let summary = tally::sample::write_sample(&opts, file, &|n| pb.set_position(n))?;
            pb.finish_and_clear();
            println!(
                "wrote {} ({} log entries); result {:?}",
                out.display(),
                summary.entries,
                summary.totals
            );
        }
        Command::Tally { record, json } => {
            let report = tally::cli::verify(&record, json)?;
            let Some(result) = &report.result else {
                tally::cli::print_report(&report);
                bail!("no result could be computed from this record (see the failures above)");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(result)?);
            } else {
                tally::cli::print_result(&record, result)?;
            }
            if !report.ok() {
                std::process::exit(1);
            }
        }
        Command::Trustee { command } => {
            // A trustee is not expected to read a backtrace: print the
            // message (which says what to do) and nothing else.
            if let Err(e) = trustee(command) {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        Command::CheckEvidence { file } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    std::process::exit(2);
                }
            };
            match tally::evidence::check_evidence_file(&bytes) {
                Ok((ev, kind)) => println!("{}", tally::evidence::describe(&ev, &kind)),
                Err(e @ tally::evidence::EvidenceFileError::Unreadable(_)) => {
                    eprintln!("error: {}: {e}", file.display());
                    std::process::exit(2);
                }
                Err(e) => {
                    println!("NOT EVIDENCE: {e}");
                    std::process::exit(1);
                }
            }
        }
        Command::BenchEncrypt { ballots } => {
            print!("{}", tally::bench::run(ballots)?.to_lines());
        }
        Command::Demo {
            ballots,
            options,
            min,
            max,
            quiet,
        } => {
            if ballots == 0 {
                bail!("--ballots must be at least 1");
            }
            println!(
                "Urna crypto demo: {ballots} ballots, {options} options, choose {min} to {max}"
            );
            let r = tally::demo::run(ballots, options, min, max, quiet)?;
            println!();
            println!("{:<8} {:>10} {:>10}", "option", "decrypted", "expected");
            for (i, (t, e)) in r.totals.iter().zip(&r.expected).enumerate() {
                println!("{:<8} {:>10} {:>10}", i + 1, t, e);
            }
            println!();
            let per = |d: std::time::Duration| d.as_secs_f64() * 1e3 / ballots as f64;
            println!(
                "encrypt+prove+sign: {:.2?} ({:.3} ms/ballot, all cores)",
                r.encrypt,
                per(r.encrypt)
            );
            println!(
                "batch verify:       {:.2?} ({:.3} ms/ballot, all cores)",
                r.verify,
                per(r.verify)
            );
            println!("tally+decrypt:      {:.2?}", r.tally);
            if r.totals != r.expected {
                bail!("the decrypted tally does not match the simulated votes");
            }
            println!("result verified: decrypted totals equal the votes cast");
        }
    }
    Ok(())
}
