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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_managed_from_the_command_line() {
    let test = TestDb::new().await;
    let run = |args: &[&str], url: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_milmed-server"));
        command.args(args).env_remove("DATABASE_URL");
        if let Some(url) = url {
            command.env("DATABASE_URL", url);
        }
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, _, err) = run(&["keys", "list"], None);
    assert_eq!(code, Some(2));
    assert!(err.contains("set DATABASE_URL"), "{err}");

    let (code, out, err) = run(
        &[
            "keys",
            "create",
            "--name",
            "exercise cell",
            "--patients",
            "2000",
            "--per-minute",
            "5",
        ],
        Some(&test.url),
    );
    assert_eq!(code, Some(0), "{err}");
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("key "))
        .unwrap()
        .to_owned();
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("id "))
        .unwrap()
        .to_owned();
    assert!(key.starts_with("milmed_"));

    // The new key works on a server on that database, with its own limits.
    let server = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let (status, _, _) = server
        .get_with("/api/v1/streaming/generate?count=2000", Some(&key))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (code, out, _) = run(&["keys", "list"], Some(&test.url));
    assert_eq!(code, Some(0));
    let line = out.lines().find(|l| l.contains("exercise cell")).unwrap();
    assert!(
        line.contains(&key[..12]) && !line.contains(&key),
        "only the prefix: {line}"
    );
    assert!(line.contains("2000") && line.contains("true"), "{line}");

    let (code, out, _) = run(&["keys", "revoke", &id], Some(&test.url));
    assert_eq!(
        (code, out.trim()),
        (Some(0), format!("key {id} revoked").as_str())
    );
    let (status, _, _) = server.get_with("/api/v1/presets", Some(&key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once");
    let (code, _, err) = run(&["keys", "revoke", "999999"], Some(&test.url));
    assert_eq!(code, Some(2));
    assert!(err.contains("not found"), "{err}");

    // Tiers give the limits; options override them one by one.
    let (code, _, err) = run(
        &[
            "keys",
            "create",
            "--name",
            "analyst",
            "--tier",
            "premium",
            "--per-day",
            "7",
        ],
        Some(&test.url),
    );
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = run(&["keys", "list"], Some(&test.url));
    let line = out.lines().find(|l| l.contains("analyst")).unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns[columns.len() - 4..],
        ["100000", "600", "10000", "7"],
        "{line}"
    );
    let (code, _, err) = run(
        &["keys", "create", "--name", "x", "--tier", "gold"],
        Some(&test.url),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--tier \"gold\": no such tier; give one of demo, standard, premium"),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_of_ours_is_a_500_envelope_that_tells_nothing() {
    let test = TestDb::new().await;
    let server = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let (status, job) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/generation",
            common::TEST_KEY,
            Some(serde_json::json!({"preset": "peacekeeping", "count": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&id, common::TEST_KEY).await["status"],
        "completed"
    );
    // Somebody broke the stored scenario behind the server's back.
    database(&test)
        .await
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE jobs SET scenario = '{\"secret_field\": \"/srv/milmed\"}' WHERE id = $1",
            &[&id.parse::<i64>().unwrap()],
        )
        .await
        .unwrap();
    let (status, body) = server
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/jobs/{id}/results"),
            common::TEST_KEY,
            None,
        )
        .await;
    assert_eq!(
        envelope(status, &body),
        "internal error; see the server log"
    );
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("/srv/milmed"), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_a_job_that_stored_its_patients_come_from_the_table() {
    use milmed_core::format::{Format, PatientWriter};
    use milmed_core::{Generator, Scenario};
    let test = TestDb::new().await;
    let server = Server::start_on(Settings::default(), Some(database(&test).await)).await;
    let (_, job) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/generation",
            common::TEST_KEY,
            Some(serde_json::json!({"preset": "urban_assault", "count": 120, "seed": 3, "persist_patients": true})),
        )
        .await;
    let id = job["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_job(&id, common::TEST_KEY).await["status"],
        "completed"
    );
    let (running, id) = (&server, &id);
    let page = move |n: u64| async move {
        let path = format!("/api/v1/jobs/{id}/results?page={n}&per_page=50");
        running
            .call(reqwest::Method::GET, &path, common::TEST_KEY, None)
            .await
            .1
    };
    let mut scenario = Scenario::preset("urban_assault").unwrap();
    scenario.patients = 120;
    let generator = Generator::new(&scenario, 3).unwrap();
    let mut writer = PatientWriter::new(Format::Json.encoder(&generator), Vec::new());
    writer
        .write_batch(&generator.range(100..120).unwrap().collect::<Vec<_>>())
        .unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&writer.finish().unwrap().inner).unwrap();
    let third = page(3).await;
    assert_eq!(third["patients"], expected, "the library's patients");
    assert_eq!(third["total"], 120);

    // Served from the table: a change there shows.
    database(&test)
        .await
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE patients SET record = jsonb_set(record, '{nationality}', '\"XXX\"') \
             WHERE job_id = $1 AND index = 100",
            &[&id.parse::<i64>().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(page(3).await["patients"][0]["nationality"], "XXX");
    server.stop().await;
}
