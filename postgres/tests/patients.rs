//! Binary COPY of generated patients, partitions and retention, against a real PostgreSQL.

mod common;

use std::collections::BTreeMap;

use common::TestDb;
use milmed_core::budget::{Budget, CancelToken};
use milmed_core::job::JobEnd;
use milmed_core::{Generator, Scenario};
use milmed_postgres::{JobRef, PatientStore};
use time::macros::datetime;

type Counts = BTreeMap<String, i64>;

/// Counts of outcome, triage and nationality as the generator itself gives them.
fn expected(generator: &Generator, n: u64) -> [Counts; 3] {
    let mut counts: [Counts; 3] = Default::default();
    for p in generator.range(0..n).unwrap() {
        for (i, key) in [p.outcome().as_str(), p.triage().as_str(), p.nation().code]
            .into_iter()
            .enumerate()
        {
            *counts[i].entry(key.to_owned()).or_default() += 1;
        }
    }
    counts
}

async fn stored(db: &milmed_postgres::Database, job: i64) -> [Counts; 3] {
    let conn = db.get().await.unwrap();
    let mut counts: [Counts; 3] = Default::default();
    for (i, column) in ["outcome", "triage", "nationality"].into_iter().enumerate() {
        let rows = conn
            .query(
                &format!("SELECT {column}, count(*) FROM patients WHERE job_id = $1 GROUP BY 1"),
                &[&job],
            )
            .await
            .unwrap();
        counts[i] = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_of_200_000_patients_matches_the_generator_and_reloads_once() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let store = PatientStore::new(db.clone());
    let mut scenario = Scenario::preset("nato_article_5").unwrap();
    scenario.patients = 200_000;
    let generator = Generator::new(&scenario, 17).unwrap();
    let job = JobRef {
        id: 1,
        created_at: datetime!(2026-11-26 10:00 UTC),
    };

    for _ in 0..2 {
        let report = store
            .load(
                job,
                generator.clone(),
                0..200_000,
                2,
                Budget::default(),
                CancelToken::new(),
            )
            .await
            .unwrap();
        assert_eq!((report.patients, report.end), (200_000, JobEnd::Complete));
        assert_eq!(
            store.count(job).await.unwrap(),
            200_000,
            "one copy of the job"
        );
    }
    assert_eq!(stored(&db, 1).await, expected(&generator, 200_000));

    let conn = db.get().await.unwrap();
    let row = conn
        .query_one(
            "SELECT index, record->>'final_status', outcome, record->'id', front \
             FROM patients WHERE job_id = 1 AND index = 199999",
            &[],
        )
        .await
        .unwrap();
    let last = generator.patient(199_999).unwrap();
    assert_eq!(row.get::<_, i64>(0), 199_999);
    assert_eq!(row.get::<_, String>(1), last.outcome().as_str());
    assert_eq!(row.get::<_, String>(2), last.outcome().as_str());
    assert_eq!(row.get::<_, serde_json::Value>(3), 199_999);
    assert_eq!(row.get::<_, String>(4), generator.front_name(&last));
    let partition: String = conn
        .query_one("SELECT tableoid::regclass::text FROM patients LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(partition, "patients_y2026m11");

    // Records read back: the generator's NDJSON records, in index order, the range
    // clipped to what is stored.
    let records = store.records(job, 199_997..200_010).await.unwrap();
    let mut writer = milmed_core::format::PatientWriter::new(
        milmed_core::format::Format::Ndjson.encoder(&generator),
        Vec::new(),
    );
    writer
        .write_batch(
            &generator
                .range(199_997..200_000)
                .unwrap()
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let ndjson = writer.finish().unwrap().inner;
    let expected: Vec<serde_json::Value> = ndjson
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let got: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_stops_the_load_and_a_cancelled_load_stores_nothing() {
    let test = TestDb::new().await;
    let store = PatientStore::new(test.database().await);
    let generator = Generator::new(&Scenario::preset("peacekeeping").unwrap(), 3).unwrap();
    let job = JobRef {
        id: 7,
        created_at: datetime!(2026-01-31 23:59 UTC),
    };
    let budget = Budget {
        max_patients: Some(300),
        ..Budget::default()
    };
    let report = store
        .load(
            job,
            generator.clone(),
            0..500,
            1,
            budget,
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.patients, 300);
    assert!(matches!(report.end, JobEnd::BudgetExceeded { .. }));
    assert_eq!(store.count(job).await.unwrap(), 300);

    let cancel = CancelToken::new();
    cancel.cancel();
    let report = store
        .load(job, generator, 0..500, 1, Budget::default(), cancel)
        .await
        .unwrap();
    assert_eq!(report.end, JobEnd::Cancelled);
    assert_eq!(
        store.count(job).await.unwrap(),
        300,
        "the earlier load is kept"
    );
}

#[tokio::test]
async fn partitions_are_made_ahead_and_dropped_by_month() {
    let test = TestDb::new().await;
    let store = PatientStore::new(test.database().await);
    let made = store
        .ensure_partitions_ahead(datetime!(2025-11-15 08:00 UTC), 3)
        .await
        .unwrap();
    assert_eq!(
        made,
        [
            "patients_y2025m11",
            "patients_y2025m12",
            "patients_y2026m01",
            "patients_y2026m02"
        ]
    );
    // Idempotent.
    store
        .ensure_partitions_ahead(datetime!(2025-11-01 00:00 UTC), 1)
        .await
        .unwrap();
    let dropped = store
        .drop_partitions_before(datetime!(2026-01-10 00:00 UTC))
        .await
        .unwrap();
    assert_eq!(dropped, ["patients_y2025m11", "patients_y2025m12"]);
    let again = store
        .drop_partitions_before(datetime!(2026-01-10 00:00 UTC))
        .await
        .unwrap();
    assert!(again.is_empty());
}

/// A load is one COPY as long as its job: a statement timeout meant for queries must not
/// cancel it (and lose the job) when the load runs longer than the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_longer_than_the_statement_timeout_completes() {
    let test = TestDb::new().await;
    let mut config = test.config();
    config.statement_timeout = Some(std::time::Duration::from_millis(100));
    let db = milmed_postgres::Database::connect(config).await.unwrap();
    db.migrate().await.unwrap();
    let store = PatientStore::new(db.clone());
    let mut scenario = Scenario::preset("nato_article_5").unwrap();
    scenario.patients = 20_000;
    let generator = Generator::new(&scenario, 3).unwrap();
    let job = JobRef {
        id: 7,
        created_at: datetime!(2026-11-26 10:00 UTC),
    };
    let started = std::time::Instant::now();
    let report = store
        .load(
            job,
            generator,
            0..20_000,
            2,
            Budget::default(),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() > std::time::Duration::from_millis(100),
        "the load must outlast the timeout for this test to mean anything"
    );
    assert_eq!((report.patients, report.end), (20_000, JobEnd::Complete));
    assert_eq!(store.count(job).await.unwrap(), 20_000);
    // Queries on the same pool still carry the timeout.
    let conn = db.get().await.unwrap();
    assert!(conn.execute("SELECT pg_sleep(2)", &[]).await.is_err());
}
