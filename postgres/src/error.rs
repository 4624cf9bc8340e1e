//! [`Error`]: what a database operation can fail with, and which failures are worth a retry.

use std::time::Duration;

use tokio_postgres::error::SqlState;

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings are not valid.
    #[error("invalid database settings: {0}")]
    Config(#[from] crate::ConfigError),
    /// No connection became free within the pool's connection timeout.
    #[error("no database connection within {waited:?} (pool of {max_size}, all in use)")]
    PoolTimeout {
        /// How long the request waited.
        waited: Duration,
        /// The pool's size.
        max_size: u32,
    },
    /// PostgreSQL (or the connection to it) reported an error.
    #[error("database error: {0}")]
    Db(#[from] tokio_postgres::Error),
    /// Applying the migrations failed (an edited migration is reported here).
    #[error("migration failed: {0}")]
    Migration(#[from] refinery::Error),
    /// What was asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of thing (`scenario`, `job`, …).
        what: &'static str,
        /// Its identifier.
        id: String,
    },
    /// The operation is not allowed in the current state (a job that is not running, …).
    #[error("{0}")]
    Conflict(String),
    /// A value cannot be stored as given.
    #[error("{0}")]
    Invalid(String),
    /// The operating system's random source failed (making an API key).
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

impl Error {
    /// Whether trying again may succeed: the connection was lost or refused, PostgreSQL
    /// is shutting down, a serialization failure (40001) or deadlock (40P01), or the
    /// pool had no free connection.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::PoolTimeout { .. } => true,
            Error::Db(e) => is_transient_db(e),
            _ => false,
        }
    }

    /// The SQLSTATE code of a database error.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            Error::Db(e) => e.code(),
            _ => None,
        }
    }
}

fn is_transient_db(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::CONNECTION_FAILURE,
            SqlState::CONNECTION_EXCEPTION,
            SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
            SqlState::TOO_MANY_CONNECTIONS,
        ]
        .contains(code),
        // No SQLSTATE: the error came from the connection itself (I/O), not the server.
        None => std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// How often and how long to retry transient errors: capped exponential backoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// Wait before the second try; doubled after each failure.
    pub first_delay: Duration,
    /// Longest wait between tries.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// 5 tries, waiting 50 ms, 100 ms, 200 ms, 400 ms.
    fn default() -> Retry {
        Retry {
            attempts: 5,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl Retry {
    /// Runs `op` until it succeeds, fails with an error that is not transient, or has
    /// been tried [`attempts`](Self::attempts) times. Only for idempotent operations.
    pub async fn run<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut delay = self.first_delay;
        let mut attempt = 1;
        loop {
            match op().await {
                Ok(value) => return Ok(value),
                Err(e) if e.is_transient() && attempt < self.attempts.max(1) => {
                    tracing::warn!(error = %e, attempt, ?delay, "{what}: transient error, retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.max_delay);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
