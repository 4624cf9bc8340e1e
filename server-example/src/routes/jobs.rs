//! Jobs: create, list, inspect, cancel, delete, and read results.
//!
//! A job is visible only to the key that created it: any other key gets 404, as if it
//! did not exist (which tells nothing about other keys' jobs).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use milmed_core::format::{Format, PatientWriter};
use milmed_core::job::Priority;
use milmed_core::{Generator, Scenario};
use milmed_postgres::{ApiKey, Error, Job, JobRef, JobStatus, NewJob, PatientStore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiExtension, ApiJson, ApiPath, ApiQuery};
use crate::jobs::JobBudget;
use crate::jobs::request::GenerationRequest;
use crate::openapi::{ErrorBody, Patient};
use crate::state::AppState;

fn time(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.and_then(|t| t.format(&Rfc3339).ok())
}

/// A job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// Its id, a string of digits.
    #[schema(example = "1")]
    pub job_id: String,
    /// Where it is.
    pub status: JobStatus,
    /// Its queue priority.
    pub priority: Priority,
    /// When it was queued (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When a worker first took it.
    #[schema(format = DateTime, required = true)]
    pub started_at: Option<String>,
    /// When it became final.
    #[schema(format = DateTime, required = true)]
    pub completed_at: Option<String>,
    /// Percent done: 100 once completed, at most 99 before.
    #[schema(minimum = 0, maximum = 100)]
    pub progress: u64,
    /// Patients generated so far.
    pub patients_done: u64,
    /// Output bytes written so far.
    pub bytes_done: u64,
    /// Patients it generates.
    pub total_patients: u64,
    /// The seed.
    #[schema(format = "uint64")]
    pub seed: u64,
    /// Its formats.
    pub output_formats: Vec<String>,
    /// How many times a worker took it (more than 1 after a re-run).
    pub attempt: i32,
    /// Why it failed.
    #[schema(required = true)]
    pub error: Option<String>,
    /// What it produced, once completed: `total_patients`, `outcomes`, `bytes` (of the
    /// first format), `seconds`, `complete`.
    #[schema(value_type = Option<Object>, required = true)]
    pub summary: Option<Value>,
}

impl JobView {
    /// `job` as the API shows it.
    pub fn new(job: &Job) -> JobView {
        let total = job.range.end - job.range.start;
        let progress = if job.status == JobStatus::Completed {
            100
        } else {
            (job.patients_done * 100)
                .checked_div(total)
                .map_or(0, |p| p.min(99))
        };
        JobView {
            job_id: job.id.to_string(),
            status: job.status,
            priority: job.priority,
            created_at: time(Some(job.created_at)).unwrap_or_default(),
            started_at: time(job.started_at),
            completed_at: time(job.finished_at),
            progress,
            patients_done: job.patients_done,
            bytes_done: job.bytes_done,
            total_patients: total,
            seed: job.seed,
            output_formats: job.formats.clone(),
            attempt: job.attempt,
            error: job.error.clone(),
            summary: job.summary.clone(),
        }
    }
}

/// The answer of `POST /api/v1/generation`: the job, a message and an estimate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedJob {
    /// The job.
    #[serde(flatten)]
    pub job: JobView,
    /// `job {id} queued`.
    pub message: String,
    /// Seconds the job will likely run once a worker takes it (at least 1; the wait in
    /// the queue is not included): its patients at a conservative rate for its first
    /// format, plus storing them when it does.
    #[schema(minimum = 1)]
    pub estimated_duration: u64,
}

/// The answer of `DELETE /api/v1/jobs/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedJob {
    /// Always true.
    pub deleted: bool,
    /// The job's id.
    pub job_id: String,
}

/// The answer of `GET /api/v1/jobs/{id}/results`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsPage {
    /// The job's id, as given in the path.
    pub job_id: String,
    /// The job's patients.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Patients per page.
    pub per_page: u64,
    /// Pages in all.
    pub total_pages: u64,
    /// This page's patients (empty past the last page).
    #[schema(value_type = Vec<Patient>)]
    pub patients: Box<RawValue>,
}

/// Cancels job `id`. A job that became final meanwhile is refused with 400, as
/// cancelling a final job is (the ancestor's documented answer), not with the store's
/// 409 for a conflict.
async fn cancel_job(state: &AppState, id: i64) -> Result<Job, ApiError> {
    state.jobs().cancel(id).await.map_err(|e| match e {
        Error::Conflict(message) => ApiError::bad_request(message),
        e => e.into(),
    })
}

