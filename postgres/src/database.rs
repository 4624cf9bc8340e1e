//! [`Database`]: the connection pool, its health, and the migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bb8::{ErrorSink, Pool, PooledConnection, RunError};
use bb8_postgres::PostgresConnectionManager;
use tokio_postgres::NoTls;

use crate::{Error, PoolConfig};

/// The connection manager of the pool.
pub type Manager = PostgresConnectionManager<NoTls>;

/// A connection taken from the pool; it goes back when dropped.
pub type Connection<'a> = PooledConnection<'a, Manager>;

/// Migrations embedded from `postgres/migrations` (`V<n>__<name>.sql`).
mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key taken while migrating ("milmed" in ASCII), so that instances
/// starting together apply the migrations once.
const MIGRATION_LOCK: i64 = 0x6d69_6c6d_6564;

/// One pool of PostgreSQL connections, shared by every store; cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    config: Arc<PoolConfig>,
    waiting: Arc<AtomicU64>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("max_size", &self.config.max_size)
            .field("state", &self.pool.state())
            .finish()
    }
}

/// Logs the errors of connections the pool opens and checks in the background, which
/// would otherwise be dropped.
#[derive(Clone, Copy, Debug)]
struct LogErrors;

impl ErrorSink<tokio_postgres::Error> for LogErrors {
    fn sink(&self, error: tokio_postgres::Error) {
        tracing::error!(%error, "database connection error");
    }

    fn boxed_clone(&self) -> Box<dyn ErrorSink<tokio_postgres::Error>> {
        Box::new(*self)
    }
}

impl Database {
    /// Builds the pool. No connection is opened until one is needed (or `min_idle` asks
    /// for some), so this succeeds while the server is down; [`health`](Self::health)
    /// tells whether it is reachable.
    pub async fn connect(config: PoolConfig) -> Result<Database, Error> {
        config.validate()?;
        let manager = PostgresConnectionManager::new(config.connection()?, NoTls);
        let pool = Pool::builder()
            .max_size(config.max_size)
            .min_idle(config.min_idle)
            .connection_timeout(config.connection_timeout)
            .max_lifetime(config.max_lifetime)
            .idle_timeout(config.idle_timeout)
            .test_on_check_out(config.test_on_checkout)
            .retry_connection(true)
            .error_sink(Box::new(LogErrors))
            .build_unchecked(manager);
        Ok(Database {
            pool,
            config: Arc::new(config),
            waiting: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The settings of the pool.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// A connection from the pool, waiting up to the connection timeout.
    pub async fn get(&self) -> Result<Connection<'_>, Error> {
        let started = Instant::now();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let result = self.pool.get().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        result.map_err(|e| match e {
            RunError::User(e) => Error::Db(e),
            RunError::TimedOut => Error::PoolTimeout {
                waited: started.elapsed(),
                max_size: self.config.max_size,
            },
        })
    }

    /// Applies the embedded migrations that are not applied yet, holding an advisory
    /// lock so that concurrent callers wait for each other; returns the versions applied
    /// now. A migration that was edited after it was applied (its checksum differs) is an
    /// error.
    pub async fn migrate(&self) -> Result<Vec<i32>, Error> {
        let mut conn = self.get().await?;
        conn.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let report = embedded::migrations::runner()
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .run_async(&mut *conn)
            .await;
        let unlocked = conn
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await;
        let report = report?;
        unlocked?;
        let applied: Vec<i32> = report
            .applied_migrations()
            .iter()
            .map(|m| m.version())
            .collect();
        if !applied.is_empty() {
            tracing::info!(?applied, "database migrations applied");
        }
        Ok(applied)
    }

    /// The versions of the embedded migrations, in order.
    pub fn migrations() -> Vec<i32> {
        embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| m.version())
            .collect()
    }

    /// Whether the server answers, how fast, its version, and the pool's state and
    /// statistics. Never fails: an unreachable server is reported in the result.
    pub async fn health(&self) -> Health {
        let started = Instant::now();
        let probe = async {
            let conn = self.get().await?;
            let row = conn.query_one("SHOW server_version", &[]).await?;
            Ok::<String, Error>(row.get(0))
        }
        .await;
        let latency = started.elapsed();
        let (reachable, server_version, error) = match probe {
            Ok(version) => (true, Some(version), None),
            Err(e) => (false, None, Some(e.to_string())),
        };
        Health {
            reachable,
            latency,
            server_version,
            error,
            pool: self.pool_state(),
        }
    }

    /// The pool's connections and its statistics since it was built.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        let s = state.statistics;
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            in_use: state.connections - state.idle_connections,
            max_size: self.config.max_size,
            waiting: self.waiting.load(Ordering::Relaxed),
            gets: s.get_direct + s.get_waited + s.get_timed_out,
            gets_waited: s.get_waited,
            gets_timed_out: s.get_timed_out,
            wait_time: s.get_wait_time,
            connections_created: s.connections_created,
            closed_broken: s.connections_closed_broken,
            closed_invalid: s.connections_closed_invalid,
            closed_max_lifetime: s.connections_closed_max_lifetime,
            closed_idle_timeout: s.connections_closed_idle_timeout,
        }
    }
}

/// What [`Database::health`] found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(as = DatabaseHealth, description = "The database's health.")
)]
pub struct Health {
    /// Whether a query round trip succeeded.
    pub reachable: bool,
    /// Time to get a connection and run the probe query (seconds in JSON).
    #[serde(serialize_with = "seconds")]
    #[cfg_attr(feature = "utoipa", schema(value_type = f64))]
    pub latency: Duration,
    /// `server_version` when reachable.
    #[cfg_attr(feature = "utoipa", schema(required = true))]
    pub server_version: Option<String>,
    /// Why it is not reachable.
    #[cfg_attr(feature = "utoipa", schema(required = true))]
    pub error: Option<String>,
    /// The pool.
    pub pool: PoolState,
}

/// The pool's connections and counters, shaped for Prometheus: gauges for the first
/// five, monotonic counters for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(description = "The pool's connections and counters.")
)]
pub struct PoolState {
    /// Open connections.
    pub connections: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Connections in use.
    pub in_use: u32,
    /// Most connections.
    pub max_size: u32,
    /// Requests waiting for a connection now.
    pub waiting: u64,
    /// Connections handed out or refused, in all.
    pub gets: u64,
    /// Requests that had to wait.
    pub gets_waited: u64,
    /// Requests that gave up at the connection timeout.
    pub gets_timed_out: u64,
    /// Total time requests spent waiting (seconds in JSON).
    #[serde(serialize_with = "seconds")]
    #[cfg_attr(feature = "utoipa", schema(value_type = f64))]
    pub wait_time: Duration,
    /// Connections opened.
    pub connections_created: u64,
    /// Connections closed because they were broken.
    pub closed_broken: u64,
    /// Connections closed because the check on checkout failed.
    pub closed_invalid: u64,
    /// Connections closed at their maximum lifetime.
    pub closed_max_lifetime: u64,
    /// Connections closed after being idle too long.
    pub closed_idle_timeout: u64,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
