//! The job admission controller: ceilings under contention, priority order, aging,
//! timeouts, permits returned by panicking jobs, and `try_acquire`.
//!
//! Nothing here passes because of timing: tests that need jobs in the queue wait until
//! the pool's snapshot shows them there, and the only time limits are generous bounds
//! after which a test fails instead of hanging.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use milmed_core::job::{
    AcquireError, Permit, PoolLimits, PoolLimitsError, PoolSnapshot, Priority, Request,
    ResourcePool,
};

use Priority::{High, Low, Normal};

/// A timeout that never fires in a passing test.
const LONG: Duration = Duration::from_secs(120);
/// Aging too slow to matter within a test.
const NO_AGING: Duration = Duration::from_secs(3600);
/// How long a test waits for the pool to reach a state before it fails.
const PATIENCE: Duration = Duration::from_secs(30);

fn pool(max_jobs: usize, max_memory: u64, aging: Duration) -> ResourcePool {
    ResourcePool::new(PoolLimits {
        max_jobs,
        max_memory,
        aging,
    })
    .unwrap()
}

/// Polls the snapshot until `cond` holds; fails after [`PATIENCE`].
fn wait_until(pool: &ResourcePool, what: &str, cond: impl Fn(&PoolSnapshot) -> bool) {
    let start = Instant::now();
    loop {
        let snapshot = pool.snapshot();
        if cond(&snapshot) {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the pool never reached the state `{what}`: {snapshot:?}"
        );
        thread::sleep(Duration::from_micros(200));
    }
}

fn assert_idle(pool: &ResourcePool) {
    let s = pool.snapshot();
    assert_eq!(
        (s.running, s.reserved_memory, s.queued),
        (0, 0, [0; 3]),
        "every permit returned and nobody queued: {s:?}"
    );
}

