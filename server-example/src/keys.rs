//! API keys: who may call, and how often.
//!
//! With PostgreSQL the keys and their usage counters live in the database (shared by every
//! instance, checked and incremented atomically); without one they live in this process,
//! with the same rules. Either way keys are kept as SHA-256 hashes, and the demo key
//! `DEMO_MILMED_2025_500_PATIENTS` exists from the start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use milmed_postgres::{Admission, ApiKey, ApiKeys, LimitKind, Limits, NewApiKey, Refusal, Usage};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::state::AppState;

/// The public demo key the seed documents give out.
pub const DEMO_KEY: &str = "DEMO_MILMED_2025_500_PATIENTS";

/// The demo key's limits: 500 patients per request, 10 requests a minute, 50 an hour,
/// 100 a day, as the seed documents give them (whatever `MILMED_TIERS` says of `demo`).
pub const DEMO_LIMITS: Limits = Limits {
    max_patients_per_request: 500,
    per_minute: Some(10),
    per_hour: Some(50),
    per_day: Some(100),
};

/// The id of the key that made a request, put in the response's extensions for the
/// request log (the key itself is never logged).
#[derive(Clone, Copy, Debug)]
pub struct KeyId(pub i64);

/// 403 when `key` may not ask for `patients` patients in one request (counted as a
/// refusal by the `patients` limit).
pub fn check_patients(state: &AppState, key: &ApiKey, patients: u64) -> Result<(), ApiError> {
    let per_key = key.limits.max_patients_per_request;
    if patients > per_key {
        state.metrics().rate_limited("patients");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "requested {patients} patients, more than this API key's limit of {per_key} per request"
            ),
        ));
    }
    Ok(())
}

/// The header that carries the key.
pub const HEADER: &str = "x-api-key";

/// Where keys are kept.
#[derive(Clone)]
pub enum Keys {
    /// In this process.
    Memory(Arc<MemoryKeys>),
    /// In PostgreSQL.
    Postgres(ApiKeys),
}

impl Keys {
    /// Creates the demo key if it is missing.
    pub async fn ensure_demo(&self) -> Result<ApiKey, milmed_postgres::Error> {
        let new = NewApiKey {
            name: "Public demo key".to_owned(),
            tier: "demo".to_owned(),
            is_demo: true,
            limits: DEMO_LIMITS,
            expires_at: None,
        };
        self.ensure(DEMO_KEY, new).await
    }

    /// Stores `key` with `new`'s settings unless it exists; returns its record.
    pub async fn ensure(
        &self,
        key: &str,
        new: NewApiKey,
    ) -> Result<ApiKey, milmed_postgres::Error> {
        match self {
            Keys::Memory(m) => Ok(m.ensure(key, new)),
            Keys::Postgres(p) => p.ensure_key(key, new).await,
        }
    }

    /// The key's record, if it is known, active and not expired.
    pub async fn verify(&self, key: &str) -> Result<Option<ApiKey>, milmed_postgres::Error> {
        match self {
            Keys::Memory(m) => Ok(m.verify(key)),
            Keys::Postgres(p) => p.verify(key).await,
        }
    }

    /// Counts one request of `key` for `patients` patients, or refuses it.
    pub async fn admit(
        &self,
        key: &ApiKey,
        patients: u64,
    ) -> Result<Admission, milmed_postgres::Error> {
        match self {
            Keys::Memory(m) => Ok(m.admit(key, patients, OffsetDateTime::now_utc())),
            Keys::Postgres(p) => p.record_request(key.id, patients, &key.limits).await,
        }
    }
}

