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
    /// The credential authority's commands (run on a separate machine from the board).
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Run a demo election on a local board: trustees, credentials,
    /// simulated ballots, and a voting page for you to try; `demo finish`
    /// closes it, decrypts, publishes and verifies.
    Demo {
        #[command(subcommand)]
        step: Option<DemoStep>,
        /// Folder for the board's database, keys and the record.
        #[arg(long, default_value = "demo-data")]
        dir: PathBuf,
        /// Address of the board.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Credentials to register.
        #[arg(long, default_value_t = 300)]
        voters: usize,
        /// Simulated ballots to cast before you vote yourself.
        #[arg(long, default_value_t = 200)]
        ballots: usize,
        /// Also close, decrypt, publish and verify, then stop (no waiting for you).
        #[arg(long)]
        finish: bool,
        /// Audit every n-th simulated ballot first (Benaloh challenge); 0: never.
        #[arg(long, default_value_t = 25)]
        audit_every: usize,
        /// Use this database instead of SQLite in the demo folder (e.g. postgres://…).
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Subcommand)]
enum CredentialsCommand {
    /// Issue one secret credential per voter and write the delivery material:
    /// printable sheets with QR codes, a CSV for mail merge or messengers, and
    /// `public-credentials.json` (no names: the only file the board gets).
    Issue {
        /// Voter list: CSV with a header `name,contact[,weight][,language]`.
        #[arg(long)]
        voters: PathBuf,
        /// The election manifest (JSON) the credentials are for.
        #[arg(long)]
        manifest: PathBuf,
        /// Folder for the output (created; SECRET_* files hold names and codes).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum DemoStep {
    /// Close the running demo election, decrypt with 2 of 3 trustees,
    /// publish the result and verify the downloaded record.
    Finish {
        /// The demo folder.
        #[arg(long, default_value = "demo-data")]
        dir: PathBuf,
    },
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
        Command::Credentials(CredentialsCommand::Issue {
            voters,
            manifest,
            out,
        }) => {
            let text = std::fs::read_to_string(&voters)
                .with_context(|| format!("cannot read {}", voters.display()))?;
            let list = urna_admin::credentials::read_voters(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", voters.display()))?;
            let m = urna_election::Manifest::from_json(
                &std::fs::read_to_string(&manifest)
                    .with_context(|| format!("cannot read {}", manifest.display()))?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", manifest.display()))?;
            let n = urna_admin::credentials::issue(&list, &m, &out, &mut rand_core::OsRng)?;
            println!(
                "Issued {n} credentials for election `{}` into {}:",
                m.election_id,
                out.display()
            );
            println!("  public-credentials.json   upload this to the board (no names, no secrets)");
            println!("  SECRET_delivery.csv       names, contacts and codes for delivery: destroy after delivery");
            println!("  SECRET_sheets/            one printable sheet per voter");
        }
        Command::Demo {
            step: Some(DemoStep::Finish { dir }),
            ..
        } => {
            urna_admin::demo::finish(&dir)?;
        }
        Command::Demo {
            step: None,
            dir,
            listen,
            voters,
            ballots,
            finish,
            audit_every,
            database_url,
        } => {
            if voters < 4 {
                anyhow::bail!("--voters must be at least 4 (three are kept for you)");
            }
            urna_admin::demo::run(&urna_admin::demo::DemoOptions {
                dir,
                listen,
                voters,
                ballots,
                finish,
                database_url,
                audit_every,
            })?;
        }
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
