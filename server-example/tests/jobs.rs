//! Jobs over HTTP, on the in-memory queue.

mod common;

use common::{Server, TEST_KEY, envelope};
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};
use milmed_server::Settings;
use milmed_server::keys::DEMO_KEY;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn create(server: &Server, key: &str, body: Value) -> (StatusCode, Value) {
    server
        .call(Method::POST, "/api/v1/generation", key, Some(body))
        .await
}

/// The JSON records the library writes for patients `range` of a preset run.
fn library_records(preset: &str, patients: u64, seed: u64, range: std::ops::Range<u64>) -> Value {
    let mut scenario = Scenario::preset(preset).unwrap();
    scenario.patients = patients;
    let generator = Generator::new(&scenario, seed).unwrap();
    let mut writer = PatientWriter::new(Format::Json.encoder(&generator), Vec::new());
    writer
        .write_batch(&generator.range(range).unwrap().collect::<Vec<_>>())
        .unwrap();
    serde_json::from_slice(&writer.finish().unwrap().inner).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_and_its_results_are_the_library_patients() {
    let server = Server::start(Settings::default()).await;
    let (status, job) = create(&server, TEST_KEY, json!({"preset": "urban_assault", "count": 1200, "seed": 5, "output_formats": ["ndjson", "fhir"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(job["status"], "queued");
    let done = server.wait_for_job(&id, TEST_KEY).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 100);
    assert_eq!(done["summary"]["total_patients"], 1200);
    let outcomes: u64 = done["summary"]["outcomes"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(outcomes, 1200);
    assert!(done["bytes_done"].as_u64().unwrap() > 0);

    let (status, page) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{id}/results?page=3&per_page=100"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["total_pages"].as_u64()),
        (Some(1200), Some(12))
    );
    assert_eq!(
        page["patients"],
        library_records("urban_assault", 1200, 5, 200..300)
    );
    let (_, past) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{id}/results?page=13&per_page=100"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(past["patients"], json!([]));
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{id}/results?per_page=501"),
            TEST_KEY,
            None,
        )
        .await;
    assert!(envelope(status, &body).contains("per_page: 501 is not allowed; give 1 to 500"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ancestor_request_body_is_accepted() {
    let server = Server::start(Settings::default()).await;
    let (status, job) = create(&server, TEST_KEY, json!({
        "configuration": {
            "name": "Legacy client",
            "total_patients": 40,
            "days_of_fighting": 2,
            "injury_distribution": {"Battle Injury": 60, "Non-Battle Injury": 25, "Disease": 15},
            "front_configs": [{"id": "front_0", "name": "East", "casualty_rate": 1.0,
                "nationality_distribution": [{"nationality_code": "DEU", "percentage": 100}]}],
            "facility_configs": []
        },
        "output_formats": ["json", "csv"],
        "use_compression": true,
        "priority": "high"
    })).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["priority"], "high");
    assert_eq!(job["output_formats"], json!(["json", "csv"]));
    let done = server
        .wait_for_job(job["job_id"].as_str().unwrap(), TEST_KEY)
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let (_, page) = server
        .call(
            Method::GET,
            &format!(
                "/api/v1/jobs/{}/results?per_page=40",
                job["job_id"].as_str().unwrap()
            ),
            TEST_KEY,
            None,
        )
        .await;
    let patients = page["patients"].as_array().unwrap();
    assert_eq!(patients.len(), 40);
    assert!(
        patients
            .iter()
            .all(|p| p["nationality"] == "DEU" && p["front"] == "East")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_private_to_their_key() {
    let server = Server::start(Settings::default()).await;
    server.add_key("milmed_other_key").await;
    let (_, job) = create(&server, TEST_KEY, json!({"preset": "training_exercise"})).await;
    let id = job["job_id"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/v1/jobs/{id}")),
        (Method::POST, format!("/api/v1/jobs/{id}/cancel")),
        (Method::DELETE, format!("/api/v1/jobs/{id}")),
        (Method::GET, format!("/api/v1/jobs/{id}/results")),
    ] {
        let (status, body) = server
            .call(method.clone(), &path, "milmed_other_key", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(envelope(status, &body), format!("job {id} not found"));
    }
    let (_, list) = server
        .call(Method::GET, "/api/v1/jobs", "milmed_other_key", None)
        .await;
    assert_eq!(list, json!([]));
    let (_, list) = server
        .call(Method::GET, "/api/v1/jobs", TEST_KEY, None)
        .await;
    assert_eq!(list[0]["job_id"], id);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_delete() {
    // No workers: jobs stay queued until cancelled.
    let server = Server::start(Settings {
        job_workers: 0,
        ..Settings::default()
    })
    .await;
    let (_, job) = create(&server, TEST_KEY, json!({"preset": "peacekeeping"})).await;
    let id = job["job_id"].as_str().unwrap();
    let (status, cancelled) = server
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{id}/cancel/"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (status, again) = server
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{id}/cancel"),
            TEST_KEY,
            None,
        )
        .await;
    // Cancelling again is refused, as the ancestor documented; the job stays cancelled.
    assert!(
        envelope(status, &again)
            .contains("is cancelled; only a queued or running job can be cancelled"),
        "{again}"
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, still) = server
        .call(Method::GET, &format!("/api/v1/jobs/{id}"), TEST_KEY, None)
        .await;
    assert_eq!(still["status"], "cancelled", "cancelled stays final");
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{id}/results"),
            TEST_KEY,
            None,
        )
        .await;
    assert!(envelope(status, &body).contains("is not completed yet; its status is cancelled"));
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/jobs/{id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(Method::GET, &format!("/api/v1/jobs/{id}"), TEST_KEY, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/jobs/{id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_is_cancelled_within_a_heartbeat() {
    let server = Server::start(Settings {
        job_workers: 1,
        ..Settings::default()
    })
    .await;
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "nato_article_5", "count": 1_000_000, "output_formats": ["fhir"]}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    server.wait_running(&id, TEST_KEY).await;
    let (status, job) = server
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{id}/cancel"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(
        (status, job["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    // The worker notices at its next heartbeat and takes the next job.
    let (_, next) = create(&server, TEST_KEY, json!({"preset": "training_exercise"})).await;
    let done = server
        .wait_for_job(next["job_id"].as_str().unwrap(), TEST_KEY)
        .await;
    assert_eq!(done["status"], "completed");
    let (_, job) = server
        .call(Method::GET, &format!("/api/v1/jobs/{id}"), TEST_KEY, None)
        .await;
    assert_eq!(job["status"], "cancelled");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_creations() {
    let server = Server::start(Settings::default()).await;
    let creations: Vec<_> = (0..100)
        .map(|i| {
            let url = server.url("/api/v1/generation");
            tokio::spawn(async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .header("x-api-key", TEST_KEY)
                    .json(&json!({"preset": "training_exercise", "count": 20, "seed": i}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                response.json::<Value>().await.unwrap()["job_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for c in creations {
        ids.push(c.await.unwrap());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 100);
    for id in &ids {
        assert_eq!(
            server.wait_for_job(id, TEST_KEY).await["status"],
            "completed"
        );
    }
    let (_, headers, page1) = server
        .call_with_headers(Method::GET, "/api/v1/jobs?limit=60", TEST_KEY, None)
        .await;
    let last = page1[59]["job_id"].as_str().unwrap();
    let next = Server::next_link(&headers).expect("a full page names the next");
    assert_eq!(next, format!("/api/v1/jobs?after={last}&limit=60"));
    let (_, headers, page2) = server
        .call_with_headers(Method::GET, &next, TEST_KEY, None)
        .await;
    let mut listed: Vec<&str> = page1
        .as_array()
        .unwrap()
        .iter()
        .chain(page2.as_array().unwrap())
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    assert_eq!(listed.len(), 100);
    assert_eq!(
        Server::next_link(&headers),
        None,
        "the last page names none"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_generation_requests() {
    let server = Server::start(Settings {
        job_workers: 0,
        ..Settings::default()
    })
    .await;
    for (body, status, message) in [
        (
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "give one of preset, scenario, configuration or configuration_id",
        ),
        (
            json!({"preset": "peacekeeping", "output_formats": ["xlsx"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown format `xlsx`",
        ),
        (
            json!({"scenario": {"days": 0}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days: must be from 1 to 365",
        ),
        (
            json!({"preset": "peacekeeping", "use_encryption": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "encryption_password is required",
        ),
    ] {
        let (got, response) = create(&server, TEST_KEY, body.clone()).await;
        assert_eq!(got, status, "{body}: {response}");
        assert!(
            envelope(got, &response).contains(message),
            "{body}: {response}"
        );
    }
    let (status, body) = create(
        &server,
        DEMO_KEY,
        json!({"preset": "peacekeeping", "count": 501}),
    )
    .await;
    assert!(envelope(status, &body).contains("limit of 500 per request"));
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A body that is not declared JSON.
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/generation"))
        .header("x-api-key", TEST_KEY)
        .header("content-type", "text/plain")
        .body(r#"{"preset": "peacekeeping"}"#)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        envelope(status, &body).contains("application/json"),
        "{body}"
    );
    let (status, body) = server
        .call(Method::GET, "/api/v1/jobs?limit=0", TEST_KEY, None)
        .await;
    assert!(envelope(status, &body).contains("limit: 0 is not allowed"));
    server.stop().await;
}

/// The bytes the library writes for a preset run in `format`.
fn library_bytes(preset: &str, patients: u64, seed: u64, format: Format) -> Vec<u8> {
    let mut scenario = Scenario::preset(preset).unwrap();
    scenario.patients = patients;
    let generator = Generator::new(&scenario, seed).unwrap();
    let mut writer = PatientWriter::new(format.encoder(&generator), Vec::new());
    writer
        .write_batch(&generator.patients().collect::<Vec<_>>())
        .unwrap();
    writer.finish().unwrap().inner
}

async fn download(
    server: &Server,
    path: &str,
    password: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .get(server.url(path))
        .header("x-api-key", TEST_KEY);
    if let Some(p) = password {
        request = request.header("x-encryption-password", p);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_are_a_zip_of_every_format_or_one_format() {
    let server = Server::start(Settings::default()).await;
    let (_, job) = create(&server, TEST_KEY, json!({"preset": "cbrn_incident", "count": 700, "seed": 3, "output_formats": ["ndjson", "csv", "fhir"]})).await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v1/downloads/{id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert!(
        envelope(status, &body).contains("not completed yet"),
        "{body}"
    );
    server.wait_for_job(&id, TEST_KEY).await;

    let (status, headers, zip) = download(&server, &format!("/api/v1/downloads/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"milmed-job-{id}.zip\"")
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 3);
    for (i, (format, name)) in [
        (Format::Ndjson, "ndjson"),
        (Format::Csv, "csv"),
        (Format::Fhir, "fhir.ndjson"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut entry = archive.by_index(i).unwrap();
        assert_eq!(entry.name().unwrap(), format!("milmed-job-{id}.{name}"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert_eq!(
            bytes,
            library_bytes("cbrn_incident", 700, 3, format),
            "{name}"
        );
    }

    let (status, headers, csv) = download(
        &server,
        &format!("/api/v1/downloads/{id}/?format=csv"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"milmed-job-{id}.csv\"")
    );
    assert_eq!(csv, library_bytes("cbrn_incident", 700, 3, Format::Csv));
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v1/downloads/{id}?format=xml"),
            TEST_KEY,
            None,
        )
        .await;
    assert!(
        envelope(status, &body).contains("has ndjson, csv, fhir, not xml"),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_honour_gzip_and_encryption() {
    let server = Server::start(Settings::default()).await;
    let (_, job) = create(&server, TEST_KEY, json!({
        "preset": "peacekeeping", "count": 300, "output_formats": ["json"],
        "use_compression": true, "use_encryption": true, "encryption_password": "correct horse battery"
    })).await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert!(
        !job.to_string().contains("correct horse"),
        "the password is never echoed"
    );
    server.wait_for_job(&id, TEST_KEY).await;
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v1/downloads/{id}"),
            TEST_KEY,
            None,
        )
        .await;
    assert!(
        envelope(status, &body).contains("X-Encryption-Password"),
        "{body}"
    );
    // Without `format`, a ZIP even for one format; its entry is gzipped and encrypted.
    let (status, headers, zip) = download(
        &server,
        &format!("/api/v1/downloads/{id}"),
        Some("correct horse battery"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(
        entry.name().unwrap(),
        format!("milmed-job-{id}.json.gz.enc")
    );
    let mut zipped = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut zipped).unwrap();
    drop(entry);
    // With `format`, the file alone: encrypted bytes are application/octet-stream.
    let (status, headers, sealed) = download(
        &server,
        &format!("/api/v1/downloads/{id}?format=json"),
        Some("correct horse battery"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"milmed-job-{id}.json.gz.enc\"")
    );
    for sealed in [&zipped, &sealed] {
        let mut packed = Vec::new();
        milmed_core::output::decrypt(&sealed[..], &mut packed, b"correct horse battery").unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, library_bytes("peacekeeping", 300, 0, Format::Json));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_of_gzipped_jobs_say_so() {
    let server = Server::start(Settings::default()).await;
    let (_, job) = create(&server, TEST_KEY, json!({
        "preset": "peacekeeping", "count": 20, "output_formats": ["csv"], "use_compression": true
    })).await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    server.wait_for_job(&id, TEST_KEY).await;
    let (status, headers, gz) =
        download(&server, &format!("/api/v1/downloads/{id}?format=csv"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/gzip");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(plain, library_bytes("peacekeeping", 20, 0, Format::Csv));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_metrics_follow_the_queue() {
    let server = Server::start(Settings::default()).await;
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 300, "priority": "high"}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&id, TEST_KEY).await["status"],
        "completed"
    );
    let metric = |s: &'static str| server.metric(s);
    assert_eq!(
        metric(r#"milmed_jobs{status="completed",priority="high"}"#).await,
        Some(1.0)
    );
    assert_eq!(
        metric(r#"milmed_jobs{status="queued",priority="normal"}"#).await,
        Some(0.0)
    );
    assert_eq!(
        metric(r#"milmed_job_queue_depth{priority="high"}"#).await,
        Some(0.0)
    );
    assert_eq!(
        metric(r#"milmed_patients_generated_total{source="job"}"#).await,
        Some(300.0)
    );
    assert_eq!(
        metric("milmed_job_generation_seconds_count").await,
        Some(1.0)
    );
    assert_eq!(metric("milmed_generations_running").await, Some(0.0));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_its_budget_fails_and_names_the_limit() {
    let mut settings = Settings::default();
    settings.limits.job_bytes = 4096;
    let server = Server::start(settings).await;
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 500}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    let done = server.wait_for_job(&id, TEST_KEY).await;
    assert_eq!(done["status"], "failed", "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(
        error.starts_with("budget exceeded: bytes limit 4096 bytes, used "),
        "{error}"
    );
    assert_eq!(
        server
            .metric(r#"milmed_budget_exceeded_total{resource="bytes"}"#)
            .await,
        Some(1.0)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_and_downloads_are_refused_with_503_while_jobs_fill_the_pool() {
    let mut settings = Settings::default();
    settings.limits.max_generations = 1;
    let server = Server::start(settings).await;
    let (_, small) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 10}),
    )
    .await;
    let small = small["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&small, TEST_KEY).await["status"],
        "completed"
    );
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 1_000_000}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    // Wait until the job runs (it holds the only place in the pool).
    server.wait_running(&id, TEST_KEY).await;
    let (status, headers, body) = server.get("/api/v1/streaming/generate?count=10").await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        envelope(status, &body).starts_with("no room to generate now"),
        "{body}"
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "5");
    // A download regenerates the job: it needs a place too.
    let (status, headers, body) = server.get(&format!("/api/v1/downloads/{small}")).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        envelope(status, &body).starts_with("no room to generate now"),
        "{body}"
    );
    assert_eq!(headers["retry-after"], "5");
    server
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{id}/cancel"),
            TEST_KEY,
            None,
        )
        .await;
    // Cancelled within a heartbeat, the job gives its place back.
    let mut served = false;
    for _ in 0..100 {
        let (status, _, _) = server.get("/api/v1/streaming/generate?count=10").await;
        if status == StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        served,
        "the stream was never admitted after the job was cancelled"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_older_than_the_retention_are_removed() {
    let server = Server::start(Settings {
        retention: Some(std::time::Duration::from_secs(2)),
        job_lease: std::time::Duration::from_secs(3),
        ..Settings::default()
    })
    .await;
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 50}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&id, TEST_KEY).await["status"],
        "completed"
    );
    let mut gone = false;
    for _ in 0..100 {
        let (status, _) = server
            .call(Method::GET, &format!("/api/v1/jobs/{id}"), TEST_KEY, None)
            .await;
        if status == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "job {id} outlived its retention");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_running_at_shutdown_fails_with_the_reason_in_memory() {
    // In memory whatever MILMED_TEST_STORE says: with PostgreSQL the job goes back to the
    // queue instead (tests/instances.rs).
    let server = Server::start_on(Settings::default(), None).await;
    let (_, job) = create(
        &server,
        TEST_KEY,
        json!({"preset": "peacekeeping", "count": 1_000_000}),
    )
    .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    server.wait_running(&id, TEST_KEY).await;
    let state = server.state.clone();
    server.stop().await;
    let job = state.jobs().get(id.parse().unwrap()).await.unwrap();
    assert_eq!(job.status, milmed_postgres::JobStatus::Failed);
    assert_eq!(
        job.error.as_deref(),
        Some("the server shut down before the job finished")
    );
}
