//! Extractors whose refusals are [`ApiError`]s: the JSON envelope, never axum's
//! `text/plain` rejections.
//!
//! - [`ApiJson`]: a body that is not JSON, or not of the expected shape, is 422 (as the
//!   ancestor answered) naming where; a body not declared `application/json` is 415; a
//!   string holding a NUL character is 422 naming the field (PostgreSQL cannot store
//!   one, and no field has a use for it), so it never reaches a store.
//! - [`ApiQuery`]: a query parameter that is unknown or not of its type is 422 naming it.
//! - [`ApiPath`]: a path parameter that cannot be read (not UTF-8 once decoded, as
//!   `/api/v1/jobs/%ff`) names nothing that exists: 404.
//! - [`ApiExtension`]: a value a middleware should have added (the caller's key); its
//!   absence is a failure of ours, 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use milmed_core::scenario::ValidationIssue;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// A JSON body of type `T`, checked as the module says.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Whether the request declares a JSON body (`application/json` or `application/*+json`).
fn declares_json(parts: &Parts) -> bool {
    let Some(value) = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The path of a JSON value's member `key` inside `parent` (`""` is the root).
fn member_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Every string (value or member name) of `value` that holds a NUL character, by path.
pub fn nul_characters(value: &Value) -> Vec<ValidationIssue> {
    fn walk(value: &Value, path: &str, found: &mut Vec<ValidationIssue>) {
        let issue = |path: &str, what: &str| ValidationIssue {
            path: if path.is_empty() {
                ".".to_owned()
            } else {
                path.to_owned()
            },
            message: format!(
                "{what} holds a NUL character (\\u0000), which is not allowed in any text"
            ),
        };
        match value {
            Value::String(s) if s.contains('\0') => found.push(issue(path, "the string")),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), found);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    let at = member_path(path, key);
                    if key.contains('\0') {
                        found.push(issue(&at, "the member name"));
                    }
                    walk(member, &at, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
}

/// 422 for the problems of a body, every one listed with its path.
fn refused_body(issues: Vec<ValidationIssue>) -> ApiError {
    let detail = issues
        .iter()
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::unprocessable(detail).with_issues(issues)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        if !declares_json(&parts) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            refused_body(vec![ValidationIssue {
                path: ".".to_owned(),
                message: format!("the body is not valid JSON: {e}"),
            }])
        })?;
        let nul = nul_characters(&value);
        if !nul.is_empty() {
            return Err(refused_body(nul));
        }
        let typed = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            refused_body(vec![ValidationIssue {
                path: if path.is_empty() {
                    ".".to_owned()
                } else {
                    path
                },
                message: e.into_inner().to_string(),
            }])
        })?;
        Ok(ApiJson(typed))
    }
}

/// A query string of type `T`; an unknown parameter, or one not of its type, is 422.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let issue = ValidationIssue {
                    path: if path.is_empty() || path == "." {
                        "query".to_owned()
                    } else {
                        format!("query.{path}")
                    },
                    message: message.clone(),
                };
                ApiError::unprocessable(format!("query string: {}: {message}", issue.path))
                    .with_issues(vec![issue])
            })
    }
}

/// Path parameters of type `T`; parameters that cannot be read name nothing: 404.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(e) if e.status().is_server_error() => Err(ApiError::internal(e.body_text())),
            Err(e) => Err(ApiError::not_found(format!(
                "nothing at {}: {}",
                parts.uri.path(),
                e.body_text()
            ))),
        }
    }
}

/// A value a middleware adds to the request (the caller's key, added by the key check).
#[derive(Debug, Clone)]
pub struct ApiExtension<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiExtension<T>
where
    T: Clone + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<T>()
            .cloned()
            .map(ApiExtension)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "the request has no {} (a middleware did not run)",
                    std::any::type_name::<T>()
                ))
            })
    }
}
