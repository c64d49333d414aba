//! `tally`: Urna's independent verifier, the auditor's tool.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tally::board_client::{board_url, BoardClient};

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Urna's independent election verifier",
    long_about = "Verify Urna elections offline.\n\n\
                  Download a record with `tally fetch --board URL --election ID --out \
                  election.urna`, then check it with `tally verify election.urna`. (Trustees \
                  use their own tool, `urna-trustee`.) The `demo` command runs a whole \
                  election's cryptography in memory."
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
    /// verify` or `urna-trustee decrypt`. Nothing downloaded is trusted
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
    /// The trustee tool is `urna-trustee` now; this only says so.
    #[command(hide = true, disable_help_flag = true)]
    Trustee {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
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
            tally::cli::write_file(&out, &bytes)?;
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
        Command::Trustee { .. } => {
            eprintln!(
                "The trustee tool is now `urna-trustee` (e.g. `urna-trustee init --manifest \
                 election.json --index 2 --out trustee.key`); see docs/guides/trustee.md."
            );
            std::process::exit(2);
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
