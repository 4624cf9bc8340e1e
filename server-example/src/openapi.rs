//! The OpenAPI 3.1 document of the server, generated from the code and served at
//! `GET /api/v1/openapi.json`.
//!
//! Each handler carries its `#[utoipa::path]` (route, parameters, body, the statuses it
//! answers itself). `crate::router` registers every handler with `utoipa_axum::routes!`,
//! so the one list of routes gives both the router and the paths of the document; this
//! module does not know the routes. [`complete`] adds to those paths the description,
//! tags and shared schemas of `ApiDoc`, and [`Common`] adds what the middleware around
//! every route can answer: 401 and 429 on keyed routes, 408 where the request timeout
//! applies, 413 and 415 where there is a body, 503 (load shedding) and 500 everywhere,
//! and the `X-Request-Id`, `X-Response-Time` and `X-Content-Type-Options` headers of
//! every answer. Most handlers answer with `Json<T>`, `T` their own schema; the health
//! handlers still build their JSON with `json!`, and the health types below describe it
//! (field for field, nullability and presence included) and serve only as schemas, as do
//! the error envelope, the request bodies read by hand and the streamed bytes; the tests
//! and schemathesis check real answers against them.

use std::sync::Arc;

use axum::Extension;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

/// The routes that are streams: the request timeout does not apply to them (no 408).
const STREAMS: [&str; 2] = ["/api/v1/streaming/generate", "/api/v1/downloads/{id}"];

/// The API's description in the document.
const DESCRIPTION: &str = "The example HTTP server of milmed, a generator of synthetic military \
medical casualties: presets and reference data, generation jobs (queued, run by workers, \
results by page, downloads), streamed generation, health and metrics.\n\n\
Routes with the `api_key` security need an `X-API-Key` header; each keyed request counts \
against the key's minute, hour and day rate limits (429 with `Retry-After` beyond) and its \
patients per request (403 beyond). Every error answers with one JSON envelope, `ErrorBody`. \
Every route also answers with a trailing slash.";

/// What the document holds besides its paths: the description, the tags and the
/// schemas no path names. The paths come from the routes (`crate::router`), registered
/// with `utoipa_axum::routes!`, each handler with its `#[utoipa::path]`.
#[derive(OpenApi)]
#[openapi(
    info(title = "milmed", version = env!("CARGO_PKG_VERSION"), description = DESCRIPTION),
    components(schemas(ErrorBody, IssueBody, PresetName, StreamFormat)),
    tags(
        (name = "health", description = "Liveness, readiness and health (no key)."),
        (name = "reference", description = "Reference data to build requests (no key)."),
        (name = "presets", description = "The preset scenarios."),
        (name = "jobs", description = "Generation jobs: create, list, inspect, cancel, delete, read results."),
        (name = "downloads", description = "A completed job's output, streamed."),
        (name = "streaming", description = "Patients streamed as they are generated."),
        (name = "configurations", description = "Stored configurations: named, versioned scenarios of a key, for jobs and streams."),
        (name = "metrics", description = "Prometheus metrics (no key)."),
        (name = "openapi", description = "This document (no key)."),
    )
)]
struct ApiDoc;

/// The whole document from the routes' own `paths` (and the schemas they name): the
/// description, tags and shared schemas of `ApiDoc`, then [`Common`]'s answers of the
/// middleware, security scheme and headers.
pub fn complete(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    Common.modify(&mut doc);
    doc
}

/// The document as served: rendered to JSON once, when the router is made, and handed
/// to [`serve`] as a request extension.
#[derive(Clone, Debug)]
pub struct Document(Arc<str>);

impl Document {
    /// `doc`, rendered.
    pub fn new(doc: utoipa::openapi::OpenApi) -> Document {
        Document(
            doc.to_json()
                .expect("the document serializes to JSON")
                .into(),
        )
    }
}

/// `GET /api/v1/openapi.json`: the document, as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    summary = "This OpenAPI document",
    tag = "openapi",
    responses((status = 200, description = "This OpenAPI 3.1 document.", body = Object, content_type = "application/json"))
)]
pub async fn serve(Extension(Document(body)): Extension<Document>) -> Response {
    let mut response = body.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Adds the answers of the middleware around every route, the security scheme and the
/// headers every answer carries.
struct Common;

/// A reference to the response component `name`.
fn response_ref(name: &str) -> RefOr<ApiResponse> {
    RefOr::Ref(Ref::from_response_name(name))
}

fn header(description: &str, schema: utoipa::openapi::schema::Type) -> Header {
    HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(schema))
        .description(Some(description))
        .build()
}

fn string_header(description: &str) -> Header {
    header(description, utoipa::openapi::schema::Type::String)
}

fn integer_header(description: &str) -> Header {
    header(description, utoipa::openapi::schema::Type::Integer)
}

