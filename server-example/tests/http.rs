//! Black-box HTTP tests: a real server on an ephemeral port, spoken to with reqwest.

mod common;

use common::{Server, TEST_KEY, envelope};
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};
use milmed_server::Settings;
use milmed_server::keys::DEMO_KEY;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn health_routes_answer_with_and_without_a_trailing_slash() {
    // In memory whatever MILMED_TEST_STORE says: the health of a database is tested in
    // tests/postgres.rs.
    let server = Server::start_on(Settings::default(), None).await;
    for path in ["/api/v1/health/live", "/api/v1/health/live/"] {
        let (status, headers, body) = server.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: no redirect");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap()["status"],
            "alive"
        );
        let took = headers["x-response-time"].to_str().unwrap();
        assert!(
            took.ends_with("ms") && took.trim_end_matches("ms").parse::<f64>().is_ok(),
            "{took}"
        );
    }
    assert_eq!(
        server.get_json("/api/v1/health/ready/").await.1["status"],
        "ready"
    );
    let (status, health) = server.get_json("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["checks"]["database"]["store"], "memory");
    let (status, body) = server.get_json("/api/v1/health/database").await;
    assert!(envelope(status, &body).contains("no database is configured"));
    assert_eq!(status, StatusCode::NOT_FOUND);

    server.state.begin_shutdown();
    let (status, ready) = server.get_json("/api/v1/health/ready").await;
    assert_eq!(
        (status, ready["status"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("not_ready"))
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_envelope() {
    let server = Server::start(Settings::default()).await;
    let (status, body) = server.get_json("/api/v1/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(envelope(status, &body), "no route /api/v1/nothing/here");
    let response = reqwest::Client::new()
        .delete(server.url("/api/v1/presets"))
        .header("x-api-key", TEST_KEY)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        envelope(status, &body),
        "DELETE is not allowed on /api/v1/presets"
    );
    server.stop().await;
}

#[tokio::test]
async fn presets_and_reference_data() {
    let server = Server::start(Settings::default()).await;
    let (status, body) = server.get_json("/api/v1/presets/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total_count"], 8);
    let ids: Vec<&str> = body["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"nato_article_5") && ids.contains(&"maritime_operation"));

    let (status, body) = server.get_json("/api/v1/presets/peacekeeping").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["preset"]["total_patients"], 500);
    let scenario = Scenario::from_json(&body["scenario"].to_string()).unwrap();
    assert_eq!(scenario, Scenario::preset("peacekeeping").unwrap());
    let (status, body) = server.get_json("/api/v1/presets/peacemaking").await;
    assert!(envelope(status, &body).contains("available presets: nato_article_5"));

    let (_, nations) = server
        .get_json("/api/v1/configurations/reference/nationalities/")
        .await;
    assert!(
        nations
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == "POL" && n["name"] == "Poland")
    );
    let (_, types) = server
        .get_json("/api/v1/configurations/reference/condition-types")
        .await;
    assert_eq!(
        types,
        serde_json::json!(["Battle Injury", "Non-Battle Injury", "Disease"])
    );
    let (_, facilities) = server
        .get_json("/api/v1/configurations/reference/facility-types")
        .await;
    assert_eq!(
        facilities[0],
        serde_json::json!({"id": "POI", "name": "Point of Injury"})
    );
    assert_eq!(facilities.as_array().unwrap().len(), 5);
    server.stop().await;
}

/// The NDJSON the library writes for a preset, count and seed.
fn library_ndjson(preset: &str, count: u64, seed: u64, format: Format) -> Vec<u8> {
    let mut scenario = Scenario::preset(preset).unwrap();
    scenario.patients = count;
    let generator = Generator::new(&scenario, seed).unwrap();
    let mut writer = PatientWriter::new(format.encoder(&generator), Vec::new());
    writer
        .write_batch(&generator.patients().collect::<Vec<_>>())
        .unwrap();
    writer.finish().unwrap().inner
}

#[tokio::test]
async fn streams_are_the_library_bytes() {
    let server = Server::start(Settings::default()).await;
    let (status, headers, body) = server
        .get("/api/v1/streaming/generate?preset=urban_assault&count=1000&seed=9")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    assert_eq!(headers["x-patient-count"], "1000");
    assert_eq!(
        body,
        library_ndjson("urban_assault", 1000, 9, Format::Ndjson)
    );

    let (_, headers, body) = server
        .get("/api/v1/streaming/generate/?preset=urban_assault&count=300&seed=9&format=json")
        .await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, library_ndjson("urban_assault", 300, 9, Format::Json));

    let scenario: Value =
        serde_json::from_str(&Scenario::preset("cbrn_incident").unwrap().to_json_pretty()).unwrap();
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/streaming/generate?count=50&seed=2"))
        .header("x-api-key", TEST_KEY)
        .json(&serde_json::json!({"scenario": scenario}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.unwrap(),
        library_ndjson("cbrn_incident", 50, 2, Format::Ndjson)
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_stream_requests_say_what_is_allowed() {
    let settings = Settings {
        max_stream_patients: 2000,
        body_limit: 4096,
        ..Settings::default()
    };
    let server = Server::start(settings).await;
    let cases = [
        (
            "?count=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "count: 0 is not allowed; give 1 to 2000 patients",
        ),
        (
            "?count=2001",
            StatusCode::UNPROCESSABLE_ENTITY,
            "give 1 to 2000 patients",
        ),
        (
            "?preset=nato_article_5",
            StatusCode::UNPROCESSABLE_ENTITY,
            "2500 patients, more than this server streams at once (2000)",
        ),
        (
            "?format=xml&count=5",
            StatusCode::UNPROCESSABLE_ENTITY,
            "format: `xml` is not allowed; give ndjson or json",
        ),
        (
            "?preset=nope",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown preset `nope`",
        ),
        ("?count=many", StatusCode::UNPROCESSABLE_ENTITY, "count"),
        (
            "?colour=red",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field `colour`",
        ),
    ];
    for (query, expected, message) in cases {
        let (status, body) = server
            .get_json(&format!("/api/v1/streaming/generate{query}"))
            .await;
        assert_eq!(status, expected, "{query}: {body}");
        assert!(envelope(status, &body).contains(message), "{query}: {body}");
    }

    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(server.url("/api/v1/streaming/generate?count=5"))
            .header("x-api-key", TEST_KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = post(r#"{"scenario": {"days": 0}}"#.to_owned())
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(
        envelope(status, &body).contains("days: must be from 1 to 365, got 0"),
        "{body}"
    );
    let response = post("{not json".to_owned()).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = post(format!(
        r#"{{"scenario": {{"name": "{}"}}}}"#,
        "x".repeat(5000)
    ))
    .await
    .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        envelope(status, &body).starts_with("the request body is larger than this server accepts"),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn keys_are_required_and_limits_enforced() {
    let server = Server::start(Settings::default()).await;
    let (status, _, body) = server.get_with("/api/v1/presets", None).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(envelope(status, &body), "missing X-API-Key header");
    let (status, _, body) = server
        .get_with("/api/v1/presets", Some("milmed_wrong"))
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        envelope(status, &body),
        "invalid, revoked or expired API key"
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Health and reference data need no key.
    assert_eq!(
        server.get_with("/api/v1/health/live", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        server
            .get_with("/api/v1/configurations/reference/nationalities", None)
            .await
            .0,
        StatusCode::OK
    );

    // The demo key: 500 patients per request, 10 requests a minute. Counting must not
    // straddle the minute's end, when the window reopens.
    let second = time::OffsetDateTime::now_utc().second();
    if second >= 50 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let (status, _, body) = server
        .get_with("/api/v1/streaming/generate?count=501", Some(DEMO_KEY))
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        envelope(status, &body).contains("limit of 500 per request"),
        "{body}"
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, body) = server
        .get_with(
            "/api/v1/streaming/generate?count=500&seed=1",
            Some(DEMO_KEY),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        500
    );
    assert_eq!(headers["ratelimit-limit"], "10");
    assert_eq!(headers["ratelimit-remaining"], "8");
    let mut refused = None;
    for _ in 0..10 {
        let (status, headers, body) = server.get_with("/api/v1/presets", Some(DEMO_KEY)).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((headers, body));
            break;
        }
    }
    let (headers, body) = refused.expect("the 11th request within a minute is refused");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        envelope(StatusCode::TOO_MANY_REQUESTS, &body)
            .contains("rate limit of 10 requests per minute")
    );
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(headers["ratelimit-remaining"], "0");
    server.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let server = Server::start(Settings::default()).await;
    server.get("/api/v1/presets/peacekeeping").await;
    server.get("/api/v1/presets/urban_assault").await;
    server.get("/api/v1/streaming/generate?count=40").await;
    server.get_with("/api/v1/presets", None).await;
    let (status, headers, body) = server.get_with("/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(body).unwrap();
    let line = |prefix: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    };
    assert_eq!(
        line(
            r#"milmed_http_requests_total{method="GET",route="/api/v1/presets/{id}",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        line(r#"milmed_http_requests_total{method="GET",route="/api/v1/presets",status="401"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        line(r#"milmed_patients_generated_total{source="stream"}"#),
        Some(40.0),
        "{text}"
    );
    assert!(text.contains("milmed_http_request_duration_seconds_bucket"));
    assert!(text.ends_with("# EOF\n"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limits_are_exact_under_parallel_requests() {
    let server = Server::start(Settings::default()).await;
    let second = time::OffsetDateTime::now_utc().second();
    if second >= 45 {
        // Counting must not straddle the minute's end.
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    server.add_limited_key("milmed_limited", 25).await;
    let client = reqwest::Client::new();
    let requests = (0..60).map(|_| {
        client
            .get(server.url("/api/v1/presets/peacekeeping"))
            .header("x-api-key", "milmed_limited")
            .send()
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (25, 35), "{statuses:?}");
    server.stop().await;
}