/// SplitMix64: a tiny seeded generator for the stress test's choices.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn stress_never_exceeds_the_ceilings_and_returns_every_permit() {
    const THREADS: u64 = 64;
    const ROUNDS: u64 = 12;
    const MAX_JOBS: usize = 5;
    const MAX_MEMORY: u64 = 1000;
    // Short aging, so that priorities are raised while jobs wait.
    let pool = pool(MAX_JOBS, MAX_MEMORY, Duration::from_millis(5));
    // Incremented after admission and decremented before release: they never exceed
    // what the pool has admitted, so a value above a ceiling is a pool bug.
    let running = AtomicUsize::new(0);
    let reserved = AtomicU64::new(0);
    let peak = AtomicUsize::new(0);
    let long_admitted = AtomicU64::new(0);
    let long_expected = AtomicU64::new(0);
    let done = AtomicBool::new(false);

    thread::scope(|s| {
        let monitor = s.spawn(|| {
            let mut checks = 0u64;
            while !done.load(Ordering::Acquire) {
                let snap = pool.snapshot();
                assert!(snap.running <= MAX_JOBS, "{snap:?}");
                assert!(snap.reserved_memory <= MAX_MEMORY, "{snap:?}");
                assert!(snap.queued_total() <= THREADS as usize, "{snap:?}");
                checks += 1;
                thread::yield_now();
            }
            checks
        });

        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (pool, running, reserved, peak) = (&pool, &running, &reserved, &peak);
                let (long_admitted, long_expected) = (&long_admitted, &long_expected);
                s.spawn(move || {
                    let mut rng = SplitMix(0x5EED ^ (t << 32));
                    for _ in 0..ROUNDS {
                        let priority = Priority::ALL[rng.below(3) as usize];
                        // Mostly small reservations, so that the job ceiling binds as
                        // often as the memory one; some of nothing, some of everything.
                        let memory = match rng.below(10) {
                            0 => MAX_MEMORY,
                            1 | 2 => 0,
                            _ => rng.below(MAX_MEMORY / 4 + 1),
                        };
                        let request = Request::new(memory, priority);
                        // Mostly patient acquires; some that give up at once or soon,
                        // which exercises leaving the queue under contention.
                        let permit = match rng.below(8) {
                            0 => match pool.try_acquire(request) {
                                Ok(p) => p,
                                Err(
                                    AcquireError::QueuedAhead { .. }
                                    | AcquireError::NoSlot { .. }
                                    | AcquireError::NoMemory { .. },
                                ) => continue,
                                Err(e) => panic!("unexpected try_acquire error: {e}"),
                            },
                            1 => match pool.acquire(request, Duration::from_millis(1)) {
                                Ok(p) => p,
                                Err(AcquireError::Timeout { .. }) => continue,
                                Err(e) => panic!("unexpected acquire error: {e}"),
                            },
                            _ => {
                                long_expected.fetch_add(1, Ordering::Relaxed);
                                let p = pool
                                    .acquire(request, LONG)
                                    .expect("admitted within the long timeout");
                                long_admitted.fetch_add(1, Ordering::Relaxed);
                                p
                            }
                        };
                        assert_eq!((permit.memory(), permit.priority()), (memory, priority));

                        let now_running = running.fetch_add(1, Ordering::SeqCst) + 1;
                        let now_reserved = reserved.fetch_add(memory, Ordering::SeqCst) + memory;
                        assert!(now_running <= MAX_JOBS, "{now_running} jobs running");
                        assert!(now_reserved <= MAX_MEMORY, "{now_reserved} reserved");
                        peak.fetch_max(now_running, Ordering::Relaxed);
                        let snap = pool.snapshot();
                        assert!((1..=MAX_JOBS).contains(&snap.running), "{snap:?}");
                        assert!(
                            (memory..=MAX_MEMORY).contains(&snap.reserved_memory),
                            "{snap:?}"
                        );

                        // Hold the permit briefly.
                        for _ in 0..rng.below(4) {
                            thread::yield_now();
                        }
                        if rng.below(2) == 0 {
                            thread::sleep(Duration::from_micros(200));
                        }

                        reserved.fetch_sub(memory, Ordering::SeqCst);
                        running.fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Release);
        let checks = monitor.join().unwrap();
        assert!(checks > 0);
    });

    assert!(long_expected.load(Ordering::Relaxed) > 0);
    assert_eq!(
        long_admitted.load(Ordering::Relaxed),
        long_expected.load(Ordering::Relaxed)
    );
    assert!(peak.load(Ordering::Relaxed) >= 1);
    assert_idle(&pool);
}

#[test]
fn admission_follows_priority_then_arrival() {
    let pool = pool(1, 100, NO_AGING);
    let hold = pool.try_acquire(Request::new(0, High)).unwrap();
    let admitted = Mutex::new(Vec::new());
    let arrivals = [Low, Normal, High, High, Normal];

    thread::scope(|s| {
        for (i, &priority) in arrivals.iter().enumerate() {
            let (pool, admitted) = (&pool, &admitted);
            s.spawn(move || {
                let permit = pool.acquire(Request::new(10, priority), LONG).unwrap();
                // Recorded while holding the only slot: the order of admission.
                admitted.lock().unwrap().push((priority, i));
                drop(permit);
            });
            wait_until(pool, "the job is queued", |snap| {
                snap.queued_total() == i + 1
            });
        }
        let snap = pool.snapshot();
        assert_eq!((snap.running, snap.queued), (1, [2, 2, 1]));
        assert_eq!(snap.queued_with(Low), 1);

        // try_acquire does not pass queued jobs of the same or higher priority.
        assert_eq!(
            pool.try_acquire(Request::new(0, High)).unwrap_err(),
            AcquireError::QueuedAhead { ahead: 2 }
        );
        assert_eq!(
            pool.try_acquire(Request::new(0, Low)).unwrap_err(),
            AcquireError::QueuedAhead { ahead: 5 }
        );

        drop(hold);
    });

    assert_eq!(
        admitted.into_inner().unwrap(),
        [(High, 2), (High, 3), (Normal, 1), (Normal, 4), (Low, 0)]
    );
    assert_idle(&pool);
}

#[test]
fn a_low_job_is_not_starved_by_a_stream_of_high_jobs() {
    let aging = Duration::from_millis(50);
    let pool = pool(1, 100, aging);
    let mut current = pool.try_acquire(Request::new(0, High)).unwrap();
    let (tx, rx) = mpsc::channel::<(Priority, Permit)>();
    let start = Instant::now();

    thread::scope(|s| {
        let submit = |priority| {
            let (pool, tx) = (&pool, tx.clone());
            s.spawn(move || {
                let permit = pool.acquire(Request::new(50, priority), LONG).unwrap();
                tx.send((priority, permit)).unwrap();
            });
        };
        submit(Low);
        wait_until(&pool, "the low job is queued", |snap| {
            snap.queued == [0, 0, 1]
        });

        // Whenever the slot frees, a fresh high job is queued: without aging the low job
        // would never run.
        let mut highs_first = 0;
        let low = loop {
            assert!(
                start.elapsed() < PATIENCE,
                "the low job was starved: {highs_first} high jobs went first"
            );
            submit(High);
            wait_until(&pool, "a high job is queued", |snap| {
                snap.queued == [1, 0, 1]
            });
            drop(current);
            let (priority, permit) = rx.recv().unwrap();
            if priority == Low {
                break permit;
            }
            highs_first += 1;
            current = permit;
        };
        // It was admitted ahead of a queued high job, so it competed as high: it had
        // waited at least two aging intervals.
        assert!(low.waited() >= 2 * aging, "{:?}", low.waited());
        assert_eq!(pool.snapshot().queued, [1, 0, 0]);
        drop(low);
        let (priority, last) = rx.recv().unwrap();
        assert_eq!(priority, High);
        drop(last);
    });
    assert_idle(&pool);
}

#[test]
fn a_job_that_ages_past_the_head_gets_in_without_a_release() {
    let aging = Duration::from_millis(200);
    let pool = pool(3, 100, aging);
    thread::scope(|s| {
        let hold = pool.try_acquire(Request::new(60, Normal)).unwrap();
        let brief = pool.try_acquire(Request::new(20, Normal)).unwrap();
        // Only 20 free: a low job that needs 30 queues, then a high job that needs
        // everything heads the queue.
        let low = s.spawn(|| pool.acquire(Request::new(30, Low), LONG));
        wait_until(&pool, "the low job is queued", |snap| {
            snap.queued == [0, 0, 1]
        });
        let high = s.spawn(|| pool.acquire(Request::new(100, High), LONG));
        wait_until(&pool, "the high job is queued", |snap| {
            snap.queued == [1, 0, 1]
        });
        // The low job fits now, but waits behind the high head until it has aged to high
        // itself and, having arrived first, leads. Nothing is released meanwhile: it
        // must notice on its own.
        drop(brief);
        wait_until(&pool, "the low job runs", |snap| {
            snap.running == 2 && snap.queued == [1, 0, 0]
        });
        let low = low.join().unwrap().unwrap();
        assert!(low.waited() >= 2 * aging, "{:?}", low.waited());
        drop((hold, low));
        drop(high.join().unwrap().unwrap());
    });
    assert_idle(&pool);
}

#[test]
fn a_timed_out_acquire_fails_and_leaves_the_queue() {
    let pool = pool(1, 100, NO_AGING);
    let hold = pool.try_acquire(Request::new(60, Normal)).unwrap();
    let timeout = Duration::from_millis(50);

    let err = pool.acquire(Request::new(10, High), timeout).unwrap_err();
    assert_eq!(err, AcquireError::Timeout { timeout });
    let snap = pool.snapshot();
    assert_eq!(
        (snap.running, snap.reserved_memory, snap.queued),
        (1, 60, [0; 3])
    );

    // A zero timeout gives up at once as well, but still admits a job that fits.
    assert_eq!(
        pool.acquire(Request::new(10, High), Duration::ZERO)
            .unwrap_err(),
        AcquireError::Timeout {
            timeout: Duration::ZERO
        }
    );
    drop(hold);
    let permit = pool.acquire(Request::new(10, Low), Duration::ZERO).unwrap();
    drop(permit);
    assert_idle(&pool);
}

#[test]
fn a_timed_out_head_lets_the_jobs_behind_it_in() {
    let pool = pool(2, 100, NO_AGING);
    thread::scope(|s| {
        let hold = pool.try_acquire(Request::new(60, Normal)).unwrap();
        // A big job heads the queue (it needs all the memory) and gives up after a while.
        let big = s.spawn(|| pool.acquire(Request::new(100, High), Duration::from_millis(300)));
        wait_until(&pool, "the big job is queued", |snap| {
            snap.queued == [1, 0, 0]
        });
        // A small job that would fit waits behind it, or gets in at once if the big job
        // has already given up.
        let small = s.spawn(|| pool.acquire(Request::new(30, Low), LONG));

        let timeout = Duration::from_millis(300);
        assert_eq!(
            big.join().unwrap().unwrap_err(),
            AcquireError::Timeout { timeout }
        );
        // The small job gets in while `hold` still runs: the timed-out head woke it.
        wait_until(&pool, "the small job runs beside `hold`", |snap| {
            snap.running == 2
        });
        let small = small.join().unwrap().unwrap();
        assert_eq!(pool.snapshot().reserved_memory, 90);
        drop((hold, small));
    });
    assert_idle(&pool);
}

#[test]
fn the_head_of_the_queue_blocks_smaller_jobs_behind_it() {
    let pool = pool(3, 100, NO_AGING);
    let hold = pool.try_acquire(Request::new(60, Normal)).unwrap();
    let admitted = Mutex::new(Vec::new());

    thread::scope(|s| {
        for (i, (name, memory)) in [("big", 100), ("small", 30)].into_iter().enumerate() {
            let (pool, admitted) = (&pool, &admitted);
            s.spawn(move || {
                let permit = pool.acquire(Request::new(memory, Normal), LONG).unwrap();
                admitted.lock().unwrap().push(name);
                drop(permit);
            });
            wait_until(pool, "the job is queued", |snap| {
                snap.queued_with(Normal) == i + 1
            });
        }
        // The small job fits (30 of the 40 free) but waits behind the big one.
        let snap = pool.snapshot();
        assert_eq!(
            (snap.running, snap.reserved_memory, snap.queued),
            (1, 60, [0, 2, 0])
        );
        assert!(admitted.lock().unwrap().is_empty());
        assert_eq!(
            pool.try_acquire(Request::new(30, Normal)).unwrap_err(),
            AcquireError::QueuedAhead { ahead: 2 }
        );
        // A higher priority goes ahead of them, as it would in `acquire`.
        let high = pool.try_acquire(Request::new(30, High)).unwrap();
        assert_eq!(pool.snapshot().reserved_memory, 90);
        drop(high);

        drop(hold);
    });
    assert_eq!(admitted.into_inner().unwrap(), ["big", "small"]);
    assert_idle(&pool);
}

#[test]
fn a_panicking_job_returns_its_permit() {
    let pool = pool(1, 100, NO_AGING);

    // On another thread, with a job waiting for the slot.
    let (tx, rx) = mpsc::channel();
    let job = thread::spawn({
        let pool = pool.clone();
        move || {
            let _permit = pool.acquire(Request::new(70, High), LONG).unwrap();
            rx.recv().unwrap();
            panic!("the job failed");
        }
    });
    wait_until(&pool, "the job runs", |snap| snap.running == 1);
    let waiter = thread::spawn({
        let pool = pool.clone();
        move || {
            pool.acquire(Request::new(100, Low), LONG)
                .map(|p| p.memory())
        }
    });
    wait_until(&pool, "the waiter is queued", |snap| {
        snap.queued == [0, 0, 1]
    });
    tx.send(()).unwrap();
    assert!(job.join().is_err(), "the job panicked");
    assert_eq!(waiter.join().unwrap(), Ok(100));
    assert_idle(&pool);

    // On this thread, caught.
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let _permit = pool.try_acquire(Request::new(40, Normal)).unwrap();
        assert_eq!(pool.snapshot().reserved_memory, 40);
        panic!("the job failed");
    }));
    assert!(caught.is_err());
    assert_idle(&pool);
    // The pool still works.
    drop(pool.try_acquire(Request::new(100, Normal)).unwrap());
}

