//! Presets and reference data: what a client needs to build a request.

use axum::Json;
use milmed_core::Scenario;
use milmed_core::model::{Facility, InjuryType};
use milmed_core::reference::NATIONS;
use milmed_core::scenario::preset_names;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::{ErrorBody, PresetName};

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

// The document's list of the ids of `CATEGORIES` (a test checks that the two agree).
/// A preset category (`GET /api/v1/presets/categories/list`).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresetCategory {
    /// Conventional Warfare.
    ConventionalWarfare,
    /// Urban Operations.
    UrbanWarfare,
    /// Peacekeeping.
    Peacekeeping,
    /// CBRN.
    Cbrn,
    /// Training Exercise.
    Training,
    /// Mass Casualty.
    MassCasualty,
    /// Cold Weather.
    ColdWeather,
    /// Maritime/Amphibious.
    Maritime,
}

// The document's list of the ids of `DIFFICULTY_LEVELS` (a test checks that the two agree).
/// A preset's difficulty: its scenario's intensity.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresetDifficulty {
    /// Low intensity.
    Low,
    /// Medium intensity.
    Medium,
    /// High intensity.
    High,
    /// Extreme intensity.
    Extreme,
}

/// A preset's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetSummary {
    /// The preset's name, e.g. `nato_article_5`.
    pub id: String,
    /// Its scenario's name.
    pub name: String,
    /// What it models.
    pub description: String,
    /// Its category, as the ancestor filed it.
    #[schema(value_type = PresetCategory)]
    pub category: &'static str,
    /// Its difficulty: its scenario's intensity.
    #[schema(value_type = PresetDifficulty)]
    pub difficulty: &'static str,
    /// Patients it generates by default.
    pub total_patients: u64,
    /// Length of the operation in days.
    pub duration_days: u32,
}

/// A preset's summary.
fn summary(name: &str, scenario: &Scenario) -> PresetSummary {
    PresetSummary {
        id: name.to_owned(),
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        category: category(name),
        difficulty: scenario.intensity.as_str(),
        total_patients: scenario.patients,
        duration_days: scenario.days,
    }
}

/// A category's name and icon, in the preset list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryInfo {
    /// Its name, e.g. `Conventional Warfare`.
    pub name: &'static str,
    /// Its icon's name, e.g. `military`.
    pub icon: &'static str,
}

/// A difficulty level's name and colour, in the preset list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DifficultyInfo {
    /// Its name, e.g. `High Intensity`.
    pub name: &'static str,
    /// Its colour, e.g. `orange`.
    pub color: &'static str,
}

/// The answer of `GET /api/v1/presets`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetList {
    /// How many presets are listed.
    pub total_count: u64,
    /// Their summaries.
    pub presets: Vec<PresetSummary>,
    /// Every category by id, with its name and icon.
    pub categories: BTreeMap<&'static str, CategoryInfo>,
    /// Every difficulty level by id, with its name and colour.
    pub difficulty_levels: BTreeMap<&'static str, DifficultyInfo>,
}

/// A category in `GET /api/v1/presets/categories/list`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    /// Its id, as presets carry it.
    #[schema(value_type = PresetCategory)]
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its icon's name.
    pub icon: &'static str,
    /// How many presets it has.
    pub preset_count: u64,
}

/// The answer of `GET /api/v1/presets/categories/list`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// How many categories there are.
    pub total_categories: u64,
    /// The categories.
    pub categories: Vec<CategoryView>,
}

/// A front of `GET /api/v1/configurations/reference/static-fronts` (the ancestor's
/// `FrontDefinition`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Estonia", "ratio": 0.3, "nations": [{"nationality_code": "EST", "percentage": 50.0}, {"nationality_code": "GBR", "percentage": 50.0}]}))]
pub struct FrontDefinition {
    /// The front's name.
    pub name: String,
    /// Its share of the casualties, 0 to 1.
    pub ratio: f64,
    /// Its nations, largest share first.
    pub nations: Vec<FrontNation>,
}

/// A nation of a front.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrontNation {
    /// ISO 3166-1 alpha-3 code.
    pub nationality_code: String,
    /// Its share of the front's casualties, 0 to 100.
    pub percentage: f64,
}

/// The answer of `GET /api/v1/presets/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetDetail {
    /// The summary.
    pub preset: PresetSummary,
    /// The whole scenario, in milmed's JSON shape (it can be sent back as `scenario`).
    #[schema(value_type = Object)]
    pub scenario: Value,
}

/// A nation casualties can come from.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "ALB", "name": "Albania"}))]
pub struct Nationality {
    /// ISO 3166-1 alpha-3 code.
    pub code: &'static str,
    /// The nation's name.
    pub name: &'static str,
}

