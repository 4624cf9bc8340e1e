//! [`Error`]: what a database operation can fail with, and which failures are worth a retry.

use std::time::Duration;

use tokio_postgres::error::SqlState;

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings are not valid.
    #[error("invalid database settings: {0}")]
    Config(#[from] crate::ConfigError),
    /// No connection became free within the pool's connection timeout, while the pool
    /// had connections open (all in use): the database answers but is busy.
    #[error("no database connection within {waited:?} (pool of {max_size}, all in use)")]
    PoolTimeout {
        /// How long the request waited.
        waited: Duration,
        /// The pool's size.
        max_size: u32,
    },
    /// The pool has no open connection and cannot open one: the database is down or
    /// unreachable. Reported at once, without waiting for the connection timeout.
    #[error("cannot connect to {target}: {cause}")]
    Unavailable {
        /// Where the pool connects (`host:port`).
        target: String,
        /// Why the last attempt failed (`connection refused`, `timed out`, …).
        cause: String,
    },
    /// PostgreSQL (or the connection to it) reported an error; the text carries its
    /// cause (the server's message and SQLSTATE, or the I/O error), not only its kind.
    #[error("database error: {}", describe(.0))]
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
            Error::PoolTimeout { .. } | Error::Unavailable { .. } => true,
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

/// What a tokio-postgres error says, with its cause: its own `Display` stops at its kind
/// (`db error`, `error connecting to server`), which tells an operator nothing. A server
/// error gives its message and SQLSTATE (`terminating connection due to administrator
/// command (SQLSTATE 57P01)`); any other error its kind and its chain of sources.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(": ");
            text.push_str(detail);
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The innermost cause of `e` (the I/O error of a failed connect: `Connection refused
/// (os error 111)`), in lower case at its start, for "cannot connect to …: …".
pub(crate) fn root_cause(e: &tokio_postgres::Error) -> String {
    if e.as_db_error().is_some() {
        return describe(e);
    }
    let mut last: &dyn std::error::Error = e;
    while let Some(cause) = last.source() {
        last = cause;
    }
    let text = last.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
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
