//! [`ResourcePool`]: the admission controller that generation jobs share.
//!
//! # Design
//!
//! * **Two ceilings.** At most [`PoolLimits::max_jobs`] jobs run at once, and the memory
//!   they reserve ([`Request::memory`], bytes by convention) never adds up to more than
//!   [`PoolLimits::max_memory`]. A job is admitted only when both allow it.
//! * **One queue, one order.** Jobs that cannot start at once wait in a queue ordered by
//!   *effective priority*, then by arrival (FIFO). The effective priority is the requested
//!   [`Priority`] raised one level for every [`PoolLimits::aging`] interval the job has
//!   waited, so a `low` job that has waited two intervals competes as `high`.
//! * **Strict head-of-line admission.** Only the first job of that order (the *head*) may
//!   be admitted; the others wait behind it even when they would fit. Letting small jobs
//!   slip past a big one would keep the memory busy forever and starve the big job; with
//!   a strict order the running jobs drain until the head fits. The price is idle
//!   capacity while the head waits, which is bounded by the running jobs' lifetimes.
//! * **No starvation.** Once a job has waited `2 × aging` it has the highest effective
//!   priority, and among equals the order is by arrival: from then on only the jobs that
//!   arrived before it can be admitted ahead of it, and each is admitted as soon as the
//!   running jobs free enough room, because no request larger than the pool is queued
//!   (it fails with [`AcquireError::TooLarge`] at once). So every job is admitted,
//!   provided the running jobs end.
//! * **Plain std synchronisation.** One [`Mutex`] guards the counters and the queue, and
//!   one [`Condvar`] wakes the waiters. Releasing a permit, admitting a job and giving up
//!   on a timeout all call `notify_all`; each waiter re-checks whether it is now the head
//!   and fits, so spurious wakeups are harmless. A waiter that times out leaves the queue
//!   and wakes the others, since it may have been the head that blocked them. Aging needs
//!   no event: each waiter also wakes itself when its own effective priority rises. The
//!   queue is scanned on each check, which is cheap for the tens of jobs a server queues.
//! * **Poisoning is ignored.** No user code runs under the lock and the state is updated
//!   by a few infallible steps, so a panic elsewhere cannot leave it inconsistent; the
//!   pool therefore keeps working (`unwrap_or_else(|e| e.into_inner())`) rather than
//!   failing every later job.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How urgently a job wants to run.
///
/// Priorities order the queue of waiting jobs; aging raises a waiting job's priority over
/// time (see [`PoolLimits::aging`]). The textual forms are `high`, `normal` and `low`.
///
/// ```
/// use milmed_core::job::Priority;
///
/// assert_eq!("low".parse::<Priority>()?, Priority::Low);
/// assert_eq!(Priority::default(), Priority::Normal);
/// assert_eq!(
///     "urgent".parse::<Priority>().unwrap_err().to_string(),
///     "unknown priority `urgent`; allowed: high, normal, low"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(as = JobPriority, description = "A job's queue priority.")
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Admitted before every `normal` and `low` job.
    High,
    /// The default.
    #[default]
    Normal,
    /// Admitted after `high` and `normal` jobs, unless it has waited long enough.
    Low,
}

impl Priority {
    /// Every priority, highest first (the order of [`PoolSnapshot::queued`]).
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    /// The textual form: `high`, `normal` or `low`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// Position in [`ALL`](Self::ALL): 0 for `high`, 2 for `low`.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The textual forms of every priority, comma separated (for error messages).
    pub fn allowed() -> String {
        Self::ALL.map(Priority::as_str).join(", ")
    }

    /// The priority of a job of this priority that has waited `waited`, raised one level
    /// per `aging` interval and at most to `high`.
    fn aged(self, waited: Duration, aging: Duration) -> Priority {
        let levels = waited.as_nanos() / aging.as_nanos().max(1);
        let levels = usize::try_from(levels).unwrap_or(usize::MAX);
        Priority::ALL[self.index().saturating_sub(levels)]
    }

