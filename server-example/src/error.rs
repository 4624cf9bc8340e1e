//! One JSON error envelope for every error the server answers with.
//!
//! `{"error": "Not Found", "status": 404, "detail": "job 12 not found", "request_id": "…",
//! "timestamp": "2026-11-26T16:35:17.168Z"}`: `error` is the status's reason phrase (as the
//! ancestor sent), `detail` says what was wrong and what is allowed, `timestamp` is when
//! (RFC 3339, UTC, as the ancestor's envelope carried). Unknown routes, wrong methods and
//! requests that axum's extractors refuse get the same envelope, unlike the ancestor's
//! bare `{"detail": …}`. A refused body (422) also lists every problem, each with its JSON
//! path: `"issues": [{"path": "days", "message": "must be from 1 to 365, got 0"}, …]`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use milmed_core::scenario::{ScenarioError, ValidationIssue};
use serde_json::json;

tokio::task_local! {
    /// The id of the request being answered, set by the middleware that makes it, so
    /// that every envelope carries it.
    pub static REQUEST_ID: String;
}

/// An error answer: a status and what went wrong.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What was wrong and what is allowed.
    pub detail: String,
    /// Seconds to wait before retrying, sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// A refused scenario's problems, each with its path (sent only when not empty).
    pub issues: Vec<ValidationIssue>,
}

impl ApiError {
    /// An error with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            retry_after: None,
            issues: Vec::new(),
        }
    }

    /// The same error, listing a scenario's problems.
    pub fn with_issues(mut self, issues: Vec<ValidationIssue>) -> ApiError {
        self.issues = issues;
        self
    }

    /// 422 for a scenario that cannot be used: every problem in `detail` and `issues`.
    pub fn scenario(error: &ScenarioError) -> ApiError {
        ApiError::unprocessable(error.to_string()).with_issues(error.issues().to_vec())
    }

    /// The same error, telling the client to retry after `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404: no such resource.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    /// 422: well-formed but not acceptable values.
    pub fn unprocessable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 500: a failure of ours; the cause is logged with its whole chain of sources (a
    /// database error's own message is in its source: "db error" alone says nothing),
    /// the answer says only that it failed.
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ApiError {
        let error = error.into();
        let chain = chain(error.as_ref());
        tracing::error!(error = %chain, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; see the server log",
        )
    }

    /// The envelope's JSON; `request_id` is the id of the request being answered.
    pub fn body(&self) -> serde_json::Value {
        let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut body = json!({
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "request_id": request_id,
            "timestamp": timestamp,
        });
        if !self.issues.is_empty() {
            body["issues"] = self
                .issues
                .iter()
                .map(|i| json!({"path": i.path, "message": i.message}))
                .collect();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// The one mapping of a store's error to an answer, for every store (milmed-postgres's
/// and the in-memory ones, which fail with the same error): no such row 404, a conflict
/// 409, a refused value 422 (a text PostgreSQL cannot store included), a busy or
/// unreachable store 503 with `Retry-After`, anything else 500 (logged).
impl From<milmed_postgres::Error> for ApiError {
    fn from(e: milmed_postgres::Error) -> ApiError {
        use milmed_postgres::Error;
        match e {
            Error::NotFound { what, id } => {
                // The API calls stored scenarios configurations.
                let what = if what == "scenario" {
                    "configuration"
                } else {
                    what
                };
                ApiError::not_found(format!("{what} {id} not found"))
            }
            Error::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            Error::Invalid(message) => ApiError::unprocessable(message),
            e if unstorable_text(&e) => ApiError::unprocessable(
                "a string holds a character that cannot be stored (NUL, \\u0000); remove it",
            ),
            e if e.is_transient() => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is busy; retry shortly",
            )
            .retry_after(1),
            e => ApiError::internal(e),
        }
    }
}

/// Whether PostgreSQL refused a text for a character it cannot store (a NUL: SQLSTATE
/// 22P05 in JSON, 22021 in text). Bodies are checked for NULs before they get here; this
/// is the backstop that keeps such a refusal a 422 rather than a 500.
fn unstorable_text(e: &milmed_postgres::Error) -> bool {
    e.code()
        .is_some_and(|code| ["22P05", "22021"].contains(&code.code()))
}

/// Answers unknown routes with the envelope.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
}

/// An error and its sources, `outer: inner: innermost`; a source whose text the chain
/// already holds (wrappers that repeat their source's message) is left out.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use milmed_postgres::Error;

    #[test]
    fn store_errors_answer_with_their_status_and_say_what_in_the_api_s_words() {
        let answer = |e: Error| {
            let e = ApiError::from(e);
            (e.status, e.detail)
        };
        assert_eq!(
            answer(Error::NotFound {
                what: "scenario",
                id: "7".to_owned()
            }),
            (
                StatusCode::NOT_FOUND,
                "configuration 7 not found".to_owned()
            )
        );
        assert_eq!(
            answer(Error::NotFound {
                what: "job",
                id: "3".to_owned()
            }),
            (StatusCode::NOT_FOUND, "job 3 not found".to_owned())
        );
        assert_eq!(
            answer(Error::Conflict("name taken".to_owned())),
            (StatusCode::CONFLICT, "name taken".to_owned())
        );
        assert_eq!(
            answer(Error::Invalid("too long".to_owned())),
            (StatusCode::UNPROCESSABLE_ENTITY, "too long".to_owned())
        );
        let internal = ApiError::from(Error::Random("no entropy".to_owned()));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.detail.contains("entropy"), "{}", internal.detail);
    }
}
