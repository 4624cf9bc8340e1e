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
use milmed_postgres::gcra::{self, Decision};
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

    /// Adds `patients` to what key `key_id` asked for today (its usage), for a job or a
    /// stream it started.
    pub async fn count_patients(
        &self,
        key_id: i64,
        patients: u64,
    ) -> Result<(), milmed_postgres::Error> {
        match self {
            Keys::Memory(m) => {
                m.count_patients(key_id, patients, OffsetDateTime::now_utc());
                Ok(())
            }
            Keys::Postgres(p) => p.count_patients(key_id, patients).await,
        }
    }

    /// Requests and patients of key `key_id` on the UTC day `day`.
    pub async fn usage(
        &self,
        key_id: i64,
        day: time::Date,
    ) -> Result<(u64, u64), milmed_postgres::Error> {
        match self {
            Keys::Memory(m) => Ok(m.usage(key_id, day)),
            Keys::Postgres(p) => p.usage(key_id, day).await,
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
    /// The GCRA state of each key's minute, hour and day windows (see
    /// `milmed_postgres::gcra`), microseconds since the epoch.
    rates: HashMap<i64, [Option<i64>; 3]>,
    /// Requests and patients per key and UTC day.
    days: HashMap<(i64, time::Date), (u64, u64)>,
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

    /// The same rule as the PostgreSQL store, the same function: every window admits the
    /// request and moves on, or none does; the day's usage counts the admitted ones.
    fn admit(&self, key: &ApiKey, patients: u64, now: OffsetDateTime) -> Admission {
        let limits = key.limits;
        if patients > limits.max_patients_per_request {
            return Admission::Refused(Refusal {
                limit_kind: LimitKind::Patients,
                limit: limits.max_patients_per_request,
                retry_after: Duration::ZERO,
            });
        }
        let micros = gcra::unix_micros(now);
        let mut inner = self.inner.lock().expect("not poisoned");
        let tats = inner.rates.get(&key.id).copied().unwrap_or([None; 3]);
        match gcra::admit(&limits, tats, micros) {
            Decision::Refused {
                kind,
                limit,
                retry_after,
            } => Admission::Refused(Refusal {
                limit_kind: kind,
                limit,
                retry_after,
            }),
            Decision::Allowed(next) => {
                inner.rates.insert(key.id, next);
                let day = inner.days.entry((key.id, now.date())).or_default();
                day.0 += 1;
                day.1 += patients;
                // Only today's usage is kept (memory stays bounded; PostgreSQL keeps
                // the history).
                let today = now.date();
                inner.days.retain(|&(_, d), _| d == today);
                let [minute, hour, day] = gcra::allowances(&limits, next, micros);
                Admission::Allowed(Usage { minute, hour, day })
            }
        }
    }

    /// Adds `patients` to key `key_id`'s usage of the day of `now`.
    pub fn count_patients(&self, key_id: i64, patients: u64, now: OffsetDateTime) {
        let mut inner = self.inner.lock().expect("not poisoned");
        inner.days.entry((key_id, now.date())).or_default().1 += patients;
    }

    fn usage(&self, key_id: i64, day: time::Date) -> (u64, u64) {
        let inner = self.inner.lock().expect("not poisoned");
        inner.days.get(&(key_id, day)).copied().unwrap_or((0, 0))
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
            let retry_after = whole_seconds(refusal.retry_after);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {} requests per {} reached; retry in {retry_after} s",
                    refusal.limit, refusal.limit_kind,
                ),
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(retry_after));
            rate_headers(headers, refusal.limit, 0, retry_after);
            response
        }
        Admission::Allowed(usage) => {
            let key_id = KeyId(record.id);
            request.extensions_mut().insert(record);
            let mut response = next.run(request).await;
            response.extensions_mut().insert(key_id);
            if let Some(window) = usage.tightest() {
                rate_headers(
                    response.headers_mut(),
                    window.limit,
                    window.remaining,
                    whole_seconds(window.reset),
                );
            }
            response
        }
    }
}

/// A wait in whole seconds, rounded up: a client that waits `Retry-After` seconds must
/// find the request admitted, not a few milliseconds early.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft) of the
/// window closest to refusing: its limit, the requests it still allows at once, and the
/// seconds until its allowance is full again.
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
