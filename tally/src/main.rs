//! `tally`: Urna's independent verifier, the auditor's tool.

use anyhow::bail;
use clap::{Parser, Subcommand};
use tally::board_client::{board_url, BoardClient};

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Urna's independent election verifier",
    long_about = "Verify Urna elections offline.\n\n\
                  Download a record with `tally fetch --board URL --election ID --out \
                  election.urna`, then check it with `tally verify election.urna`. Nothing \
                  here needs a secret or a permission. (Trustees use their own tool, \
                  `urna-trustee`.)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// Compute the result from a record's ballots and trustees' decryption
    /// shares (verifying them), and print it.
    Tally {
        /// The election record file.
        record: std::path::PathBuf,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
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
    /// The trustee tool is `urna-trustee` now; this only says so.
    #[command(hide = true, disable_help_flag = true)]
    Trustee {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
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
                let manifest = tally::cli::file_manifest(&record);
                tally::cli::print_report(&report, manifest.as_ref());
            }
            if !report.ok() {
                std::process::exit(1);
            }
        }
        Command::Tally { record, json } => {
            let report = tally::cli::verify(&record, json)?;
            let Some(result) = &report.result else {
                tally::cli::print_report(&report, None);
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
                "The trustee tool is now `urna-trustee` (e.g. `urna-trustee init --out \
                 trustee.key`); see docs/guides/trustee.md."
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
    }
    Ok(())
}