/// A facility of the evacuation chain.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "Role1", "name": "Role 1"}))]
pub struct FacilityType {
    /// `POI`, `Role1` … `Role4`.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
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
    #[param(value_type = Option<PresetCategory>, nullable = false)]
    category: Option<String>,
    /// Only the presets of this difficulty (their scenario's intensity).
    #[param(value_type = Option<PresetDifficulty>, nullable = false)]
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
        (status = 200, description = "The summaries of the presets of the category and difficulty asked (all without filters), with the categories and difficulty levels.", body = PresetList),
        (status = 422, description = "A query parameter is unknown, or `category` or `difficulty` is not one of the known ones.", body = ErrorBody),
    )
)]
pub async fn presets(ApiQuery(query): ApiQuery<PresetQuery>) -> Result<Json<PresetList>, ApiError> {
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
    let list: Vec<PresetSummary> = all_presets()?
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
    let categories = CATEGORIES
        .iter()
        .map(|&(id, name, icon)| (id, CategoryInfo { name, icon }))
        .collect();
    let difficulty_levels = DIFFICULTY_LEVELS
        .iter()
        .map(|&(id, name, color)| (id, DifficultyInfo { name, color }))
        .collect();
    Ok(Json(PresetList {
        total_count: list.len() as u64,
        presets: list,
        categories,
        difficulty_levels,
    }))
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
    responses((status = 200, description = "Every category with its name, icon and number of presets.", body = CategoryList))
)]
pub async fn categories() -> Result<Json<CategoryList>, ApiError> {
    let presets = all_presets()?;
    let categories: Vec<CategoryView> = CATEGORIES
        .iter()
        .map(|&(id, name, icon)| CategoryView {
            id,
            name,
            icon,
            preset_count: presets.iter().filter(|(p, _)| category(p) == id).count() as u64,
        })
        .collect();
    Ok(Json(CategoryList {
        total_categories: categories.len() as u64,
        categories,
    }))
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
    responses((status = 200, description = "The default scenario's fronts: each one's share of the casualties (`ratio`) and its nations' percentages.", body = [FrontDefinition]))
)]
pub async fn static_fronts() -> Json<Vec<FrontDefinition>> {
    let fronts = Scenario::default().fronts;
    Json(
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
                let nations = shares
                    .iter()
                    .map(|&(code, percentage)| FrontNation {
                        nationality_code: code.clone(),
                        percentage,
                    })
                    .collect();
                FrontDefinition {
                    name: front.name.clone(),
                    ratio: front.casualty_rate,
                    nations,
                }
            })
            .collect(),
    )
}

/// `GET /api/v1/presets/{id}`: the summary and the whole scenario.
#[utoipa::path(
    get,
    path = "/api/v1/presets/{id}",
    operation_id = "get_preset",
    summary = "A preset and its whole scenario",
    tag = "presets",
    security(("api_key" = [])),
    params(("id" = PresetName, Path, description = "The preset's name, e.g. `nato_article_5`.")),
    responses(
        (status = 200, description = "The preset's summary and its whole scenario.", body = PresetDetail),
        (status = 404, description = "No such preset; the detail names the available ones.", body = ErrorBody),
    )
)]
pub async fn preset(ApiPath(id): ApiPath<String>) -> Result<Json<PresetDetail>, ApiError> {
    let scenario = Scenario::preset(&id).map_err(|e| ApiError::not_found(e.to_string()))?;
    let body: Value = scenario.to_value();
    Ok(Json(PresetDetail {
        preset: summary(&id, &scenario),
        scenario: body,
    }))
}

/// `GET /api/v1/configurations/reference/nationalities`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/nationalities",
    operation_id = "nationalities",
    summary = "Nationalities",
    tag = "reference",
    responses((status = 200, description = "The nations casualties can come from.", body = [Nationality]))
)]
pub async fn nationalities() -> Json<Vec<Nationality>> {
    Json(
        NATIONS
            .iter()
            .map(|n| Nationality {
                code: n.code,
                name: n.name,
            })
            .collect(),
    )
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
pub async fn condition_types() -> Json<Vec<&'static str>> {
    Json(InjuryType::ALL.iter().map(|t| t.as_str()).collect())
}

/// `GET /api/v1/configurations/reference/facility-types`.
#[utoipa::path(
    get,
    path = "/api/v1/configurations/reference/facility-types",
    operation_id = "facility_types",
    summary = "Facility types",
    tag = "reference",
    responses((status = 200, description = "The facilities of the evacuation chain.", body = [FacilityType]))
)]
pub async fn facility_types() -> Json<Vec<FacilityType>> {
    let name = |f: Facility| match f {
        Facility::Poi => "Point of Injury",
        Facility::Role1 => "Role 1",
        Facility::Role2 => "Role 2",
        Facility::Role3 => "Role 3",
        Facility::Role4 => "Role 4",
    };
    Json(
        Facility::ALL
            .iter()
            .map(|&f| FacilityType {
                id: f.as_str(),
                name: name(f),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values a schema allows.
    fn allowed<T: utoipa::PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        serde_json::from_value(schema["enum"].clone()).unwrap()
    }

    #[test]
    fn the_documented_categories_and_difficulties_are_the_tables() {
        let ids = |table: &[(&str, &str, &str)]| -> Vec<String> {
            table.iter().map(|row| row.0.to_owned()).collect()
        };
        assert_eq!(allowed::<PresetCategory>(), ids(&CATEGORIES));
        assert_eq!(allowed::<PresetDifficulty>(), ids(&DIFFICULTY_LEVELS));
    }
}
