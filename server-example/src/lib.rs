//! milmed-server: the example HTTP server of milmed.
//!
//! It assembles milmed-core (generation, formats, budgets) and, when `DATABASE_URL` is
//! set, milmed-postgres (pool, migrations, stores) behind an axum router. Settings come
//! from `MILMED_*` variables ([`Settings`]); every error answers with one JSON envelope
//! ([`error::ApiError`]; the extractors of [`extract`] turn axum's rejections into it);
//! every route answers with and without a trailing slash.
#![warn(missing_docs)]

pub mod admin;
pub mod api_docs;
pub mod configurations;
pub mod connections;
pub mod error;
pub mod extract;
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
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The streams: keyed, and without the request timeout (they take as long as they take;
/// their size is capped instead).
fn stream_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(streaming::get, streaming::post))
        .routes(routes!(downloads::download))
}

/// The routes that need an API key (and count against its limits).
fn keyed_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog::presets))
        .routes(routes!(catalog::preset))
        .routes(routes!(catalog::categories))
        .routes(routes!(job_routes::create))
        .routes(routes!(job_routes::list))
        .routes(routes!(job_routes::get, job_routes::delete))
        .routes(routes!(job_routes::cancel))
        .routes(routes!(job_routes::results))
        .routes(routes!(config_routes::list, config_routes::create))
        .routes(routes!(config_routes::validate))
        .routes(routes!(
            config_routes::get,
            config_routes::new_version,
            config_routes::delete
        ))
}

/// The routes open to all: health, reference data, metrics and the document.
fn open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(health::database))
        .routes(routes!(catalog::nationalities))
        .routes(routes!(catalog::condition_types))
        .routes(routes!(catalog::facility_types))
        .routes(routes!(catalog::static_fronts))
        .routes(routes!(metrics::serve))
        .routes(routes!(openapi::serve))
}

/// The OpenAPI document of every route [`router`] serves, made from the same route
/// lists (without the middleware, which needs a state but adds nothing to the paths) and
/// completed by [`openapi::complete`]. [`router`] serves the one it makes itself; the
/// tests check that the two are equal.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let all = OpenApiRouter::<AppState>::new()
        .merge(keyed_routes())
        .merge(open_routes())
        .merge(stream_routes());
    openapi::complete(all.into_openapi())
}

/// The routes of API v1, the health endpoints, the metrics, the document and its page.
///
/// Every API route is registered once, with `routes!` and its handler's
/// `#[utoipa::path]`, so that the router and the OpenAPI document come from one list;
/// only the pages of `/docs` (for people, not operations) are plain routes.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings().body_limit;
    let require_key = || middleware::from_fn_with_state(state.clone(), keys::require_key);
    let streams = stream_routes().route_layer(require_key());
    let keyed = keyed_routes().route_layer(require_key());
    // Every request but a stream gets the request timeout.
    let timed = OpenApiRouter::new()
        .merge(keyed)
        .merge(open_routes())
        .route(api_docs::PATH, get(api_docs::index))
        .route("/docs/{*file}", get(api_docs::asset))
        .route_layer(middleware::from_fn_with_state(state.clone(), timeout));
    let (api, document) = OpenApiRouter::new()
        .merge(timed)
        .merge(streams)
        .split_for_parts();
    let document = openapi::Document::new(openapi::complete(document));
    let cors = cors(&state.settings().cors_origins);
    api.layer(axum::Extension(document))
        .fallback(error::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            envelope_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), shed))
        // Inside `response_time`, so that CORS preflights (answered by this layer) carry
        // `X-Request-Id`, `X-Response-Time` and `X-Content-Type-Options` too.
        .layer(cors)
        .layer(middleware::from_fn(response_time))
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
            axum::http::Method::PUT,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-api-key"),
            axum::http::HeaderName::from_static("x-request-id"),
            axum::http::HeaderName::from_static("x-encryption-password"),
        ])
        .expose_headers([
            axum::http::HeaderName::from_static("x-patient-count"),
            axum::http::HeaderName::from_static("retry-after"),
            axum::http::HeaderName::from_static("ratelimit-remaining"),
            axum::http::header::LINK,
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

/// Any error answer that is not the envelope yet (the body limit's own 413, sent before
/// any handler runs; a rejection of axum's that no extractor of ours mapped) becomes the
/// envelope, with the same status and the rejection's text as its detail.
async fn envelope_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    /// The most bytes of a non-envelope error body read for its detail.
    const DETAIL_LIMIT: usize = 4096;
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let detail = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "the request body is larger than this server accepts ({} bytes)",
            state.settings().body_limit
        )
    } else {
        let text = axum::body::to_bytes(response.into_body(), DETAIL_LIMIT)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .filter(|t| !t.trim().is_empty());
        text.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned())
    };
    if status.is_server_error() {
        tracing::error!(
            status = status.as_u16(),
            detail,
            "an error answer outside the envelope"
        );
    }
    error::ApiError::new(status, detail).into_response()
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

/// Adds `X-Response-Time` (milliseconds, two decimals), `X-Request-Id` and
/// `X-Content-Type-Options: nosniff` to every answer (CORS preflights included), and logs the
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
    // No browser may guess another type than the one sent (a download's, an error's).
    response.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
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
