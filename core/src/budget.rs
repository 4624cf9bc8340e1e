//! Limits on one generation job, and the token that cancels it.
//!
//! A [`Budget`] bounds what one job may use: patients, output bytes, wall time, CPU time
//! and accounted memory. [`run_job`](crate::job::run_job) checks it at every batch, so a
//! job stops within one batch of a limit, finishes its output (a well-formed, truncated
//! document) and reports which limit it hit and by how much.
//!
//! **CPU time** is the CPU time of the threads that worked for the job (their thread CPU
//! clocks), not of the process: in a server running several jobs, the process clock says
//! nothing about one job.
//!
//! **Accounted memory** is what the job holds in its own buffers — the batches of patients
//! and their encoded bytes in flight between the workers and the writer, and the
//! writer's, compressor's and encryptor's buffers — reserved before they are allocated
//! and released after. It is used instead of the process's resident set size (RSS)
//! because RSS is shared by every job of a server, lags behind allocation, never shrinks
//! when the allocator keeps freed pages, and cannot say which job to stop; a per-job
//! account can, before the memory is even allocated.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Optional limits on one job. `Budget::default()` has none.
///
/// ```
/// use std::time::Duration;
/// use milmed_core::budget::Budget;
///
/// let budget = Budget {
///     max_patients: Some(10_000),
///     max_wall_time: Some(Duration::from_secs(30)),
///     ..Budget::default()
/// };
/// assert!(budget.max_bytes.is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Most patients written.
    pub max_patients: Option<u64>,
    /// Most bytes written to the underlying writer (after compression and encryption).
    pub max_bytes: Option<u64>,
    /// Longest wall-clock time.
    pub max_wall_time: Option<Duration>,
    /// Most CPU time of the threads working for the job.
    pub max_cpu_time: Option<Duration>,
    /// Most accounted memory, in bytes (see the [module docs](self)).
    pub max_memory: Option<u64>,
}

/// A resource a [`Budget`] limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Patients written.
    Patients,
    /// Bytes written.
    Bytes,
    /// Wall-clock time, in milliseconds.
    WallTime,
    /// CPU time of the job's threads, in milliseconds.
    CpuTime,
    /// Accounted memory, in bytes.
    Memory,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 5] = [
        Resource::Patients,
        Resource::Bytes,
        Resource::WallTime,
        Resource::CpuTime,
        Resource::Memory,
    ];

    /// Name used in messages and APIs: `patients`, `bytes`, `wall_time`, `cpu_time`, `memory`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Resource::Patients => "patients",
            Resource::Bytes => "bytes",
            Resource::WallTime => "wall_time",
            Resource::CpuTime => "cpu_time",
            Resource::Memory => "memory",
        }
    }

    /// Unit of the `limit` and `used` figures: `patients`, `bytes` or `ms`.
    pub const fn unit(self) -> &'static str {
        match self {
            Resource::Patients => "patients",
            Resource::Bytes | Resource::Memory => "bytes",
            Resource::WallTime | Resource::CpuTime => "ms",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cancels a job from any thread. Clones share one flag; cloning is one atomic increment.
///
/// ```
/// use milmed_core::budget::CancelToken;
///
/// let token = CancelToken::new();
/// let for_the_job = token.clone();
/// std::thread::spawn(move || token.cancel()).join().unwrap();
/// assert!(for_the_job.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks the job to stop; it does so at its next batch.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
