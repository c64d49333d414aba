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
                  Organizer: `urna key new --role organizer --out organizer.key`, then \
                  `urna election example > election.toml`, edit it, `urna election check \
                  election.toml`, `urna election create election.toml --key organizer.key \
                  --authority authority.key.pub`; after the trustees' ceremony and the \
                  credential list: `urna election open ID --key organizer.key`, later \
                  `close` and, once the trustees have posted their shares, `publish`.\n\n\
                  Credential authority (on another machine): `urna key new --role authority \
                  --out authority.key`, `urna credentials issue`, `urna credentials upload`.\n\n\
                  Every board command talks to --board URL, else $URNA_BOARD_URL, else the \
                  local default board http://127.0.0.1:8080. Passphrases are asked on the \
                  terminal (scripts: --passphrase-file FILE or $URNA_PASSPHRASE)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make and inspect the organizer's and the credential authority's
    /// signing keys (passphrase-protected files).
    #[command(subcommand)]
    Key(KeyCommand),
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

#[derive(clap::Args)]
struct BoardArg {
    /// The board (default: $URNA_BOARD_URL, else http://127.0.0.1:8080).
    #[arg(long)]
    board: Option<String>,
}

impl BoardArg {
    fn client(&self) -> tally::board_client::BoardClient {
        tally::board_client::BoardClient::new(&tally::board_client::board_url(
            self.board.as_deref(),
        ))
    }
}