/// An error answer in the envelope, with `headers`.
fn error_response(description: &str, headers: &[(&str, Header)]) -> ApiResponse {
    let mut builder = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    for (name, value) in headers {
        builder = builder.header(*name, value.clone());
    }
    builder.build()
}

fn retry_after() -> Header {
    integer_header("Seconds to wait before retrying.")
}

/// The `RateLimit-*` headers of the key's window closest to refusing (sent when the
/// key has a limit).
fn rate_limit_headers() -> [(&'static str, Header); 3] {
    [
        (
            "RateLimit-Limit",
            integer_header(
                "The limit of the key's window closest to refusing (per minute, hour or day).",
            ),
        ),
        (
            "RateLimit-Remaining",
            integer_header("Requests that window still allows at once."),
        ),
        (
            "RateLimit-Reset",
            integer_header("Seconds until that window's allowance is full again."),
        ),
    ]
}

impl Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key: the demo key `DEMO_MILMED_2025_500_PATIENTS`, or one made with `milmed-server keys create`.",
            ))),
        );
        let mut too_many = vec![("Retry-After", retry_after())];
        too_many.extend(rate_limit_headers());
        let common = [
            (
                "Unauthorized",
                error_response(
                    "No `X-API-Key` header, or a key that is unknown, revoked or expired.",
                    &[],
                ),
            ),
            (
                "TooManyRequests",
                error_response(
                    "The key's minute, hour or day limit is reached; `Retry-After` says when the request would be admitted.",
                    &too_many,
                ),
            ),
            (
                "RequestTimeout",
                error_response(
                    "The request took longer than `MILMED_REQUEST_TIMEOUT` (30 s by default).",
                    &[],
                ),
            ),
            (
                "PayloadTooLarge",
                error_response(
                    "The body is larger than `MILMED_BODY_LIMIT` (1 MiB by default).",
                    &[],
                ),
            ),
            (
                "UnsupportedMediaType",
                error_response("The body is not sent as `application/json`.", &[]),
            ),
            (
                "ServiceUnavailable",
                error_response(
                    "The server is at its limit of concurrent requests (load shedding, `Retry-After: 1`), or a store is unavailable.",
                    &[("Retry-After", retry_after())],
                ),
            ),
            (
                "InternalServerError",
                error_response(
                    "A failure of the server; the detail says only that, the log says more.",
                    &[],
                ),
            ),
        ];
        for (name, response) in common {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            let stream = STREAMS.contains(&path.as_str());
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_common(operation, stream);
            }
        }
        // Every answer carries the request's id and its time.
        let responses = doc
            .paths
            .paths
            .values_mut()
            .flat_map(|item| {
                [
                    &mut item.get,
                    &mut item.put,
                    &mut item.post,
                    &mut item.delete,
                    &mut item.patch,
                ]
            })
            .flatten()
            .flat_map(|operation| operation.responses.responses.values_mut())
            .chain(components.responses.values_mut());
        for response in responses {
            if let RefOr::T(response) = response {
                response.headers.insert(
                    "X-Request-Id".to_owned(),
                    string_header(
                        "The request's id: the caller's own when it sent a sound one, else one made by the server.",
                    ),
                );
                response.headers.insert(
                    "X-Response-Time".to_owned(),
                    string_header("The time the server took, e.g. `0.42ms`."),
                );
                response.headers.insert(
                    "X-Content-Type-Options".to_owned(),
                    string_header("Always `nosniff`: the content type is the one sent."),
                );
            }
        }
    }
}

/// Adds to `operation` the answers of the middleware around it.
fn add_common(operation: &mut Operation, stream: bool) {
    let keyed = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let body = operation.request_body.is_some();
    let responses = &mut operation.responses.responses;
    if keyed {
        // A request that passed the key check carries its tightest window's state.
        for (status, response) in responses.iter_mut() {
            if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                for (name, value) in rate_limit_headers() {
                    response.headers.insert(name.to_owned(), value);
                }
            }
        }
    }
    let mut add = |status: &str, name: &str, when: bool| {
        if when {
            responses
                .entry(status.to_owned())
                .or_insert_with(|| response_ref(name));
        }
    };
    add("401", "Unauthorized", keyed);
    add("408", "RequestTimeout", !stream);
    add("413", "PayloadTooLarge", body);
    add("415", "UnsupportedMediaType", body);
    add("429", "TooManyRequests", keyed);
    add("500", "InternalServerError", true);
    add("503", "ServiceUnavailable", true);
}

/// The envelope of every error answer.
#[derive(ToSchema)]
#[schema(example = json!({"error": "Unprocessable Entity", "status": 422, "detail": "count: 0 is not allowed; give 1 to 100000 patients", "request_id": "1f2e-7", "timestamp": "2026-11-26T16:35:17.168274244Z"}))]
pub struct ErrorBody {
    /// The status's reason phrase, e.g. `Not Found`.
    pub error: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong and what is allowed.
    pub detail: String,
    /// The request's id, as in the `X-Request-Id` header.
    pub request_id: String,
    /// When the error was answered (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Only for a refused body (422): every problem, each with its JSON path.
    #[schema(nullable = false)]
    pub issues: Option<Vec<IssueBody>>,
}

