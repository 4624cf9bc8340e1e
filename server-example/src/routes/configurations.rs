//! Stored configurations: create, list, get, new version, delete, validate.
//!
//! A body is a scenario in one of three forms: milmed's own (`{"name": …, "scenario":
//! {…}}`), a preset (`{"name": …, "preset": "peacekeeping"}`), or the ancestor's
//! configuration template (`name`, `total_patients`, `front_configs` and
//! `injury_distribution` required, `description`, `days_of_fighting`, …), mapped as the
//! generation endpoint maps an inline configuration. A configuration belongs to the key
//! that stored it; other keys get 404.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use milmed_core::Scenario;
use milmed_core::scenario::{ScenarioError, ValidationIssue, issues_summary};
use milmed_postgres::{ApiKey, Error, StoredScenario};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use super::ListPage;
use crate::configurations::Page;
use crate::error::ApiError;
use crate::extract::{ApiExtension, ApiJson, ApiPath, ApiQuery};
use crate::jobs::request::{TEMPLATE_REQUIRED, ancestor_scenario_error, from_ancestor};
use crate::jobs::template::TemplateFields;
use crate::openapi::{ConfigurationBody, ErrorBody};
use crate::state::AppState;
use utoipa::ToSchema;

/// The id parameter's description in the OpenAPI document.
const ID_PARAM: &str = "The configuration's id, a string of digits as `id` gives it.";

/// A stored configuration: milmed's fields and scenario, and the same scenario as the
/// ancestor's configuration template (`total_patients`, `front_configs`, …), whose
/// fields sent back unchanged in a `PUT` store the same scenario.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigurationView {
    /// Its id, a string of digits; each version has its own.
    #[schema(example = "1")]
    pub id: String,
    /// Its name, shared by its versions.
    pub name: String,
    /// 1, then one more per version.
    pub version: i32,
    /// The id of the version it was made from.
    #[schema(required = true)]
    pub parent_id: Option<String>,
    /// The template's name for `parent_id`.
    #[schema(required = true)]
    pub parent_config_id: Option<String>,
    /// The scenario, in milmed's JSON shape.
    #[schema(value_type = Object)]
    pub scenario: Value,
    /// When it was stored (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed (RFC 3339).
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The scenario in the ancestor's template shape.
    #[serde(flatten)]
    pub template: TemplateFields,
}

/// The answer of `POST /api/v1/configurations/validate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Validation {
    /// Whether the body is a valid configuration.
    pub valid: bool,
    /// Every broken rule (none when valid).
    pub errors: Vec<BrokenRule>,
}

/// A broken rule.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ValidationIssue)]
pub struct BrokenRule {
    /// Where, e.g. `fronts[0].casualty_rate` (`.` for the whole body).
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ConfigurationView {
    /// `stored` as the API shows it.
    fn new(stored: &StoredScenario) -> Result<ConfigurationView, ApiError> {
        let time = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        // Stored scenarios were checked when stored; one that no longer reads is the
        // store's fault, not the caller's.
        let scenario = stored
            .scenario()
            .map_err(|e| ApiError::internal(format!("stored configuration {}: {e}", stored.id)))?;
        let parent_id = stored.parent_id.map(|p| p.to_string());
        Ok(ConfigurationView {
            id: stored.id.to_string(),
            name: stored.name.clone(),
            version: stored.version,
            parent_config_id: parent_id.clone(),
            parent_id,
            scenario: stored.body.clone(),
            created_at: time(stored.created_at),
            updated_at: time(stored.updated_at),
            template: TemplateFields::of(&scenario),
        })
    }
}

/// The id in a path; anything that is not one is simply not found.
fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("configuration {id} not found")))
}

/// Why a body is not a configuration: one line, and every problem with its path.
struct Refusal {
    detail: String,
    issues: Vec<ValidationIssue>,
}

impl Refusal {
    /// One problem at `path`.
    fn at(path: &str, message: impl Into<String>) -> Refusal {
        let issues = vec![ValidationIssue {
            path: path.to_owned(),
            message: message.into(),
        }];
        Refusal {
            detail: issues_summary(&issues),
            issues,
        }
    }

