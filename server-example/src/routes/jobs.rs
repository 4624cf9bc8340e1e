//! Jobs: create, list, inspect, cancel, delete, and read results.
//!
//! A job is visible only to the key that created it: any other key gets 404, as if it
//! did not exist (which tells nothing about other keys' jobs).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};
use milmed_postgres::{ApiKey, Error, Job, JobRef, JobStatus, NewJob, PatientStore};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::extract::{ApiExtension, ApiJson, ApiPath, ApiQuery};
use crate::jobs::JobBudget;
use crate::jobs::request::GenerationRequest;
use crate::state::AppState;

fn time(t: Option<time::OffsetDateTime>) -> Value {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// A job as the API shows it.
pub fn job_json(job: &Job) -> Value {
    let total = job.range.end - job.range.start;
    let progress = if job.status == JobStatus::Completed {
        100
    } else {
        (job.patients_done * 100)
            .checked_div(total)
            .map_or(0, |p| p.min(99))
    };
    json!({
        "job_id": job.id.to_string(),
        "status": job.status.as_str(),
        "priority": job.priority.as_str(),
        "created_at": time(Some(job.created_at)),
        "started_at": time(job.started_at),
        "completed_at": time(job.finished_at),
        "progress": progress,
        "patients_done": job.patients_done,
        "bytes_done": job.bytes_done,
        "total_patients": total,
        "seed": job.seed,
        "output_formats": job.formats,
        "attempt": job.attempt,
        "error": job.error,
        "summary": job.summary,
    })
}

fn store_error(e: Error) -> ApiError {
    match e {
        Error::NotFound { what, id } => ApiError::not_found(format!("{what} {id} not found")),
        Error::Conflict(message) => ApiError::bad_request(message),
        Error::Invalid(message) => ApiError::unprocessable(message),
        e if super::unstorable_text(&e) => super::unstorable_text_error(),
        e if e.is_transient() => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the job store is busy; retry shortly",
        ),
        e => ApiError::internal(e),
    }
}

/// The job `id` if `key` owns it; 404 otherwise.
pub(crate) async fn owned(state: &AppState, key: &ApiKey, id: &str) -> Result<Job, ApiError> {
    let missing = || ApiError::not_found(format!("job {id} not found"));
    let number: i64 = id.parse().map_err(|_| missing())?;
    match state.jobs().get(number).await {
        Ok(job) if job.owner_key_id == Some(key.id) => Ok(job),
        Ok(_) | Err(Error::NotFound { .. }) => Err(missing()),
        Err(e) => Err(store_error(e)),
    }
}

