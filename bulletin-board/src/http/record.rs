//! `GET …/record`: the election record streamed (`spec/record.md` §8).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Response};
use urna_election::record::{kind, RecordWriter};

use crate::error::ApiError;
use crate::machine::Shared;
use crate::store::Store;

use super::*;

/// The frames of one part of the record, through the record's own writer
/// (`urna_election::record`, the format `tally verify` reads): the first
/// part starts with the magic, later parts continue it.
fn part(first: bool, frames: impl IntoIterator<Item = (u8, Vec<u8>)>) -> std::io::Result<Vec<u8>> {
    let io = |e: urna_election::ElectionError| std::io::Error::other(e.to_string());
    let mut w = if first {
        RecordWriter::new(Vec::new()).map_err(io)?
    } else {
        RecordWriter::continuing(Vec::new())
    };
    for (k, bytes) in frames {
        w.frame(k, &bytes).map_err(io)?;
    }
    w.finish().map_err(io)
}

/// Most entry bytes read from the database per part of the stream (at
/// least one entry is): what one download holds in memory at a time.
pub const RECORD_PART_BYTES: usize = 1 << 20;

/// The election record (`spec/record.md` §8), streamed.
///
/// Magic, board key, then the entries in log order with every signed
/// tree head placed after the entries it covers. Covers exactly the log
/// under the latest head at the start of the request.
///
/// Bounded (`spec/api.md` §7): at most `max_record_streams` downloads
/// stream at once (one more is refused `503 ERR_BUSY`), each reads its
/// entries on the read pool [`RECORD_PART_BYTES`] at a time and its heads
/// from memory, and a client that stops reading is cut off by the
/// connection's write timeout, which frees its place.
#[utoipa::path(get, path = "/api/elections/{id}/record", tag = "read",
    params(super::doc::ElectionId),
    responses((status = 200, description = "The record's bytes", content_type = "application/octet-stream")))]
pub(super) async fn get_record(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Response<Body>> {
    let shared = election(&st, id)?;
    let permit = st.record_streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::busy("too many record downloads at once; retry later, or use a mirror")
    })?;
    let size = shared.view().head.tree_size;
    let first = part(true, [(kind::BOARD_KEY, st.log_key.to_bytes().to_vec())])
        .map_err(ApiError::internal)?;
    struct S {
        store: Arc<dyn Store>,
        shared: Arc<Shared>,
        next: u64,
        size: u64,
        first: Option<Vec<u8>>,
        _permit: tokio::sync::OwnedSemaphorePermit,
    }
    let s = S {
        store: st.store.clone(),
        shared: shared.clone(),
        next: 0,
        size,
        first: Some(first),
        _permit: permit,
    };
    let stream = futures_util::stream::unfold(s, |mut s| async move {
        if let Some(f) = s.first.take() {
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(f)), s));
        }
        if s.next >= s.size {
            return None;
        }
        // At most 512 rows asked for (PostgreSQL sends every row a query
        // selects, even past the byte budget), and at most
        // RECORD_PART_BYTES of them kept.
        let upto = (s.next + 512).min(s.size);
        let rows = match s
            .store
            .read_entries(&s.shared.id, s.next, upto, RECORD_PART_BYTES)
            .await
        {
            Ok(r) if r.first().is_some_and(|e| e.seq == s.next) => r,
            Ok(_) => return Some((Err(std::io::Error::other("log read short")), s)),
            Err(e) => return Some((Err(std::io::Error::other(e.to_string())), s)),
        };
        let end = s.next + rows.len() as u64;
        // The heads covering these entries, from memory, in order.
        let mut heads =
            crate::heads::between(&s.shared.heads, &s.shared.tree, s.next, end).into_iter();
        let mut pending = heads.next();
        let mut frames = Vec::with_capacity(rows.len() + 1);
        for e in rows {
            let covered = e.seq + 1;
            frames.push((kind::ENTRY, e.bytes));
            while let Some(h) = pending.take_if(|h| h.tree_size == covered) {
                frames.push((kind::TREE_HEAD, h.to_bytes().to_vec()));
                pending = heads.next();
            }
        }
        s.next = end;
        Some((part(false, frames).map(Bytes::from), s))
    });
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.urna\"", shared.id)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
