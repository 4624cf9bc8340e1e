//! The routes, by area.

pub mod catalog;
pub mod configurations;
pub mod downloads;
pub mod health;
pub mod jobs;
pub mod streaming;

use crate::error::ApiError;

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
