//! milmed-server: the example HTTP server of milmed.
//!
//! It assembles milmed-core (generation, formats, budgets) and, when `DATABASE_URL` is
//! set, milmed-postgres (pool, migrations, stores) behind an axum router. Settings come
//! from `MILMED_*` variables ([`Settings`]); every error answers with one JSON envelope
//! ([`error::ApiError`]); every route answers with and without a trailing slash.
#![warn(missing_docs)]

pub mod admin;
pub mod configurations;
pub mod connections;
pub mod error;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod settings;
pub mod state;

use std::future::Future;
use std::time::Instant;

use axum::Router;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::normalize_path::NormalizePathLayer;

pub use settings::{GenerationLimits, LogFormat, Settings, SettingsError, Tier};
pub use state::AppState;

use routes::{
    catalog, configurations as config_routes, downloads, health, jobs as job_routes, streaming,
};

/// The routes of API v1 and the health endpoints.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings().body_limit;
    // Streams take as long as they take (their size is capped instead); every other
    // request gets the request timeout.
    let streams = Router::new()
        .route(
            "/api/v1/streaming/generate",
            get(streaming::get).post(streaming::post),
        )
        .route("/api/v1/downloads/{id}", get(downloads::download))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            keys::require_key,
        ));
    // Routes that need an API key (and count against its limits).
    let keyed = Router::new()
        .route("/api/v1/presets", get(catalog::presets))
        .route("/api/v1/presets/{id}", get(catalog::preset))
        .route(
            "/api/v1/generation",
            axum::routing::post(job_routes::create),
        )
        .route("/api/v1/jobs", get(job_routes::list))
        .route(
            "/api/v1/jobs/{id}",
            get(job_routes::get).delete(job_routes::delete),
        )
        .route(
            "/api/v1/jobs/{id}/cancel",
            axum::routing::post(job_routes::cancel),
        )
        .route("/api/v1/jobs/{id}/results", get(job_routes::results))
        .route(
            "/api/v1/configurations",
            get(config_routes::list).post(config_routes::create),
        )
        .route(
            "/api/v1/configurations/validate",
            axum::routing::post(config_routes::validate),
        )
        .route(
            "/api/v1/configurations/{id}",
            get(config_routes::get)
                .put(config_routes::new_version)
                .delete(config_routes::delete),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            keys::require_key,
        ));
    let timed = Router::new()
        .merge(keyed)
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/health/live", get(health::live))
        .route("/api/v1/health/ready", get(health::ready))
        .route("/api/v1/health/database", get(health::database))
        .route(
            "/api/v1/configurations/reference/nationalities",
            get(catalog::nationalities),
        )
        .route(
            "/api/v1/configurations/reference/condition-types",
            get(catalog::condition_types),
        )
        .route(
            "/api/v1/configurations/reference/facility-types",
            get(catalog::facility_types),
        )
        .route("/metrics", get(metrics::serve))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route_layer(middleware::from_fn_with_state(state.clone(), timeout));
    let cors = cors(&state.settings().cors_origins);
    Router::new()
        .merge(timed)
        .merge(streams)
        .fallback(error::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            body_too_large,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), shed))
        .layer(middleware::from_fn(response_time))
        .layer(cors)
        .with_state(state)
}

/// CORS for the configured origins (none: no CORS headers, so browsers on other origins
/// are refused).
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            axum::http::HeaderName::from_static("x-patient-count"),
            axum::http::HeaderName::from_static("retry-after"),
            axum::http::HeaderName::from_static("ratelimit-remaining"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// Sheds load: beyond `max_concurrent_requests` requests at once, 503 with
/// `Retry-After` at once, instead of queuing without bound.
async fn shed(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match Arc::clone(state.request_permits()).try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        Err(_) => error::ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the server is at its limit of concurrent requests; retry shortly",
        )
        .retry_after(1)
        .into_response(),
    }
}

/// The body limit's own 413 (sent before any handler runs, when `Content-Length` is over
/// the limit) in the envelope, like every other error.
async fn body_too_large(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && !json {
        return error::ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than this server accepts ({} bytes)",
                state.settings().body_limit
            ),
        )
        .into_response();
    }
    response
}

/// 408 when a request that is not a stream takes longer than the request timeout.
async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.settings().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error::ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            format!("the request took longer than {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Adds `X-Response-Time` (milliseconds, two decimals) and `X-Request-Id`, and logs the
/// request with its id, the key's id (never the key), route, status and latency. A
/// caller's `X-Request-Id` (up to 64 letters, digits, `-`, `_`, `.`) is kept, so that a
/// request can be followed across services; otherwise one is made.
async fn response_time(mut request: Request, next: Next) -> Response {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let given = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_owned);
    let request_id = given.unwrap_or_else(|| {
        format!(
            "{:x}-{:x}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    });
    let header = HeaderValue::from_str(&request_id).expect("checked or made of hex digits");
    request.headers_mut().insert("x-request-id", header.clone());
    let mut response = error::REQUEST_ID
        .scope(request_id.clone(), next.run(request))
        .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("{ms:.2}ms")) {
        response.headers_mut().insert("x-response-time", value);
    }
    response.headers_mut().insert("x-request-id", header);
    let key_id = response.extensions().get::<keys::KeyId>().map(|k| k.0);
    tracing::info!(request_id, %method, path, key_id, status = response.status().as_u16(), latency_ms = ms, "request");
    response
}

/// Serves `state` on `listener` until `shutdown` completes; then readiness turns false
/// and requests in flight may finish within the grace period. Connections are held to
/// the header and idle timeouts and the per-address ceiling of the settings
/// ([`connections`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.settings().shutdown_grace;
    let mut workers = jobs::runner::spawn(&state, state.settings().job_workers);
    let requeue = workers.pop().expect("the re-queue task");
    let app = NormalizePathLayer::trim_trailing_slash().layer(router(state.clone()));
    let signalled = {
        let state = state.clone();
        async move {
            shutdown.await;
            state.begin_shutdown();
            tracing::info!("shutting down: finishing requests in flight");
        }
    };
    let server = connections::run(
        listener,
        app,
        connections::ConnectionLimits::of(state.settings()),
        Arc::clone(state.metrics()),
        signalled,
    );
    // In-flight requests get `grace` once the signal came; then the server stops anyway.
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let watchdog = {
        let state = state.clone();
        tokio::spawn(async move {
            while !state.shutting_down() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            tokio::time::sleep(grace).await;
            let _ = tx.send(());
        })
    };
    let result = tokio::select! {
        result = server => result,
        _ = rx => {
            tracing::warn!("requests still running after the grace period; stopping");
            Ok(())
        }
    };
    watchdog.abort();
    // Workers stop claiming at once and stop a running job within a heartbeat.
    state.begin_shutdown();
    requeue.abort();
    for worker in workers {
        let _ = tokio::time::timeout(grace, worker).await;
    }
    if let Some(db) = state.database() {
        tracing::info!(pool = ?db.pool_state(), "closing the database pool");
    }
    result
}

/// A future that resolves on SIGTERM or SIGINT. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives right after the
/// server says it is listening is not lost (nor does it kill the process).
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
