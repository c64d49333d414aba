//! The board's one HTTP error type (docs/style.md item 9): a stable machine-readable
//! code, a human message, and the HTTP status of the code table in
//! `spec/api.md` §3. Internal errors are logged here and leave the board
//! as an opaque 500; storage failures as 503 with no receipt.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
pub use urna_api::{ErrorBody, ErrorCode};
use urna_election::ElectionError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, `ERR_…`.
    pub code: &'static str,
    /// Human-readable message (never a secret, never a stack trace).
    pub message: String,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

/// The HTTP status of a code (`spec/api.md` §3): the wire crate's table,
/// 422 for codes of other crates it does not list.
pub fn status_of(code: &str) -> StatusCode {
    StatusCode::from_u16(ErrorCode::status_of(code)).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

impl ApiError {
    /// An error with the status of its code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::coded(code.as_str(), message)
    }

    /// An error with a code another crate defines (`ElectionError::code`,
    /// a rule-book refusal, `urna_crypto::Error::code`): the table's
    /// status if the wire crate lists it, else 422.
    pub fn coded(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: status_of(code),
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// `404 ERR_NOT_FOUND`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }

    /// `409 ERR_LIFECYCLE`.
    pub fn lifecycle(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Lifecycle, message)
    }

    /// `503 ERR_STORAGE_UNAVAILABLE`: nothing was made durable, no receipt.
    pub fn storage() -> Self {
        Self::new(
            ErrorCode::StorageUnavailable,
            "the board cannot make the write durable right now; nothing was accepted, retry later",
        )
    }

    /// `503 ERR_BUSY` with `Retry-After`: a read the board has no room
    /// for now (`spec/api.md` §7).
    pub fn busy(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..Self::new(ErrorCode::Busy, message)
        }
    }

    /// `413 ERR_BODY_TOO_LARGE`.
    pub fn too_large() -> Self {
        Self::new(
            ErrorCode::BodyTooLarge,
            "the request body exceeds the limit",
        )
    }

    /// An internal error: logged here with its cause, answered as an
    /// opaque 500 (docs/style.md item 9, docs/attacks.md F12).
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// `429 ERR_RATE_LIMITED` with `Retry-After`.
    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                ErrorCode::RateLimited,
                "too many submissions for this credential; retry later",
            )
        }
    }
}

impl From<ElectionError> for ApiError {
    fn from(e: ElectionError) -> Self {
        ApiError::coded(e.code(), e.to_string())
    }
}

impl From<urna_crypto::Error> for ApiError {
    fn from(e: urna_crypto::Error) -> Self {
        ApiError::coded(e.code(), e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code,
            self.status.as_u16(),
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ErrorBody {
            code: self.code.to_string(),
            message: self.message,
        })
        .unwrap_or_default();
        let mut res = (self.status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}
