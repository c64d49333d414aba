//! `tally`: Urna's independent verifier and trustee tool.

use anyhow::bail;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Urna's independent election verifier and trustee tool",
    long_about = "Verify Urna elections offline and act as a trustee.\n\n\
                  Until the election record and the trustee ceremony land, the `demo` command \
                  runs a whole election's cryptography in memory."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
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
