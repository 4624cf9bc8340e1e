//! Retention drops old partitions and deletes old jobs and patients in batches.

mod common;

use std::time::Duration;

use common::TestDb;
use milmed_core::budget::{Budget, CancelToken};
use milmed_core::{Generator, Scenario};
use milmed_postgres::{JobRef, PatientStore, Retention};
use time::OffsetDateTime;
use time::macros::datetime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_jobs_and_patients_go_new_ones_stay() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let store = PatientStore::new(db.clone());
    let generator = Generator::new(&Scenario::preset("training_exercise").unwrap(), 5).unwrap();
    let jobs = [
        (datetime!(2026-08-20 12:00 UTC), "old month"),
        (
            datetime!(2026-10-02 12:00 UTC),
            "cutoff month, before the cutoff",
        ),
        (
            datetime!(2026-10-20 12:00 UTC),
            "cutoff month, after the cutoff",
        ),
        (datetime!(2026-11-25 12:00 UTC), "new"),
    ];
    let conn = db.get().await.unwrap();
    let mut refs = Vec::new();
    for (created_at, _) in jobs {
        let id: i64 = conn
            .query_one(
                "INSERT INTO jobs (scenario, seed, range_start, range_end, formats, created_at) \
                 VALUES ('{}', 5, 0, 100, '{ndjson}', $1) RETURNING id",
                &[&created_at],
            )
            .await
            .unwrap()
            .get(0);
        let job = JobRef { id, created_at };
        store
            .load(
                job,
                generator.clone(),
                0..100,
                1,
                Budget::default(),
                CancelToken::new(),
            )
            .await
            .unwrap();
        refs.push(job);
    }

    let now: OffsetDateTime = datetime!(2026-11-10 00:00 UTC);
    let retention = Retention {
        max_age: Duration::from_secs(30 * 86_400), // cutoff 2026-10-11
        batch: 7,
    };
    let report = retention.run(&db, now).await.unwrap();
    assert_eq!(report.partitions_dropped, ["patients_y2026m08"]);
    assert_eq!(
        report.patients_deleted, 100,
        "the cutoff month's old job, in batches of 7"
    );
    assert_eq!(report.jobs_deleted, 2);
    let kept: Vec<u64> = {
        let mut kept = Vec::new();
        for job in &refs {
            kept.push(store.count(*job).await.unwrap());
        }
        kept
    };
    assert_eq!(kept, [0, 0, 100, 100]);
    let jobs_left: i64 = conn
        .query_one("SELECT count(*) FROM jobs", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(jobs_left, 2);

    let again = retention.run(&db, now).await.unwrap();
    assert_eq!(
        (
            again.partitions_dropped.len(),
            again.patients_deleted,
            again.jobs_deleted
        ),
        (0, 0, 0)
    );
}
