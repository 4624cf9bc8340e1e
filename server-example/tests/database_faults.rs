//! A database that goes away and comes back: the server starts without it, answers
//! fast while it is gone (readiness 503 with the cause, keyed requests 503 with
//! `Retry-After`), sets it up and recovers by itself when it returns, and jobs that store
//! patients ride out a brief drop. PostgreSQL is reached through a proxy the tests
//! switch off and on (tests/common/proxy.rs).

mod common;

use std::time::{Duration, Instant};

use common::Server;
use common::proxy::Proxy;
use milmed_postgres::testing::TestDb;
use milmed_postgres::{Database, JobStatus, PoolConfig};
use milmed_server::Settings;
use milmed_server::keys::DEMO_KEY;
use reqwest::StatusCode;
use serde_json::Value;

/// Generous bound for "answers within 2 s" (a shared machine).
const FAST: Duration = Duration::from_secs(3);

/// GET `path` with `key`: status, `Retry-After`, body, and how long it took.
async fn timed_get(
    server: &Server,
    path: &str,
    key: Option<&str>,
) -> (StatusCode, Option<String>, Value, Duration) {
    let started = Instant::now();
    let (status, headers, body) = server.get_with(path, key).await;
    let retry_after = headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, retry_after, body, started.elapsed())
}

/// Polls readiness until it is 200; panics after `within`.
async fn wait_ready(server: &Server, within: Duration) {
    let started = Instant::now();
    loop {
        let (status, _, body, _) = timed_get(server, "/api/v1/health/ready", None).await;
        if status == StatusCode::OK {
            return;
        }
        assert!(
            started.elapsed() < within,
            "not ready within {within:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks that the server answers fast and says why while the database is away.
async fn assert_down(server: &Server, proxy: &Proxy) {
    let (status, _, body, took) = timed_get(server, "/api/v1/health/ready", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < FAST, "readiness took {took:?}");
    let reason = body["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("cannot connect to 127.0.0.1:{}", proxy.port))
            && reason.contains("connection refused"),
        "{reason}"
    );
    let (status, _, body, took) = timed_get(server, "/api/v1/health", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < FAST, "health took {took:?}");
    assert_eq!(body["checks"]["database"]["status"], "unhealthy", "{body}");
    let (status, retry_after, body, took) =
        timed_get(server, "/api/v1/presets", Some(DEMO_KEY)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < FAST, "a keyed request took {took:?}");
    assert_eq!(retry_after.as_deref(), Some("2"), "{body}");
    assert_eq!(
        common::envelope(status, &body),
        "the database is unavailable; retry shortly"
    );
    let (status, _, _, _) = timed_get(server, "/api/v1/health/live", None).await;
    assert_eq!(status, StatusCode::OK, "alive all along");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_starts_without_its_database_and_recovers_by_itself() {
    let test = TestDb::new().await;
    let mut proxy = Proxy::new().await;
    let database = Database::connect(PoolConfig::new(&proxy.url(&test.url)).unwrap())
        .await
        .unwrap();
    // Not migrated, and unreachable: the server starts anyway, alive but not ready.
    let server = Server::start_bare(Settings::default(), Some(database)).await;
    assert_down(&server, &proxy).await;

    // The database comes: the server migrates it, installs the demo key, and is ready.
    proxy.on().await;
    wait_ready(&server, Duration::from_secs(30)).await;
    let (status, _, body, _) = timed_get(&server, "/api/v1/presets", Some(DEMO_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // It goes away with connections open, and comes back.
    proxy.off().await;
    assert_down(&server, &proxy).await;
    proxy.on().await;
    wait_ready(&server, Duration::from_secs(30)).await;
    let (status, _, body, _) = timed_get(&server, "/api/v1/presets", Some(DEMO_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_store_patients_ride_out_a_brief_database_drop() {
    let test = TestDb::new().await;
    test.database().await; // migrated
    let mut proxy = Proxy::new().await;
    proxy.on().await;
    let database = Database::connect(PoolConfig::new(&proxy.url(&test.url)).unwrap())
        .await
        .unwrap();
    let settings = Settings {
        job_lease: Duration::from_secs(15),
        ..Settings::default()
    };
    let server = Server::start_on(settings, Some(database)).await;
    let mut ids = Vec::new();
    for seed in 0..20 {
        let (status, job) = server
            .call(
                reqwest::Method::POST,
                "/api/v1/generation",
                common::TEST_KEY,
                Some(serde_json::json!({
                    "preset": "peacekeeping", "count": 300, "seed": seed,
                    "persist_patients": true,
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{job}");
        ids.push(job["job_id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    // Once the workers are under way, the database drops for 1.5 s.
    let jobs = server.state.jobs();
    let started = Instant::now();
    while jobs.get(ids[0]).await.unwrap().status == JobStatus::Queued {
        assert!(started.elapsed() < Duration::from_secs(30), "never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.off().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.on().await;

    let started = Instant::now();
    for &id in &ids {
        let job = loop {
            match jobs.get(id).await {
                Ok(job) if job.status.is_final() => break job,
                _ => {}
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "job {id} not finished"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(
            job.status,
            JobStatus::Completed,
            "job {id}: {:?}",
            job.error
        );
        // Ridden out within the lease: not left to expire and run again.
        assert_eq!(job.attempt, 1, "job {id} was run again");
    }
    let stored: i64 = test
        .database()
        .await
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM patients", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 20 * 300, "each job's patients stored once");
    server.stop().await;
}
