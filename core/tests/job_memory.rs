//! A job's accounted memory tracks what it really allocates.
//!
//! A counting global allocator (the only `unsafe` of the project, in this test binary)
//! records the peak of live heap bytes while `run_job` runs; the job's accounted peak
//! (`JobReport::peak_memory`) must be within a factor of 2 of it, either way, for the
//! formats whose records are small and large, with and without compression.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use milmed_core::format::Format;
use milmed_core::job::{Job, StreamSink, run_job};
use milmed_core::output::Compression;
use milmed_core::{Generator, Scenario};

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed) + layout.size() as i64;
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let delta = new_size as i64 - layout.size() as i64;
        let now = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// (really allocated at the peak, accounted peak) for one job.
fn measure(format: Format, compression: Compression, threads: usize, batch: usize) -> (i64, i64) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let scenario = Scenario {
        patients: 20_000,
        ..Scenario::preset("nato_article_5").unwrap()
    };
    let g = Generator::new(&scenario, 5).unwrap();
    let encoder = format.encoder(&g);
    let sink = StreamSink::new(encoder.clone(), io::sink(), compression, None).unwrap();
    let job = Job::new(&g, encoder).threads(threads).batch(batch);
    let baseline = LIVE.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let report = run_job(&job, sink, |_| {}).unwrap();
    let real = PEAK.load(Ordering::SeqCst) - baseline;
    assert!(report.end.is_complete());
    (real, report.peak_memory as i64)
}

#[test]
fn accounted_memory_is_within_a_factor_of_two_of_real_allocations() {
    for (format, compression, threads, batch) in [
        (Format::Ndjson, Compression::None, 1, 128),
        (Format::Ndjson, Compression::None, 2, 512),
        (Format::Fhir, Compression::None, 2, 128),
        (Format::Xml, Compression::Gzip, 2, 256),
        (Format::Csv, Compression::None, 1, 1024),
    ] {
        let (real, accounted) = measure(format, compression, threads, batch);
        let ratio = accounted as f64 / real as f64;
        eprintln!(
            "{format} {compression} {threads}t batch {batch}: accounted {accounted}, real {real}, ratio {ratio:.2}"
        );
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{format}, {compression}, {threads} threads, batch {batch}: accounted {accounted} bytes, really allocated {real} bytes at the peak (ratio {ratio:.2})"
        );
    }
}

#[test]
fn accounted_memory_grows_with_threads_and_batch() {
    let (_, small) = measure(Format::Ndjson, Compression::None, 1, 64);
    let (_, large) = measure(Format::Ndjson, Compression::None, 2, 1024);
    assert!(large > 4 * small, "small {small}, large {large}");
}