#[test]
fn try_acquire_says_why_instead_of_waiting() {
    let pool = pool(2, 100, NO_AGING);
    let a = pool.try_acquire(Request::new(60, Normal)).unwrap();
    assert_eq!(a.waited(), Duration::ZERO);

    let no_memory = pool.try_acquire(Request::new(50, High)).unwrap_err();
    assert_eq!(
        no_memory,
        AcquireError::NoMemory {
            memory: 50,
            available: 40,
            max_memory: 100
        }
    );
    assert_eq!(
        no_memory.to_string(),
        "the job needs 50 bytes of memory but only 40 of 100 are free"
    );

    let b = pool.try_acquire(Request::new(40, Low)).unwrap();
    let no_slot = pool.try_acquire(Request::new(0, High)).unwrap_err();
    assert_eq!(no_slot, AcquireError::NoSlot { max_jobs: 2 });
    assert_eq!(no_slot.to_string(), "all 2 job slots are in use");

    let snap = pool.snapshot();
    assert_eq!(
        (snap.running, snap.reserved_memory, snap.queued),
        (2, 100, [0; 3])
    );
    assert_eq!((snap.max_jobs, snap.max_memory), (2, 100));
    drop((a, b));
    assert_idle(&pool);
}

#[test]
fn an_oversized_request_fails_at_once() {
    let pool = pool(2, 100, NO_AGING);
    let too_large = AcquireError::TooLarge {
        memory: 101,
        max_memory: 100,
    };
    assert_eq!(
        pool.try_acquire(Request::new(101, High)).unwrap_err(),
        too_large
    );
    // It never queues, even with a timeout far longer than the test.
    assert_eq!(
        pool.acquire(Request::new(101, High), Duration::MAX)
            .unwrap_err(),
        too_large
    );
    assert_eq!(
        too_large.to_string(),
        "the job needs 101 bytes of memory but the pool reserves at most 100: it can never run"
    );
    // Exactly the whole pool is fine.
    drop(pool.acquire(Request::new(100, Low), LONG).unwrap());
    assert_idle(&pool);
}

