//! Liveness, readiness and health.
//!
//! `live` does no I/O (a process that answers is alive); `ready` says whether to send
//! traffic here: not while shutting down, and not when the configured database is
//! unreachable; `health` reports everything and answers 503 when unhealthy.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/health/live`.
pub async fn live() -> Json<Value> {
    Json(json!({"status": "alive"}))
}

/// `GET /api/v1/health/ready`.
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
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not_ready", "reason": "database unreachable"})),
            );
        }
    }
    (StatusCode::OK, Json(json!({"status": "ready"})))
}

/// `GET /api/v1/health/database`: the pool's state and statistics (404 without a
/// database, 503 when it is unreachable).
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
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match state.database() {
        None => json!({"status": "healthy", "store": "memory"}),
        Some(db) => {
            let health = db.health().await;
            json!({
                "status": if health.reachable { "healthy" } else { "unhealthy" },
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
