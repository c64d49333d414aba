//! Configuration: command-line flags, each also read from an
//! `URNA_BOARD_*` environment variable and from an optional TOML file
//! (`--config FILE`, keys named like the flags with `_`): a flag beats the
//! environment, which beats the file, which beats the default
//! (`spec/api.md` §7).

use std::net::SocketAddr;
use std::path::PathBuf;

/// `urna-board`: Urna's bulletin board server.
#[derive(clap::Parser, Clone, Debug)]
#[command(name = "urna-board", version, about)]
pub struct Config {
    /// A TOML file with any of the settings below (e.g. `listen = "0.0.0.0:8080"`,
    /// `database_url = "postgres://…"`); flags and environment override it.
    #[arg(long, env = "URNA_BOARD_CONFIG")]
    pub config: Option<PathBuf>,
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
    /// Database connections of the read path (entries, the record,
    /// `/healthz`), a pool apart from the sequencer's commits.
    #[arg(long, env = "URNA_BOARD_READ_CONNECTIONS", default_value_t = 4)]
    pub read_connections: u32,
    /// Most record downloads (`GET …/record`) streaming at once; more are
    /// refused `503 ERR_BUSY`.
    #[arg(long, env = "URNA_BOARD_MAX_RECORD_STREAMS", default_value_t = 32)]
    pub max_record_streams: usize,
    /// Seconds an answer may wait on a client that does not read it
    /// before the connection is closed (write timeout).
    #[arg(long, env = "URNA_BOARD_WRITE_TIMEOUT_SECS", default_value_t = 30)]
    pub write_timeout_secs: u64,
    /// Ballot submissions per credential per minute (0: no limit).
    #[arg(long, env = "URNA_BOARD_RATE_LIMIT_PER_MINUTE", default_value_t = 30)]
    pub rate_limit_per_minute: u32,
    /// Burst of the per-credential limit.
    #[arg(long, env = "URNA_BOARD_RATE_LIMIT_BURST", default_value_t = 10)]
    pub rate_limit_burst: u32,
    /// An organizer public key (64 hex digits, as `urna election keygen`
    /// prints it) that may create elections on this board; repeat the
    /// flag, or separate keys with commas. Without any (and without
    /// `--open-creation`) the board creates no election.
    #[arg(
        long = "organizer-key",
        env = "URNA_BOARD_ORGANIZER_KEYS",
        value_delimiter = ','
    )]
    pub organizer_keys: Vec<String>,
    /// Let anyone create elections (development and tests only: on a
    /// public board, strangers could fill it with elections).
    #[arg(long, env = "URNA_BOARD_OPEN_CREATION")]
    pub open_creation: bool,
    /// Most elections one organizer key may have on the board.
    #[arg(
        long,
        env = "URNA_BOARD_MAX_ELECTIONS_PER_ORGANIZER",
        default_value_t = 16
    )]
    pub max_elections_per_organizer: usize,
    /// Audits (Benaloh challenges) one credential may publish per
    /// election (`spec/api.md` §5.6; docs/attacks.md F20).
    #[arg(
        long,
        env = "URNA_BOARD_MAX_AUDITS_PER_CREDENTIAL",
        default_value_t = 10
    )]
    pub max_audits_per_credential: u32,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "URNA_BOARD_LOG", default_value = "info")]
    pub log: String,
}

impl Config {
    /// Defaults with a given database and key file (tests), creation open
    /// to anyone.
    pub fn for_tests(database_url: &str, key_file: PathBuf) -> Self {
        Config {
            config: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_string(),
            key_file,
            max_batch: 512,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections: 4096,
            read_connections: 4,
            max_record_streams: 32,
            write_timeout_secs: 30,
            rate_limit_per_minute: 0,
            rate_limit_burst: 10,
            organizer_keys: Vec::new(),
            open_creation: true,
            max_elections_per_organizer: 16,
            max_audits_per_credential: 10,
            log: "warn".into(),
        }
    }
}

/// The settings a config file may hold (every one optional).
#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    key_file: Option<PathBuf>,
    max_batch: Option<usize>,
    request_timeout_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    read_connections: Option<u32>,
    max_record_streams: Option<usize>,
    write_timeout_secs: Option<u64>,
    rate_limit_per_minute: Option<u32>,
    rate_limit_burst: Option<u32>,
    organizer_keys: Option<Vec<String>>,
    open_creation: Option<bool>,
    max_elections_per_organizer: Option<usize>,
    max_audits_per_credential: Option<u32>,
    log: Option<String>,
}

impl Config {
    /// Parse flags and environment, then fill every setting that was left
    /// at its default from the `--config` file, if any.
    pub fn load() -> anyhow::Result<Self> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Config::command().get_matches();
        let mut config = Config::from_arg_matches(&matches)?;
        if let Some(path) = config.config.clone() {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                anyhow::anyhow!("cannot read the config file {}: {e}", path.display())
            })?;
            config
                .apply_file(&text, |name| {
                    matches.value_source(name) == Some(clap::parser::ValueSource::DefaultValue)
                })
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(config)
    }

    /// Apply a TOML config file to the settings for which `is_default`
    /// says no flag or environment variable was given.
    pub fn apply_file(
        &mut self,
        text: &str,
        is_default: impl Fn(&str) -> bool,
    ) -> anyhow::Result<()> {
        let f: FileConfig = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        macro_rules! take {
            ($($field:ident),*) => {$(
                if let Some(v) = f.$field {
                    if is_default(stringify!($field)) {
                        self.$field = v;
                    }
                }
            )*};
        }
        take!(
            listen,
            database_url,
            key_file,
            max_batch,
            request_timeout_secs,
            header_timeout_secs,
            max_connections,
            read_connections,
            max_record_streams,
            write_timeout_secs,
            rate_limit_per_minute,
            rate_limit_burst,
            organizer_keys,
            open_creation,
            max_elections_per_organizer,
            max_audits_per_credential,
            log
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_fills_defaults_but_not_explicit_settings() {
        let mut c = Config::for_tests("sqlite://a.db", PathBuf::from("k"));
        c.apply_file(
            "listen = \"0.0.0.0:9000\"\nmax_batch = 64\ndatabase_url = \"postgres://x\"\n",
            |name| name != "database_url",
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.max_batch, 64);
        assert_eq!(c.database_url, "sqlite://a.db");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let mut c = Config::for_tests("sqlite://a.db", PathBuf::from("k"));
        let e = c
            .apply_file("lissen = \"x\"", |_| true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lissen"), "{e}");
        let e = c
            .apply_file("max_batch = \"lots\"", |_| true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_batch"), "{e}");
    }
}
