//! Running generation jobs.
//!
//! [`run_job`] is the one entry point that the CLI, the Python module and the server use
//! to generate a range of patients into a sink, in parallel, under a
//! [`Budget`](crate::budget::Budget), cancellable at every batch. [`Job::spawn`] runs it on
//! a thread of its own and gives a [`JobHandle`] to cancel, watch and join (or await) it;
//! a [`ChunkSink`] hands the output to a bounded channel of any kind (std, tokio, a
//! Python queue), and stops the job cleanly when the receiver has gone. [`JobEnd`]'s
//! `Display` is how every front-end says how a job ended; [`MAX_THREADS`] and
//! [`MAX_BATCH`] are the limits every front-end puts on its arguments; [`shards`] splits a
//! run into ranges that concatenate to it.
//!
//! A server runs many generation jobs at once, and each job holds worker threads,
//! buffers and output sinks while it runs. [`ResourcePool`] is the system-wide
//! admission controller they share: a ceiling on concurrent jobs and on total reserved
//! memory, three priorities with aging so that no job is starved, and a [`Permit`] that
//! gives its resources back when dropped. `docs/budgets.md` shows both together.

mod chunks;
mod directory;
mod handle;
mod pool;
mod run;
mod shards;

pub use chunks::{ChunkChannel, ChunkSink, receiver_gone};
pub use directory::DirectorySink;
pub use handle::JobHandle;
pub use shards::{NoShards, Shards, shards};

pub use pool::{
    AcquireError, Permit, PoolLimits, PoolLimitsError, PoolSnapshot, Priority, Request,
    ResourcePool, UnknownPriority,
};
pub use run::{
    Counted, DEFAULT_BATCH, EncodedBatch, Job, JobEnd, JobError, JobReport, JobSink, MAX_BATCH,
    MAX_THREADS, PROGRESS_INTERVAL, Progress, StreamSink, run_job,
};
