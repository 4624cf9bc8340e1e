//! Presets and reference data: what a client needs to build a request.

use axum::Json;
use milmed_core::Scenario;
use milmed_core::model::{Facility, InjuryType};
use milmed_core::reference::NATIONS;
use milmed_core::scenario::preset_names;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};

/// The preset categories, as the ancestor's `scenario_presets.json` named them: id,
/// name, icon.
pub const CATEGORIES: [(&str, &str, &str); 8] = [
    ("conventional_warfare", "Conventional Warfare", "military"),
    ("urban_warfare", "Urban Operations", "building"),
    ("peacekeeping", "Peacekeeping", "peace"),
    ("cbrn", "CBRN", "hazard"),
    ("training", "Training Exercise", "training"),
    ("mass_casualty", "Mass Casualty", "emergency"),
    ("cold_weather", "Cold Weather", "snow"),
    ("maritime", "Maritime/Amphibious", "ship"),
];

/// The difficulty levels: a preset's difficulty is its scenario's intensity (the
/// ancestor's presets carried low, high and extreme; milmed's intensity has medium too).
pub const DIFFICULTY_LEVELS: [(&str, &str, &str); 4] = [
    ("low", "Low Intensity", "green"),
    ("medium", "Medium Intensity", "yellow"),
    ("high", "High Intensity", "orange"),
    ("extreme", "Extreme", "red"),
];

/// The category of preset `name`, as the ancestor filed it.
pub fn category(name: &str) -> &'static str {
    match name {
        "nato_article_5" => "conventional_warfare",
        "peacekeeping" => "peacekeeping",
        "urban_assault" => "urban_warfare",
        "cbrn_incident" => "cbrn",
        "training_exercise" => "training",
        "mass_casualty" => "mass_casualty",
        "arctic_operation" => "cold_weather",
        "maritime_operation" => "maritime",
        // A preset added to milmed-core without a category here: tests/http.rs fails.
        _ => "uncategorized",
    }
}

/// A preset's summary.
fn summary(name: &str, scenario: &Scenario) -> Value {
    json!({
        "id": name,
        "name": scenario.name,
        "description": scenario.description,
        "category": category(name),
        "difficulty": scenario.intensity.as_str(),
        "total_patients": scenario.patients,
        "duration_days": scenario.days,
    })
}

/// Every preset, with its scenario.
fn all_presets() -> Result<Vec<(&'static str, Scenario)>, ApiError> {
    preset_names()
        .iter()
        .map(|&name| Ok((name, Scenario::preset(name).map_err(ApiError::internal)?)))
        .collect()
}

/// The filters of the preset list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PresetQuery {
    /// Only the presets of this category (`GET /api/v1/presets/categories/list`).
    #[param(value_type = Option<crate::openapi::PresetCategory>, nullable = false)]
    category: Option<String>,
    /// Only the presets of this difficulty (their scenario's intensity).
    #[param(value_type = Option<crate::openapi::PresetDifficulty>, nullable = false)]
    difficulty: Option<String>,
}

/// `GET /api/v1/presets?category&difficulty`.
#[utoipa::path(
    get,
    path = "/api/v1/presets",
    operation_id = "list_presets",
    summary = "List the presets",
    tag = "presets",
    security(("api_key" = [])),
    params(PresetQuery),
    responses(
        (status = 200, description = "The summaries of the presets of the category and difficulty asked (all without filters), with the categories and difficulty levels.", body = crate::openapi::PresetList),
        (status = 422, description = "A query parameter is unknown, or `category` or `difficulty` is not one of the known ones.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn presets(ApiQuery(query): ApiQuery<PresetQuery>) -> Result<Json<Value>, ApiError> {
    let known = |field: &str, value: &Option<String>, allowed: &[&str]| match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::unprocessable(format!(
            "{field}: {v:?} is not one; give one of {}",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    };
    let categories: Vec<&str> = CATEGORIES.iter().map(|c| c.0).collect();
    let levels: Vec<&str> = DIFFICULTY_LEVELS.iter().map(|d| d.0).collect();
    known("category", &query.category, &categories)?;
    known("difficulty", &query.difficulty, &levels)?;
    let list: Vec<Value> = all_presets()?
        .iter()
        .filter(|(name, _)| {
            query
                .category
                .as_deref()
                .is_none_or(|c| c == category(name))
        })
        .filter(|(_, scenario)| {
            query
                .difficulty
                .as_deref()
                .is_none_or(|d| d == scenario.intensity.as_str())
        })
        .map(|(name, scenario)| summary(name, scenario))
        .collect();
    let categories: serde_json::Map<String, Value> = CATEGORIES
        .iter()
        .map(|&(id, name, icon)| (id.to_owned(), json!({"name": name, "icon": icon})))
        .collect();
    let levels: serde_json::Map<String, Value> = DIFFICULTY_LEVELS
        .iter()
        .map(|&(id, name, color)| (id.to_owned(), json!({"name": name, "color": color})))
        .collect();
    Ok(Json(json!({
        "total_count": list.len(),
        "presets": list,
        "categories": categories,
        "difficulty_levels": levels,
    })))
}

/// `GET /api/v1/presets/categories/list`: the categories, each with its number of
/// presets (the ancestor's shape).
#[utoipa::path(
    get,
    path = "/api/v1/presets/categories/list",
    operation_id = "list_preset_categories",
    summary = "List the preset categories",
    tag = "presets",
    security(("api_key" = [])),
    responses((status = 200, description = "Every category with its name, icon and number of presets.", body = crate::openapi::CategoryList))
)]
pub async fn categories() -> Result<Json<Value>, ApiError> {
    let presets = all_presets()?;
    let list: Vec<Value> = CATEGORIES
        .iter()
        .map(|&(id, name, icon)| {
            let count = presets.iter().filter(|(p, _)| category(p) == id).count();
            json!({"id": id, "name": name, "icon": icon, "preset_count": count})
        })
        .collect();
    Ok(Json(
        json!({"total_categories": list.len(), "categories": list}),
    ))
}

/// `GET /api/v1/configurations/reference/static-fronts`: the default scenario's fronts in
/// the ancestor's `FrontDefinition` shape (its `fronts_config.json` held the same three):
/// `{name, ratio, nations: [{nationality_code, percentage}]}`, the percentages of each
/// front summing to 100.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/static-fronts",
    operation_id = "static_fronts",
    summary = "The default fronts",
    tag = "reference",
    responses((status = 200, description = "The default scenario's fronts: each one's share of the casualties (`ratio`) and its nations' percentages.", body = [crate::openapi::FrontDefinition]))
)]
pub async fn static_fronts() -> Json<Value> {
    let fronts = Scenario::default().fronts;
    Json(Value::Array(
        fronts
            .iter()
            .map(|front| {
                let total: f64 = front.nationalities.values().sum();
                let mut shares: Vec<(&String, f64)> = front
                    .nationalities
                    .iter()
                    .map(|(code, weight)| (code, weight * 100.0 / total))
                    .collect();
                // Largest first, as the ancestor listed them.
                shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
                let nations: Vec<Value> = shares
                    .iter()
                    .map(|(code, share)| json!({"nationality_code": code, "percentage": share}))
                    .collect();
                json!({"name": front.name, "ratio": front.casualty_rate, "nations": nations})
            })
            .collect(),
    ))
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
pub async fn preset(ApiPath(id): ApiPath<String>) -> Result<Json<Value>, ApiError> {
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
