//! [`Database`]: the connection pool, its health, and the migrations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bb8::{ErrorSink, ManageConnection, Pool, PooledConnection, RunError};
use bb8_postgres::PostgresConnectionManager;
use tokio::sync::watch;
use tokio_postgres::NoTls;

use crate::error::{describe, root_cause};
use crate::{Error, PoolConfig};

/// How long a failed attempt to connect is taken as the answer: within this time of it,
/// a request for a connection fails at once with [`Error::Unavailable`] instead of
/// trying again, so that a database that is down costs callers nothing and is not
/// hammered with connection attempts; the first request after it tries again, so the
/// pool recovers by itself when the database is back.
pub const RETRY_CONNECT_AFTER: Duration = Duration::from_secs(1);

/// Longest time [`Database::health`] takes: a health check answers within it even when
/// the database host does not answer at all.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// The connection manager of the pool: tokio-postgres's, which also records whether the
/// last attempt to open a connection succeeded and why it failed (see
/// [`Database::get`]).
pub struct Manager {
    inner: PostgresConnectionManager<NoTls>,
    link: Arc<Link>,
}

impl ManageConnection for Manager {
    type Connection = tokio_postgres::Client;
    type Error = tokio_postgres::Error;

    async fn connect(&self) -> Result<Self::Connection, Self::Error> {
        let result = self.inner.connect().await;
        match &result {
            Ok(_) => self.link.connected(),
            Err(e) => self.link.failed(root_cause(e)),
        }
        result
    }

    async fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        self.inner.is_valid(conn).await
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        self.inner.has_broken(conn)
    }
}

/// What the pool knows of its way to the server: where it connects, and the last failed
/// attempt to open a connection since the last one that succeeded.
struct Link {
    /// `host:port` (or the socket directory), for messages.
    target: String,
    /// The last failure to connect, and when; `None` once a connection was opened.
    down: Mutex<Option<(Instant, String)>>,
    /// Counts failures to connect, so that a request waiting for a connection learns of
    /// one at once.
    failures: watch::Sender<u64>,
}

impl Link {
    fn connected(&self) {
        let was_down = self.down.lock().expect("not poisoned").take().is_some();
        if was_down {
            tracing::info!(target = %self.target, "database reachable again");
        }
    }

    fn failed(&self, cause: String) {
        let mut down = self.down.lock().expect("not poisoned");
        if down.is_none() {
            tracing::error!(target = %self.target, %cause, "cannot connect to the database");
        }
        *down = Some((Instant::now(), cause));
        drop(down);
        self.failures.send_modify(|n| *n += 1);
    }

    /// The cause of the last failure to connect, if there was one less than `within` ago.
    fn failed_within(&self, within: Duration) -> Option<String> {
        let down = self.down.lock().expect("not poisoned");
        down.as_ref()
            .filter(|(at, _)| at.elapsed() < within)
            .map(|(_, cause)| cause.clone())
    }

    fn cause(&self) -> Option<String> {
        let down = self.down.lock().expect("not poisoned");
        down.as_ref().map(|(_, cause)| cause.clone())
    }
}

/// A connection taken from the pool (a `tokio_postgres::Client` through `Deref`); it
/// goes back when dropped, and its turn passes to the request that waited longest.
pub struct Connection<'a> {
    conn: PooledConnection<'a, Manager>,
    _turn: tokio::sync::OwnedSemaphorePermit,
}

impl std::fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.conn.is_closed())
            .finish()
    }
}

impl std::ops::Deref for Connection<'_> {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &tokio_postgres::Client {
        &self.conn
    }
}

impl std::ops::DerefMut for Connection<'_> {
    fn deref_mut(&mut self) -> &mut tokio_postgres::Client {
        &mut self.conn
    }
}

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
    link: Arc<Link>,
    /// One permit per connection, handed out first come, first served: bb8 lets a
    /// newcomer take a connection that was just returned ahead of the requests already
    /// waiting, which under load left some waiting many times longer than the rest
    /// (p99 six times the median). The semaphore is fair, so the wait is shared.
    turns: Arc<tokio::sync::Semaphore>,
    /// Requests that gave up waiting for their turn (counted with bb8's own timeouts).
    turns_timed_out: Arc<AtomicU64>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("max_size", &self.config.max_size)
            .field("state", &self.pool.state())
            .finish()
    }
}

/// Logs the errors of connections the pool checks, which would otherwise be dropped
/// (failures to connect are logged by [`Link`], once per outage).
#[derive(Clone, Copy, Debug)]
struct LogErrors;