    /// When a job of this priority that arrived at `since` and has waited `waited` is next
    /// raised a level; `None` once it is `high` (or if that lies beyond `Instant`'s range).
    fn next_raise(self, since: Instant, waited: Duration, aging: Duration) -> Option<Instant> {
        let raised = self.index() - self.aged(waited, aging).index();
        if raised == self.index() {
            return None;
        }
        // `raised + 1` is 1 or 2.
        since.checked_add(aging.checked_mul(raised as u32 + 1)?)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A priority name that is not `high`, `normal` or `low`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown priority `{0}`; allowed: {allowed}", allowed = Priority::allowed())]
pub struct UnknownPriority(pub String);

impl FromStr for Priority {
    type Err = UnknownPriority;

    /// Parses `high`, `normal` or `low`, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Priority, UnknownPriority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPriority(s.to_owned()))
    }
}

/// The ceilings of a [`ResourcePool`] and its aging interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolLimits {
    /// Most jobs running at once; at least 1.
    pub max_jobs: usize,
    /// Most memory reserved by running jobs together (bytes by convention); at least 1.
    pub max_memory: u64,
    /// How long a job waits before its effective priority rises one level; longer than
    /// zero. A `low` job competes as `normal` after one interval and as `high` after two,
    /// which is what guarantees that it is admitted eventually. `Duration::MAX` turns
    /// aging off (and with it that guarantee).
    pub aging: Duration,
}

/// Invalid [`PoolLimits`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolLimitsError {
    /// `max_jobs` is 0: no job could ever run.
    #[error("max_jobs must be at least 1: no job could ever run")]
    NoJobs,
    /// `max_memory` is 0: no job could ever run.
    #[error("max_memory must be at least 1: no job could ever run")]
    NoMemory,
    /// `aging` is zero.
    #[error(
        "aging must be longer than zero (it is the wait that raises a job's priority one \
         level; use Duration::MAX to turn aging off)"
    )]
    ZeroAging,
}

/// What a job asks of the pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Request {
    /// Memory the job reserves while it runs (bytes by convention); may be 0.
    pub memory: u64,
    /// Its priority in the queue.
    pub priority: Priority,
}

impl Request {
    /// A request for `memory` at `priority`.
    pub const fn new(memory: u64, priority: Priority) -> Request {
        Request { memory, priority }
    }
}

/// Why a job was not admitted.
///
/// [`ResourcePool::acquire`] fails only with [`TooLarge`](Self::TooLarge) or
/// [`Timeout`](Self::Timeout); [`ResourcePool::try_acquire`] fails with `TooLarge` or with
/// the reason it would have to wait: [`QueuedAhead`](Self::QueuedAhead),
/// [`NoSlot`](Self::NoSlot) or [`NoMemory`](Self::NoMemory), checked in that order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcquireError {
    /// The request needs more memory than the whole pool: it could never be admitted, so
    /// it fails at once instead of waiting.
    #[error(
        "the job needs {memory} bytes of memory but the pool reserves at most {max_memory}: \
         it can never run"
    )]
    TooLarge {
        /// Memory requested.
        memory: u64,
        /// [`PoolLimits::max_memory`].
        max_memory: u64,
    },
    /// The job waited `timeout` without being admitted; it has left the queue.
    #[error("no room for the job within {timeout:?}: the pool stayed busy")]
    Timeout {
        /// The timeout given to [`ResourcePool::acquire`].
        timeout: Duration,
    },
    /// Queued jobs of the same or higher effective priority come first
    /// ([`try_acquire`](ResourcePool::try_acquire) does not jump the queue).
    #[error("{ahead} queued job(s) of the same or a higher priority come first")]
    QueuedAhead {
        /// Queued jobs of the same or higher effective priority.
        ahead: usize,
    },
    /// Every job slot is taken.
    #[error("all {max_jobs} job slots are in use")]
    NoSlot {
        /// [`PoolLimits::max_jobs`].
        max_jobs: usize,
    },
    /// Not enough unreserved memory.
    #[error("the job needs {memory} bytes of memory but only {available} of {max_memory} are free")]
    NoMemory {
        /// Memory requested.
        memory: u64,
        /// Memory not reserved at the moment.
        available: u64,
        /// [`PoolLimits::max_memory`].
        max_memory: u64,
    },
}

/// The pool's state at one moment, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSnapshot {
    /// Jobs holding a permit.
    pub running: usize,
    /// Memory reserved by those jobs.
    pub reserved_memory: u64,
    /// Jobs waiting in [`acquire`](ResourcePool::acquire), by the priority they asked for
    /// (not the aged one), indexed by [`Priority::index`]: `[high, normal, low]`.
    pub queued: [usize; 3],
    /// [`PoolLimits::max_jobs`].
    pub max_jobs: usize,
    /// [`PoolLimits::max_memory`].
    pub max_memory: u64,
}

impl PoolSnapshot {
    /// Jobs waiting that asked for `priority`.
    pub fn queued_with(&self, priority: Priority) -> usize {
        self.queued[priority.index()]
    }

