//! milmed-postgres: pooled PostgreSQL persistence for milmed.
//!
//! One [`Database`] holds a bb8 pool of tokio-postgres connections (sized, recycled,
//! checked on checkout, with a statement timeout and `application_name` on every
//! connection), applies the embedded migrations under an advisory lock, and reports its
//! [`Health`]. The stores build on it: scenarios, jobs (a queue shared by several
//! instances, with leases), patients (binary COPY into a table partitioned by month) and
//! API keys with their usage. Transient failures are retried where the operation is
//! idempotent ([`Retry`]); `docs/postgres.md` describes the schema and the settings.
#![warn(missing_docs)]

mod api_keys;
mod config;
mod database;
mod error;
pub mod gcra;
mod jobs;
mod patients;
mod retention;
mod scenarios;
#[cfg(feature = "testing")]
pub mod testing;

pub use api_keys::{Admission, ApiKey, ApiKeys, LimitKind, Limits, NewApiKey, Refusal, Usage};
pub use config::{ConfigError, MAX_POOL_SIZE, PoolConfig};
pub use database::{
    Connection, Database, HEALTH_TIMEOUT, Health, Manager, PoolState, RETRY_CONNECT_AFTER,
};
pub use error::{Error, Retry};
pub use jobs::{Job, JobOutcome, JobStatus, Jobs, NewJob, UnknownJobStatus};
pub use patients::{JobRef, LoadReport, PatientStore};
pub use retention::{Retention, RetentionReport};
pub use scenarios::{Scenarios, StoredScenario};
