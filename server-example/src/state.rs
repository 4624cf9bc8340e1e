//! What every handler shares.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use milmed_core::job::{PoolLimits, ResourcePool};
use milmed_postgres::{ApiKeys, Database, Jobs, Scenarios};

use crate::configurations::{Configurations, MemoryConfigurations};
use crate::jobs::{JobQueue, MemoryJobs};
use crate::keys::{Keys, MemoryKeys};
use crate::metrics::Metrics;
use crate::settings::Settings;

/// How long a generation waits in the pool before its priority rises one level.
const AGING: std::time::Duration = std::time::Duration::from_secs(30);

/// The server's shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    database: Option<Database>,
    keys: Keys,
    jobs: JobQueue,
    configurations: Configurations,
    metrics: Arc<Metrics>,
    /// Admission of generations (jobs and streams): how many run at once and how much
    /// memory they reserve together.
    generations: ResourcePool,
    /// Permits for requests answered at once.
    requests: Arc<tokio::sync::Semaphore>,
    shutting_down: AtomicBool,
    /// Whether the database is migrated and holds the demo key (always true without a
    /// database). Until then keyed requests get 503 at once and readiness is false.
    database_ready: AtomicBool,
    /// Why the database is not ready yet, for readiness and the log.
    database_waiting_for: Mutex<Option<String>>,
    started: Instant,
}

/// Longest wait between two attempts to set up a database that was unreachable.
const SETUP_RETRY_MAX: Duration = Duration::from_secs(5);

impl AppState {
    /// The state of a server with `settings`, on `database` when one is configured, in
    /// memory otherwise; applies the migrations and creates the demo key if it is
    /// missing.
    ///
    /// A database that cannot be reached now is not an error: the server starts anyway,
    /// alive but not ready, and a background task sets the database up as soon as it
    /// answers (see [`database_ready`](Self::database_ready)). Other failures (a
    /// migration that does not apply) are returned.
    pub async fn new(
        settings: Settings,
        database: Option<Database>,
    ) -> Result<AppState, milmed_postgres::Error> {
        let (keys, jobs, configurations) = match &database {
            Some(db) => (
                Keys::Postgres(ApiKeys::new(db.clone())),
                JobQueue::Postgres(Jobs::new(db.clone())),
                Configurations::Postgres(Scenarios::new(db.clone())),
            ),
            None => {
                let keys = Arc::new(MemoryKeys::default());
                (
                    Keys::Memory(Arc::clone(&keys)),
                    JobQueue::Memory(Arc::new(MemoryJobs::default()), keys),
                    Configurations::Memory(Arc::new(MemoryConfigurations::default())),
                )
            }
        };
        let mut waiting_for = None;
        match &database {
            None => {
                keys.ensure_demo().await?;
            }
            Some(db) => match set_up(db, &keys).await {
                Ok(()) => {}
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "the database is unreachable; starting anyway, \
                        not ready until it answers");
                    waiting_for = Some(e.to_string());
                }
                Err(e) => return Err(e),
            },
        }
        let permits = settings.max_concurrent_requests;
        let limits = settings.limits;
        let generations = ResourcePool::new(PoolLimits {
            max_jobs: limits.max_generations,
            max_memory: limits.max_memory,
            aging: AGING,
        })
        .expect("the settings check both ceilings are at least 1");
        let state = AppState {
            inner: Arc::new(Inner {
                settings,
                database,
                keys,
                jobs,
                configurations,
                metrics: Arc::new(Metrics::default()),
                generations,
                requests: Arc::new(tokio::sync::Semaphore::new(permits)),
                shutting_down: AtomicBool::new(false),
                database_ready: AtomicBool::new(waiting_for.is_none()),
                database_waiting_for: Mutex::new(waiting_for),
                started: Instant::now(),
            }),
        };
        if !state.database_ready() {
            tokio::spawn(set_up_when_reachable(state.clone()));
        }
        Ok(state)
    }

    /// Whether the database (if one is configured) is migrated and ready for requests.
    pub fn database_ready(&self) -> bool {
        self.inner.database_ready.load(Ordering::SeqCst)
    }

    /// Why the database is not ready, while it is not.
    pub fn database_waiting_for(&self) -> Option<String> {
        if self.database_ready() {
            return None;
        }
        self.inner
            .database_waiting_for
            .lock()
            .expect("not poisoned")
            .clone()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The admission pool of generations (jobs and streams).
    pub fn generations(&self) -> &ResourcePool {
        &self.inner.generations
    }

    /// Permits for requests answered at once.
    pub fn request_permits(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.requests
    }

    /// The job queue.
    pub fn jobs(&self) -> &JobQueue {
        &self.inner.jobs
    }

    /// The stored configurations.
    pub fn configurations(&self) -> &Configurations {
        &self.inner.configurations
    }

    /// The API keys.
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The database, when one is configured.
    pub fn database(&self) -> Option<&Database> {
        self.inner.database.as_ref()
    }

    /// Marks the server as shutting down: readiness turns false.
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether a shutdown has begun.
    pub fn shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }

    /// Seconds since the server started.
    pub fn uptime_seconds(&self) -> f64 {
        self.inner.started.elapsed().as_secs_f64()
    }
}

/// Applies the migrations, installs the demo key, and makes the patients table's
/// partitions of this month and the next (so that the first jobs that store patients do
/// not race each other to create one; the maintenance task makes them ahead daily).
async fn set_up(db: &Database, keys: &Keys) -> Result<(), milmed_postgres::Error> {
    db.migrate().await?;
    keys.ensure_demo().await?;
    milmed_postgres::PatientStore::new(db.clone())
        .ensure_partitions_ahead(time::OffsetDateTime::now_utc(), 1)
        .await?;
    Ok(())
}

/// Tries to set the database up until it succeeds (or the server stops), waiting longer
/// after each failure, up to [`SETUP_RETRY_MAX`]; then the server is ready.
async fn set_up_when_reachable(state: AppState) {
    let Some(db) = state.database().cloned() else {
        return;
    };
    let mut delay = Duration::from_millis(250);
    while !state.shutting_down() {
        tokio::time::sleep(delay).await;
        match set_up(&db, state.keys()).await {
            Ok(()) => {
                state.inner.database_ready.store(true, Ordering::SeqCst);
                tracing::info!("the database answers and is migrated: ready");
                return;
            }
            Err(e) => {
                if e.is_transient() {
                    tracing::debug!(error = %e, "the database is still unreachable");
                } else {
                    tracing::error!(error = %e, "cannot set up the database; will try again");
                }
                *state
                    .inner
                    .database_waiting_for
                    .lock()
                    .expect("not poisoned") = Some(e.to_string());
                delay = (delay * 2).min(SETUP_RETRY_MAX);
            }
        }
    }
}
