//! The ancestor's clients and careless ones: what the ancestor's SDK and smoke tests send,
//! and bodies with missing fields, wrong types, NUL characters or broken JSON. Against
//! the store the tests run on (in memory, or PostgreSQL with `MILMED_TEST_STORE=postgres`).

mod common;

use std::io::Read;

use common::{Server, TEST_KEY, envelope};
use milmed_server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The ancestor's `ConfigurationTemplateCreate`, as its smoke test sends it.
fn template(name: &str) -> Value {
    json!({
        "name": name,
        "total_patients": 10,
        "injury_distribution": {"Disease": 0.5, "Non-Battle Injury": 0.3, "Battle Injury": 0.2},
        "front_configs": [{"id": "test_front", "name": "Test Front", "casualty_rate": 1.0,
            "nationality_distribution": [{"nationality_code": "USA", "percentage": 100.0}]}],
        "facility_configs": [{"id": "test_facility", "name": "Test Facility",
            "kia_rate": 0.1, "rtd_rate": 0.3}]
    })
}

/// The paths of an answer's `issues`, in order.
fn issue_paths(body: &Value) -> Vec<String> {
    body["issues"]
        .as_array()
        .unwrap_or_else(|| panic!("an issues list: {body}"))
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `body` as it is (not necessarily JSON) with `content_type`.
async fn send_raw(
    server: &Server,
    method: Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = reqwest::Client::new()
        .request(method, server.url(path))
        .header("x-api-key", TEST_KEY)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_are_zips_unless_one_format_is_asked_with_its_media_type() {
    let server = Server::start(Settings::default()).await;
    // The ancestor's SDK: one format, downloaded without `format`, opened as a ZIP.
    let (status, job) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(
                json!({"configuration": {"name": "SDK Generated Test", "total_patients": 5},
                "output_formats": ["json"], "use_compression": false, "use_encryption": false,
                "priority": "normal"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&id, TEST_KEY).await["status"],
        "completed"
    );
    let (status, headers, zip) = server.get(&format!("/api/v1/downloads/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut json = String::new();
    archive
        .by_name(&format!("milmed-job-{id}.json"))
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let patients: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(patients.as_array().unwrap().len(), 5);

    // One format asked: that file alone, with its own media type.
    let formats = [
        "json",
        "ndjson",
        "csv",
        "events-csv",
        "xml",
        "viewer",
        "fhir",
    ];
    let (status, job) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"preset": "peacekeeping", "count": 4, "output_formats": formats})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let id = job["job_id"].as_str().unwrap().to_owned();
    server.wait_for_job(&id, TEST_KEY).await;
    for (format, media_type) in [
        ("json", "application/json"),
        ("ndjson", "application/x-ndjson"),
        ("csv", "text/csv"),
        ("events-csv", "text/csv"),
        ("xml", "application/xml"),
        ("viewer", "application/json"),
        ("fhir", "application/fhir+ndjson"),
    ] {
        let (status, headers, body) = server
            .get(&format!("/api/v1/downloads/{id}?format={format}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{format}");
        assert_eq!(headers["content-type"], media_type, "{format}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{format}");
        if media_type == "application/json" {
            let parsed: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(parsed.as_array().unwrap().len(), 4, "{format}");
        }
    }
    // Every format in one ZIP, each file under a name of its own (events-csv beside csv,
    // viewer beside json).
    let (_, headers, zip) = server.get(&format!("/api/v1/downloads/{id}")).await;
    assert_eq!(headers["content-type"], "application/zip");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort_unstable();
    let expected: Vec<String> = [
        "csv",
        "events.csv",
        "fhir.ndjson",
        "json",
        "ndjson",
        "viewer.json",
        "xml",
    ]
    .iter()
    .map(|suffix| format!("milmed-job-{id}.{suffix}"))
    .collect();
    assert_eq!(names, expected);
    server.stop().await;
}

#[tokio::test]
async fn configurations_page_by_offset_as_the_sdk_asks() {
    let server = Server::start(Settings::default()).await;
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let (status, stored) = server
            .call(
                Method::POST,
                "/api/v1/configurations/",
                TEST_KEY,
                Some(template(name)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{stored}");
        ids.push(stored["id"].as_str().unwrap().to_owned());
    }
    let listed = |query: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server
                .call(
                    Method::GET,
                    &format!("/api/v1/configurations/{query}"),
                    TEST_KEY,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            body.as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // The SDK's call: `list_configurations(skip=0, limit=5)`.
    assert_eq!(listed("?skip=0&limit=5").await, ids);
    assert_eq!(listed("?skip=1&limit=1").await, ids[1..2]);
    assert_eq!(listed("?skip=2").await, ids[2..]);
    assert!(listed("?skip=3&limit=5").await.is_empty());
    for (query, message) in [
        ("?skip=1&after=1", "give either after"),
        ("?skip=-1", "query.skip"),
        ("?skip=many", "query.skip"),
    ] {
        let (status, body) = server
            .call(
                Method::GET,
                &format!("/api/v1/configurations{query}"),
                TEST_KEY,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(envelope(status, &body).contains(message), "{query}: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn missing_fields_and_wrong_types_are_refused_not_defaulted() {
    let server = Server::start(Settings::default()).await;
    let mut full = template("full");
    full["intensity"] = json!("extreme");
    let broken = |field: &str, value: Value| {
        let mut body = template("broken");
        body[field] = value;
        body
    };
    for (body, paths) in [
        (
            json!({"name": "x"}),
            vec!["total_patients", "front_configs", "injury_distribution"],
        ),
        (
            json!({"name": "x", "intensity": "extreme"}),
            vec!["total_patients", "front_configs", "injury_distribution"],
        ),
        (broken("front_configs", json!("x")), vec!["front_configs"]),
        (broken("front_configs", json!([])), vec!["front_configs"]),
        (
            broken("injury_distribution", json!("x")),
            vec!["injury_distribution"],
        ),
        (
            broken("injury_distribution", json!({"Disease": "half"})),
            vec!["injury_distribution.Disease"],
        ),
        (broken("intensity", json!("x")), vec!["intensity"]),
        (
            broken("total_patients", json!("many")),
            vec!["total_patients"],
        ),
        (broken("total_patients", json!(0)), vec!["total_patients"]),
        (broken("name", json!(5)), vec!["name"]),
        (
            broken(
                "front_configs",
                json!([{"name": 7, "casualty_rate": "high",
                    "nationality_distribution": [{"percentage": 100}]}]),
            ),
            vec![
                "front_configs[0].name",
                "front_configs[0].casualty_rate",
                "front_configs[0].nationality_distribution[0].nationality_code",
            ],
        ),
        (
            broken("facility_configs", json!("x")),
            vec!["facility_configs"],
        ),
    ] {
        for path in ["/api/v1/configurations", "/api/v1/configurations/validate"] {
            let (status, answer) = server
                .call(Method::POST, path, TEST_KEY, Some(body.clone()))
                .await;
            if path.ends_with("validate") {
                assert_eq!(status, StatusCode::OK, "{body}: {answer}");
                assert_eq!(answer["valid"], false, "{body}: {answer}");
                let found: Vec<&str> = answer["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["path"].as_str().unwrap())
                    .collect();
                assert_eq!(found, paths, "{body}: {answer}");
            } else {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
                envelope(status, &answer);
                assert_eq!(issue_paths(&answer), paths, "{body}: {answer}");
            }
        }
    }
    // Nothing was stored by the refusals; the full template is.
    let (_, listed) = server
        .call(Method::GET, "/api/v1/configurations", TEST_KEY, None)
        .await;
    assert_eq!(listed, json!([]), "{listed}");
    let (status, stored) = server
        .call(Method::POST, "/api/v1/configurations", TEST_KEY, Some(full))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["scenario"]["intensity"], "extreme");
    assert_eq!(stored["scenario"]["patients"], 10);
    assert_eq!(stored["scenario"]["fronts"][0]["name"], "Test Front");

    // An inline generation configuration may leave fields out (the ancestor's SDK sends
    // only a name and a count), but not give them of the wrong type.
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"configuration": {"name": "x", "front_configs": "x",
                "injury_distribution": []}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        issue_paths(&answer),
        [
            "configuration.injury_distribution",
            "configuration.front_configs"
        ]
    );
    // A wrong type in milmed's own request names its field too.
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"preset": "peacekeeping", "count": "many"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(issue_paths(&answer), ["count"]);
    server.stop().await;
}

#[tokio::test]
async fn a_new_version_takes_the_name_it_is_given() {
    let server = Server::start(Settings::default()).await;
    let (_, first) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(template("drill")),
        )
        .await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    let (_, other) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(template("other")),
        )
        .await;
    assert_eq!(other["version"], 1, "{other}");
    // The SDK's update: the whole template again, under a new name.
    let mut renamed = template("drill, revised");
    renamed["total_patients"] = json!(125);
    renamed["version"] = json!(1);
    let (status, second) = server
        .call(
            Method::PUT,
            &format!("/api/v1/configurations/{first_id}"),
            TEST_KEY,
            Some(renamed),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        (&second["name"], &second["version"], &second["parent_id"]),
        (&json!("drill, revised"), &json!(2), &json!(first_id))
    );
    assert_eq!(second["scenario"]["patients"], 125);
    let (_, old) = server
        .call(
            Method::GET,
            &format!("/api/v1/configurations/{first_id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(old["name"], "drill", "the old version keeps its name");
    // Without a name, the name stays.
    let second_id = second["id"].as_str().unwrap().to_owned();
    let (status, third) = server
        .call(
            Method::PUT,
            &format!("/api/v1/configurations/{second_id}"),
            TEST_KEY,
            Some(json!({"preset": "peacekeeping"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(
        (&third["name"], &third["version"]),
        (&json!("drill, revised"), &json!(3))
    );
    // Another configuration's name is refused; nothing is stored.
    let (status, answer) = server
        .call(
            Method::PUT,
            &format!("/api/v1/configurations/{second_id}"),
            TEST_KEY,
            Some(template("other")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(envelope(status, &answer).contains("another configuration is named \"other\""));
    // Nor can a new configuration take a name a renamed version holds.
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(template("drill, revised")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    let (_, listed) = server
        .call(Method::GET, "/api/v1/configurations", TEST_KEY, None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 4);
    server.stop().await;
}

#[tokio::test]
async fn nul_characters_are_refused_naming_the_field() {
    let server = Server::start(Settings::default()).await;
    let mut scenario_body =
        json!({"name": "n", "scenario": {"name": "x", "description": "a\u{0}b"}});
    let mut template_body = template("nul\u{0}name");
    template_body["front_configs"][0]["nationality_distribution"][0]["nationality_code"] =
        json!("US\u{0}");
    for (method, path, body, paths) in [
        (
            Method::POST,
            "/api/v1/configurations",
            template_body.clone(),
            vec![
                "front_configs[0].nationality_distribution[0].nationality_code",
                "name",
            ],
        ),
        (
            Method::POST,
            "/api/v1/configurations",
            scenario_body.clone(),
            vec!["scenario.description"],
        ),
        (
            Method::POST,
            "/api/v1/configurations/validate",
            scenario_body.clone(),
            vec!["scenario.description"],
        ),
        (
            Method::POST,
            "/api/v1/generation",
            json!({"scenario": {"name": "\u{0}"}}),
            vec!["scenario.name"],
        ),
        (
            Method::POST,
            "/api/v1/generation",
            json!({"preset": "peacekeeping", "configuration": {"a\u{0}": 1}}),
            vec!["configuration.a\u{0}"],
        ),
        (
            Method::POST,
            "/api/v1/streaming/generate?count=3",
            json!({"scenario": {"name": "\u{0}"}}),
            vec!["scenario.name"],
        ),
    ] {
        let (status, answer) = server
            .call(method.clone(), path, TEST_KEY, Some(body.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {answer}"
        );
        assert!(
            envelope(status, &answer).contains("NUL character"),
            "{answer}"
        );
        let mut found = issue_paths(&answer);
        found.sort();
        assert_eq!(found, paths, "{path} {body}: {answer}");
    }
    // A configuration whose version would hold one is refused the same way.
    scenario_body["scenario"]["description"] = json!("fine");
    let (status, stored) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(scenario_body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    template_body["name"] = json!("renamed\u{0}");
    let (status, answer) = server
        .call(
            Method::PUT,
            &format!("/api/v1/configurations/{}", stored["id"].as_str().unwrap()),
            TEST_KEY,
            Some(template_body),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(
        issue_paths(&answer).contains(&"name".to_owned()),
        "{answer}"
    );
    server.stop().await;
}

/// An error with a source, as a driver's error wraps the server's message.
#[derive(Debug)]
struct Wrapper(std::io::Error);

impl std::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("db error")
    }
}

impl std::error::Error for Wrapper {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn a_500_logs_the_whole_chain_of_causes() {
    let inner = std::io::Error::other("ERROR: unsupported Unicode escape sequence");
    assert_eq!(
        milmed_server::error::chain(&Wrapper(inner)),
        "db error: ERROR: unsupported Unicode escape sequence"
    );
    // A wrapper that repeats its source's text does not repeat it twice.
    let repeated = std::io::Error::other(Wrapper(std::io::Error::other("db error")));
    assert_eq!(milmed_server::error::chain(&repeated), "db error");
}

#[tokio::test]
async fn every_refusal_is_the_envelope_with_a_timestamp() {
    let server = Server::start(Settings::default()).await;
    let before = OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let mut answers = Vec::new();
    // A body that is not JSON: 422 (as the ancestor and its OpenAPI document say).
    for path in [
        "/api/v1/configurations",
        "/api/v1/configurations/validate",
        "/api/v1/generation",
        "/api/v1/streaming/generate",
    ] {
        let (status, headers, body) =
            send_raw(&server, Method::POST, path, "application/json", "{not json").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert!(
            envelope(status, &body).contains("the body is not valid JSON"),
            "{path}: {body}"
        );
        assert_eq!(headers["content-type"], "application/json");
        answers.push(body);
    }
    let (status, _, body) = send_raw(
        &server,
        Method::POST,
        "/api/v1/generation",
        "text/plain",
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    answers.push(body);
    // Paths and queries that axum cannot read.
    for (path, expected) in [
        ("/api/v1/jobs/%ff", StatusCode::NOT_FOUND),
        ("/api/v1/configurations/%ff", StatusCode::NOT_FOUND),
        ("/api/v1/downloads/%ff", StatusCode::NOT_FOUND),
        ("/api/v1/jobs?limit=abc", StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/v1/jobs?colour=red", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/v1/jobs/1/results?page=x",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/presets?category=x",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/nowhere", StatusCode::NOT_FOUND),
    ] {
        let (status, headers, body) = server.get(path).await;
        assert_eq!(status, expected, "{path}");
        assert_eq!(headers["content-type"], "application/json", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        envelope(status, &body);
        answers.push(body);
    }
    let after = OffsetDateTime::now_utc() + time::Duration::seconds(1);
    for body in answers {
        let stamp = body["timestamp"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(stamp.ends_with('Z'), "UTC: {body}");
        let at = OffsetDateTime::parse(stamp, &Rfc3339).unwrap();
        assert!(before <= at && at <= after, "{body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn every_answer_says_nosniff_and_options_carry_a_request_id() {
    let server = Server::start(Settings {
        cors_origins: vec!["https://exercise.example".to_owned()],
        ..Settings::default()
    })
    .await;
    for path in ["/api/v1/health/live", "/api/v1/presets", "/metrics"] {
        let (_, headers, _) = server.get(path).await;
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    let client = reqwest::Client::new();
    // A CORS preflight, answered by the CORS layer itself, and a bare OPTIONS.
    let preflight = client
        .request(Method::OPTIONS, server.url("/api/v1/configurations/1"))
        .header("origin", "https://exercise.example")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "x-api-key, content-type")
        .header("x-request-id", "preflight-1")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let headers = preflight.headers();
    assert_eq!(headers["x-request-id"], "preflight-1");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("x-response-time"));
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PUT"),
        "{headers:?}"
    );
    let bare = client
        .request(Method::OPTIONS, server.url("/api/v1/presets"))
        .send()
        .await
        .unwrap();
    assert!(bare.headers().contains_key("x-request-id"));
    assert_eq!(bare.headers()["x-content-type-options"], "nosniff");
    server.stop().await;
}

#[tokio::test]
async fn presets_filter_by_category_and_difficulty() {
    let server = Server::start(Settings::default()).await;
    let ids = |body: &Value| -> Vec<String> {
        body["presets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all) = server.get_json("/api/v1/presets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total_count"], 8);
    assert_eq!(all["categories"]["cold_weather"]["name"], "Cold Weather");
    assert_eq!(all["difficulty_levels"]["extreme"]["color"], "red");
    let (_, one) = server
        .get_json("/api/v1/presets?category=peacekeeping")
        .await;
    assert_eq!(ids(&one), ["peacekeeping"]);
    assert_eq!(one["total_count"], 1);
    assert_eq!(one["presets"][0]["difficulty"], "low");
    let (_, extreme) = server.get_json("/api/v1/presets/?difficulty=extreme").await;
    assert_eq!(
        ids(&extreme),
        ["urban_assault", "cbrn_incident", "mass_casualty"]
    );
    let (_, both) = server
        .get_json("/api/v1/presets?category=maritime&difficulty=high")
        .await;
    assert_eq!(ids(&both), ["maritime_operation"]);
    let (_, none) = server
        .get_json("/api/v1/presets?category=maritime&difficulty=low")
        .await;
    assert!(ids(&none).is_empty());
    let (status, body) = server
        .get_json("/api/v1/presets?difficulty=medium-rare")
        .await;
    assert!(
        envelope(status, &body).contains("give one of low, medium, high, extreme"),
        "{body}"
    );

    let (status, categories) = server.get_json("/api/v1/presets/categories/list").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(categories["total_categories"], 8);
    let listed = categories["categories"].as_array().unwrap();
    let counted: u64 = listed
        .iter()
        .map(|c| c["preset_count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 8, "every preset is in a listed category");
    assert_eq!(
        listed[0],
        json!({"id": "conventional_warfare", "name": "Conventional Warfare",
               "icon": "military", "preset_count": 1})
    );
    let (status, _, _) = server
        .get_with("/api/v1/presets/categories/list", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The default fronts, without a key, in the ancestor's shape.
    let (status, _, body) = server
        .get_with("/api/v1/configurations/reference/static-fronts/", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let fronts: Value = serde_json::from_slice(&body).unwrap();
    let names: Vec<&str> = fronts
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Poland", "Estonia", "Finland"]);
    assert_eq!(fronts[0]["ratio"], 0.6);
    assert_eq!(
        fronts[0]["nations"][0],
        json!({"nationality_code": "POL", "percentage": 50.0})
    );
    for front in fronts.as_array().unwrap() {
        let total: f64 = front["nations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["percentage"].as_f64().unwrap())
            .sum();
        assert!((total - 100.0).abs() < 1e-9, "{front}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_new_job_says_how_long_it_will_likely_run() {
    let server = Server::start(Settings {
        job_workers: 0,
        ..Settings::default()
    })
    .await;
    let estimate = |body: Value| {
        let server = &server;
        async move {
            let (status, job) = server
                .call(Method::POST, "/api/v1/generation", TEST_KEY, Some(body))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{job}");
            job["estimated_duration"]
                .as_u64()
                .unwrap_or_else(|| panic!("{job}"))
        }
    };
    let patients: u64 = 200_000;
    let small = estimate(json!({"preset": "peacekeeping", "count": 10})).await;
    let records = estimate(json!({"preset": "peacekeeping", "count": patients})).await;
    let fhir = estimate(
        json!({"preset": "peacekeeping", "count": patients, "output_formats": ["fhir", "json"]}),
    )
    .await;
    assert_eq!(small, 1, "at least a second");
    assert_eq!(
        records,
        patients.div_ceil(milmed_server::jobs::RECORD_PATIENTS_PER_SECOND)
    );
    assert_eq!(
        fhir,
        patients.div_ceil(milmed_server::jobs::FHIR_PATIENTS_PER_SECOND)
    );
    server.stop().await;
}

/// `milmed-server keys create` with `args`, without a database: its exit code and stderr.
fn keys_create(args: &[&str]) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_milmed-server"))
        .args(["keys", "create"])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn keys_that_could_never_be_used_are_refused() {
    for (args, message) in [
        (&["--name", ""][..], "--name: give a name"),
        (&["--name", "   "][..], "--name: give a name"),
        (
            &["--name", "cell", "--patients", "0"][..],
            "--patients 0: a key allowed no patients",
        ),
        (
            &["--name", "cell", "--expires-days", "0"][..],
            "--expires-days 0: the key would expire at once",
        ),
        (
            &["--name", "cell", "--per-minute", "0"][..],
            "--per-minute 0: a key allowed no requests",
        ),
    ] {
        let (code, stderr) = keys_create(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // A sound key gets as far as asking for the database.
    let (code, stderr) = keys_create(&["--name", "cell", "--expires-days", "1"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("set DATABASE_URL"), "{stderr}");
}

/// The ancestor SDK's example (`patient_generator_sdk.py`, `__main__`), call by call, as
/// the SDK sends them (trailing slashes, `skip`/`limit`) and reads the answers: the list
/// iterated as a list, the update built from fields of `get_configuration`'s answer, an
/// inline-configuration job polled to completion and downloaded as a ZIP.
#[tokio::test]
async fn the_sdk_example_runs_call_by_call() {
    let server = Server::start(Settings::default()).await;
    let (status, nationalities) = server
        .call(
            Method::GET,
            "/api/v1/configurations/reference/nationalities/",
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(nationalities.as_array().unwrap().len() >= 5);
    let new_config = json!({
        "name": "SDK Example Scenario",
        "description": "A comprehensive test scenario created via the Python SDK.",
        "version": 1,
        "total_patients": 100,
        "base_date": "2025-06-01",
        "front_configs": [{"name": "Alpha Front", "casualty_rate": 0.6,
            "nationality_distribution": [{"nationality_code": "USA", "percentage": 70.0},
                                         {"nationality_code": "GBR", "percentage": 30.0}],
            "facility_chain": ["facility_r1_alpha"]}],
        "facility_configs": [{"id": "facility_r1_alpha", "name": "Role 1 Alpha",
            "facility_type": "R1", "capacity": 50, "rtd_rate": 0.7, "died_rate": 0.1,
            "evacuation_rate": 0.2, "avg_treatment_time_minutes": 60}],
        "injury_distribution": {"Battle Injury": 60.0, "Disease": 25.0, "Non-Battle Injury": 15.0}
    });
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/configurations/",
            TEST_KEY,
            Some(new_config),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let config_id = created["id"].as_str().unwrap();

    // `list_configurations(limit=5)`: `for cfg in configs: cfg['name'], cfg['id']`.
    let (status, configs) = server
        .call(
            Method::GET,
            "/api/v1/configurations/?skip=0&limit=5",
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<(&str, &str)> = configs
        .as_array()
        .expect("the SDK iterates the list")
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("SDK Example Scenario", config_id)]);

    // `get_configuration`, then the update built from its answer.
    let path = format!("/api/v1/configurations/{config_id}");
    let (status, retrieved) = server.call(Method::GET, &path, TEST_KEY, None).await;
    assert_eq!(status, StatusCode::OK);
    let update = json!({
        "name": retrieved["name"],
        "description": "Updated description for SDK Example Scenario.",
        "version": retrieved["version"],
        "total_patients": 125,
        "front_configs": retrieved["front_configs"],
        "facility_configs": retrieved["facility_configs"],
        "injury_distribution": retrieved["injury_distribution"],
        "base_date": retrieved["base_date"],
    });
    let (status, updated) = server
        .call(Method::PUT, &path, TEST_KEY, Some(update))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["total_patients"], 125);
    assert_eq!(
        updated["description"],
        "Updated description for SDK Example Scenario."
    );
    assert_eq!(updated["front_configs"], retrieved["front_configs"]);
    assert_eq!(
        updated["injury_distribution"],
        json!({"Battle Injury": 60.0, "Non-Battle Injury": 15.0, "Disease": 25.0})
    );
    assert_eq!(updated["base_date"], "2025-06-01");
    assert_eq!(updated["parent_config_id"], retrieved["id"]);

    // The inline-configuration job, polled as the SDK polls, and its download.
    let (status, job) = server
        .call(
            Method::POST,
            "/api/v1/generation/",
            TEST_KEY,
            Some(json!({
                "configuration": {"name": "SDK Generated Test", "total_patients": 5},
                "output_formats": ["json"], "use_compression": false,
                "use_encryption": false, "priority": "normal"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let job_id = job["job_id"].as_str().unwrap();
    assert!(job["status"].is_string());
    let done = server.wait_for_job(job_id, TEST_KEY).await;
    let (status, polled) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(polled["status"], "completed", "{done}");
    assert!(polled["progress"].is_number());
    let (status, headers, zip) = server.get(&format!("/api/v1/downloads/{job_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 1);
    // `list_jobs(limit=50)`: a list too.
    let (status, jobs) = server
        .call(Method::GET, "/api/v1/jobs/?limit=50", TEST_KEY, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs[0]["job_id"], job_id, "{jobs}");
    server.stop().await;
}
