//! Prometheus text metrics (`GET /metrics`), kept by hand: counters of
//! accepted and rejected ballots by code, histograms of verification batch
//! sizes and ballot latency. Nothing here identifies a voter.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

struct Histogram {
    bounds: Vec<f64>,
    counts: Vec<AtomicU64>,
    count: AtomicU64,
    /// Sum in millionths.
    sum_micro: AtomicU64,
}

impl Histogram {
    fn new(bounds: &[f64]) -> Self {
        Histogram {
            bounds: bounds.to_vec(),
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micro: AtomicU64::new(0),
        }
    }

    fn observe(&self, v: f64) {
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if v <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micro
            .fetch_add((v * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{b}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let n = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_micro.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {n}");
    }
}

/// The board's metrics.
pub struct Metrics {
    accepted: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    entries: AtomicU64,
    commit_failures: AtomicU64,
    batch: Histogram,
    latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            accepted: AtomicU64::new(0),
            rejected: Mutex::new(BTreeMap::new()),
            entries: AtomicU64::new(0),
            commit_failures: AtomicU64::new(0),
            batch: Histogram::new(&[
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
            ]),
            latency: Histogram::new(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        }
    }
}

impl Metrics {
    /// A ballot answered with a receipt.
    pub fn ballot_accepted(&self, latency: Duration) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.latency.observe(latency.as_secs_f64());
    }

    /// A ballot refused with `code`.
    pub fn ballot_rejected(&self, code: &'static str, latency: Duration) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(code).or_insert(0) += 1;
        }
        self.latency.observe(latency.as_secs_f64());
    }

    /// The number of ballots verified together.
    pub fn observe_batch(&self, n: usize) {
        self.batch.observe(n as f64);
    }

    /// Entries made durable.
    pub fn entries_appended(&self, n: u64) {
        self.entries.fetch_add(n, Ordering::Relaxed);
    }

    /// A failed commit.
    pub fn commit_failed(&self) {
        self.commit_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP urna_ballots_accepted_total Ballots answered with a receipt (retries included).\n# TYPE urna_ballots_accepted_total counter\nurna_ballots_accepted_total {}",
            self.accepted.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP urna_ballots_rejected_total Ballots refused, by error code.\n# TYPE urna_ballots_rejected_total counter"
        );
        if let Ok(m) = self.rejected.lock() {
            for (code, n) in m.iter() {
                let _ = writeln!(out, "urna_ballots_rejected_total{{code=\"{code}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP urna_entries_appended_total Log entries made durable.\n# TYPE urna_entries_appended_total counter\nurna_entries_appended_total {}",
            self.entries.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP urna_commit_failures_total Commits that failed (503, no receipt).\n# TYPE urna_commit_failures_total counter\nurna_commit_failures_total {}",
            self.commit_failures.load(Ordering::Relaxed)
        );
        self.batch.render(
            &mut out,
            "urna_verify_batch_size",
            "Ballots verified together in one batch.",
        );
        self.latency.render(
            &mut out,
            "urna_ballot_latency_seconds",
            "Time from receiving a ballot to answering it.",
        );
        out
    }
}

/// Per-credential token buckets (docs/attacks.md F8: per credential, not
/// per IP, which fails behind Tor or a shared NAT and would need IPs).
pub struct RateLimiter {
    per_minute: f64,
    burst: f64,
    buckets: Mutex<std::collections::HashMap<[u8; 32], (f64, std::time::Instant)>>,
}

impl RateLimiter {
    /// `per_minute = 0` disables the limit.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Take a token for this credential, or the seconds to wait.
    pub fn check(&self, credential: [u8; 32]) -> Result<(), u64> {
        if self.per_minute <= 0.0 {
            return Ok(());
        }
        let now = std::time::Instant::now();
        let rate = self.per_minute / 60.0;
        let Ok(mut b) = self.buckets.lock() else {
            return Ok(());
        };
        let (tokens, last) = b.entry(credential).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil() as u64)
        }
    }
}