    /// Jobs waiting, of every priority.
    pub fn queued_total(&self) -> usize {
        self.queued.iter().sum()
    }
}

/// The system-wide admission controller of generation jobs.
///
/// A job asks for a [`Permit`] with [`acquire`](Self::acquire) (waiting up to a timeout)
/// or [`try_acquire`](Self::try_acquire) (never waiting), runs while it holds the permit,
/// and gives its job slot and memory back by dropping it, which also happens when the job
/// panics. Cheap to clone: clones share one pool. The methods block the calling thread
/// (plain `Mutex` and `Condvar`), so call them from threads that may block. The module
/// documentation explains the scheduling.
///
/// ```
/// use std::time::Duration;
/// use milmed_core::job::{AcquireError, PoolLimits, Priority, Request, ResourcePool};
///
/// let pool = ResourcePool::new(PoolLimits {
///     max_jobs: 2,
///     max_memory: 1 << 30,
///     aging: Duration::from_secs(30),
/// })?;
/// let permit = pool.acquire(Request::new(512 << 20, Priority::High), Duration::from_secs(5))?;
/// assert_eq!(pool.snapshot().reserved_memory, 512 << 20);
///
/// // 600 MiB more would exceed the memory ceiling: `try_acquire` says so instead of waiting.
/// let busy = pool.try_acquire(Request::new(600 << 20, Priority::Normal));
/// assert!(matches!(busy, Err(AcquireError::NoMemory { .. })));
///
/// drop(permit); // the job is done: its memory is free again
/// assert_eq!(pool.snapshot().running, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ResourcePool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limits: PoolLimits,
    state: Mutex<State>,
    /// Signalled whenever a waiter might now be admitted: a permit returned, a waiter
    /// admitted (the next one may fit too) or a waiter gone (it may have been the head).
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under the lock, so the state is consistent even if poisoned.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    reserved: u64,
    /// Waiting jobs in arrival order (increasing tickets and arrival instants).
    waiters: Vec<Waiter>,
    next_ticket: u64,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    request: Request,
    since: Instant,
}

impl State {
    /// Whether a job needing `memory` fits under both ceilings now.
    fn fits(&self, limits: &PoolLimits, memory: u64) -> bool {
        self.running < limits.max_jobs && memory <= limits.max_memory - self.reserved
    }

    /// The ticket of the job to admit next: highest effective priority, then earliest.
    fn head(&self, now: Instant, aging: Duration) -> Option<u64> {
        let mut head: Option<(u64, usize)> = None;
        for w in &self.waiters {
            let rank = w.effective(now, aging).index();
            // Strictly better only: the earlier arrival wins ties.
            if head.is_none_or(|(_, best)| rank < best) {
                head = Some((w.ticket, rank));
            }
        }
        head.map(|(ticket, _)| ticket)
    }

    /// Waiting jobs whose effective priority is `priority` or higher.
    fn ahead_of(&self, priority: Priority, now: Instant, aging: Duration) -> usize {
        self.waiters
            .iter()
            .filter(|w| w.effective(now, aging).index() <= priority.index())
            .count()
    }

    fn remove(&mut self, ticket: u64) {
        if let Some(i) = self.waiters.iter().position(|w| w.ticket == ticket) {
            self.waiters.remove(i);
        }
    }

    fn reserve(&mut self, memory: u64) {
        self.running += 1;
        self.reserved += memory;
    }
}

impl Waiter {
    fn effective(&self, now: Instant, aging: Duration) -> Priority {
        self.request
            .priority
            .aged(now.saturating_duration_since(self.since), aging)
    }
}

impl ResourcePool {
    /// A pool with these ceilings and aging interval.
    pub fn new(limits: PoolLimits) -> Result<ResourcePool, PoolLimitsError> {
        if limits.max_jobs == 0 {
            return Err(PoolLimitsError::NoJobs);
        }
        if limits.max_memory == 0 {
            return Err(PoolLimitsError::NoMemory);
        }
        if limits.aging.is_zero() {
            return Err(PoolLimitsError::ZeroAging);
        }
        Ok(ResourcePool {
            shared: Arc::new(Shared {
                limits,
                state: Mutex::new(State::default()),
                wake: Condvar::new(),
            }),
        })
    }

    /// The pool's ceilings and aging interval.
    pub fn limits(&self) -> PoolLimits {
        self.shared.limits
    }

