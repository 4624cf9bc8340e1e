//! `GET|POST /api/v1/streaming/generate`: patients streamed as they are generated.
//!
//! The body is NDJSON (`application/x-ndjson`), one patient record per line, or one JSON
//! array with `format=json`. Generation runs on blocking threads and feeds the response
//! through a bounded channel, so a slow client slows generation down instead of letting
//! memory grow. `X-Patient-Count` says how many patients the stream will hold. When the
//! run stops after the headers are sent (a budget), NDJSON ends with a last line
//! `{"error": …}` — correctly escaped JSON, never a cut record.

use std::io;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use milmed_core::budget::{Budget, CancelToken};
use milmed_core::format::Format;
use milmed_core::job::{ChunkSink, Job, JobEnd, run_job};
use milmed_core::{Generator, Scenario};
use milmed_postgres::ApiKey;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::extract::{ApiExtension, ApiJson, ApiQuery};
use crate::state::AppState;

/// Chunks in flight between the generating threads and the response.
const CHANNEL_CHUNKS: usize = 4;

/// Patients per chunk.
const BATCH: usize = 128;

/// The query of a streaming request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// A preset name (default: the default scenario); `POST` may send a scenario instead.
    preset: Option<String>,
    /// A stored configuration of the caller's key, instead of a preset.
    configuration_id: Option<String>,
    /// Patients (default: the scenario's count).
    count: Option<u64>,
    /// The seed (default 0).
    #[serde(default)]
    seed: u64,
    /// `ndjson` (default) or `json`.
    format: Option<String>,
}

/// The body of `POST`: a scenario, inline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamBody {
    /// The scenario, in milmed's JSON shape (`GET /api/v1/presets/{id}` shows whole ones).
    #[schema(value_type = Object)]
    scenario: serde_json::Value,
}

/// `GET /api/v1/streaming/generate?preset&count&seed&format`.
#[utoipa::path(
    get,
    path = "/api/v1/streaming/generate",
    operation_id = "stream_preset",
    summary = "Stream the patients of a preset",
    tag = "streaming",
    security(("api_key" = [])),
    params(
        ("preset" = Option<crate::openapi::PresetName>, Query, nullable = false, description = "A preset's name (default: the default scenario)."),
        ("configuration_id" = Option<String>, Query, nullable = false, description = "A stored configuration of the key, by id, instead of a preset."),
        ("count" = Option<u64>, Query, nullable = false, minimum = 1, maximum = 100000, description = "Patients (default: the scenario's count); at most the server's `MILMED_MAX_STREAM_PATIENTS` (100,000 by default) and the key's patients per request."),
        ("seed" = Option<u64>, Query, nullable = false, format = "uint64", maximum = 18_446_744_073_709_551_615_u64, description = "The seed (default 0)."),
        ("format" = inline(Option<crate::openapi::StreamFormat>), Query, nullable = false, description = "`ndjson` (default) or `json`."),
    ),
    responses(
        (status = 200, description = "The patients, streamed as they are generated: NDJSON (one record per line; should the run stop early, a last line `{\"error\": …}`), or one JSON array with `format=json`.",
            content(
                (String = "application/x-ndjson"),
                (Vec<crate::openapi::Patient> = "application/json"),
            ),
            headers(
                ("X-Patient-Count" = u64, description = "How many patients the stream holds."),
                ("Cache-Control" = String, description = "`no-cache`."),
            )
        ),
        (status = 400, description = "Both `preset` and `configuration_id`.", body = crate::openapi::ErrorBody),
        (status = 403, description = "More patients than the key allows per request.", body = crate::openapi::ErrorBody),
        (status = 422, description = "A query parameter is unknown or not of its type, `count`, `format` or `preset` is not allowed, the key has no such `configuration_id`, or the scenario has more patients than the server streams at once.", body = crate::openapi::ErrorBody),
        (status = 503, description = "No room in the generation pool now (`Retry-After`), or shed under load.", body = crate::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    let scenario = match (&query.preset, &query.configuration_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give either preset or configuration_id, not both",
            ));
        }
        (Some(name), None) => Scenario::preset(name).map_err(|e| ApiError::scenario(&e))?,
        (None, Some(id)) => crate::routes::configurations::scenario_of(&state, &key, id).await?,
        (None, None) => Scenario::default(),
    };
    stream_run(&state, &key, scenario, &query).await
}

