//! Configuration: command-line flags, each also read from an
//! `URNA_BOARD_*` environment variable (`spec/api.md` §7).

use std::net::SocketAddr;
use std::path::PathBuf;

/// `urna-board`: Urna's bulletin board server.
#[derive(clap::Parser, Clone, Debug)]
#[command(name = "urna-board", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "URNA_BOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: `postgres://…` for PostgreSQL, else an SQLite file
    /// (`sqlite://path` or a path). Default: `urna-board.db` in the
    /// working directory.
    #[arg(
        long,
        env = "URNA_BOARD_DATABASE_URL",
        default_value = "sqlite://urna-board.db"
    )]
    pub database_url: String,
    /// The board's Ed25519 key: a file holding the 32-byte secret seed in
    /// hex, created (mode 0600) on first start if missing.
    #[arg(long, env = "URNA_BOARD_KEY_FILE", default_value = "board.key")]
    pub key_file: PathBuf,
    /// Most submissions the sequencer takes in one batch.
    #[arg(long, env = "URNA_BOARD_MAX_BATCH", default_value_t = 512)]
    pub max_batch: usize,
    /// Seconds before a request is answered 408.
    #[arg(long, env = "URNA_BOARD_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a client has to send its request headers (slowloris guard).
    #[arg(long, env = "URNA_BOARD_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Most open connections.
    #[arg(long, env = "URNA_BOARD_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Ballot submissions per credential per minute (0: no limit).
    #[arg(long, env = "URNA_BOARD_RATE_LIMIT_PER_MINUTE", default_value_t = 30)]
    pub rate_limit_per_minute: u32,
    /// Burst of the per-credential limit.
    #[arg(long, env = "URNA_BOARD_RATE_LIMIT_BURST", default_value_t = 10)]
    pub rate_limit_burst: u32,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "URNA_BOARD_LOG", default_value = "info")]
    pub log: String,
}

impl Config {
    /// Defaults with a given database and key file (tests).
    pub fn for_tests(database_url: &str, key_file: PathBuf) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_string(),
            key_file,
            max_batch: 512,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections: 4096,
            rate_limit_per_minute: 0,
            rate_limit_burst: 10,
            log: "warn".into(),
        }
    }
}