    /// Waits until the job may run, at most `timeout`, and returns its permit.
    ///
    /// The job joins the queue and is admitted when it is first in the queue's order
    /// (effective priority, then arrival) and both ceilings allow it; see the module
    /// documentation. A job that is first and fits is admitted without waiting.
    /// `Duration::MAX` (or any timeout beyond `Instant`'s range) waits without limit.
    ///
    /// # Errors
    ///
    /// [`AcquireError::TooLarge`] at once if `request.memory` exceeds
    /// [`PoolLimits::max_memory`]; [`AcquireError::Timeout`] if the job was not admitted
    /// within `timeout` (it has then left the queue).
    pub fn acquire(&self, request: Request, timeout: Duration) -> Result<Permit, AcquireError> {
        self.check_size(request)?;
        let deadline = Instant::now().checked_add(timeout);
        let shared = &*self.shared;
        let limits = &shared.limits;
        let mut state = shared.lock();
        // Arrival is taken under the lock, so tickets and arrival instants agree: within
        // one priority, an earlier job has always aged at least as much as a later one.
        let since = Instant::now();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiters.push(Waiter {
            ticket,
            request,
            since,
        });
        loop {
            let now = Instant::now();
            if state.head(now, limits.aging) == Some(ticket) && state.fits(limits, request.memory) {
                state.remove(ticket);
                state.reserve(request.memory);
                if !state.waiters.is_empty() {
                    // The next job in line may fit as well.
                    shared.wake.notify_all();
                }
                return Ok(self.permit(request, now.saturating_duration_since(since)));
            }
            if deadline.is_some_and(|d| now >= d) {
                state.remove(ticket);
                if !state.waiters.is_empty() {
                    // This job may have been the head that kept the others waiting.
                    shared.wake.notify_all();
                }
                return Err(AcquireError::Timeout { timeout });
            }
            // Sleep until woken, the deadline, or this job's next priority raise (which
            // may make it the head without any other event).
            let raise = request.priority.next_raise(
                since,
                now.saturating_duration_since(since),
                limits.aging,
            );
            let until = match (deadline, raise) {
                (Some(d), Some(r)) => Some(d.min(r)),
                (d, r) => d.or(r),
            };
            state = match until {
                Some(until) => {
                    let wait = until.saturating_duration_since(now);
                    let (state, _) = shared
                        .wake
                        .wait_timeout(state, wait)
                        .unwrap_or_else(|e| e.into_inner());
                    state
                }
                None => shared.wake.wait(state).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    /// Admits the job now if it may run now, without waiting.
    ///
    /// It does not jump the queue: it fails while a queued job of the same or higher
    /// effective priority waits, even if the ceilings would allow it. It does go ahead of
    /// queued jobs of lower effective priority, as [`acquire`](Self::acquire) would (a job
    /// arriving with a higher priority is first in the queue's order); aging bounds how
    /// long they can be passed over.
    ///
    /// # Errors
    ///
    /// [`AcquireError::TooLarge`] if `request.memory` exceeds [`PoolLimits::max_memory`];
    /// otherwise why it would have to wait: [`AcquireError::QueuedAhead`],
    /// [`AcquireError::NoSlot`] or [`AcquireError::NoMemory`], in that order.
    pub fn try_acquire(&self, request: Request) -> Result<Permit, AcquireError> {
        self.check_size(request)?;
        let limits = &self.shared.limits;
        let mut state = self.shared.lock();
        let ahead = state.ahead_of(request.priority, Instant::now(), limits.aging);
        if ahead > 0 {
            return Err(AcquireError::QueuedAhead { ahead });
        }
        if state.running >= limits.max_jobs {
            return Err(AcquireError::NoSlot {
                max_jobs: limits.max_jobs,
            });
        }
        if !state.fits(limits, request.memory) {
            return Err(AcquireError::NoMemory {
                memory: request.memory,
                available: limits.max_memory - state.reserved,
                max_memory: limits.max_memory,
            });
        }
        state.reserve(request.memory);
        Ok(self.permit(request, Duration::ZERO))
    }

    /// Running and queued jobs and reserved memory at this moment.
    pub fn snapshot(&self) -> PoolSnapshot {
        let limits = &self.shared.limits;
        let state = self.shared.lock();
        let mut queued = [0; 3];
        for w in &state.waiters {
            queued[w.request.priority.index()] += 1;
        }
        PoolSnapshot {
            running: state.running,
            reserved_memory: state.reserved,
            queued,
            max_jobs: limits.max_jobs,
            max_memory: limits.max_memory,
        }
    }

    fn check_size(&self, request: Request) -> Result<(), AcquireError> {
        let max_memory = self.shared.limits.max_memory;
        if request.memory > max_memory {
            return Err(AcquireError::TooLarge {
                memory: request.memory,
                max_memory,
            });
        }
        Ok(())
    }

    /// The permit of a job just admitted (the caller has reserved its resources).
    fn permit(&self, request: Request, waited: Duration) -> Permit {
        Permit {
            shared: Arc::clone(&self.shared),
            memory: request.memory,
            priority: request.priority,
            waited,
        }
    }
}

/// A running job's job slot and memory in a [`ResourcePool`].
///
/// Dropping the permit gives both back and wakes the queued jobs; this happens too when
/// the thread holding it panics and unwinds. (A permit leaked with `mem::forget`, or held
/// by a thread that aborts, is never returned.)
#[must_use = "the job's resources are released as soon as the permit is dropped"]
pub struct Permit {
    shared: Arc<Shared>,
    memory: u64,
    priority: Priority,
    waited: Duration,
}

impl Permit {
    /// Memory reserved for the job.
    pub fn memory(&self) -> u64 {
        self.memory
    }

    /// The priority the job asked for.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// How long the job queued before it was admitted (zero from
    /// [`try_acquire`](ResourcePool::try_acquire)).
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("memory", &self.memory)
            .field("priority", &self.priority)
            .field("waited", &self.waited)
            .finish_non_exhaustive()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.running -= 1;
        state.reserved -= self.memory;
        if !state.waiters.is_empty() {
            self.shared.wake.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGING: Duration = Duration::from_millis(100);

    #[test]
    fn aging_raises_one_level_per_interval_up_to_high() {
        let ms = Duration::from_millis;
        assert_eq!(Priority::Low.aged(ms(0), AGING), Priority::Low);
        assert_eq!(Priority::Low.aged(ms(99), AGING), Priority::Low);
        assert_eq!(Priority::Low.aged(ms(100), AGING), Priority::Normal);
        assert_eq!(Priority::Low.aged(ms(199), AGING), Priority::Normal);
        assert_eq!(Priority::Low.aged(ms(200), AGING), Priority::High);
        assert_eq!(Priority::Low.aged(Duration::MAX, AGING), Priority::High);
        assert_eq!(Priority::Normal.aged(ms(100), AGING), Priority::High);
        assert_eq!(Priority::High.aged(ms(1000), AGING), Priority::High);
        // Aging turned off.
        assert_eq!(
            Priority::Low.aged(Duration::from_secs(1 << 40), Duration::MAX),
            Priority::Low
        );
    }

    #[test]
    fn next_raise_is_the_next_interval_boundary() {
        let since = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(
            Priority::Low.next_raise(since, ms(0), AGING),
            Some(since + ms(100))
        );
        assert_eq!(
            Priority::Low.next_raise(since, ms(150), AGING),
            Some(since + ms(200))
        );
        assert_eq!(Priority::Low.next_raise(since, ms(200), AGING), None);
        assert_eq!(
            Priority::Normal.next_raise(since, ms(50), AGING),
            Some(since + ms(100))
        );
        assert_eq!(Priority::High.next_raise(since, ms(0), AGING), None);
        assert_eq!(Priority::Low.next_raise(since, ms(0), Duration::MAX), None);
    }

    #[test]
    fn head_is_highest_effective_priority_then_earliest() {
        let t0 = Instant::now();
        let waiter = |ticket, priority, since| Waiter {
            ticket,
            request: Request::new(0, priority),
            since,
        };
        let ms = Duration::from_millis;
        let state = State {
            waiters: vec![
                waiter(0, Priority::Low, t0),
                waiter(1, Priority::Normal, t0 + ms(50)),
                waiter(2, Priority::Normal, t0 + ms(60)),
            ],
            next_ticket: 3,
            ..State::default()
        };
        // Unaged: the earliest normal job leads; only a high job would not wait for it.
        assert_eq!(state.head(t0 + ms(60), AGING), Some(1));
        assert_eq!(state.ahead_of(Priority::High, t0 + ms(60), AGING), 0);
        assert_eq!(state.ahead_of(Priority::Normal, t0 + ms(60), AGING), 2);
        assert_eq!(state.ahead_of(Priority::Low, t0 + ms(60), AGING), 3);
        // Job 1 is high after one interval; the low job is only normal.
        assert_eq!(state.head(t0 + ms(150), AGING), Some(1));
        // After two intervals the low job is high too, and arrived first.
        assert_eq!(state.head(t0 + ms(200), AGING), Some(0));
    }
}
