//! The server on PostgreSQL: health of the pool, and API keys and limits shared by
//! several instances on one database.

mod common;

use common::{Server, envelope};
use milmed_postgres::Database;
use milmed_postgres::testing::TestDb;
use milmed_server::Settings;
use milmed_server::keys::DEMO_KEY;
use reqwest::StatusCode;

async fn database(test: &TestDb) -> Database {
    let db = Database::connect(test.config()).await.unwrap();
    db.migrate().await.unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_pool() {
    let test = TestDb::new().await;
    let server = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let (status, body) = server.get_json("/api/v1/health/database").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "healthy");
    assert!(body["database"]["reachable"].as_bool().unwrap());
    assert_eq!(body["database"]["pool"]["max_size"], 20);
    let (status, body) = server.get_json("/api/v1/health").await;
    assert_eq!(
        (status, body["checks"]["database"]["store"].as_str()),
        (StatusCode::OK, Some("postgres"))
    );
    assert_eq!(
        server.get_json("/api/v1/health/ready").await.0,
        StatusCode::OK
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_demo_key_and_its_limits() {
    let test = TestDb::new().await;
    let second = time::OffsetDateTime::now_utc().second();
    if second >= 50 {
        // Counting must not straddle the minute's end.
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let a = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let b = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    assert_eq!(demo_keys(&test).await, 1, "the demo key is created once");
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, _, _) = server.get_with("/api/v1/presets", Some(DEMO_KEY)).await;
        assert_eq!(status, StatusCode::OK, "request {i}");
    }
    let (status, headers, body) = b.get_with("/api/v1/presets", Some(DEMO_KEY)).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(envelope(status, &body).contains("rate limit of 10 requests per minute"));
    assert!(headers.contains_key("retry-after"));
    a.stop().await;
    b.stop().await;
}

/// Demo keys in `api_keys`.
async fn demo_keys(test: &TestDb) -> i64 {
    let db = database(test).await;
    let conn = db.get().await.unwrap();
    conn.query_one("SELECT count(*) FROM api_keys WHERE is_demo", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_the_job_queue() {
    let test = TestDb::new().await;
    let a = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let b = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, job) = server
            .call(
                reqwest::Method::POST,
                "/api/v1/generation",
                common::TEST_KEY,
                Some(serde_json::json!({"preset": "peacekeeping", "count": 300, "seed": i, "persist_patients": i == 0})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{job}");
        ids.push(job["job_id"].as_str().unwrap().to_owned());
    }
    for (i, id) in ids.iter().enumerate() {
        // Either instance answers for any job.
        let server = if i % 2 == 0 { &b } else { &a };
        let job = server.wait_for_job(id, common::TEST_KEY).await;
        assert_eq!(job["status"], "completed", "{job}");
        assert_eq!(job["attempt"], 1, "never run twice: {job}");
    }
    let db = database(&test).await;
    let conn = db.get().await.unwrap();
    let owners: Vec<Option<String>> = conn
        .query("SELECT DISTINCT lease_owner FROM jobs", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(owners, [None], "every lease released");
    let stored: i64 = conn
        .query_one(
            "SELECT count(*) FROM patients WHERE job_id = $1",
            &[&ids[0].parse::<i64>().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 300, "the job that asked has its patients stored");
    a.stop().await;
    b.stop().await;
}