/// `POST /api/v1/generation`: 201 with the job.
#[utoipa::path(
    post,
    path = "/api/v1/generation",
    operation_id = "create_job",
    summary = "Queue a generation job",
    tag = "jobs",
    security(("api_key" = [])),
    request_body = GenerationRequest,
    responses(
        (status = 201, description = "The job, queued, with `estimated_duration`.", body = crate::openapi::CreatedJob),
        (status = 403, description = "More patients than the key allows per request.", body = crate::openapi::ErrorBody),
        (status = 422, description = "The body is not JSON, or a field is missing or wrong (a `configuration_id` this key does not have, a string holding a NUL character included); the detail names it and says what is allowed.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiJson(request): ApiJson<GenerationRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let configuration_id = request.configuration_id.clone();
    let stored = match &configuration_id {
        Some(id) => Some(crate::routes::configurations::scenario_of(&state, &key, id).await?),
        None => None,
    };
    let generation = request
        .validate(stored)
        .map_err(|e| ApiError::unprocessable(e.detail).with_issues(e.issues))?;
    let patients = generation.scenario.patients;
    crate::keys::check_patients(&state, &key, patients)?;
    let per_key = key.limits.max_patients_per_request;
    let scenario: Value =
        serde_json::from_str(&generation.scenario.to_json_pretty()).map_err(ApiError::internal)?;
    let new = NewJob {
        owner_key_id: Some(key.id),
        priority: generation.priority,
        scenario_id: configuration_id.and_then(|id| id.parse().ok()),
        scenario,
        seed: generation.seed,
        range: 0..patients,
        formats: generation.formats,
        budget: serde_json::to_value(JobBudget::new(
            per_key,
            &state.settings().limits,
            generation.compress,
            generation.encrypt,
        ))
        .map_err(ApiError::internal)?,
        persist_patients: generation.persist_patients,
    };
    let job = state.jobs().create(new).await.map_err(store_error)?;
    let mut body = job_json(&job);
    body["message"] = json!(format!("job {} queued", job.id));
    body["estimated_duration"] = json!(crate::jobs::estimated_duration(
        patients,
        &job.formats,
        job.persist_patients
    ));
    Ok((StatusCode::CREATED, Json(body)))
}

/// Pagination of the job list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Jobs older than this id (the last id of the previous page).
    #[param(nullable = false)]
    after: Option<i64>,
    /// Jobs per page, 1 to 500 (default 50).
    #[param(nullable = false, minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// `GET /api/v1/jobs`: the caller's jobs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    operation_id = "list_jobs",
    summary = "List the caller's jobs",
    tag = "jobs",
    security(("api_key" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "One page of the caller's jobs, newest first.", body = crate::openapi::JobList),
        (status = 422, description = "A query parameter is unknown or not a number, or `limit` is out of range.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = super::page_limit(query.limit, 50)?;
    let jobs = state
        .jobs()
        .list_by_owner(key.id, query.after, limit)
        .await
        .map_err(store_error)?;
    let next = super::next_after(jobs.len(), limit, jobs.last().map(|j| j.id));
    Ok(Json(json!({
        "jobs": jobs.iter().map(job_json).collect::<Vec<_>>(),
        "next_after": next,
    })))
}

/// `GET /api/v1/jobs/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    operation_id = "get_job",
    summary = "A job",
    tag = "jobs",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The job's id, a string of digits as `job_id` gives it.")),
    responses(
        (status = 200, description = "The job.", body = crate::openapi::JobView),
        (status = 404, description = "No such job for this key.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(job_json(&owned(&state, &key, &id).await?)))
}

/// `POST /api/v1/jobs/{id}/cancel`: stops a queued or running job (within one batch);
/// `cancelled` is final. 400 for a job that is already final (completed, failed or
/// cancelled: cancelling twice is refused, as the ancestor documented).
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{id}/cancel",
    operation_id = "cancel_job",
    summary = "Cancel a job",
    tag = "jobs",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The job's id, a string of digits as `job_id` gives it.")),
    responses(
        (status = 200, description = "The job, `cancelled`.", body = crate::openapi::JobView),
        (status = 400, description = "The job is already final: completed, failed or cancelled.", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such job for this key.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let job = owned(&state, &key, &id).await?;
    if job.status.is_final() {
        return Err(ApiError::bad_request(format!(
            "job {} is {}; only a queued or running job can be cancelled",
            job.id,
            job.status.as_str()
        )));
    }
    let job = state.jobs().cancel(job.id).await.map_err(store_error)?;
    Ok(Json(job_json(&job)))
}

/// `DELETE /api/v1/jobs/{id}`: cancels a running job first; 404 when unknown.
#[utoipa::path(
    delete,
    path = "/api/v1/jobs/{id}",
    operation_id = "delete_job",
    summary = "Delete a job",
    tag = "jobs",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The job's id, a string of digits as `job_id` gives it.")),
    responses(
        (status = 200, description = "The job is deleted (cancelled first if it was running).", body = crate::openapi::DeletedJob),
        (status = 400, description = "The job finished while it was being cancelled; retry.", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such job for this key.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let job = owned(&state, &key, &id).await?;
    if !job.status.is_final() {
        state.jobs().cancel(job.id).await.map_err(store_error)?;
    }
    state.jobs().delete(job.id).await.map_err(store_error)?;
    Ok(Json(json!({"deleted": true, "job_id": job.id.to_string()})))
}

/// Patients `range` of `job`, regenerated, as a JSON array.
async fn regenerate_page(job: &Job, range: std::ops::Range<u64>) -> Result<Vec<u8>, ApiError> {
    let scenario = Scenario::from_json(&job.scenario.to_string()).map_err(ApiError::internal)?;
    let seed = job.seed;
    tokio::task::spawn_blocking(move || {
        let generator = Generator::new(&scenario, seed).map_err(|e| e.to_string())?;
        let mut writer = PatientWriter::new(Format::Json.encoder(&generator), Vec::new());
        let patients: Vec<_> = generator.range(range).map_err(|e| e.to_string())?.collect();
        writer.write_batch(&patients).map_err(|e| e.to_string())?;
        writer.finish().map(|w| w.inner).map_err(|e| e.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// A page of results.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// From 1 (default 1).
    #[param(
        nullable = false,
        minimum = 1,
        maximum = 18_446_744_073_709_551_615_u64,
        format = "uint64"
    )]
    page: Option<u64>,
    /// 1 to 500 (default 50).
    #[param(nullable = false, minimum = 1, maximum = 500)]
    per_page: Option<u64>,
}

/// `GET /api/v1/jobs/{id}/results?page&per_page`: one page of the job's patients, read
/// from the patients table when the job stored them, else regenerated (deterministic:
/// the same patients every time, on any instance).
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}/results",
    operation_id = "job_results",
    summary = "A page of a completed job's patients",
    tag = "jobs",
    security(("api_key" = [])),
    params(
        ("id" = String, Path, description = "The job's id, a string of digits as `job_id` gives it."),
        ResultsQuery
    ),
    responses(
        (status = 200, description = "One page of the job's patients.", body = crate::openapi::ResultsPage),
        (status = 400, description = "The job is not completed.", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such job for this key.", body = crate::openapi::ErrorBody),
        (status = 422, description = "A query parameter is unknown or not a number, or `page` or `per_page` is out of range.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn results(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<Response, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(50);
    if page == 0 {
        return Err(ApiError::unprocessable(
            "page: 0 is not allowed; pages count from 1",
        ));
    }
    if !(1..=500).contains(&per_page) {
        return Err(ApiError::unprocessable(format!(
            "per_page: {per_page} is not allowed; give 1 to 500"
        )));
    }
    let job = owned(&state, &key, &id).await?;
    if job.status != JobStatus::Completed {
        return Err(ApiError::bad_request(format!(
            "job {} is not completed yet; its status is {}",
            job.id,
            job.status.as_str()
        )));
    }
    let total = job.range.end - job.range.start;
    let first = job
        .range
        .start
        .saturating_add((page - 1).saturating_mul(per_page))
        .min(job.range.end);
    let last = first.saturating_add(per_page).min(job.range.end);
    let array = match state.database().filter(|_| job.persist_patients) {
        // The job stored its patients: read them back.
        Some(db) => {
            let job_ref = JobRef {
                id: job.id,
                created_at: job.created_at,
            };
            let records = PatientStore::new(db.clone())
                .records(job_ref, first..last)
                .await
                .map_err(store_error)?;
            let mut array =
                Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
            array.push(b'[');
            for (i, record) in records.iter().enumerate() {
                if i > 0 {
                    array.push(b',');
                }
                array.extend_from_slice(record.as_bytes());
            }
            array.push(b']');
            array
        }
        None => regenerate_page(&job, first..last).await?,
    };
    // The page's JSON array goes in as rendered, without parsing it again.
    let head = json!({
        "job_id": id,
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": total.div_ceil(per_page),
    })
    .to_string();
    let mut body = Vec::with_capacity(head.len() + array.len() + 16);
    body.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
    body.extend_from_slice(b",\"patients\":");
    body.extend_from_slice(&array);
    body.push(b'}');
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response())
}
