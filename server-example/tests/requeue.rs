//! How late a crashed instance's job runs again: an instance that claimed a job and died
//! at once (no heartbeat after the claim) leaves it leased; another instance re-queues it
//! once the lease is over and runs it, within the bound docs/operations.md states:
//! the lease `L`, then at most `h` = min(`L`/3, 2 s) until the re-queue, then at most
//! 0.2 s until an idle worker claims it.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use milmed_postgres::testing::TestDb;
use milmed_postgres::{Database, Jobs};
use milmed_server::Settings;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_instance_job_runs_again_within_the_documented_bound() {
    let lease = Duration::from_secs(3);
    let h = Duration::from_secs(1); // min(3 s / 3, 2 s)
    let test = TestDb::new().await;
    let database = || async {
        let db = Database::connect(test.config()).await.unwrap();
        db.migrate().await.unwrap();
        db
    };
    // The job is queued through an instance that runs none.
    let front = Server::start_on(
        Settings {
            job_workers: 0,
            ..Settings::default()
        },
        Some(database().await),
    )
    .await;
    let (status, job) = front
        .call(
            reqwest::Method::POST,
            "/api/v1/generation",
            common::TEST_KEY,
            Some(serde_json::json!({"preset": "peacekeeping", "count": 50})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let id: i64 = job["job_id"].as_str().unwrap().parse().unwrap();

    // An instance claims it and dies before its first heartbeat.
    let jobs = Jobs::new(database().await);
    let claimed = jobs
        .claim_next("crashed-instance", lease)
        .await
        .unwrap()
        .unwrap();
    let crashed = Instant::now();
    assert_eq!((claimed.id, claimed.attempt), (id, 1));

    // A live instance with the same lease picks it up.
    let survivor = Server::start_on(
        Settings {
            job_lease: lease,
            job_workers: 1,
            ..Settings::default()
        },
        Some(database().await),
    )
    .await;
    let rerun = loop {
        let job = jobs.get(id).await.unwrap();
        if job.attempt == 2 {
            break crashed.elapsed();
        }
        assert!(
            crashed.elapsed() < Duration::from_secs(30),
            "not run again within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Not before the lease ran out; within L + h + 0.2 s, with 1 s for round trips and
    // polling on a shared machine.
    assert!(rerun >= lease - Duration::from_millis(100), "{rerun:?}");
    assert!(
        rerun <= lease + h + Duration::from_millis(200) + Duration::from_secs(1),
        "{rerun:?}"
    );
    let job = survivor
        .wait_for_job(&id.to_string(), common::TEST_KEY)
        .await;
    assert_eq!(
        (job["status"].as_str(), job["attempt"].as_u64()),
        (Some("completed"), Some(2))
    );
    survivor.stop().await;
    front.stop().await;
}
