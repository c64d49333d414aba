//! `urna-trustee`: the trustee's tool (key file, key ceremony, decryption
//! share). See the crate's documentation and docs/guides/trustee.md.

use anyhow::Context;
use clap::{Parser, Subcommand};
use tally::board_client::{board_url, BoardClient};

#[derive(Parser)]
#[command(
    name = "urna-trustee",
    version,
    about = "Urna's trustee tool: your key file, the key ceremony, your decryption share",
    long_about = TRUSTEE_ABOUT
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const TRUSTEE_ABOUT: &str = "\
Act as a trustee of an election. Any k of the n trustees together can decrypt the
final tally; fewer cannot, and nobody ever decrypts a single ballot.

Steps, each in a fresh run of this tool, on your own computer:

  1. urna-trustee init --out trustee.key
     makes your secret key file, sealed with a passphrase you choose, and
     prints your signing key: give it to the organizer, who puts it in the
     election's trustee roster (only messages it signs count as yours).
  2. urna-trustee round1 --key trustee.key --manifest election.json --messages posted/
     and post the file it writes; then round2, round3 and round4 the same way,
     each once every trustee has posted the previous round (the board refuses
     a message of a round that is closed or not open yet).
  3. urna-trustee check --manifest election.json --messages posted/
     shows who has posted what, any complaint or disqualification, and the
     joint election key once the ceremony is complete.
  4. After voting closes: urna-trustee decrypt --key trustee.key --record election.urna
     --out share.entry checks the whole record, recomputes the tally itself and
     writes your decryption share, to be posted.

Messages are exchanged as files (`*.msg`) in a folder. Through the board:
`urna-trustee post --election ID FILE` posts your message (or, at the end, your
share), `urna-trustee fetch --election ID --messages posted/` copies every posted
message into the folder. `tally fetch --election ID --out election.urna` downloads
the record. The board is --board URL, else URNA_BOARD_URL, else the local default
http://127.0.0.1:8080. Files can also travel any other way (messenger, USB stick).

The passphrase is asked on the terminal. For scripts: --passphrase-file FILE,
or the environment variable URNA_TRUSTEE_PASSPHRASE.";

const MESSAGES_HELP: &str =
    "The folder of the ceremony messages posted so far (files *.msg; other files are ignored). \
     Fill it from the board with `urna-trustee fetch`.";

#[derive(Subcommand)]
enum Command {
    /// Create your secret key file (your keys for the key ceremony),
    /// sealed with a passphrase, and print the signing key for the roster.
    #[command(
        long_about = "Create your secret key file: your signing key and your encryption key \
        for the key ceremony. The file is sealed with a passphrase (Argon2id + \
        XChaCha20-Poly1305) and readable only by you; the secrets never leave your computer \
        unencrypted. Your passphrase must have at least 10 characters; you will need it for \
        every later step. The command prints your public signing key: the organizer writes it \
        into the election's trustee roster, and round 1 then finds your place in the manifest \
        by it and binds the key file to that election."
    )]
    Init {
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
    /// Your key file (from `urna-trustee init`).
    #[arg(long)]
    key: std::path::PathBuf,
    /// The election manifest (JSON), as published by the organizer; its
    /// trustee roster must list your signing key.
    #[arg(long)]
    manifest: std::path::PathBuf,
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
    fn into_args(self, round: u8) -> urna_trustee::commands::RoundArgs {
        urna_trustee::commands::RoundArgs {
            round,
            key: self.key,
            manifest: self.manifest,
            messages: self.messages,
            out: self.out,
            force: self.force,
            allow_missing: self.allow_missing,
            passphrase_file: self.passphrase_file,
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    use urna_trustee::commands as cmd;
    match command {
        Command::Init {
            out,
            force,
            passphrase_file,
        } => cmd::init(&cmd::InitArgs {
            out,
            force,
            passphrase_file,
        })?,
        Command::Round1(a) => {
            cmd::round(&a.into_args(1))?;
        }
        Command::Round2(a) => {
            cmd::round(&a.into_args(2))?;
        }
        Command::Round3(a) => {
            cmd::round(&a.into_args(3))?;
        }
        Command::Round4(a) => {
            cmd::round(&a.into_args(4))?;
        }
        Command::Check {
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
        Command::Post { board, files } => {
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
        Command::Fetch { board, messages } => {
            let client = BoardClient::new(&board_url(board.board.as_deref()));
            let n = cmd::fetch_messages(&client, &board.election, &messages)?;
            println!(
                "{n} ceremony message(s) from {} are in {}.",
                client.base(),
                messages.display()
            );
        }
        Command::Decrypt {
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

fn main() {
    let cli = Cli::parse();
    // A trustee is not expected to read a backtrace: print the message
    // (which says what to do) and nothing else.
    if let Err(e) = run(cli.command) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
