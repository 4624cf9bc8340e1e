//! Test support (feature `testing`): a freshly created database per test, dropped
//! afterwards, for this crate's tests and for crates that build on it.
//!
//! The server is the one `DATABASE_URL` names (scripts/test.sh sets it, starting a
//! throwaway cluster if it has to), else `postgres://postgres@127.0.0.1:5432/postgres`.
//! Failures panic with what to do: this is test code.
#![allow(clippy::missing_panics_doc)]

use std::sync::atomic::{AtomicU32, Ordering};

use tokio_postgres::NoTls;

use crate::{Database, PoolConfig};

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server's administrative URL.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    format!("{}/{name}{query}", &base[..path])
}

/// Runs one statement on the administrative database.
pub async fn admin(sql: &str) {
    let (client, connection) = tokio_postgres::connect(&admin_url(), NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot reach PostgreSQL at {} ({e}): set DATABASE_URL, or run scripts/test.sh, which finds or starts a server",
                admin_url()
            )
        });
    let task = tokio::spawn(connection);
    // One statement per call: CREATE and DROP DATABASE refuse to run in a transaction.
    client.batch_execute(sql).await.unwrap_or_else(|e| {
        let detail = e
            .as_db_error()
            .map_or_else(|| e.to_string(), |d| d.message().to_owned());
        panic!("{sql}: {detail}")
    });
    drop(client);
    let _ = task.await;
}

/// A database created for one test and dropped (with its connections) when this is
/// dropped.
pub struct TestDb {
    /// The database's name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    /// Creates a database with a name unique to this process and test.
    pub async fn new() -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "milmed_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        admin(&format!("CREATE DATABASE {name}")).await;
        let url = with_database(&admin_url(), &name);
        TestDb { name, url }
    }

    /// The default settings for this database.
    pub fn config(&self) -> PoolConfig {
        PoolConfig::new(&self.url).expect("a valid URL")
    }

    /// A pool on this database, migrated.
    pub async fn database(&self) -> Database {
        let db = Database::connect(self.config()).await.unwrap();
        db.migrate().await.unwrap();
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop may run inside a runtime: use a thread with its own.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(admin(&sql));
        })
        .join()
        .unwrap();
    }
}

#[cfg(test)]
#[test]
fn database_names_replace_the_path() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
        "postgres://u@h:5432/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}
