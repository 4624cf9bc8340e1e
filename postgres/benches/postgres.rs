//! COPY ingest and pool checkout against a real PostgreSQL.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p milmed-postgres`
//! (that URL is the default). The benchmark creates and drops its own database,
//! `milmed_bench`. Figures go to `docs/performance.md`.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use milmed_core::budget::{Budget, CancelToken};
use milmed_core::{Generator, Scenario};
use milmed_postgres::testing::{admin, admin_url, with_database};
use milmed_postgres::{Database, JobRef, PatientStore, PoolConfig};
use time::OffsetDateTime;
use tokio::runtime::Runtime;

const BENCH_DB: &str = "milmed_bench";

async fn bench_database(max_size: u32) -> Database {
    let mut config = PoolConfig::new(&with_database(&admin_url(), BENCH_DB)).unwrap();
    config.max_size = max_size;
    config.statement_timeout = None;
    let db = Database::connect(config).await.unwrap();
    db.migrate().await.unwrap();
    db
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        admin(&format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")).await;
        admin(&format!("CREATE DATABASE {BENCH_DB}")).await;
    });

    let patients = 20_000u64;
    let mut scenario = Scenario::preset("nato_article_5").unwrap();
    scenario.patients = patients;
    let generator = Generator::new(&scenario, 42).unwrap();
    let store = PatientStore::new(rt.block_on(bench_database(4)));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut job = 0;
    let mut group = c.benchmark_group("copy");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(patients));
    group.bench_function("ingest", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                job += 1;
                let job = JobRef {
                    id: job,
                    created_at: OffsetDateTime::now_utc(),
                };
                let started = Instant::now();
                let report = rt
                    .block_on(store.load(
                        job,
                        generator.clone(),
                        0..patients,
                        threads,
                        Budget::default(),
                        CancelToken::new(),
                    ))
                    .unwrap();
                total += started.elapsed();
                assert_eq!(report.patients, patients);
            }
            total
        });
    });
    group.finish();

    // 64 tasks share a pool of 20: the time of one checkout plus `SELECT 1`, averaged
    // over all of them.
    let db = rt.block_on(bench_database(20));
    let tasks = 64u32;
    let per_task = 50u32;
    let mut group = c.benchmark_group("pool");
    group.throughput(Throughput::Elements(u64::from(tasks * per_task)));
    group.bench_function("checkout_64_tasks", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                rt.block_on(async {
                    let handles: Vec<_> = (0..tasks)
                        .map(|_| {
                            let db = db.clone();
                            tokio::spawn(async move {
                                for _ in 0..per_task {
                                    let conn = db.get().await.unwrap();
                                    conn.query_one("SELECT 1", &[]).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
    drop(store);
    drop(db);
    rt.block_on(admin(&format!(
        "DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
    )));
}

criterion_group!(postgres, benches);
criterion_main!(postgres);
