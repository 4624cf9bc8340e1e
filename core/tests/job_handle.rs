//! A job on its own thread (`Job::spawn`): its handle cancels it, shows its progress and
//! gives how it ended; its `ChunkSink` feeds a bounded channel and stops the job cleanly
//! when the receiver goes away.

use std::future::Future;
use std::io;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use milmed_core::budget::{Budget, CancelToken, Resource};
use milmed_core::format::{Encoder, Format};
use milmed_core::job::{
    ChunkSink, EncodedBatch, Job, JobEnd, JobError, JobHandle, JobSink, StreamSink, run_job,
};
use milmed_core::output::Compression;
use milmed_core::{Generator, Scenario};

fn generator(patients: u64) -> Generator {
    let scenario = Scenario {
        patients,
        ..Scenario::preset("peacekeeping").unwrap()
    };
    Generator::new(&scenario, 5).unwrap()
}

/// The whole document, written on this thread.
fn document(job: &Job, encoder: &Arc<dyn Encoder>) -> Vec<u8> {
    let sink = StreamSink::new(Arc::clone(encoder), Vec::new(), Compression::None, None).unwrap();
    run_job(job, sink, |_| {}).unwrap().output
}

/// Spawns `job` into a channel of `capacity` chunks.
fn spawn_into_channel(
    job: Job,
    encoder: &Arc<dyn Encoder>,
    per_patient: bool,
    capacity: usize,
) -> (JobHandle<()>, Receiver<Vec<u8>>) {
    let (tx, rx) = sync_channel(capacity);
    let sink = ChunkSink::to_channel(Arc::clone(encoder), per_patient, tx);
    (job.spawn(sink), rx)
}

#[test]
fn a_spawned_job_sends_the_document_through_the_channel_and_joins_complete() {
    let g = generator(3_000);
    for format in [Format::Json, Format::Csv, Format::Ndjson] {
        let encoder = format.encoder(&g);
        let job = Job::new(&g, Arc::clone(&encoder)).threads(2).batch(100);
        let expected = document(&job, &encoder);
        let (handle, rx) = spawn_into_channel(job, &encoder, false, 2);
        let received: Vec<u8> = rx.iter().flatten().collect();
        let report = handle.join().unwrap();
        assert_eq!(report.end, JobEnd::Complete, "{format}");
        assert_eq!(report.patients, 3_000, "{format}");
        assert_eq!(report.bytes, expected.len() as u64, "{format}");
        assert_eq!(received, expected, "{format}");
    }
}

#[test]
fn cancel_stops_the_job_and_its_document_is_still_complete() {
    let g = generator(200_000);
    let encoder = Format::Json.encoder(&g);
    let job = Job::new(&g, Arc::clone(&encoder)).batch(64);
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 1);
    let first = rx.recv().unwrap();
    handle.cancel();
    let rest: Vec<u8> = rx.iter().flatten().collect();
    let report = handle.join().unwrap();
    assert_eq!(report.end, JobEnd::Cancelled);
    assert_eq!(report.end.to_string(), "cancelled");
    assert!(
        report.patients > 0 && report.patients < 200_000,
        "{}",
        report.patients
    );
    // Whatever was written is a whole JSON array of exactly the patients reported.
    let json: Vec<serde_json::Value> = serde_json::from_slice(&[first, rest].concat()).unwrap();
    assert_eq!(json.len() as u64, report.patients);
}

#[test]
fn cancelling_through_the_token_given_to_the_job_stops_it_too() {
    let g = generator(200_000);
    let encoder = Format::Ndjson.encoder(&g);
    let token = CancelToken::new();
    let job = Job::new(&g, Arc::clone(&encoder)).cancel(token.clone());
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 1);
    rx.recv().unwrap();
    assert!(!handle.cancel_token().is_cancelled());
    token.cancel();
    assert!(handle.cancel_token().is_cancelled(), "one token, shared");
    rx.iter().for_each(drop);
    assert_eq!(handle.join().unwrap().end, JobEnd::Cancelled);
}

#[test]
fn progress_grows_while_the_job_runs_and_ends_at_the_total() {
    let g = generator(40_000);
    let encoder = Format::Ndjson.encoder(&g);
    let job = Job::new(&g, Arc::clone(&encoder)).batch(128);
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 1);
    assert_eq!(handle.progress().total, 40_000);
    // A slow consumer (313 chunks, 3 ms each): the job reports every 100 ms meanwhile.
    let mut seen = Vec::new();
    for _ in rx.iter() {
        thread::sleep(Duration::from_millis(3));
        seen.push(handle.progress());
    }
    assert!(
        seen.windows(2).all(|w| w[0].patients <= w[1].patients
            && w[0].bytes <= w[1].bytes
            && w[0].elapsed <= w[1].elapsed),
        "progress never goes back"
    );
    assert!(
        seen.iter()
            .any(|p| p.patients > 0 && p.patients < 40_000 && p.bytes > 0),
        "progress was seen between the start and the end"
    );
    while !handle.wait_timeout(Duration::from_secs(10)) {}
    assert!(handle.is_finished());
    let last = handle.progress();
    let report = handle.join().unwrap();
    assert_eq!((last.patients, last.bytes), (40_000, report.bytes));
}

