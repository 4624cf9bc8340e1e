//! The routes, by area.

pub mod catalog;
pub mod configurations;
pub mod downloads;
pub mod health;
pub mod jobs;
pub mod streaming;

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use milmed_core::job::{Permit, Priority, Request};

use crate::error::ApiError;
use crate::state::AppState;

/// How long a stream or download waits for room in the generation pool before it is
/// refused with 503.
const ADMISSION_WAIT: Duration = Duration::from_secs(2);

/// A place in the generation pool that jobs share, for a stream or a download, or 503
/// with `Retry-After`: a request is interactive and does not queue behind long jobs for
/// long.
pub(crate) async fn admit(state: &AppState) -> Result<Permit, ApiError> {
    let pool = state.generations().clone();
    let request = Request::new(state.settings().limits.generation_memory, Priority::Normal);
    tokio::task::spawn_blocking(move || pool.acquire(request, ADMISSION_WAIT))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("no room to generate now ({e}); retry shortly"),
            )
            .retry_after(5)
        })
}

/// The `limit` of a list request: `default` when absent, else 1 to 500 (422 outside).
pub(crate) fn page_limit(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::unprocessable(format!(
            "limit: {limit} is not allowed; give 1 to 500"
        )));
    }
    Ok(limit)
}

/// One page of a list (`GET /api/v1/configurations`, `GET /api/v1/jobs`): a bare JSON
/// array of its items, as the ancestor's clients iterate it, and, when the page is full
/// (there may be more), a `Link: <path?after=N&limit=M>; rel="next"` header (RFC 8288)
/// naming the next page by the last item's id. Both lists follow this one rule.
pub struct ListPage<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl<T> ListPage<T> {
    /// The page of `items` asked with `limit` from the list at `path`; `last_id` is the
    /// id of its last item, the cursor of the next page.
    pub fn new(path: &str, items: Vec<T>, limit: u32, last_id: Option<i64>) -> Self {
        let next = last_id
            .filter(|_| items.len() == limit as usize)
            .map(|after| format!("<{path}?after={after}&limit={limit}>; rel=\"next\""));
        ListPage { items, next }
    }
}

impl<T: serde::Serialize> IntoResponse for ListPage<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.items).into_response();
        if let Some(link) = self.next.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}