#[derive(clap::Args)]
struct SignerArgs {
    /// Your key file.
    #[arg(long)]
    key: PathBuf,
    /// Read the key's passphrase from the first line of this file instead of asking.
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Make a new signing key, sealed with a passphrase you choose; its
    /// public key is written next to it (`FILE.pub`).
    New {
        /// Whose key: the organizer's or the credential authority's.
        #[arg(long, value_enum)]
        role: urna_admin::keyfile::RoleArg,
        /// Where to write the key file (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Read the new passphrase from the first line of this file instead of asking.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Show a key file's role and public key (no passphrase needed).
    Show {
        /// The key file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CredentialsCommand {
    /// Sign the public credential list (`public-credentials.json`) with the
    /// authority key and post it to the board; then check that the board
    /// holds exactly this list. Only before voting opens.
    Upload {
        /// The election manifest (JSON, from the organizer).
        #[arg(long)]
        manifest: PathBuf,
        /// The public list written by `issue` or `register`.
        #[arg(long, default_value = "credentials/public-credentials.json")]
        public: PathBuf,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Replace a voter's lost credential before voting opens: a new code and
    /// sheet for the voter, the old credential revoked on the board (logged).
    Replace {
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The folder `issue` wrote (holds SECRET_delivery.csv).
        #[arg(long, default_value = "credentials")]
        issued: PathBuf,
        /// The voter's name or contact, as in the voter list.
        #[arg(long)]
        voter: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Voters made their own credentials on the voting page: build the
    /// public list from the public credentials they sent you (CSV columns
    /// `name,contact,public_credential[,weight][,language]`). You never
    /// see a secret.
    Register {
        /// The voter list with each voter's public credential.
        #[arg(long)]
        voters: PathBuf,
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// Folder for `public-credentials.json`.
        #[arg(long, default_value = "credentials")]
        out: PathBuf,
    },
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
    /// Create the election on the board from a definition: the manifest,
    /// signed with the organizer key. Writes the manifest (JSON) for the
    /// trustees and the credential authority.
    Create {
        /// The definition (TOML).
        file: PathBuf,
        /// The credential authority's public key: its `.pub` file, its key
        /// file, or 64 hex digits.
        #[arg(long)]
        authority: String,
        /// Where to write the manifest.
        #[arg(long, default_value = "election.json")]
        out: PathBuf,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Show an election's state on the board.
    Status {
        /// The election id.
        election: String,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Open voting: checks the manifest, the trustees' ceremony and the
    /// credential list on the board, then signs the opening. Prints the
    /// fingerprint to announce to voters.
    Open {
        /// The election id.
        election: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Close voting: no ballot is accepted after this.
    Close {
        /// The election id.
        election: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Publish the result: downloads and verifies the whole record, computes
    /// the result from the trustees' decryption shares, signs and posts it.
    Publish {
        /// The election id.
        election: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        board: BoardArg,
    },
    /// Check a definition file; errors name the line and the field.
    Check {
        /// The definition (TOML).
        file: PathBuf,
    },
}

fn main() {
    // Organizers are not expected to read a backtrace: print the message
    // (which says what to do) and exit non-zero.
    if let Err(e) = run(Cli::parse().command) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn print_totals(manifest: &urna_election::Manifest, totals: &[Vec<u64>]) {
    let lang = &manifest.default_language;
    for (c, row) in manifest.contests.iter().zip(totals) {
        println!("  {}", c.title.get(lang, lang));
        for (o, t) in c.options.iter().zip(row) {
            println!("    {:>10}  {}", t, o.title.get(lang, lang));
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    use urna_admin::{authority, organizer};
    match command {
        Command::Key(KeyCommand::New {
            role,
            out,
            passphrase_file,
        }) => {
            let role = urna_admin::keyfile::Role::from(role);
            let pass = urna_admin::keyfile::passphrase(passphrase_file.as_deref(), true)?;
            let (bytes, public) = urna_admin::keyfile::create(
                role,
                pass.as_bytes(),
                urna_admin::keyfile::KdfParams::from_env(),
                &mut rand_core::OsRng,
            )?;
            let pub_path = urna_admin::keyfile::write_new(&out, &bytes, &public)?;
            println!(
                "Wrote the {} key to {} (keep it and its passphrase safe; there is no recovery).",
                role.name(),
                out.display()
            );
            println!(
                "Public key: {}  (also in {})",
                hex::encode(public.to_bytes()),
                pub_path.display()
            );
        }
        Command::Key(KeyCommand::Show { file }) => {
            let h = urna_admin::keyfile::KeyHeader::read(&file)?;
            println!("{}: {} key", file.display(), h.role.name());
            println!("Public key: {}", hex::encode(h.public.to_bytes()));
        }
        Command::Election(ElectionCommand::Create {
            file,
            authority,
            out,
            signer,
            board,
        }) => {
            let authority = urna_admin::keyfile::public_key_arg(&authority)
                .map_err(|e| anyhow::anyhow!("--authority: {e}"))?;
            let client = board.client();
            let m = organizer::create(
                &client,
                &file,
                &signer.key,
                &authority,
                &out,
                signer.passphrase_file.as_deref(),
            )?;
            println!(
                "Created election `{}` on {} and wrote its manifest to {}.",
                m.election_id,
                client.base(),
                out.display()
            );
            println!("Manifest hash: {}", m.hash().to_hex());
            println!("Next:");
            println!(
                "  - send {} to the {} trustees: they run the ceremony rounds (`urna-trustee round1 --key trustee.key --manifest {}` …; {} of them must decrypt);",
                out.display(),
                m.trustees.len(),
                out.display(),
                m.threshold
            );
            println!(
                "  - send it to the credential authority: `urna credentials issue` and `urna credentials upload`;"
            );
            println!("  - then `urna election open {}`.", m.election_id);
        }
        Command::Election(ElectionCommand::Status { election, board }) => {
            let client = board.client();
            let info = client.election(&election)?;
            println!("Election `{election}` on {}:", client.base());
            for k in [
                "state",
                "entries",
                "credentials",
                "ballots_cast",
                "ballots_spoiled",
                "tally_shares",
                "result_posted",
                "fingerprint",
            ] {
                println!("  {k:<16} {}", info[k]);
            }
        }
        Command::Election(ElectionCommand::Open {
            election,
            signer,
            board,
        }) => {
            let client = board.client();
            let fp = organizer::change_state(
                &client,
                &election,
                urna_election::Phase::Open,
                &signer.key,
                signer.passphrase_file.as_deref(),
            )?;
            let (short, full) = organizer::fingerprint_forms(&fp);
            println!("Voting is open for `{election}`.");
            println!("Announce the election fingerprint to voters (they check it before voting):");
            println!("  short: {short}");
            println!("  full:  {full}");
            println!("Voting page: {}/vote/{election}#fp={full}", client.base());
        }
        Command::Election(ElectionCommand::Close {
            election,
            signer,
            board,
        }) => {
            let client = board.client();
            organizer::change_state(
                &client,
                &election,
                urna_election::Phase::Close,
                &signer.key,
                signer.passphrase_file.as_deref(),
            )?;
            println!("Voting is closed for `{election}`. Trustees: `tally fetch --election {election} --out election.urna`, `urna-trustee decrypt`, `urna-trustee post`; then `urna election publish {election}`.");
        }
        Command::Election(ElectionCommand::Publish {
            election,
            signer,
            board,
        }) => {
            let client = board.client();
            let (m, totals) = organizer::publish(
                &client,
                &election,
                &signer.key,
                signer.passphrase_file.as_deref(),
            )?;
            println!("Published the verified result of `{election}`:");
            print_totals(&m, &totals);
            println!("Result page: {}/elections/{election}/result", client.base());
            println!(
                "Anyone can check it: tally fetch --board {} --election {election} --out election.urna && tally verify election.urna",
                client.base()
            );
        }
        Command::Credentials(CredentialsCommand::Upload {
            manifest,
            public,
            signer,
            board,
        }) => {
            let m = organizer::read_manifest(&manifest)?;
            let list = authority::read_public_list(&public)?;
            let client = board.client();
            let n = authority::upload(
                &client,
                &m,
                list,
                &signer.key,
                signer.passphrase_file.as_deref(),
            )?;
            println!(
                "Posted {n} public credentials for `{}` to {}; the board now holds exactly this list.",
                m.election_id,
                client.base()
            );
        }
        Command::Credentials(CredentialsCommand::Replace {
            manifest,
            issued,
            voter,
            signer,
            board,
        }) => {
            let m = organizer::read_manifest(&manifest)?;
            let client = board.client();
            let (row, sheet) = authority::replace(
                &client,
                &m,
                &issued,
                &voter,
                &signer.key,
                signer.passphrase_file.as_deref(),
            )?;
            println!("Replaced the credential of voter {row} (`{voter}`): the old one is revoked on the board.");
            println!("Deliver the new sheet {sheet} (its row in SECRET_delivery.csv is updated).");
        }
        Command::Credentials(CredentialsCommand::Register {
            voters,
            manifest,
            out,
        }) => {
            let m = organizer::read_manifest(&manifest)?;
            let n = authority::register(&voters, &m, &out)?;
            println!(
                "Registered {n} self-made credentials; upload {} with `urna credentials upload`.",
                out.join("public-credentials.json").display()
            );
        }
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
