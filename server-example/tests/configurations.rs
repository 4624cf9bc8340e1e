//! Stored configurations over HTTP, against the in-memory store and against PostgreSQL.

mod common;

use common::{Server, TEST_KEY, envelope};
use milmed_postgres::Database;
use milmed_postgres::testing::TestDb;
use milmed_server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OTHER_KEY: &str = "milmed_other_key";

async fn postgres(test: &TestDb) -> Database {
    let db = Database::connect(test.config()).await.unwrap();
    db.migrate().await.unwrap();
    db
}

/// Create, read, list, version, delete and validate; ownership; generation from a
/// stored configuration.
async fn lifecycle(server: &Server) {
    server.add_key(OTHER_KEY).await;
    let mut scenario = json!({"name": "North drill", "patients": 200, "days": 3});
    let (status, first) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(json!({"name": "drill", "scenario": scenario})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (first["name"].as_str(), first["version"].as_i64()),
        (Some("drill"), Some(1))
    );
    assert_eq!(first["parent_id"], Value::Null);
    assert_eq!(first["scenario"]["patients"], 200);
    let id = first["id"].as_str().unwrap().to_owned();

    // The same name again is a conflict; another key may use it.
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/configurations/",
            TEST_KEY,
            Some(json!({"name": "drill", "preset": "peacekeeping"})),
        )
        .await;
    assert!(
        envelope(status, &body).contains("exists; add a version instead"),
        "{body}"
    );
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, theirs) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            OTHER_KEY,
            Some(json!({"name": "drill", "preset": "peacekeeping"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");

    // Private to the key.
    let path = format!("/api/v1/configurations/{id}");
    let (status, body) = server.call(Method::GET, &path, OTHER_KEY, None).await;
    assert_eq!(
        envelope(status, &body),
        format!("configuration {id} not found")
    );
    let (status, body) = server.call(Method::DELETE, &path, OTHER_KEY, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, listed) = server
        .call(Method::GET, "/api/v1/configurations", TEST_KEY, None)
        .await;
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    // A new version: a new id, the next number, the old one as parent; the old stays.
    scenario["patients"] = json!(300);
    let (status, second) = server
        .call(
            Method::PUT,
            &path,
            TEST_KEY,
            Some(json!({"scenario": scenario})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["version"], 2);
    assert_eq!(second["name"], "drill");
    assert_eq!(second["parent_id"], json!(id));
    assert_ne!(second["id"], json!(id));
    let (_, old) = server.call(Method::GET, &path, TEST_KEY, None).await;
    assert_eq!(old["scenario"]["patients"], 200);
    let second_id = second["id"].as_str().unwrap().to_owned();

    // Pages.
    // Pages: bare arrays, the next one named by a `Link` header while a page is full.
    let (_, headers, page) = server
        .call_with_headers(
            Method::GET,
            "/api/v1/configurations?limit=1",
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(page, json!([old]));
    let next = Server::next_link(&headers).expect("a full page names the next");
    assert_eq!(next, format!("/api/v1/configurations?after={id}&limit=1"));
    let (_, headers, page) = server
        .call_with_headers(Method::GET, &next, TEST_KEY, None)
        .await;
    assert_eq!(page[0]["id"], json!(second_id));
    let next = Server::next_link(&headers).expect("still full");
    let (_, headers, page) = server
        .call_with_headers(Method::GET, &next, TEST_KEY, None)
        .await;
    assert_eq!(page, json!([]));
    assert_eq!(Server::next_link(&headers), None);
    let (_, headers, page) = server
        .call_with_headers(
            Method::GET,
            "/api/v1/configurations?skip=1&limit=5",
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(page.as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page[0]["id"], json!(second_id));
    assert_eq!(
        Server::next_link(&headers),
        None,
        "a page that is not full is the last"
    );

    // Generation from a stored configuration: its scenario, the request's count.
    let (status, job) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"configuration_id": second_id, "total_patients": 40})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let done = server
        .wait_for_job(job["job_id"].as_str().unwrap(), TEST_KEY)
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["summary"]["total_patients"], 40);
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            OTHER_KEY,
            Some(json!({"configuration_id": second_id})),
        )
        .await;
    assert_eq!(
        envelope(status, &body),
        format!("configuration_id: this API key has no configuration \"{second_id}\"")
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Streaming from a stored configuration: its 300 patients.
    let (status, headers, bytes) = server
        .get(&format!(
            "/api/v1/streaming/generate?configuration_id={second_id}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-patient-count"], "300");
    assert_eq!(
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        300
    );

    // Delete: 204, then 404; the later version stays, without parent.
    let (status, _) = server.call(Method::DELETE, &path, TEST_KEY, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &path, TEST_KEY, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, second) = server
        .call(
            Method::GET,
            &format!("/api/v1/configurations/{second_id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(second["parent_id"], Value::Null);
    let (status, _) = server
        .call(Method::GET, "/api/v1/configurations/abc", TEST_KEY, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurations_in_memory() {
    let server = Server::start(Settings::default()).await;
    lifecycle(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurations_in_postgres() {
    let test = TestDb::new().await;
    let server = Server::start_on(Settings::default(), Some(postgres(&test).await)).await;
    lifecycle(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn the_ancestor_template_is_stored_and_bad_bodies_are_named() {
    let server = Server::start(Settings::default()).await;
    // The ancestor's ConfigurationTemplateCreate.
    let template = json!({
        "name": "Ancestor template",
        "description": "from an old client",
        "total_patients": 120,
        "injury_distribution": {"Battle Injury": 60, "Non-Battle Injury": 25, "Disease": 15},
        "front_configs": [{"id": "f1", "name": "East", "casualty_rate": 1.0,
            "nationality_distribution": [{"nationality_code": "DEU", "percentage": 100}]}],
        "facility_configs": [{"id": "r1", "name": "Role 1", "kia_rate": 0.1, "rtd_rate": 0.2}]
    });
    let (status, stored) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(template.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["name"], "Ancestor template");
    assert_eq!(stored["scenario"]["patients"], 120);
    assert_eq!(stored["scenario"]["fronts"][0]["name"], "East");

    let (status, verdict) = server
        .call(
            Method::POST,
            "/api/v1/configurations/validate",
            TEST_KEY,
            Some(template),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verdict, json!({"valid": true, "errors": []}));
    let (status, verdict) = server
        .call(
            Method::POST,
            "/api/v1/configurations/validate/",
            TEST_KEY,
            Some(json!({"scenario": {"patients": 0, "days": 0}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verdict["valid"], false);
    let paths = error_paths(&verdict);
    assert_eq!(paths, ["patients", "days"], "{verdict}");
    let (_, verdict) = server
        .call(
            Method::POST,
            "/api/v1/configurations/validate",
            TEST_KEY,
            Some(json!({"scenario": {"patients": 10, "colour": "red"}})),
        )
        .await;
    assert_eq!(verdict["valid"], false);
    assert!(
        verdict["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{verdict}"
    );

    for (body, status, detail) in [
        (
            json!({"name": "x", "scenario": {"days": 0}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days: must be from 1 to 365, got 0",
        ),
        (
            json!({"name": "x", "preset": "nope"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown preset `nope`",
        ),
        (
            json!({"name": 5, "preset": "peacekeeping"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name: give a string",
        ),
        (
            json!({"name": "", "preset": "peacekeeping"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "give 1 to 255 bytes",
        ),
    ] {
        let (got, answer) = server
            .call(
                Method::POST,
                "/api/v1/configurations",
                TEST_KEY,
                Some(body.clone()),
            )
            .await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(envelope(got, &answer).contains(detail), "{body}: {answer}");
    }
    let (status, body) = server
        .call(Method::GET, "/api/v1/configurations", "", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    server.stop().await;
}

/// A scenario with two problems of different kinds (an unknown field, a value out of
/// range) is refused with both: in the 422 detail of every route that takes a scenario,
/// and in the list of the validation route.
#[tokio::test]
async fn every_problem_of_a_scenario_is_in_the_answer() {
    let server = Server::start(Settings::default()).await;
    let scenario = json!({"days": 0, "bogus": 1});
    let both = |detail: &str| {
        detail.contains("2 problems")
            && detail.contains("bogus: unknown field `bogus`")
            && detail.contains("days: must be from 1 to 365, got 0")
    };
    for (path, body) in [
        (
            "/api/v1/configurations",
            json!({"name": "two", "scenario": scenario}),
        ),
        ("/api/v1/generation", json!({"scenario": scenario})),
        (
            "/api/v1/streaming/generate?count=5",
            json!({"scenario": scenario}),
        ),
    ] {
        let (status, answer) = server.call(Method::POST, path, TEST_KEY, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        assert!(both(envelope(status, &answer)), "{path}: {answer}");
        // The same problems, each with its path, for clients that show them by field.
        let issues: Vec<(&str, &str)> = answer["issues"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: an issues list: {answer}"))
            .iter()
            .map(|i| (i["path"].as_str().unwrap(), i["message"].as_str().unwrap()))
            .collect();
        assert_eq!(issues.len(), 2, "{path}: {answer}");
        assert_eq!(issues[0].0, "bogus", "{path}: {answer}");
        assert_eq!(
            issues[1],
            ("days", "must be from 1 to 365, got 0"),
            "{path}: {answer}"
        );
    }

    // Other refusals have no issues list.
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"preset": "peacekeeping", "count": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.get("issues").is_none(), "{answer}");

    let (status, verdict) = server
        .call(
            Method::POST,
            "/api/v1/configurations/validate",
            TEST_KEY,
            Some(json!({"scenario": scenario})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verdict["valid"], false);
    let paths = error_paths(&verdict);
    assert_eq!(paths, ["bogus", "days"], "{verdict}");

    // A scenario that is not an object is refused, not read as the default.
    let (_, verdict) = server
        .call(
            Method::POST,
            "/api/v1/configurations/validate",
            TEST_KEY,
            Some(json!({"scenario": []})),
        )
        .await;
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["errors"][0]["path"], ".", "{verdict}");
    server.stop().await;
}

/// The paths of a validation verdict's errors, in order.
fn error_paths(verdict: &Value) -> Vec<&str> {
    verdict["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect()
}

/// The template fields of a stored configuration (as the ancestor's SDK copies them from
/// `GET` into `PUT`), sent back unchanged, store the same scenario; changed, they change
/// it. Both for a configuration stored as a template and for one stored as a scenario
/// whose every field the template carries.
#[tokio::test]
async fn the_template_fields_sent_back_store_the_same_scenario() {
    let server = Server::start(Settings::default()).await;
    let template = json!({
        "name": "Round trip",
        "description": "sent back",
        "total_patients": 100,
        "base_date": "2025-06-01",
        "injury_distribution": {"Battle Injury": 60.0, "Disease": 25.0, "Non-Battle Injury": 15.0},
        "front_configs": [{"name": "Alpha", "casualty_rate": 0.6,
            "nationality_distribution": [{"nationality_code": "USA", "percentage": 70.0},
                                         {"nationality_code": "GBR", "percentage": 30.0}]},
                          {"name": "Bravo", "casualty_rate": 0.4,
            "nationality_distribution": [{"nationality_code": "POL", "percentage": 33.3},
                                         {"nationality_code": "DEU", "percentage": 66.7}]}],
        "facility_configs": [{"id": "r1", "name": "Role 1"}]
    });
    let native = json!({"name": "Native", "scenario": {
        "name": "Native", "description": "", "patients": 77, "days": 5,
        "start": "2026-02-03T06:30:00Z", "intensity": "medium", "tempo": "escalating",
        "injury_mix": {"Battle Injury": 0.07, "Non-Battle Injury": 0.43, "Disease": 0.5},
        "fronts": [{"name": "North", "casualty_rate": 3.0, "nationalities": {"NOR": 0.35, "FIN": 0.65}}]
    }});
    for body in [template, native] {
        let (status, stored) = server
            .call(Method::POST, "/api/v1/configurations", TEST_KEY, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{stored}");
        let path = format!("/api/v1/configurations/{}", stored["id"].as_str().unwrap());
        let (_, got) = server.call(Method::GET, &path, TEST_KEY, None).await;
        assert_eq!(got, stored);
        let fields = [
            "name",
            "description",
            "version",
            "total_patients",
            "base_date",
            "days_of_fighting",
            "injury_distribution",
            "front_configs",
            "facility_configs",
            "warfare_types",
            "intensity",
            "tempo",
            "special_events",
            "environmental_conditions",
            "parent_config_id",
        ];
        let mut sent: serde_json::Map<String, Value> = fields
            .iter()
            .map(|&f| (f.to_owned(), got[f].clone()))
            .collect();
        let (status, second) = server
            .call(
                Method::PUT,
                &path,
                TEST_KEY,
                Some(Value::Object(sent.clone())),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{second}");
        assert_eq!(second["scenario"], got["scenario"], "{}", got["name"]);
        assert_eq!(second["version"], 2);
        assert_eq!(second["parent_config_id"], got["id"]);
        assert_eq!(second["parent_id"], got["id"]);
        // Modified, as the SDK's example modifies it: the change and nothing else.
        sent.insert("total_patients".to_owned(), json!(125));
        sent.insert("description".to_owned(), json!("updated"));
        let (status, third) = server
            .call(Method::PUT, &path, TEST_KEY, Some(Value::Object(sent)))
            .await;
        assert_eq!(status, StatusCode::OK, "{third}");
        let mut expected = got["scenario"].clone();
        expected["patients"] = json!(125);
        expected["description"] = json!("updated");
        assert_eq!(third["scenario"], expected);
        assert_eq!(third["total_patients"], 125);
    }
    server.stop().await;
}

/// The template shows the scenario as the ancestor's clients read a template.
#[tokio::test]
async fn a_configuration_reads_as_the_ancestor_template() {
    let server = Server::start(Settings::default()).await;
    let (status, stored) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(json!({"name": "drill", "scenario": {
                "patients": 40, "start": "2025-06-01T00:00:00Z",
                "injury_mix": {"Battle Injury": 0.6, "Non-Battle Injury": 0.25, "Disease": 0.15},
                "fronts": [{"name": "East", "casualty_rate": 1.0, "nationalities": {"POL": 0.7, "USA": 0.3}}]
            }})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["total_patients"], 40);
    assert_eq!(stored["base_date"], "2025-06-01");
    assert_eq!(
        stored["injury_distribution"],
        json!({"Battle Injury": 60.0, "Non-Battle Injury": 25.0, "Disease": 15.0})
    );
    assert_eq!(
        stored["front_configs"],
        json!([{"name": "East", "casualty_rate": 1.0, "nationality_distribution": [
            {"nationality_code": "POL", "percentage": 70.0},
            {"nationality_code": "USA", "percentage": 30.0}]}])
    );
    assert_eq!(stored["facility_configs"], json!([]));
    assert_eq!(stored["parent_config_id"], Value::Null);
    server.stop().await;
}

/// A configuration sent back whole (with `scenario`) is stored as it is; a template field
/// changed beside the unchanged scenario is refused, not silently ignored.
#[tokio::test]
async fn a_template_field_changed_beside_the_scenario_is_refused() {
    let server = Server::start(Settings::default()).await;
    let (_, stored) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(json!({"name": "whole", "preset": "peacekeeping"})),
        )
        .await;
    let path = format!("/api/v1/configurations/{}", stored["id"].as_str().unwrap());
    let (status, second) = server
        .call(Method::PUT, &path, TEST_KEY, Some(stored.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["scenario"], stored["scenario"]);
    let mut changed = stored.clone();
    changed["total_patients"] = json!(12);
    let (status, refused) = server
        .call(Method::PUT, &path, TEST_KEY, Some(changed))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["issues"][0]["path"], "total_patients", "{refused}");
    assert!(
        envelope(status, &refused).contains("not one beside the other"),
        "{refused}"
    );
    server.stop().await;
}
