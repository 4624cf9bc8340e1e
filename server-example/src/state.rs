//! What every handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

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
    started: Instant,
}

impl AppState {
    /// The state of a server with `settings`, on `database` (migrated) when one is
    /// configured, in memory otherwise; creates the demo key if it is missing.
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
            None => (
                Keys::Memory(Arc::new(MemoryKeys::default())),
                JobQueue::Memory(Arc::new(MemoryJobs::default())),
                Configurations::Memory(Arc::new(MemoryConfigurations::default())),
            ),
        };
        keys.ensure_demo().await?;
        let permits = settings.max_concurrent_requests;
        let limits = settings.limits;
        let generations = ResourcePool::new(PoolLimits {
            max_jobs: limits.max_generations,
            max_memory: limits.max_memory,
            aging: AGING,
        })
        .expect("the settings check both ceilings are at least 1");
        Ok(AppState {
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
                started: Instant::now(),
            }),
        })
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
