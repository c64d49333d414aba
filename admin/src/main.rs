//! `urna`: the organizer's and credential authority's tool.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "urna",
    version,
    about = "Run an Urna election: define it, register voters, open, close and publish",
    long_about = "Run an Urna election as its organizer or credential authority.\n\n\
                  Start with `urna election example > election.toml`, edit it, and check it \
                  with `urna election check election.toml`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write and check election definitions.
    #[command(subcommand)]
    Election(ElectionCommand),
}

#[derive(Subcommand)]
enum ElectionCommand {
    /// Print a commented example definition to start from.
    Example,
    /// Check a definition file; errors name the line and the field.
    Check {
        /// The definition (TOML).
        file: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Election(ElectionCommand::Example) => {
            print!("{}", urna_admin::definition::EXAMPLE)
        }
        Command::Election(ElectionCommand::Check { file }) => {
            let src = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            // Placeholder keys: `check` validates the definition only; the
            // real keys are added when the election is created.
            let k = urna_crypto::SecretKey::generate(&mut rand_core::OsRng).public_key();
            let a = urna_crypto::SecretKey::generate(&mut rand_core::OsRng).public_key();
            match urna_admin::definition::parse(&src, &k, &a) {
                Ok(m) => {
                    println!(
                        "{}: OK — election `{}`, {} contest(s), {} trustee(s), {} needed to decrypt",
                        file.display(),
                        m.election_id,
                        m.contests.len(),
                        m.trustees.len(),
                        m.threshold
                    );
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}