#[test]
fn join_says_how_the_job_ended() {
    let g = generator(1_000);
    let encoder = Format::Ndjson.encoder(&g);
    let budget = Budget {
        max_patients: Some(300),
        ..Budget::default()
    };
    let job = Job::new(&g, Arc::clone(&encoder)).budget(budget);
    assert_eq!(job.planned(), 300);
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 4);
    let lines = rx.iter().flatten().filter(|&b| b == b'\n').count();
    let report = handle.join().unwrap();
    assert_eq!(lines, 300);
    assert_eq!(
        report.end,
        JobEnd::BudgetExceeded {
            resource: Resource::Patients,
            limit: 300,
            used: 300
        }
    );
    assert_eq!(
        report.end.to_string(),
        "budget exceeded: patients limit 300 patients, used 300 patients"
    );

    // Failures are errors: a range outside the run, a sink that cannot be made, a panic.
    let outside = Job::new(&g, Arc::clone(&encoder)).range(900..1_200);
    let (handle, _rx) = spawn_into_channel(outside, &encoder, false, 1);
    let err = handle.join().unwrap_err();
    assert!(matches!(err, JobError::Range(_)), "{err}");

    let unmade = Job::new(&g, Arc::clone(&encoder))
        .spawn_with(|| Err::<StreamSink<Vec<u8>>, _>(io::Error::other("no disk")));
    let err = unmade.join().unwrap_err();
    assert_eq!(err.to_string(), "writing the output failed: no disk");

    let panicking = Job::new(&g, Arc::clone(&encoder)).spawn(Panicking);
    let err = panicking.join().unwrap_err();
    assert_eq!(err.to_string(), "the job's thread panicked: the sink broke");
}

/// A sink with a bug.
struct Panicking;

impl JobSink for Panicking {
    type Output = ();
    fn write_batch(&mut self, _: &mut EncodedBatch) -> io::Result<()> {
        panic!("the sink broke")
    }
    fn bytes(&self) -> u64 {
        0
    }
    fn finish(self) -> io::Result<((), u64)> {
        Ok(((), 0))
    }
}

#[test]
fn every_end_is_said_the_same_way() {
    let cases = [
        (JobEnd::Complete, "completed"),
        (JobEnd::Cancelled, "cancelled"),
        (
            JobEnd::BudgetExceeded {
                resource: Resource::WallTime,
                limit: 2_000,
                used: 2_013,
            },
            "budget exceeded: wall_time limit 2000 ms, used 2013 ms",
        ),
        (
            JobEnd::BudgetExceeded {
                resource: Resource::Memory,
                limit: 1 << 20,
                used: 1_100_000,
            },
            "budget exceeded: memory limit 1048576 bytes, used 1100000 bytes",
        ),
    ];
    for (end, text) in cases {
        assert_eq!(end.to_string(), text);
    }
}

#[test]
fn dropping_the_receiver_stops_the_job_without_an_error() {
    let g = generator(200_000);
    // A document in chunks, and one file per patient (a chunk each).
    for format in [Format::Json, Format::Ndef] {
        let encoder = format.encoder(&g);
        let job = Job::new(&g, Arc::clone(&encoder)).threads(2);
        let (handle, rx) = spawn_into_channel(job, &encoder, format.one_file_per_patient(), 1);
        let first = rx.recv().unwrap();
        drop(rx);
        let report = handle.join().unwrap();
        assert_eq!(report.end, JobEnd::Cancelled, "{format}");
        assert!(report.patients < 200_000, "{format}: {}", report.patients);
        // Bytes count what the channel took: at least the first chunk, at most two more.
        assert!(report.bytes >= first.len() as u64, "{format}");
    }
}

