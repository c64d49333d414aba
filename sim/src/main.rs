//! `urna-sim`: Urna's development tool (never used in an election): the
//! record simulator, the in-memory crypto demo, and the benchmark of
//! `bench/run`.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "urna-sim",
    version,
    about = "Urna's development tool: sample records, the crypto demo, the benchmark",
    long_about = "Urna's development tool; nothing it makes is an election. `sample` writes a \
                  complete election record with every role simulated in memory (try it with \
                  `tally verify`); `conformance` writes the verifier conformance suite of \
                  spec/conformance/; `demo` runs an election's cryptography in memory; \
                  `bench-encrypt` is the Urna side of bench/run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// Write the verifier conformance suite (spec/conformance/): an honest
    /// record and tampered copies, each with the verdict and failures
    /// spec/record.md §10 requires, in cases.json. Deterministic: the
    /// committed suite is exactly what this writes.
    Conformance {
        /// The suite's folder (cases.json and records/ are written there).
        #[arg(long, default_value = "spec/conformance")]
        out: std::path::PathBuf,
    },
    /// Benchmark (used by bench/run): set up an election of the
    /// benchmark shape (5 options, choose 0 to 2, 2-of-3 trustees), then time
    /// encrypting N ballots on every core, verifying them, and the tally
    /// with two trustees' decryptions. Prints `key=value` lines.
    BenchEncrypt {
        /// Ballots to encrypt (one per voter).
        #[arg(long, default_value_t = 1000)]
        ballots: usize,
    },
    /// Benchmark of the tally bound (spec/crypto.md §6.2 (L2)): N
    /// credentials of the largest weight, every option's total at the
    /// largest value the bound allows; time the quorum decryption (shares
    /// verified, combined, discrete logarithms). Build in release mode.
    BenchTally {
        /// Credentials (each of weight 1,000,000, each voting).
        #[arg(long, default_value_t = 1000)]
        credentials: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
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
            let opts = urna_sim::sample::SampleOptions {
                shape: if bench_shape {
                    urna_sim::sample::Shape::Approval5
                } else {
                    urna_sim::sample::Shape::ApprovalAndScore
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
            let summary = urna_sim::sample::write_sample(&opts, file, &|n| pb.set_position(n))?;
            pb.finish_and_clear();
            println!(
                "wrote {} ({} log entries); result {:?}",
                out.display(),
                summary.entries,
                summary.totals
            );
        }
        Command::Conformance { out } => {
            let n = urna_sim::conformance::write(&out)?;
            println!("wrote {n} cases to {}", out.display());
        }
        Command::BenchTally { credentials } => {
            print!("{}", urna_sim::bench_tally::run(credentials)?.to_lines());
        }
        Command::BenchEncrypt { ballots } => {
            print!("{}", urna_sim::bench::run(ballots)?.to_lines());
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
            let r = urna_sim::demo::run(ballots, options, min, max, quiet)?;
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
