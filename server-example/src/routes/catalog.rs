//! Presets and reference data: what a client needs to build a request.

use axum::Json;
use axum::extract::Path;
use milmed_core::Scenario;
use milmed_core::model::{Facility, InjuryType};
use milmed_core::reference::NATIONS;
use milmed_core::scenario::preset_names;
use serde_json::{Value, json};

use crate::error::ApiError;

/// A preset's summary.
fn summary(name: &str, scenario: &Scenario) -> Value {
    json!({
        "id": name,
        "name": scenario.name,
        "description": scenario.description,
        "total_patients": scenario.patients,
        "duration_days": scenario.days,
    })
}

/// `GET /api/v1/presets`.
#[utoipa::path(
    get,
    path = "/api/v1/presets",
    operation_id = "list_presets",
    summary = "List the presets",
    tag = "presets",
    security(("api_key" = [])),
    responses((status = 200, description = "Every preset's summary.", body = crate::openapi::PresetList))
)]
pub async fn presets() -> Result<Json<Value>, ApiError> {
    let mut list = Vec::new();
    for name in preset_names() {
        let scenario = Scenario::preset(name).map_err(ApiError::internal)?;
        list.push(summary(name, &scenario));
    }
    Ok(Json(json!({"total_count": list.len(), "presets": list})))
}

/// `GET /api/v1/presets/{id}`: the summary and the whole scenario.
#[utoipa::path(
    get,
    path = "/api/v1/presets/{id}",
    operation_id = "get_preset",
    summary = "A preset and its whole scenario",
    tag = "presets",
    security(("api_key" = [])),
    params(("id" = crate::openapi::PresetName, Path, description = "The preset's name, e.g. `nato_article_5`.")),
    responses(
        (status = 200, description = "The preset's summary and its whole scenario.", body = crate::openapi::PresetDetail),
        (status = 404, description = "No such preset; the detail names the available ones.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn preset(Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let scenario = Scenario::preset(&id).map_err(|e| ApiError::not_found(e.to_string()))?;
    let body: Value =
        serde_json::from_str(&scenario.to_json_pretty()).map_err(ApiError::internal)?;
    Ok(Json(
        json!({"preset": summary(&id, &scenario), "scenario": body}),
    ))
}

/// `GET /api/v1/configurations/reference/nationalities`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/nationalities",
    operation_id = "nationalities",
    summary = "Nationalities",
    tag = "reference",
    responses((status = 200, description = "The nations casualties can come from.", body = [crate::openapi::Nationality]))
)]
pub async fn nationalities() -> Json<Value> {
    Json(Value::Array(
        NATIONS
            .iter()
            .map(|n| json!({"code": n.code, "name": n.name}))
            .collect(),
    ))
}

/// `GET /api/v1/configurations/reference/condition-types`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/condition-types",
    operation_id = "condition_types",
    summary = "Condition types",
    tag = "reference",
    responses((status = 200, description = "The injury types, by name.", body = [String], example = json!(["Battle Injury", "Non-Battle Injury", "Disease"])))
)]
pub async fn condition_types() -> Json<Value> {
    Json(json!(
        InjuryType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
    ))
}

/// `GET /api/v1/configurations/reference/facility-types`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/facility-types",
    operation_id = "facility_types",
    summary = "Facility types",
    tag = "reference",
    responses((status = 200, description = "The facilities of the evacuation chain.", body = [crate::openapi::FacilityType]))
)]
pub async fn facility_types() -> Json<Value> {
    let name = |f: Facility| match f {
        Facility::Poi => "Point of Injury",
        Facility::Role1 => "Role 1",
        Facility::Role2 => "Role 2",
        Facility::Role3 => "Role 3",
        Facility::Role4 => "Role 4",
    };
    Json(Value::Array(
        Facility::ALL
            .iter()
            .map(|&f| json!({"id": f.as_str(), "name": name(f)}))
            .collect(),
    ))
}
