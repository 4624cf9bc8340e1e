//! Running generation jobs: admission ([`ResourcePool`]).
//!
//! A server runs many generation jobs at once, and each job holds worker threads,
//! buffers and output sinks while it runs. [`ResourcePool`] is the system-wide
//! admission controller they share: a ceiling on concurrent jobs and on total reserved
//! memory, three priorities with aging so that no job is starved, and a [`Permit`] that
//! gives its resources back when dropped.

mod pool;

pub use pool::{
    AcquireError, Permit, PoolLimits, PoolLimitsError, PoolSnapshot, Priority, Request,
    ResourcePool, UnknownPriority,
};
