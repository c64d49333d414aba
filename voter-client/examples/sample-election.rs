//! Writes a sample election for trying the client: `DIR/election.json`
//! (the bundle), `DIR/fingerprint` and `DIR/SECRET_credentials` (one code
//! per line). Contests: `approval5` (one approval contest of 5 options,
//! choose 0 to 2: the benchmark shape) or `sample` (the default).
//!
//! `cargo run -p voter-client --example sample-election -- DIR [approval5]`

use urna_election::{Contest, ContestKind, ContestOption, LocalizedText};
use voter_client::testing::{sample_contests, sample_election_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: sample-election DIR [approval5]")?,
    );
    let contests = match args.next().as_deref() {
        Some("approval5") => vec![Contest {
            id: "council".into(),
            title: LocalizedText::single("en", "Who should sit on the council?"),
            kind: ContestKind::Approval { min: 0, max: 2 },
            options: (1..=5)
                .map(|i| ContestOption {
                    id: format!("option-{i}"),
                    title: LocalizedText::single("en", &format!("Candidate {i}")),
                })
                .collect(),
        }],
        _ => sample_contests(),
    };
    let (election, bundle, credentials) = sample_election_with(contests, 5);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("election.json"), bundle.to_json())?;
    std::fs::write(dir.join("fingerprint"), election.fingerprint().to_hex())?;
    let codes: Vec<String> = credentials
        .iter()
        .map(|c| c.to_code().to_string())
        .collect();
    std::fs::write(dir.join("SECRET_credentials"), codes.join("\n") + "\n")?;
    println!("wrote {}", dir.display());
    Ok(())
}
