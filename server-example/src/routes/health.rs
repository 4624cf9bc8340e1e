//! Liveness, readiness and health.
//!
//! `live` does no I/O (a process that answers is alive); `ready` says whether to send
//! traffic here: not while shutting down, and not when the configured database is
//! unreachable or not migrated yet; `health` reports everything and answers 503 when
//! unhealthy. Those that ask the database answer within 2 s whatever it does
//! (`milmed_postgres::HEALTH_TIMEOUT`), with the cause when it is unreachable.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/health/live`.
#[utoipa::path(
    get,
    path = "/api/v1/health/live",
    operation_id = "live",
    summary = "Liveness",
    tag = "health",
    responses((status = 200, description = "The process answers: it is alive (no I/O is done).", body = crate::openapi::Liveness))
)]
pub async fn live() -> Json<Value> {
    Json(json!({"status": "alive"}))
}

/// `GET /api/v1/health/ready`.
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    operation_id = "ready",
    summary = "Readiness",
    tag = "health",
    responses(
        (status = 200, description = "Send traffic here.", body = crate::openapi::Readiness),
        (status = 503, description = "Not ready (shutting down, or the database is unreachable), or shed under load.", body = crate::openapi::ReadinessOrError),
    )
)]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.shutting_down() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not_ready", "reason": "shutting down"})),
        );
    }
    if let Some(db) = state.database() {
        let health = db.health().await;
        if !health.reachable {
            let cause = health.error.unwrap_or_default();
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({"status": "not_ready", "reason": format!("database unreachable: {cause}")}),
                ),
            );
        }
        if let Some(cause) = state.database_waiting_for() {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({"status": "not_ready", "reason": format!("database not set up yet: {cause}")}),
                ),
            );
        }
    }
    (StatusCode::OK, Json(json!({"status": "ready"})))
}

/// `GET /api/v1/health/database`: the pool's state and statistics (404 without a
/// database, 503 when it is unreachable).
#[utoipa::path(
    get,
    path = "/api/v1/health/database",
    operation_id = "database_health",
    summary = "The database's health",
    tag = "health",
    responses(
        (status = 200, description = "The database is reachable: the pool's state and statistics.", body = crate::openapi::DatabaseView),
        (status = 404, description = "No database is configured: the server keeps its data in memory.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable, or the request was shed under load.", body = crate::openapi::DatabaseViewOrError),
    )
)]
pub async fn database(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let db = state.database().ok_or_else(|| {
        ApiError::not_found("no database is configured; the server keeps its data in memory")
    })?;
    let health = db.health().await;
    let status = if health.reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((
        status,
        Json(
            json!({"status": if health.reachable { "healthy" } else { "unhealthy" }, "database": health}),
        ),
    ))
}

/// `GET /api/v1/health`: everything; 503 when unhealthy.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    summary = "Health",
    tag = "health",
    responses(
        (status = 200, description = "Healthy: status, version, uptime and the store's check.", body = crate::openapi::HealthView),
        (status = 503, description = "Unhealthy (shutting down, or the database is unreachable), or shed under load.", body = crate::openapi::HealthViewOrError),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match state.database() {
        None => json!({"status": "healthy", "store": "memory"}),
        Some(db) => {
            let health = db.health().await;
            let ready = health.reachable && state.database_ready();
            json!({
                "status": if ready { "healthy" } else { "unhealthy" },
                "store": "postgres",
                "details": health,
            })
        }
    };
    let healthy = database["status"] == "healthy" && !state.shutting_down();
    let body = json!({
        "status": if healthy { "healthy" } else { "unhealthy" },
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.uptime_seconds(),
        "shutting_down": state.shutting_down(),
        "checks": {"database": database},
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