    /// A scenario's problems, as the scenario's rules name them.
    fn scenario(e: &ScenarioError) -> Refusal {
        let issues = match e {
            ScenarioError::Invalid(issues) => issues.clone(),
            other => vec![ValidationIssue {
                path: ".".to_owned(),
                message: other.to_string(),
            }],
        };
        Refusal {
            detail: e.to_string(),
            issues,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        ApiError::unprocessable(refusal.detail).with_issues(refusal.issues)
    }
}

/// A body's name, if it gives one at the top level (the ancestor's template must), and
/// its checked scenario.
fn read_body(body: &Value) -> Result<(Option<String>, Scenario), Refusal> {
    let object = body
        .as_object()
        .ok_or_else(|| Refusal::at(".", "give a JSON object"))?;
    let native_name = || match object.get("name") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => Err(Refusal::at("name", format!("give a string, not {other}"))),
    };
    let (name, scenario) = match (object.get("scenario"), object.get("preset")) {
        (Some(_), Some(_)) => {
            return Err(Refusal::at(".", "give either scenario or preset, not both"));
        }
        (Some(scenario), None) => {
            let name = native_name()?;
            let scenario =
                Scenario::from_value(scenario.clone()).map_err(|e| Refusal::scenario(&e))?;
            scenario.validate().map_err(|e| Refusal::scenario(&e))?;
            echoed_template_agrees(object, &scenario)?;
            (name, scenario)
        }
        (None, Some(preset)) => {
            let name = native_name()?;
            let preset = preset.as_str().ok_or_else(|| {
                Refusal::at("preset", format!("give a preset name, not {preset}"))
            })?;
            (
                name,
                Scenario::preset(preset).map_err(|e| Refusal::scenario(&e))?,
            )
        }
        (None, None) => {
            // The ancestor's template: its paths are named as the ancestor named them.
            let ancestor = |(detail, issues)| Refusal { detail, issues };
            let mapped = from_ancestor(body, "", &TEMPLATE_REQUIRED)
                .map_err(|issues| ancestor((issues_summary(&issues), issues)))?;
            let scenario = Scenario::from_value(mapped.clone())
                .map_err(|e| ancestor(ancestor_scenario_error("", &e)))?;
            scenario
                .validate()
                .map_err(|e| ancestor(ancestor_scenario_error("", &e)))?;
            (native_name()?, scenario)
        }
    };
    Ok((name, scenario))
}

