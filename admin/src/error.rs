//! The organizer's tool's errors: each says what went wrong and, where it
//! can, what to do about it.

use std::path::PathBuf;

/// Everything the `urna` commands can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file's content is wrong (names the file and the problem).
    #[error("{path}: {message}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, where.
        message: String,
    },
    /// A key file could not be used.
    #[error(transparent)]
    Key(#[from] crate::keyfile::KeyFileError),
    /// The board refused, or could not be reached.
    #[error(transparent)]
    Board(#[from] tally::board_client::BoardError),
    /// The election's data on the board is not what it must be.
    #[error("{0}")]
    Election(String),
    /// A step that cannot be taken now, and why.
    #[error("{0}")]
    NotNow(String),
}

impl AdminError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AdminError::Io {
            path: path.into(),
            source,
        }
    }

    /// A problem with the content of `path`.
    pub fn bad_file(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        AdminError::BadFile {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// The result of the `urna` commands.
pub type Result<T> = std::result::Result<T, AdminError>;