#[test]
fn clones_share_one_pool() {
    let pool = pool(1, 10, NO_AGING);
    let other = pool.clone();
    let permit = other.try_acquire(Request::default()).unwrap();
    assert_eq!(permit.priority(), Normal);
    assert_eq!(pool.snapshot().running, 1);
    assert_eq!(
        pool.try_acquire(Request::default()).unwrap_err(),
        AcquireError::NoSlot { max_jobs: 1 }
    );
    drop(permit);
    assert_idle(&pool);
}

#[test]
fn limits_are_validated() {
    let limits = PoolLimits {
        max_jobs: 1,
        max_memory: 1,
        aging: Duration::from_secs(1),
    };
    assert!(ResourcePool::new(limits).is_ok());
    let err = |limits| ResourcePool::new(limits).unwrap_err();
    assert_eq!(
        err(PoolLimits {
            max_jobs: 0,
            ..limits
        }),
        PoolLimitsError::NoJobs
    );
    assert_eq!(
        err(PoolLimits {
            max_memory: 0,
            ..limits
        }),
        PoolLimitsError::NoMemory
    );
    assert_eq!(
        err(PoolLimits {
            aging: Duration::ZERO,
            ..limits
        }),
        PoolLimitsError::ZeroAging
    );
    assert_eq!(
        PoolLimitsError::NoJobs.to_string(),
        "max_jobs must be at least 1: no job could ever run"
    );
}

#[test]
fn priorities_parse_and_print() {
    for p in Priority::ALL {
        assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
        assert_eq!(p.to_string(), p.as_str());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{}\"", p.as_str()));
        assert_eq!(serde_json::from_str::<Priority>(&json).unwrap(), p);
    }
    assert_eq!("HIGH".parse::<Priority>(), Ok(High));
    assert_eq!(Priority::default(), Normal);
    let err = "urgent".parse::<Priority>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown priority `urgent`; allowed: high, normal, low"
    );
}