/// A body with `scenario` may carry the template fields too (a configuration as `GET`
/// shows it, sent back whole), but only as they are: one changed beside the scenario would
/// otherwise be ignored without a word, so it is refused, naming it.
fn echoed_template_agrees(
    body: &serde_json::Map<String, Value>,
    scenario: &Scenario,
) -> Result<(), Refusal> {
    let derived = serde_json::to_value(TemplateFields::of(scenario)).unwrap_or_default();
    let Some(derived) = derived.as_object() else {
        return Ok(());
    };
    for (field, value) in derived {
        if field == "facility_configs" {
            continue; // accepted and ignored in every form
        }
        if let Some(sent) = body.get(field)
            && sent != value
        {
            return Err(Refusal::at(
                field,
                format!(
                    "{sent} differs from the scenario's {value}; change either scenario or the template fields (without scenario), not one beside the other"
                ),
            ));
        }
    }
    Ok(())
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
        (status = 409, description = "The key already has a configuration of that name; store a new version instead.", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or not a valid configuration: a required field is missing, a field has the wrong type, a string holds a NUL character, or the scenario breaks a rule. `issues` lists every problem with its path.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ConfigurationView>), ApiError> {
    let (name, scenario) = read_body(&body)?;
    let name = name.unwrap_or_else(|| scenario.name.clone());
    let stored = state
        .configurations()
        .create(key.id, &name, &scenario)
        .await?;
    Ok((StatusCode::CREATED, Json(ConfigurationView::new(&stored)?)))
}

/// Pagination of the configuration list: by id (`after`, milmed's) or by offset (`skip`,
/// the ancestor's SDK's), not both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Configurations after this id (the last id of the previous page).
    after: Option<i64>,
    /// Configurations to leave out from the start (offset paging).
    skip: Option<u64>,
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
        ("after" = Option<i64>, Query, nullable = false, description = "Configurations after this id (the last id of the previous page, as its `Link` header gives it); not with `skip`."),
        ("skip" = Option<u64>, Query, nullable = false, minimum = 0, maximum = 9_223_372_036_854_775_807_u64, description = "Configurations to leave out from the start, oldest first (offset paging, as the ancestor's SDK asks); not with `after`."),
        ("limit" = Option<u32>, Query, nullable = false, minimum = 1, maximum = 500, description = "Configurations per page, 1 to 500 (default 100)."),
    ),
    responses(
        (status = 200, description = "One page of the caller's configurations, oldest first, as a bare array (the ancestor's shape).", body = Vec<ConfigurationView>,
            headers(("Link" = String, description = "The next page, `<…?after=N&limit=M>; rel=\"next\"` (RFC 8288), when this one is full; absent on the last page."))),
        (status = 422, description = "A query parameter is unknown, not a number or out of range, or both `after` and `skip` are given.", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ListPage<ConfigurationView>, ApiError> {
    let limit = super::page_limit(query.limit, 100)?;
    let page = match (query.after, query.skip) {
        (Some(_), Some(_)) => {
            return Err(ApiError::unprocessable(
                "give either after (paging by id) or skip (paging by offset), not both",
            ));
        }
        (after, None) => Page::After(after),
        (None, Some(skip)) => Page::Skip(i64::try_from(skip).map_err(|_| {
            ApiError::unprocessable(format!("skip: {skip} is too large; give 0 to {}", i64::MAX))
        })?),
    };
    let rows = state.configurations().list(key.id, page, limit).await?;
    let last = rows.last().map(|r| r.id);
    let views = rows
        .iter()
        .map(ConfigurationView::new)
        .collect::<Result<_, _>>()?;
    Ok(ListPage::new("/api/v1/configurations", views, limit, last))
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
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConfigurationView>, ApiError> {
    let stored = state.configurations().get(key.id, parse_id(&id)?).await?;
    Ok(Json(ConfigurationView::new(&stored)?))
}

/// `PUT /api/v1/configurations/{id}`: stores the body as the next version (a new id,
/// the version number one higher, `parent_id` the id given); the old version stays, so
/// jobs made from it stay reproducible. A `name` in the body names the new version (the
/// old versions keep theirs); without one the name is kept. A name that another of the
/// key's configurations has is a conflict.
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
        (status = 404, description = "No such configuration for this key.", body = ErrorBody),
        (status = 409, description = "The new name is another configuration's of this key, or another version was stored at the same time; retry.", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or not a valid configuration: a required field is missing, a field has the wrong type, a string holds a NUL character, or the scenario breaks a rule. `issues` lists every problem with its path.", body = ErrorBody),
    )
)]
pub async fn new_version(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ConfigurationView>, ApiError> {
    let id = parse_id(&id)?;
    let (name, scenario) = read_body(&body)?;
    let stored = state
        .configurations()
        .new_version(key.id, id, name.as_deref(), &scenario)
        .await?;
    Ok(Json(ConfigurationView::new(&stored)?))
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
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .configurations()
        .delete(key.id, parse_id(&id)?)
        .await?;
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
        (status = 422, description = "The body is not JSON, or a string holds a NUL character.", body = ErrorBody),
    )
)]
pub async fn validate(ApiJson(body): ApiJson<Value>) -> Result<Json<Validation>, ApiError> {
    let errors: Vec<BrokenRule> = match read_body(&body) {
        Ok(_) => Vec::new(),
        Err(refusal) => refusal
            .issues
            .into_iter()
            .map(|i| BrokenRule {
                path: i.path,
                message: i.message,
            })
            .collect(),
    };
    Ok(Json(Validation {
        valid: errors.is_empty(),
        errors,
    }))
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
        Err(e) => Err(e.into()),
    }
}