/// The job `id` if `key` owns it; 404 otherwise.
pub(crate) async fn owned(state: &AppState, key: &ApiKey, id: &str) -> Result<Job, ApiError> {
    let missing = || ApiError::not_found(format!("job {id} not found"));
    let number: i64 = id.parse().map_err(|_| missing())?;
    match state.jobs().get(number).await {
        Ok(job) if job.owner_key_id == Some(key.id) => Ok(job),
        Ok(_) | Err(Error::NotFound { .. }) => Err(missing()),
        Err(e) => Err(e.into()),
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
        (status = 201, description = "The job, queued, with `estimated_duration`.", body = CreatedJob),
        (status = 403, description = "More patients than the key allows per request.", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or a field is missing or wrong (a `configuration_id` this key does not have, a string holding a NUL character included); the detail names it and says what is allowed.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiJson(request): ApiJson<GenerationRequest>,
) -> Result<(StatusCode, Json<CreatedJob>), ApiError> {
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
    let scenario: Value = generation.scenario.to_value();
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
    let job = state.jobs().create(new).await?;
    let body = CreatedJob {
        job: JobView::new(&job),
        message: format!("job {} queued", job.id),
        estimated_duration: crate::jobs::estimated_duration(
            patients,
            &job.formats,
            job.persist_patients,
        ),
    };
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
        (status = 200, description = "One page of the caller's jobs, newest first, as a bare array (the ancestor's shape).", body = Vec<JobView>,
            headers(("Link" = String, description = "The next page, `<…?after=N&limit=M>; rel=\"next\"` (RFC 8288), when this one is full; absent on the last page."))),
        (status = 422, description = "A query parameter is unknown or not a number, or `limit` is out of range.", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<super::ListPage<JobView>, ApiError> {
    let limit = super::page_limit(query.limit, 50)?;
    let jobs = state
        .jobs()
        .list_by_owner(key.id, query.after, limit)
        .await?;
    let last = jobs.last().map(|j| j.id);
    let views = jobs.iter().map(JobView::new).collect();
    Ok(super::ListPage::new("/api/v1/jobs", views, limit, last))
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
        (status = 200, description = "The job.", body = JobView),
        (status = 404, description = "No such job for this key.", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(JobView::new(&owned(&state, &key, &id).await?)))
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
        (status = 200, description = "The job, `cancelled`.", body = JobView),
        (status = 400, description = "The job is already final: completed, failed or cancelled.", body = ErrorBody),
        (status = 404, description = "No such job for this key.", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = owned(&state, &key, &id).await?;
    if job.status.is_final() {
        return Err(ApiError::bad_request(format!(
            "job {} is {}; only a queued or running job can be cancelled",
            job.id,
            job.status.as_str()
        )));
    }
    let job = cancel_job(&state, job.id).await?;
    Ok(Json(JobView::new(&job)))
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
        (status = 200, description = "The job is deleted (cancelled first if it was running).", body = DeletedJob),
        (status = 400, description = "The job finished while it was being cancelled; retry.", body = ErrorBody),
        (status = 404, description = "No such job for this key.", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DeletedJob>, ApiError> {
    let job = owned(&state, &key, &id).await?;
    if !job.status.is_final() {
        cancel_job(&state, job.id).await?;
    }
    state.jobs().delete(job.id).await?;
    Ok(Json(DeletedJob {
        deleted: true,
        job_id: job.id.to_string(),
    }))
}

/// Patients `range` of `job`, regenerated, as a JSON array.
async fn regenerate_page(job: &Job, range: std::ops::Range<u64>) -> Result<Vec<u8>, ApiError> {
    let scenario = Scenario::from_value(job.scenario.clone()).map_err(ApiError::internal)?;
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
        (status = 200, description = "One page of the job's patients.", body = ResultsPage),
        (status = 400, description = "The job is not completed.", body = ErrorBody),
        (status = 404, description = "No such job for this key.", body = ErrorBody),
        (status = 422, description = "A query parameter is unknown or not a number, or `page` or `per_page` is out of range.", body = ErrorBody),
    )
)]
pub async fn results(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<Json<ResultsPage>, ApiError> {
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
                .await?;
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
    // The page's JSON array goes in as rendered (checked, not parsed into values).
    let patients = String::from_utf8(array)
        .map_err(ApiError::internal)
        .and_then(|text| RawValue::from_string(text).map_err(ApiError::internal))?;
    Ok(Json(ResultsPage {
        job_id: id,
        total,
        page,
        per_page,
        total_pages: total.div_ceil(per_page),
        patients,
    }))
}
