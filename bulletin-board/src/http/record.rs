//! `GET …/record`: the election record streamed (`spec/record.md` §8).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Response};
use urna_election::record::{kind, RecordWriter};

use crate::error::ApiError;
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

/// The election record (`spec/record.md` §8), streamed.
///
/// Magic, board key, then the entries in log order with every signed
/// tree head placed after the entries it covers. Covers exactly the log
/// under the latest head at the start of the request.
#[utoipa::path(get, path = "/api/elections/{id}/record", tag = "read",
    params(super::doc::ElectionId),
    responses((status = 200, description = "The record's bytes", content_type = "application/octet-stream")))]
pub(super) async fn get_record(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Response<Body>> {
    let shared = election(&st, id)?;
    let size = shared.view().head.tree_size;
    let heads = st.store.heads(&shared.id, size).await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    let first = part(true, [(kind::BOARD_KEY, st.log_key.to_bytes().to_vec())])
        .map_err(ApiError::internal)?;
    let store = st.store.clone();
    let id = shared.id.clone();
    struct S {
        store: Arc<dyn Store>,
        id: String,
        next: u64,
        size: u64,
        heads: std::vec::IntoIter<crate::store::StoredHead>,
        pending_head: Option<crate::store::StoredHead>,
        first: Option<Vec<u8>>,
    }
    let mut heads = heads.into_iter();
    let pending_head = heads.next();
    let s = S {
        store,
        id,
        next: 0,
        size,
        heads,
        pending_head,
        first: Some(first),
    };
    let stream = futures_util::stream::unfold(s, |mut s| async move {
        if let Some(f) = s.first.take() {
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(f)), s));
        }
        if s.next >= s.size {
            return None;
        }
        let end = (s.next + 512).min(s.size);
        let rows = match s.store.entries(&s.id, s.next, end).await {
            Ok(r) if r.len() as u64 == end - s.next => r,
            Ok(_) => return Some((Err(std::io::Error::other("log read short")), s)),
            Err(e) => return Some((Err(std::io::Error::other(e.to_string())), s)),
        };
        let mut frames = Vec::with_capacity(rows.len() + 1);
        for e in rows {
            let seq = e.seq;
            frames.push((kind::ENTRY, e.bytes));
            while let Some(h) = s.pending_head.take() {
                if h.tree_size == seq + 1 {
                    frames.push((kind::TREE_HEAD, h.head));
                    s.pending_head = s.heads.next();
                } else {
                    s.pending_head = Some(h);
                    break;
                }
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
