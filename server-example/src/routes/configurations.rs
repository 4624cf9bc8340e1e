//! Stored configurations: create, list, get, new version, delete, validate.
//!
//! A body is a scenario in one of three forms: milmed's own (`{"name": …, "scenario":
//! {…}}`), a preset (`{"name": …, "preset": "peacekeeping"}`), or the ancestor's
//! configuration template (`name`, `description`, `total_patients`, `front_configs`,
//! `injury_distribution`, …), mapped as the generation endpoint maps an inline
//! configuration. A configuration belongs to the key that stored it; other keys get 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use milmed_core::Scenario;
use milmed_core::scenario::ScenarioError;
use milmed_postgres::{ApiKey, Error, StoredScenario};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::jobs::request::from_ancestor;
use crate::openapi::{
    ConfigurationBody, ConfigurationList, ConfigurationView, ErrorBody, Validation,
};
use crate::state::AppState;

/// The id parameter's description in the OpenAPI document.
const ID_PARAM: &str = "The configuration's id, a string of digits as `id` gives it.";

/// A configuration as the API shows it.
fn view(stored: &StoredScenario) -> Value {
    let time = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    json!({
        "id": stored.id.to_string(),
        "name": stored.name,
        "version": stored.version,
        "parent_id": stored.parent_id.map(|p| p.to_string()),
        "scenario": stored.body,
        "created_at": time(stored.created_at),
        "updated_at": time(stored.updated_at),
    })
}

fn store_error(e: Error) -> ApiError {
    match e {
        Error::NotFound { id, .. } => ApiError::not_found(format!("configuration {id} not found")),
        Error::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
        Error::Invalid(message) => ApiError::unprocessable(message),
        e if e.is_transient() => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the configuration store is busy; retry shortly",
        )
        .retry_after(1),
        e => ApiError::internal(e),
    }
}

/// The id in a path; anything that is not one is simply not found.
fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("configuration {id} not found")))
}

/// Why a body is not a scenario.
enum BodyError {
    /// Its shape: where and what.
    Shape(&'static str, String),
    /// The scenario it holds.
    Scenario(ScenarioError),
}

impl From<ScenarioError> for BodyError {
    fn from(e: ScenarioError) -> BodyError {
        BodyError::Scenario(e)
    }
}

impl BodyError {
    /// Every problem as `(path, message)`.
    fn issues(&self) -> Vec<(String, String)> {
        match self {
            BodyError::Shape(path, message) => vec![(path.to_string(), message.clone())],
            BodyError::Scenario(ScenarioError::Invalid(issues)) => issues
                .iter()
                .map(|i| (i.path.clone(), i.message.clone()))
                .collect(),
            BodyError::Scenario(ScenarioError::Parse { path, message, .. }) => {
                vec![(path.clone(), message.clone())]
            }
            BodyError::Scenario(other) => vec![(".".to_owned(), other.to_string())],
        }
    }

    fn detail(&self) -> String {
        match self {
            BodyError::Shape(path, message) => format!("{path}: {message}"),
            BodyError::Scenario(e) => e.to_string(),
        }
    }
}

/// A body's name (top-level `name`, else the scenario's) and checked scenario.
fn read_body(body: &Value) -> Result<(String, Scenario), BodyError> {
    let object = body
        .as_object()
        .ok_or_else(|| BodyError::Shape(".", "give a JSON object".to_owned()))?;
    let scenario = match (object.get("scenario"), object.get("preset")) {
        (Some(_), Some(_)) => {
            return Err(BodyError::Shape(
                ".",
                "give either scenario or preset, not both".to_owned(),
            ));
        }
        (Some(scenario), None) => Scenario::from_json(&scenario.to_string())?,
        (None, Some(preset)) => Scenario::preset(
            preset
                .as_str()
                .ok_or_else(|| BodyError::Shape("preset", "give a preset name".to_owned()))?,
        )?,
        (None, None) => {
            let mapped = from_ancestor(body).map_err(|message| BodyError::Shape(".", message))?;
            Scenario::from_json(&mapped.to_string())?
        }
    };
    scenario.validate()?;
    let name = match object.get("name") {
        None | Some(Value::Null) => scenario.name.clone(),
        Some(Value::String(name)) => name.clone(),
        Some(_) => return Err(BodyError::Shape("name", "give a string".to_owned())),
    };
    Ok((name, scenario))
}

/// The body as a checked scenario, or 422 naming what is wrong.
fn checked(
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(String, Scenario), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    read_body(&body).map_err(|e| match e {
        BodyError::Scenario(e) => ApiError::scenario(&e),
        shape => ApiError::unprocessable(shape.detail()),
    })
}

/// `POST /api/v1/configurations`: 201 with the stored configuration, version 1; 409 when
/// the key already has a configuration of that name.
#[utoipa::path(
    post,
    path = "/api/v1/configurations",
    operation_id = "create_configuration",
    summary = "Store a configuration",
    tag = "configurations",
    security(("api_key" = [])),
    request_body = ConfigurationBody,
    responses(
        (status = 201, description = "The stored configuration, version 1.", body = ConfigurationView),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 409, description = "The key already has a configuration of that name; store a new version instead.", body = ErrorBody),
        (status = 422, description = "The body is not a valid scenario; the detail names what is wrong.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (name, scenario) = checked(body)?;
    let stored = state
        .configurations()
        .create(key.id, &name, &scenario)
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(view(&stored))))
}

