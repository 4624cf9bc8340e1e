//! The pool, its health, the migrations and retries, against a real PostgreSQL.

mod common;

use std::time::Duration;

use common::{TestDb, admin};
use milmed_postgres::{Database, Error, PoolConfig, Retry};
use tokio_postgres::error::SqlState;

#[tokio::test]
async fn migrations_apply_once_then_are_a_no_op() {
    let test = TestDb::new().await;
    let db = Database::connect(test.config()).await.unwrap();
    assert_eq!(db.migrate().await.unwrap(), Database::migrations());
    assert_eq!(db.migrate().await.unwrap(), Vec::<i32>::new());
    let conn = db.get().await.unwrap();
    let tables: Vec<String> = conn
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in ["api_key_usage", "api_keys", "jobs", "patients", "scenarios"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
}

#[tokio::test]
async fn concurrent_migrators_apply_each_migration_once() {
    let test = TestDb::new().await;
    let a = Database::connect(test.config()).await.unwrap();
    let b = Database::connect(test.config()).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut applied = [ra, rb].concat();
    applied.sort();
    assert_eq!(
        applied,
        Database::migrations(),
        "each version applied by exactly one"
    );
    let conn = a.get().await.unwrap();
    let rows: i64 = conn
        .query_one("SELECT count(*) FROM refinery_schema_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows as usize, Database::migrations().len());
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let test = TestDb::new().await;
    let db = test.database().await;
    db.get()
        .await
        .unwrap()
        .execute(
            "UPDATE refinery_schema_history SET checksum = '1' WHERE version = 1",
            &[],
        )
        .await
        .unwrap();
    let err = db.migrate().await.unwrap_err();
    assert!(matches!(err, Error::Migration(_)), "{err}");
}

#[tokio::test]
async fn connections_carry_the_application_name_and_statement_timeout() {
    let test = TestDb::new().await;
    let mut config = test.config();
    config.application_name = "milmed-test-app".to_owned();
    config.statement_timeout = Some(Duration::from_millis(200));
    let db = Database::connect(config).await.unwrap();
    let conn = db.get().await.unwrap();
    let name: String = conn
        .query_one("SELECT current_setting('application_name')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "milmed-test-app");
    let err = conn.execute("SELECT pg_sleep(5)", &[]).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::QUERY_CANCELED), "{err}");
}

#[tokio::test]
async fn an_exhausted_pool_times_out_instead_of_hanging() {
    let test = TestDb::new().await;
    let mut config = test.config();
    config.max_size = 2;
    config.connection_timeout = Duration::from_millis(300);
    let db = Database::connect(config).await.unwrap();
    let held = (db.get().await.unwrap(), db.get().await.unwrap());
    let err = db.get().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout { max_size: 2, .. }),
        "{err}"
    );
    assert!(err.is_transient());
    let state = db.pool_state();
    assert_eq!((state.connections, state.in_use, state.max_size), (2, 2, 2));
    assert_eq!(state.gets_timed_out, 1);
    drop(held);
    db.get().await.unwrap();
}

#[tokio::test]
async fn the_pool_recovers_when_its_connections_are_killed() {
    let test = TestDb::new().await;
    let mut config = test.config();
    config.application_name = format!("milmed-kill-{}", test.name);
    config.max_size = 4;
    let db = Database::connect(config.clone()).await.unwrap();
    {
        let conns = (db.get().await.unwrap(), db.get().await.unwrap());
        conns.0.execute("SELECT 1", &[]).await.unwrap();
        conns.1.execute("SELECT 1", &[]).await.unwrap();
    }
    admin(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
        config.application_name
    ))
    .await;
    // Every pooled connection is dead now; the next query must still succeed.
    let value: i32 = db
        .get()
        .await
        .unwrap()
        .query_one("SELECT 41 + 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(value, 42);
    let state = db.pool_state();
    assert!(state.closed_invalid + state.closed_broken >= 1, "{state:?}");
}

#[tokio::test]
async fn health_reports_the_server_and_the_pool() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let health = db.health().await;
    assert!(health.reachable, "{health:?}");
    assert!(
        health
            .server_version
            .as_deref()
            .is_some_and(|v| !v.is_empty())
    );
    assert!(health.pool.connections >= 1 && health.pool.gets >= 1);
    let json = serde_json::to_value(&health).unwrap();
    assert!(json["latency"].as_f64().unwrap() > 0.0);
    assert!(json["pool"]["max_size"] == 20);

    let mut config = test.config();
    config.url = "postgres://postgres@127.0.0.1:1/nowhere".to_owned();
    config.connection_timeout = Duration::from_millis(300);
    let down = Database::connect(config).await.unwrap();
    let health = down.health().await;
    assert!(!health.reachable, "{health:?}");
    let error = health.error.unwrap();
    assert!(
        error.starts_with("cannot connect to 127.0.0.1:1: connection refused"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_at_once_and_says_why() {
    // The default connection timeout (30 s) is what callers used to wait, told of a
    // "pool of 20, all in use" that held no connection at all.
    let config = PoolConfig::new("postgres://postgres@127.0.0.1:1/nowhere").unwrap();
    let db = Database::connect(config).await.unwrap();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let err = db.get().await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(err.is_transient());
        assert!(
            err.to_string()
                .starts_with("cannot connect to 127.0.0.1:1: connection refused"),
            "{err}"
        );
    }
    assert_eq!(
        db.connect_failure()
            .as_deref()
            .map(|c| c.starts_with("connection refused")),
        Some(true)
    );
    assert_eq!(db.pool_state().gets_timed_out, 0);
}

#[tokio::test]
async fn retries_transient_errors_only() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let retry = Retry {
        attempts: 4,
        first_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    // A serialization failure (40001) twice, then success.
    let mut tries = 0;
    let value = retry
        .run("test", || {
            tries += 1;
            let db = db.clone();
            let fail = tries <= 2;
            async move {
                let conn = db.get().await?;
                if fail {
                    conn.batch_execute(
                        "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$",
                    )
                    .await?;
                }
                Ok::<i32, Error>(conn.query_one("SELECT 7", &[]).await?.get(0))
            }
        })
        .await
        .unwrap();
    assert_eq!((value, tries), (7, 3));

    // A syntax error is not retried.
    let mut tries = 0;
    let err = retry
        .run("test", || {
            tries += 1;
            let db = db.clone();
            async move {
                db.get().await?.batch_execute("SELEC 1").await?;
                Ok::<(), Error>(())
            }
        })
        .await
        .unwrap_err();
    assert_eq!(tries, 1);
    assert_eq!(err.code(), Some(&SqlState::SYNTAX_ERROR));
    // The text says what the server said, not only "db error".
    assert_eq!(
        err.to_string(),
        "database error: syntax error at or near \"SELEC\" (SQLSTATE 42601)"
    );
}