/// `POST /api/v1/streaming/generate?count&seed&format` with `{"scenario": {…}}`.
#[utoipa::path(
    post,
    path = "/api/v1/streaming/generate",
    operation_id = "stream_scenario",
    summary = "Stream the patients of a scenario",
    tag = "streaming",
    security(("api_key" = [])),
    params(
        ("count" = Option<u64>, Query, nullable = false, minimum = 1, maximum = 100000, description = "Patients (default: the scenario's count); at most the server's `MILMED_MAX_STREAM_PATIENTS` (100,000 by default) and the key's patients per request."),
        ("seed" = Option<u64>, Query, nullable = false, format = "uint64", maximum = 18_446_744_073_709_551_615_u64, description = "The seed (default 0)."),
        ("format" = inline(Option<crate::openapi::StreamFormat>), Query, nullable = false, description = "`ndjson` (default) or `json`."),
    ),
    request_body = StreamBody,
    responses(
        (status = 200, description = "The patients, streamed as they are generated: NDJSON (one record per line; should the run stop early, a last line `{\"error\": …}`), or one JSON array with `format=json`.",
            content(
                (String = "application/x-ndjson"),
                (Vec<crate::openapi::Patient> = "application/json"),
            ),
            headers(
                ("X-Patient-Count" = u64, description = "How many patients the stream holds."),
                ("Cache-Control" = String, description = "`no-cache`."),
            )
        ),
        (status = 400, description = "`preset` or `configuration_id` was given too.", body = crate::openapi::ErrorBody),
        (status = 403, description = "More patients than the key allows per request.", body = crate::openapi::ErrorBody),
        (status = 422, description = "The body is not JSON or not of its shape, a string holds a NUL character, the scenario is not valid (the detail names the field), a query parameter is unknown or not of its type, or `count` or `format` is not allowed.", body = crate::openapi::ErrorBody),
        (status = 503, description = "No room in the generation pool now (`Retry-After`), or shed under load.", body = crate::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiQuery(query): ApiQuery<StreamQuery>,
    ApiJson(body): ApiJson<StreamBody>,
) -> Result<Response, ApiError> {
    if query.preset.is_some() || query.configuration_id.is_some() {
        return Err(ApiError::bad_request(
            "give either `preset` or `configuration_id` in the query (GET) or a scenario in the body (POST), not both",
        ));
    }
    let scenario =
        Scenario::from_value(body.scenario.clone()).map_err(|e| ApiError::scenario(&e))?;
    stream_run(&state, &key, scenario, &query).await
}

async fn stream_run(
    state: &AppState,
    key: &ApiKey,
    mut scenario: Scenario,
    query: &StreamQuery,
) -> Result<Response, ApiError> {
    let max = state.settings().max_stream_patients;
    if let Some(count) = query.count {
        if count == 0 || count > max {
            return Err(ApiError::unprocessable(format!(
                "count: {count} is not allowed; give 1 to {max} patients"
            )));
        }
        scenario.patients = count;
    } else if scenario.patients > max {
        return Err(ApiError::unprocessable(format!(
            "the scenario has {} patients, more than this server streams at once ({max}); give a smaller count",
            scenario.patients
        )));
    }
    let (format, content_type) = match query.format.as_deref().unwrap_or("ndjson") {
        "ndjson" => (Format::Ndjson, "application/x-ndjson"),
        "json" => (Format::Json, "application/json"),
        other => {
            return Err(ApiError::unprocessable(format!(
                "format: `{other}` is not allowed; give ndjson or json"
            )));
        }
    };
    crate::keys::check_patients(state, key, scenario.patients)?;
    let generator = Generator::new(&scenario, query.seed).map_err(|e| ApiError::scenario(&e))?;
    let patients = generator.len();
    let (tx, rx) = mpsc::channel::<Result<Vec<u8>, io::Error>>(CHANNEL_CHUNKS);
    let cancel = CancelToken::new();
    let limits = state.settings().limits;
    let budget = Budget {
        max_patients: Some(max),
        max_wall_time: Some(limits.stream_seconds),
        max_memory: Some(limits.generation_memory),
        ..Budget::default()
    };
    let permit = super::admit(state).await?;
    // The stream is under way: its patients count in the key's usage of the day.
    if let Err(e) = state.keys().count_patients(key.id, patients).await {
        tracing::warn!(key_id = key.id, error = %e, "the stream's patients were not counted");
    }
    let metrics = std::sync::Arc::clone(state.metrics());
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let encoder = format.encoder(&generator);
        let job = Job::new(&generator, Arc::clone(&encoder))
            .threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
            .batch(BATCH)
            .budget(budget)
            .cancel(cancel);
        let send = |chunk: Vec<u8>| {
            tx.blocking_send(Ok(chunk))
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
        };
        let sink = ChunkSink::new(encoder, false, send);
        let end = match run_job(&job, sink, |_| {}) {
            Ok(report) => {
                metrics.streamed(report.patients, report.bytes);
                report.end
            }
            Err(e) => {
                tracing::warn!(error = %e, "stream stopped");
                return;
            }
        };
        if let JobEnd::BudgetExceeded { resource, .. } = end {
            metrics.budget_exceeded(resource);
        }
        if let JobEnd::BudgetExceeded {
            resource,
            limit,
            used,
        } = end
            && format == Format::Ndjson
        {
            let line = json!({
                "error": format!("budget exceeded: {} limit {limit}, used {used}", resource.as_str()),
            });
            let _ = tx.blocking_send(Ok(format!("{line}\n").into_bytes()));
        }
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-patient-count", HeaderValue::from(patients));
    Ok(response)
}
