//! Running generation jobs: [`run_job`], the one entry point that the CLI, the Python
//! module and the server use to generate a range of patients into a sink, in parallel,
//! under a [`Budget`](crate::budget::Budget), cancellable at every batch.

mod run;

pub use run::{
    Counted, DEFAULT_BATCH, EncodedBatch, Job, JobEnd, JobError, JobReport, JobSink,
    PROGRESS_INTERVAL, Progress, StreamSink, run_job,
};
