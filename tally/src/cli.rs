//! Human-facing output of the `tally` commands.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use urna_election::record::{Frame, RecordReader};
use urna_election::{Entry, Manifest};

use crate::report::Report;
use crate::verify::verify_record;

/// The manifest of a record: its first entry, if it decodes as one (to
/// show results with the contests' and options' names).
pub fn record_manifest(record: impl std::io::Read) -> Option<Manifest> {
    let mut reader = RecordReader::new(record).ok()?;
    while let Ok(Some(frame)) = reader.next_frame() {
        if let Frame::Entry(bytes) = frame {
            return match Entry::from_bytes(&bytes) {
                Ok(Entry::Manifest { manifest, .. }) => Some(manifest),
                _ => None,
            };
        }
    }
    None
}

/// The record file's manifest (see [`record_manifest`]).
pub fn file_manifest(path: &Path) -> Option<Manifest> {
    record_manifest(std::io::BufReader::new(File::open(path).ok()?))
}

/// Verify a record file with a progress bar (unless `quiet`).
pub fn verify(path: &Path, quiet: bool) -> anyhow::Result<Report> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = if quiet {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(len);
        if let Ok(s) = ProgressStyle::with_template(
            "verifying [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {msg}",
        ) {
            pb.set_style(s.progress_chars("=> "));
        }
        pb
    };
    let reader = pb.wrap_read(file);
    let report = verify_record(reader, None);
    pb.finish_and_clear();
    Ok(report)
}

/// Write `bytes` to `path` whole or not at all: into a new file beside it,
/// flushed, then renamed over `path` (replacing an older download).
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e}", path.display())
    })
}

/// Print the report as a table of checks, the verified result (with the
/// names `manifest` gives, when known), then the failures.
pub fn print_report(r: &Report, manifest: Option<&Manifest>) {
    println!(
        "Election {}: {} log entries, {} ballots cast, {} counted, {} audited",
        r.election_id.as_deref().unwrap_or("?"),
        r.entries,
        r.ballots_cast,
        r.ballots_counted,
        r.ballots_spoiled
    );
    println!();
    for c in &r.checks {
        let status = if c.failed > 0 {
            "FAIL"
        } else if c.ran {
            "ok"
        } else {
            "n/a"
        };
        println!(
            "  [{status:>4}] {:<4} {} ({} passed{})",
            c.id,
            c.description,
            c.passed,
            if c.failed > 0 {
                format!(", {} failed", c.failed)
            } else {
                String::new()
            }
        );
    }
    if let Some(result) = &r.result {
        println!();
        println!("Verified result:");
        print_totals(manifest, result);
    }
    println!();
    if r.ok() {
        println!("VERIFIED: every check passed.");
    } else {
        println!("FAILED: {} problem(s):", r.failures_total);
        for f in &r.failures {
            match f.entry {
                Some(e) => println!("  {} entry {}: {}", f.check, e, f.message),
                None => println!("  {}: {}", f.check, f.message),
            }
        }
    }
}

/// Print the result with the contest and option names from the record.
pub fn print_result(path: &Path, result: &[Vec<u64>]) -> anyhow::Result<()> {
    print_totals(file_manifest(path).as_ref(), result);
    Ok(())
}

/// One line per option, under its contest, in the manifest's default
/// language; by number where the manifest does not name it.
fn print_totals(manifest: Option<&Manifest>, result: &[Vec<u64>]) {
    let lang = manifest.map(|m| m.default_language.as_str()).unwrap_or("");
    for (ci, row) in result.iter().enumerate() {
        let contest = manifest.and_then(|m| m.contests.get(ci));
        match contest.and_then(|c| c.title.0.get(lang)) {
            Some(title) => println!("  {title}"),
            None => println!("  contest {}", ci + 1),
        }
        for (oi, v) in row.iter().enumerate() {
            let name = contest
                .and_then(|c| c.options.get(oi))
                .and_then(|o| o.title.0.get(lang).cloned())
                .unwrap_or_else(|| format!("option {}", oi + 1));
            println!("    {name}: {v}");
        }
    }
}
