//! The routes, by area.

pub mod catalog;
pub mod configurations;
pub mod downloads;
pub mod health;
pub mod jobs;
pub mod streaming;

use std::time::Duration;

use axum::http::StatusCode;
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

/// The `next_after` of a page of `len` rows asked with `limit`: the last id when the
/// page is full (there may be more), none otherwise.
pub(crate) fn next_after(len: usize, limit: u32, last: Option<i64>) -> Option<i64> {
    if len == limit as usize { last } else { None }
}