/// One problem of a scenario.
#[derive(ToSchema)]
pub struct IssueBody {
    /// JSON path of the offending value, e.g. `fronts[1].nationalities.AUS`; `.` for the
    /// whole document.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A preset's name: one of milmed-core's presets (the list is read from milmed-core when
/// the document is made).
pub struct PresetName;

impl utoipa::PartialSchema for PresetName {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(milmed_core::scenario::preset_names().iter().copied()))
            .description(Some("A preset's name."))
            .into()
    }
}

impl ToSchema for PresetName {}

/// The body of `POST /api/v1/configurations` and `PUT /api/v1/configurations/{id}`, in
/// one of three forms: milmed's own (`name` and `scenario`), a preset (`name` and
/// `preset`), or the ancestor's configuration template (`name`, `description`,
/// `total_patients`, `days_of_fighting`, `base_date`, `injury_distribution`,
/// `front_configs`, `warfare_types`, `special_events`, `environmental_conditions`,
/// `intensity`, `tempo`; other keys are ignored), mapped as the generation endpoint maps
/// an inline configuration.
#[derive(ToSchema)]
#[schema(example = json!({"name": "exercise north", "preset": "peacekeeping"}))]
pub struct ConfigurationBody {
    /// The configuration's name (default: the scenario's), unique among the key's.
    pub name: Option<String>,
    /// A whole scenario, in milmed's JSON shape; not with `preset`.
    #[schema(value_type = Option<Object>, nullable = false)]
    pub scenario: Option<serde_json::Value>,
    /// A preset, as the scenario; not with `scenario`.
    #[schema(nullable = false)]
    pub preset: Option<PresetName>,
}

/// Bytes of a file (a ZIP, or one format's output).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// One patient record, as `milmed generate --format json` writes it.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct Patient(pub serde_json::Value);

/// `{"status": "alive"}`.
#[derive(ToSchema)]
pub struct Liveness {
    /// Always `alive`.
    pub status: Alive,
}

/// `alive`.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Alive {
    /// The process answers.
    Alive,
}

/// Whether to send traffic here.
#[derive(ToSchema)]
pub struct Readiness {
    /// `ready`, or `not_ready` with a `reason`.
    pub status: ReadyStatus,
    /// Why not (`shutting down`, `database unreachable`); only when `not_ready`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
}

/// `ready` or `not_ready`.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadyStatus {
    /// Send traffic here.
    Ready,
    /// Do not.
    NotReady,
}

/// A 503 of readiness: not ready, or the error envelope when the request was shed.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ReadinessOrError {
    /// Not ready.
    Readiness(Readiness),
    /// Shed under load.
    Error(ErrorBody),
}

/// `healthy` or `unhealthy`.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything works.
    Healthy,
    /// Something does not.
    Unhealthy,
}

/// Where the server keeps its data.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// In this process (no `DATABASE_URL`).
    Memory,
    /// In PostgreSQL.
    Postgres,
}

/// The answer of `GET /api/v1/health`.
#[derive(ToSchema)]
pub struct HealthView {
    /// `healthy` unless shutting down or the database is unreachable.
    pub status: HealthStatus,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_seconds: f64,
    /// Whether the server is shutting down.
    pub shutting_down: bool,
    /// The checks.
    pub checks: HealthChecks,
}

/// The checks of `GET /api/v1/health`.
#[derive(ToSchema)]
pub struct HealthChecks {
    /// The store's check.
    pub database: StoreCheck,
}

/// The store's check.
#[derive(ToSchema)]
pub struct StoreCheck {
    /// `healthy` when the store answers.
    pub status: HealthStatus,
    /// Where data is kept.
    pub store: Store,
    /// The database's health; only with PostgreSQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub details: Option<milmed_postgres::Health>,
}

/// A 503 of health: unhealthy, or the error envelope when the request was shed.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum HealthViewOrError {
    /// Unhealthy.
    Health(HealthView),
    /// Shed under load.
    Error(ErrorBody),
}

/// The answer of `GET /api/v1/health/database`.
#[derive(ToSchema)]
pub struct DatabaseView {
    /// `healthy` when the database is reachable.
    pub status: HealthStatus,
    /// The database's health.
    pub database: milmed_postgres::Health,
}

/// A 503 of the database's health: unreachable, or the error envelope.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum DatabaseViewOrError {
    /// Unreachable.
    Database(DatabaseView),
    /// Shed under load.
    Error(ErrorBody),
}

/// The format of a stream.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamFormat {
    /// One JSON record per line (`application/x-ndjson`).
    Ndjson,
    /// One JSON array (`application/json`).
    Json,
}
