//! The generator: a validated scenario and a seed, turned into patients on demand.

use std::ops::Range;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use crate::compiled::CompiledScenario;
use crate::patient::Patient;
use crate::rng::{Domain, key};
use crate::scenario::{Scenario, ScenarioError};
use crate::schedule::{CasualtySchedule, ScheduleCursor};
use crate::simulate::simulate;

/// Default number of patients per chunk in parallel generation.
///
/// Small enough that a chunk renders in about a millisecond and that `threads × 2`
/// chunks in flight stay within a few megabytes.
pub const DEFAULT_CHUNK: usize = 512;

/// A range of patients outside the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("patient range {start}..{end} is not inside the run of {len} patients (0..{len})")]
pub struct RangeError {
    /// Requested start.
    pub start: u64,
    /// Requested end (exclusive).
    pub end: u64,
    /// Patients in the run.
    pub len: u64,
}

/// Generates the patients of one scenario and seed.
///
/// Cheap to clone (the tables are shared). Output is a pure function of the scenario,
/// the seed and the milmed version: any range of patients can be generated alone
/// ([`range`](Generator::range)) and equals the same patients of the whole run.
///
/// ```
/// use milmed_core::{Generator, Scenario};
///
/// let scenario = Scenario::preset("training_exercise").unwrap();
/// let generator = Generator::new(&scenario, 42).unwrap();
/// let all: Vec<_> = generator.patients().collect();
/// let shard: Vec<_> = generator.range(10..20).unwrap().collect();
/// assert_eq!(all.len(), 100);
/// assert_eq!(shard, all[10..20]);
/// ```
#[derive(Clone, Debug)]
pub struct Generator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    seed: u64,
    key: [u8; 32],
    schedule: CasualtySchedule,
    compiled: CompiledScenario,
}

impl Generator {
    /// Validates `scenario` and prepares its tables and casualty schedule for `seed`.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Generator, ScenarioError> {
        scenario.validate()?;
        let schedule = CasualtySchedule::build(scenario, seed);
        let compiled = CompiledScenario::new(scenario, &schedule);
        Ok(Generator {
            inner: Arc::new(Inner {
                seed,
                key: key(seed, Domain::Patient),
                schedule,
                compiled,
            }),
        })
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.inner.compiled.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Number of patients in the run.
    pub fn len(&self) -> u64 {
        self.inner.schedule.len()
    }

    /// Whether the run is empty (never, for a valid scenario).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The casualty schedule.
    pub fn schedule(&self) -> &CasualtySchedule {
        &self.inner.schedule
    }

    /// Scenario start as Unix seconds (UTC).
    pub fn start_unix(&self) -> i64 {
        self.inner.compiled.start_unix
    }

    /// Name of the patient's front.
    pub fn front_name(&self, patient: &Patient) -> &str {
        &self.scenario().fronts[patient.front_index()].name
    }

    /// Every patient, in index order.
    pub fn patients(&self) -> Patients<'_> {
        self.patients_in(0..self.len())
    }

    /// Patients `range.start..range.end`: a shard of the run.
    pub fn range(&self, range: Range<u64>) -> Result<Patients<'_>, RangeError> {
        self.check(&range)?;
        Ok(self.patients_in(range))
    }

    /// Patient `index`, if it exists.
    pub fn patient(&self, index: u64) -> Option<Patient> {
        self.range(index..index + 1).ok()?.next()
    }

    fn check(&self, range: &Range<u64>) -> Result<(), RangeError> {
        if range.start > range.end || range.end > self.len() {
            return Err(RangeError {
                start: range.start,
                end: range.end,
                len: self.len(),
            });
        }
        Ok(())
    }

    fn patients_in(&self, range: Range<u64>) -> Patients<'_> {
        Patients {
            generator: self,
            cursor: self.inner.schedule.cursor(range.start),
            next: range.start,
            end: range.end,
        }
    }

    /// Generates `range` on `threads` threads, `chunk` patients at a time, and hands each
    /// chunk's `map` result to `consume` in index order.
    ///
    /// Memory is bounded: each worker holds at most one finished chunk in its channel and
    /// one in the making, so at most `2 × threads + 1` chunks exist at once. The output never depends on `threads` or `chunk`. Returns the first error
    /// of `consume`, after which the workers stop.
    pub fn for_each_chunk<T, E, M, C>(
        &self,
        range: Range<u64>,
        threads: usize,
        chunk: usize,
        map: M,
        mut consume: C,
    ) -> Result<Result<(), E>, RangeError>
    where
        T: Send,
        M: Fn(u64, &[Patient]) -> T + Sync,
        C: FnMut(T) -> Result<(), E>,
    {
        self.check(&range)?;
        let chunk = chunk.max(1) as u64;
        let chunks = (range.end - range.start).div_ceil(chunk);
        let threads = threads.clamp(1, chunks.max(1) as usize);
        let bounds = |i: u64| {
            let start = range.start + i * chunk;
            start..(start + chunk).min(range.end)
        };
        if threads == 1 {
            let mut buffer = Vec::with_capacity(chunk as usize);
            let mut patients = self.patients_in(range.clone());
            for i in 0..chunks {
                let r = bounds(i);
                buffer.clear();
                buffer.extend(patients.by_ref().take((r.end - r.start) as usize));
                if let Err(e) = consume(map(r.start, &buffer)) {
                    return Ok(Err(e));
                }
            }
            return Ok(Ok(()));
        }
        let map = &map;
        let result = std::thread::scope(|scope| {
            let mut receivers = Vec::with_capacity(threads);
            for worker in 0..threads {
                let (tx, rx) = sync_channel::<T>(1);
                receivers.push(rx);
                let bounds = &bounds;
                scope.spawn(move || {
                    let mut cursor: Option<Patients<'_>> = None;
                    let mut buffer = Vec::with_capacity(chunk as usize);
                    let mut i = worker as u64;
                    while i < chunks {
                        let r = bounds(i);
                        let patients =
                            cursor.get_or_insert_with(|| self.patients_in(r.start..range.end));
                        patients.seek(r.start);
                        buffer.clear();
                        buffer.extend(patients.by_ref().take((r.end - r.start) as usize));
                        if tx.send(map(r.start, &buffer)).is_err() {
                            return; // the consumer stopped
                        }
                        i += threads as u64;
                    }
                });
            }
            for i in 0..chunks {
                let item = receivers[(i % threads as u64) as usize]
                    .recv()
                    .expect("worker sends every chunk");
                if let Err(e) = consume(item) {
                    drop(receivers);
                    return Err(e);
                }
            }
            Ok(())
        });
        Ok(result)
    }
}

/// Iterator over a range of patients. Allocation-free after creation.
pub struct Patients<'a> {
    generator: &'a Generator,
    cursor: ScheduleCursor<'a>,
    next: u64,
    end: u64,
}

impl Patients<'_> {
    /// Moves forward or back to patient `index` (which must be inside the range's run).
    fn seek(&mut self, index: u64) {
        self.cursor.seek(index);
        self.next = index;
    }
}

impl ExactSizeIterator for Patients<'_> {}

impl Iterator for Patients<'_> {
    type Item = Patient;

    #[inline]
    fn next(&mut self) -> Option<Patient> {
        if self.next >= self.end {
            return None;
        }
        let inner = &self.generator.inner;
        let slot = self.cursor.next_slot()?;
        self.next += 1;
        Some(simulate(&inner.compiled, &inner.key, &slot))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.end - self.next) as usize;
        (left, Some(left))
    }
}