impl ErrorSink<tokio_postgres::Error> for LogErrors {
    fn sink(&self, error: tokio_postgres::Error) {
        tracing::warn!(error = %describe(&error), "database connection error");
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
        let connection = config.connection()?;
        let target = target(&connection);
        let link = Arc::new(Link {
            target,
            down: Mutex::new(None),
            failures: watch::Sender::new(0),
        });
        let manager = Manager {
            inner: PostgresConnectionManager::new(connection, NoTls),
            link: Arc::clone(&link),
        };
        let pool = Pool::builder()
            .max_size(config.max_size)
            .min_idle(config.min_idle)
            .connection_timeout(config.connection_timeout)
            .max_lifetime(config.max_lifetime)
            .idle_timeout(config.idle_timeout)
            .test_on_check_out(config.test_on_checkout)
            // A failed connect is reported to the waiting request (see `get`) rather
            // than retried until the connection timeout.
            .retry_connection(false)
            .error_sink(Box::new(LogErrors))
            .build_unchecked(manager);
        Ok(Database {
            pool,
            turns: Arc::new(tokio::sync::Semaphore::new(config.max_size as usize)),
            turns_timed_out: Arc::new(AtomicU64::new(0)),
            config: Arc::new(config),
            waiting: Arc::new(AtomicU64::new(0)),
            link,
        })
    }

    /// The settings of the pool.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// A connection from the pool, waiting up to the connection timeout while every
    /// connection is in use.
    ///
    /// When the pool has no open connection and cannot open one (the database is down,
    /// refuses connections, or does not answer within the connect timeout), it fails at
    /// once with [`Error::Unavailable`] naming the cause, rather than after the
    /// connection timeout with a pool that looks busy. For [`RETRY_CONNECT_AFTER`] after
    /// such a failure it fails without trying again; the next request after that tries.
    pub async fn get(&self) -> Result<Connection<'_>, Error> {
        if self.pool.state().connections == 0
            && let Some(cause) = self.link.failed_within(RETRY_CONNECT_AFTER)
        {
            return Err(self.unavailable(cause));
        }
        let started = Instant::now();
        let mut failures = self.link.failures.subscribe();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let turn = tokio::time::timeout(
            self.config.connection_timeout,
            Arc::clone(&self.turns).acquire_owned(),
        )
        .await;
        let Ok(Ok(turn)) = turn else {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            self.turns_timed_out.fetch_add(1, Ordering::Relaxed);
            return Err(Error::PoolTimeout {
                waited: started.elapsed(),
                max_size: self.config.max_size,
            });
        };
        let result = {
            let get = self.pool.get();
            tokio::pin!(get);
            loop {
                tokio::select! {
                    result = &mut get => break Ok(result),
                    changed = failures.changed() => {
                        if changed.is_err() {
                            break Ok(get.await);
                        }
                        if self.pool.state().connections == 0 {
                            let cause = self.link.cause().unwrap_or_default();
                            break Err(self.unavailable(cause));
                        }
                    }
                }
            }
        };
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        match result? {
            Ok(conn) => Ok(Connection { conn, _turn: turn }),
            Err(RunError::User(e)) => Err(Error::Db(e)),
            Err(RunError::TimedOut) if self.pool.state().connections == 0 => {
                let cause = self.link.cause().unwrap_or_else(|| {
                    format!(
                        "no connection could be opened within {:?}",
                        started.elapsed()
                    )
                });
                Err(self.unavailable(cause))
            }
            Err(RunError::TimedOut) => Err(Error::PoolTimeout {
                waited: started.elapsed(),
                max_size: self.config.max_size,
            }),
        }
    }

    fn unavailable(&self, cause: String) -> Error {
        Error::Unavailable {
            target: self.link.target.clone(),
            cause,
        }
    }

    /// Whether the last attempt to open a connection failed (and why): the database was
    /// unreachable then, and no connection has been opened since.
    pub fn connect_failure(&self) -> Option<String> {
        self.link.cause()
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
    /// statistics. Never fails: an unreachable server is reported in the result, with
    /// its cause. Takes at most [`HEALTH_TIMEOUT`], so that readiness probes get an
    /// answer in time whatever the database does.
    pub async fn health(&self) -> Health {
        let started = Instant::now();
        let probe = async {
            let conn = self.get().await?;
            let row = conn.query_one("SHOW server_version", &[]).await?;
            Ok::<String, Error>(row.get(0))
        };
        let probe = match tokio::time::timeout(HEALTH_TIMEOUT, probe).await {
            Ok(result) => result,
            Err(_) => Err(match self.link.cause() {
                Some(cause) if self.pool.state().connections == 0 => self.unavailable(cause),
                _ => Error::Unavailable {
                    target: self.link.target.clone(),
                    cause: format!("no answer within {HEALTH_TIMEOUT:?}"),
                },
            }),
        };
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
        let turns_timed_out = self.turns_timed_out.load(Ordering::Relaxed);
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            in_use: state.connections - state.idle_connections,
            max_size: self.config.max_size,
            waiting: self.waiting.load(Ordering::Relaxed),
            gets: s.get_direct + s.get_waited + s.get_timed_out + turns_timed_out,
            gets_waited: s.get_waited,
            gets_timed_out: s.get_timed_out + turns_timed_out,
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

/// Where `config` connects, for messages: `host:port`, several joined by commas.
fn target(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(dir) => {
                    format!("{}/.s.PGSQL.{port}", dir.display())
                }
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