#[test]
fn a_closure_channel_stops_the_job_on_a_broken_pipe_and_fails_it_on_other_errors() {
    let g = generator(5_000);
    let encoder = Format::Ndjson.encoder(&g);
    let mut sent = 0;
    let gone = ChunkSink::new(Arc::clone(&encoder), false, |_chunk: Vec<u8>| {
        sent += 1;
        Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the client went away",
        ))
    });
    let report = run_job(&Job::new(&g, Arc::clone(&encoder)), gone, |_| {}).unwrap();
    assert_eq!(
        (report.end, report.bytes, report.batches, sent),
        (JobEnd::Cancelled, 0, 1, 1),
        "one batch tried, then stopped"
    );

    let broken = ChunkSink::new(Arc::clone(&encoder), false, |_chunk: Vec<u8>| {
        Err(io::Error::other("the queue is corrupt"))
    });
    let err = run_job(&Job::new(&g, Arc::clone(&encoder)), broken, |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "writing the output failed: the queue is corrupt"
    );
}

#[test]
fn dropping_the_handle_cancels_a_running_job_only() {
    let g = generator(200_000);
    let encoder = Format::Ndjson.encoder(&g);
    let token = CancelToken::new();
    let job = Job::new(&g, Arc::clone(&encoder)).cancel(token.clone());
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 1);
    rx.recv().unwrap();
    drop(handle);
    assert!(token.is_cancelled(), "a job nobody can join is stopped");
    // The job stops: the channel closes.
    rx.iter().for_each(drop);

    let small = generator(100);
    let token = CancelToken::new();
    let job = Job::new(&small, Arc::clone(&encoder)).cancel(token.clone());
    let (handle, rx) = spawn_into_channel(job, &encoder, false, 100);
    rx.iter().for_each(drop);
    while !handle.wait_timeout(Duration::from_secs(10)) {}
    drop(handle);
    assert!(
        !token.is_cancelled(),
        "a token shared with others is left alone once the job has ended"
    );
}

/// Wakes a parked thread: the least executor there is.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[test]
fn the_handle_is_a_future_woken_when_the_job_ends() {
    let g = generator(5_000);
    let encoder = Format::Ndjson.encoder(&g);
    let job = Job::new(&g, Arc::clone(&encoder)).threads(2);
    let expected = document(&job, &encoder);
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = ChunkSink::new(Arc::clone(&encoder), false, {
        let out = Arc::clone(&out);
        move |chunk: Vec<u8>| {
            out.lock().unwrap().extend_from_slice(&chunk);
            Ok(())
        }
    });
    let mut handle = job.spawn(sink);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let waiting = Instant::now();
    let report = loop {
        match std::pin::Pin::new(&mut handle).poll(&mut cx) {
            Poll::Ready(report) => break report.unwrap(),
            // Woken by the job's thread (or spuriously: poll again). Were the waker never
            // called, only the generous timeout would end each wait.
            Poll::Pending => thread::park_timeout(Duration::from_secs(60)),
        }
    };
    assert!(
        waiting.elapsed() < Duration::from_secs(60),
        "the job's thread woke the task when it ended"
    );
    assert_eq!(report.end, JobEnd::Complete);
    assert_eq!(*out.lock().unwrap(), expected);
}

/// Counts patients, and asks the job to stop with `end` once it holds `after` or more.
struct StopsAfter {
    patients: u64,
    after: u64,
    end: JobEnd,
}

impl JobSink for StopsAfter {
    type Output = u64;
    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        self.patients += batch.count;
        Ok(())
    }
    fn bytes(&self) -> u64 {
        0
    }
    fn stopped(&self) -> Option<JobEnd> {
        (self.patients >= self.after).then_some(self.end)
    }
    fn finish(self) -> io::Result<(u64, u64)> {
        Ok((self.patients, 0))
    }
}

#[test]
fn a_sink_stops_the_job_right_after_the_batch_it_asks_at_except_a_budget_at_the_end() {
    let g = generator(1_000);
    let encoder = Format::Ndjson.encoder(&g);
    let memory = JobEnd::BudgetExceeded {
        resource: Resource::Memory,
        limit: 10,
        used: 11,
    };
    let run = |after: u64, end: JobEnd| {
        let sink = StopsAfter {
            patients: 0,
            after,
            end,
        };
        run_job(
            &Job::new(&g, Arc::clone(&encoder)).batch(100).threads(2),
            sink,
            |_| {},
        )
        .unwrap()
    };
    for end in [memory, JobEnd::Cancelled] {
        let report = run(250, end);
        assert_eq!(
            (report.end, report.patients, report.output),
            (end, 300, 300),
            "stopped after the third batch"
        );
    }
    // Asked at the last batch: a budget end does not count (the run is complete), a
    // cancel does (the last batch did not reach its consumer).
    assert_eq!(run(1_000, memory).end, JobEnd::Complete);
    assert_eq!(run(1_000, JobEnd::Cancelled).end, JobEnd::Cancelled);
}