/// Keys kept in this process.
#[derive(Default)]
pub struct MemoryKeys {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    keys: Vec<([u8; 32], ApiKey)>,
    /// Requests and patients per key, window kind and window start (Unix seconds).
    windows: HashMap<(i64, LimitKind, i64), (u64, u64)>,
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl MemoryKeys {
    fn ensure(&self, key: &str, new: NewApiKey) -> ApiKey {
        let digest = hash(key);
        let mut inner = self.inner.lock().expect("not poisoned");
        if let Some((_, existing)) = inner.keys.iter().find(|(h, _)| *h == digest) {
            return existing.clone();
        }
        let record = ApiKey {
            id: inner.keys.len() as i64 + 1,
            prefix: key.chars().take(12).collect(),
            name: new.name,
            tier: new.tier,
            is_demo: new.is_demo,
            limits: new.limits,
            active: true,
            expires_at: new.expires_at,
            last_used_at: None,
            created_at: OffsetDateTime::now_utc(),
        };
        inner.keys.push((digest, record.clone()));
        record
    }

    fn verify(&self, key: &str) -> Option<ApiKey> {
        let digest = hash(key);
        let now = OffsetDateTime::now_utc();
        let mut inner = self.inner.lock().expect("not poisoned");
        // Every stored digest is compared, each in constant time: how long this takes
        // says nothing about which key, if any, matched.
        let mut found = None;
        for (i, (h, _)) in inner.keys.iter().enumerate() {
            if bool::from(h.ct_eq(&digest)) {
                found = Some(i);
            }
        }
        let (_, record) = &mut inner.keys[found?];
        if !record.active || record.expires_at.is_some_and(|e| e <= now) {
            return None;
        }
        record.last_used_at = Some(now);
        Some(record.clone())
    }

    /// The same rule as the PostgreSQL store: all three windows are incremented or none,
    /// and a refusal names the widest full window (the last to reopen).
    fn admit(&self, key: &ApiKey, patients: u64, now: OffsetDateTime) -> Admission {
        let limits = key.limits;
        if patients > limits.max_patients_per_request {
            return Admission::Refused(Refusal {
                limit_kind: LimitKind::Patients,
                limit: limits.max_patients_per_request,
                retry_after: Duration::ZERO,
            });
        }
        let unix = now.unix_timestamp();
        let windows = [
            (LimitKind::Minute, 60, limits.per_minute),
            (LimitKind::Hour, 3600, limits.per_hour),
            (LimitKind::Day, 86_400, limits.per_day),
        ];
        let mut inner = self.inner.lock().expect("not poisoned");
        let mut counts = [0u64; 3];
        let mut refusal = None;
        for (i, (kind, length, limit)) in windows.into_iter().enumerate() {
            let start = unix - unix.rem_euclid(length);
            let used = inner.windows.get(&(key.id, kind, start)).map_or(0, |w| w.0);
            counts[i] = used + 1;
            if limit.is_some_and(|l| counts[i] > u64::from(l)) {
                refusal = Some(Refusal {
                    limit_kind: kind,
                    limit: u64::from(limit.unwrap_or(0)),
                    retry_after: Duration::from_secs((start + length - unix) as u64),
                });
            }
        }
        if let Some(refusal) = refusal {
            return Admission::Refused(refusal);
        }
        let mut patients_day = 0;
        for (kind, length, _) in windows {
            let start = unix - unix.rem_euclid(length);
            let window = inner.windows.entry((key.id, kind, start)).or_default();
            window.0 += 1;
            window.1 += patients;
            patients_day = window.1;
        }
        // Windows that have ended are dropped so memory stays bounded.
        inner
            .windows
            .retain(|&(_, kind, start), _| start + kind_length(kind) > unix);
        Admission::Allowed(Usage {
            requests_minute: counts[0],
            requests_hour: counts[1],
            requests_day: counts[2],
            patients_day,
        })
    }
}

fn kind_length(kind: LimitKind) -> i64 {
    match kind {
        LimitKind::Minute => 60,
        LimitKind::Hour => 3600,
        LimitKind::Day | LimitKind::Patients => 86_400,
    }
}

/// Requires a valid `X-API-Key` and counts the request against the key's limits: 401
/// without a valid key, 429 with `Retry-After` over a limit; `RateLimit-*` headers tell
/// the caller where it stands. The key's record goes into the request's extensions.
pub async fn require_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let key = match request.headers().get(HEADER).map(|v| v.to_str()) {
        None => {
            return ApiError::new(StatusCode::UNAUTHORIZED, "missing X-API-Key header")
                .into_response();
        }
        Some(Err(_)) | Some(Ok("")) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "empty or malformed X-API-Key header",
            )
            .into_response();
        }
        Some(Ok(key)) => key.to_owned(),
    };
    if !state.database_ready() {
        let cause = state.database_waiting_for().unwrap_or_default();
        tracing::warn!(%cause, "keyed request refused: the database is not set up yet");
        return unavailable_response();
    }
    let record = match state.keys().verify(&key).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid, revoked or expired API key",
            )
            .into_response();
        }
        Err(e) => return unavailable(e),
    };
    let admission = match state.keys().admit(&record, 0).await {
        Ok(a) => a,
        Err(e) => return unavailable(e),
    };
    match admission {
        Admission::Refused(refusal) => {
            state.metrics().rate_limited(refusal.limit_kind.as_str());
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {} requests per {} reached; retry in {} s",
                    refusal.limit,
                    refusal.limit_kind,
                    refusal.retry_after.as_secs()
                ),
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert(
                "retry-after",
                HeaderValue::from(refusal.retry_after.as_secs()),
            );
            rate_headers(headers, refusal.limit, 0, refusal.retry_after.as_secs());
            response
        }
        Admission::Allowed(usage) => {
            let minute_limit = record.limits.per_minute;
            let key_id = KeyId(record.id);
            request.extensions_mut().insert(record);
            let mut response = next.run(request).await;
            response.extensions_mut().insert(key_id);
            if let Some(limit) = minute_limit {
                let now = OffsetDateTime::now_utc().unix_timestamp();
                let reset = 60 - now.rem_euclid(60) as u64;
                let remaining = u64::from(limit).saturating_sub(usage.requests_minute);
                rate_headers(response.headers_mut(), u64::from(limit), remaining, reset);
            }
            response
        }
    }
}

/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft) for the
/// minute window.
fn rate_headers(headers: &mut HeaderMap, limit: u64, remaining: u64, reset: u64) {
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(reset));
}

/// Seconds a client is told to wait when the database is unreachable: a little more
/// than the pool waits before it tries to connect again.
const UNAVAILABLE_RETRY_AFTER: u64 = 2;

fn unavailable(error: milmed_postgres::Error) -> Response {
    tracing::error!(%error, "key store unavailable");
    unavailable_response()
}

/// 503 with `Retry-After`: the key store (the database) cannot be asked now. The cause
/// (which names the database's address) goes to the log and the health endpoints, not
/// to callers.
fn unavailable_response() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable; retry shortly",
    )
    .retry_after(UNAVAILABLE_RETRY_AFTER)
    .into_response()
}
