//! Running generation jobs.
//!
//! [`run_job`] is the one entry point that the CLI, the Python module and the server use
//! to generate a range of patients into a sink, in parallel, under a
//! [`Budget`](crate::budget::Budget), cancellable at every batch.
//!
//! A server runs many generation jobs at once, and each job holds worker threads,
//! buffers and output sinks while it runs. [`ResourcePool`] is the system-wide
//! admission controller they share: a ceiling on concurrent jobs and on total reserved
//! memory, three priorities with aging so that no job is starved, and a [`Permit`] that
//! gives its resources back when dropped. `docs/budgets.md` shows both together.

mod chunks;
mod directory;
mod pool;
mod run;

pub use chunks::ChunkSink;
pub use directory::DirectorySink;

pub use pool::{
    AcquireError, Permit, PoolLimits, PoolLimitsError, PoolSnapshot, Priority, Request,
    ResourcePool, UnknownPriority,
};
pub use run::{
    Counted, DEFAULT_BATCH, EncodedBatch, Job, JobEnd, JobError, JobReport, JobSink,
    PROGRESS_INTERVAL, Progress, StreamSink, run_job,
};
