//! Splitting a run into shards: contiguous ranges of patient indices, to generate on
//! several machines (Dask workers, server jobs) and concatenate in order.

use std::iter::FusedIterator;
use std::ops::Range;

use crate::Generator;

/// A request for zero shards: there is no way to split a run into none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("0 shards is not allowed: give a number of shards from 1 up")]
pub struct NoShards;

/// The `n` contiguous ranges that split `0..patients`, in order: the first
/// `patients % n` hold one patient more than the others, so sizes differ by at most one.
/// More shards than patients gives empty ranges at the end. Generating each range (a
/// [`Job::range`](super::Job::range)) and concatenating the outputs in order gives the
/// whole run's output, byte for byte (NDJSON and the one-file-per-patient formats; the
/// formats with a header or a footer repeat them in each shard).
///
/// The ranges are made as they are iterated, so even billions of shards take no memory.
///
/// ```
/// use milmed_core::job::shards;
///
/// let ranges: Vec<_> = shards(10, 3)?.collect();
/// assert_eq!(ranges, [0..4, 4..7, 7..10]);
/// assert_eq!(shards(2, 3)?.collect::<Vec<_>>(), [0..1, 1..2, 2..2]);
/// assert!(shards(10, 0).is_err());
/// # Ok::<(), milmed_core::job::NoShards>(())
/// ```
pub fn shards(patients: u64, n: u64) -> Result<Shards, NoShards> {
    if n == 0 {
        return Err(NoShards);
    }
    Ok(Shards {
        size: patients / n,
        extra: patients % n,
        next: 0,
        start: 0,
        n,
    })
}

impl Generator {
    /// The run split into `n` contiguous ranges of nearly equal size, in order: see
    /// [`shards`](crate::job::shards).
    pub fn shards(&self, n: u64) -> Result<Shards, NoShards> {
        shards(self.len(), n)
    }
}

/// The ranges of [`shards`], in order.
#[derive(Clone, Debug)]
pub struct Shards {
    size: u64,
    /// Shards before this one hold one patient more.
    extra: u64,
    /// Index of the next shard.
    next: u64,
    /// First patient of the next shard.
    start: u64,
    n: u64,
}

impl Iterator for Shards {
    type Item = Range<u64>;

    fn next(&mut self) -> Option<Range<u64>> {
        if self.next == self.n {
            return None;
        }
        let end = self.start + self.size + u64::from(self.next < self.extra);
        let range = self.start..end;
        self.start = end;
        self.next += 1;
        Some(range)
    }

    /// Skips to the shard without making those before it.
    fn nth(&mut self, skip: usize) -> Option<Range<u64>> {
        let index = u64::try_from(skip)
            .ok()
            .and_then(|skip| self.next.checked_add(skip))
            .filter(|&i| i < self.n);
        let Some(index) = index else {
            self.next = self.n;
            return None;
        };
        // Shards before `index` hold `size` patients each, plus one for each of the first
        // `extra`.
        self.start = index * self.size + index.min(self.extra);
        self.next = index;
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.n - self.next;
        match usize::try_from(left) {
            Ok(left) => (left, Some(left)),
            Err(_) => (usize::MAX, None),
        }
    }
}

impl FusedIterator for Shards {}