/// Pagination of the configuration list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Configurations after this id (the last id of the previous page).
    after: Option<i64>,
    /// Configurations per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// `GET /api/v1/configurations`: the caller's configurations, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/configurations",
    operation_id = "list_configurations",
    summary = "List the caller's configurations",
    tag = "configurations",
    security(("api_key" = [])),
    params(
        ("after" = Option<i64>, Query, nullable = false, description = "Configurations after this id (the `next_after` of the previous page)."),
        ("limit" = Option<u32>, Query, nullable = false, minimum = 1, maximum = 500, description = "Configurations per page, 1 to 500 (default 100)."),
    ),
    responses(
        (status = 200, description = "One page of the caller's configurations, oldest first.", body = ConfigurationList),
        (status = 400, description = "A query parameter is unknown or not a number.", body = ErrorBody),
        (status = 422, description = "`limit` is out of range.", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = super::page_limit(query.limit, 100)?;
    let rows = state
        .configurations()
        .list(key.id, query.after, limit)
        .await
        .map_err(store_error)?;
    let next = super::next_after(rows.len(), limit, rows.last().map(|r| r.id));
    Ok(Json(json!({
        "configurations": rows.iter().map(view).collect::<Vec<_>>(),
        "next_after": next,
    })))
}

/// `GET /api/v1/configurations/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/{id}",
    operation_id = "get_configuration",
    summary = "A configuration",
    tag = "configurations",
    security(("api_key" = [])),
    params(("id" = String, Path, description = ID_PARAM)),
    responses(
        (status = 200, description = "The configuration.", body = ConfigurationView),
        (status = 404, description = "No such configuration for this key.", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stored = state
        .configurations()
        .get(key.id, parse_id(&id)?)
        .await
        .map_err(store_error)?;
    Ok(Json(view(&stored)))
}

/// `PUT /api/v1/configurations/{id}`: stores the body as the next version (a new id,
/// the version number one higher, `parent_id` the id given); the old version stays, so
/// jobs made from it stay reproducible. The name is kept; a `name` in the body is
/// ignored.
#[utoipa::path(
    put,
    path = "/api/v1/configurations/{id}",
    operation_id = "new_configuration_version",
    summary = "Store a new version of a configuration",
    tag = "configurations",
    security(("api_key" = [])),
    params(("id" = String, Path, description = ID_PARAM)),
    request_body = ConfigurationBody,
    responses(
        (status = 200, description = "The new version.", body = ConfigurationView),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 404, description = "No such configuration for this key.", body = ErrorBody),
        (status = 409, description = "Another version was stored at the same time; retry.", body = ErrorBody),
        (status = 422, description = "The body is not a valid scenario; the detail names what is wrong.", body = ErrorBody),
    )
)]
pub async fn new_version(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let (_, scenario) = checked(body)?;
    let stored = state
        .configurations()
        .new_version(key.id, id, &scenario)
        .await
        .map_err(store_error)?;
    Ok(Json(view(&stored)))
}

/// `DELETE /api/v1/configurations/{id}`: 204. Jobs made from it keep their scenario.
#[utoipa::path(
    delete,
    path = "/api/v1/configurations/{id}",
    operation_id = "delete_configuration",
    summary = "Delete a configuration",
    tag = "configurations",
    security(("api_key" = [])),
    params(("id" = String, Path, description = ID_PARAM)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such configuration for this key.", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .configurations()
        .delete(key.id, parse_id(&id)?)
        .await
        .map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/configurations/validate`: 200 with `{"valid": …, "errors": [{"path",
/// "message"}]}`, every broken rule listed; nothing is stored.
#[utoipa::path(
    post,
    path = "/api/v1/configurations/validate",
    operation_id = "validate_configuration",
    summary = "Validate a configuration",
    tag = "configurations",
    security(("api_key" = [])),
    request_body(content = Value, description = "A configuration body (see `ConfigurationBody`), or any JSON."),
    responses(
        (status = 200, description = "Whether it is valid, and every broken rule.", body = Validation),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
    )
)]
pub async fn validate(
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let errors: Vec<Value> = match read_body(&body) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .issues()
            .into_iter()
            .map(|(path, message)| json!({"path": path, "message": message}))
            .collect(),
    };
    Ok(Json(json!({"valid": errors.is_empty(), "errors": errors})))
}

/// The scenario of `key`'s configuration `id` (a string, as clients send it), for
/// generation requests that name one; 422 when there is none.
pub async fn scenario_of(state: &AppState, key: &ApiKey, id: &str) -> Result<Scenario, ApiError> {
    let missing = || {
        ApiError::unprocessable(format!(
            "configuration_id: this API key has no configuration {id:?}"
        ))
    };
    let number: i64 = id.parse().map_err(|_| missing())?;
    match state.configurations().get(key.id, number).await {
        Ok(stored) => stored
            .scenario()
            .map_err(|e| ApiError::unprocessable(e.to_string())),
        Err(Error::NotFound { .. }) => Err(missing()),
        Err(e) => Err(store_error(e)),
    }
}
