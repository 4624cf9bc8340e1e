//! Random streams: ChaCha8 keyed from the seed, one stream per patient (or per schedule
//! bucket), plus the few sampling helpers milmed needs.
//!
//! The helpers are written out rather than taken from `rand`'s distributions so that the
//! exact sequence of draws — and so every byte milmed writes — is pinned by this crate,
//! not by a dependency's minor version.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// What a key is used for. Each domain gets an independent key, so patient streams and
/// schedule streams never share random numbers even when their stream ids coincide.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub(crate) enum Domain {
    /// One stream per patient index.
    Patient = 1,
    /// One stream per day of the schedule.
    ScheduleDay = 2,
    /// One stream per hour of the schedule.
    ScheduleHour = 3,
    /// Scenario-wide draws (special-event days).
    Scenario = 4,
    /// Resource ids of the FHIR output (never drawn from, only hashed with).
    FhirIds = 5,
}

/// SplitMix64: expands a 64-bit seed into well-mixed words.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 256-bit ChaCha key for `seed` in `domain`.
pub(crate) fn key(seed: u64, domain: Domain) -> [u8; 32] {
    let mut state = seed ^ (domain as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    out
}

/// One random stream.
pub(crate) struct Stream(ChaCha8Rng);

impl Stream {
    /// Stream `id` under `key`.
    pub fn new(key: &[u8; 32], id: u64) -> Stream {
        let mut rng = ChaCha8Rng::from_seed(*key);
        rng.set_stream(id);
        Stream(rng)
    }

    /// 64 random bits.
    #[inline]
    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (Lemire's multiply-shift with rejection; `n > 0`).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        loop {
            let m = u64::from(self.0.next_u32()) * u64::from(n);
            let low = m as u32;
            if low >= n || low >= n.wrapping_neg() % n {
                return (m >> 32) as u32;
            }
        }
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller, one value per call).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Index drawn from a cumulative table (see [`cumulative`]).
    #[inline]
    pub fn pick(&mut self, cumulative: &[f64]) -> usize {
        pick(cumulative, self.unit())
    }
}

/// Index of the first cumulative weight above `u * total`.
#[inline]
pub(crate) fn pick(cumulative: &[f64], u: f64) -> usize {
    let target = u * cumulative[cumulative.len() - 1];
    cumulative
        .partition_point(|&c| c <= target)
        .min(cumulative.len() - 1)
}

/// Running sums of `weights`, for [`Stream::pick`].
pub(crate) fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

/// Fixed-size variant of [`cumulative`].
pub(crate) fn cumulative3(weights: [f64; 3]) -> [f64; 3] {
    [
        weights[0],
        weights[0] + weights[1],
        weights[0] + weights[1] + weights[2],
    ]
}

/// Splits `total` into integer parts proportional to `weights` (largest remainder), so the
/// parts always sum to exactly `total`. Ties go to the lower index.
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 || !sum.is_finite() {
        // No preference: spread evenly.
        let n = weights.len() as u64;
        return (0..n)
            .map(|i| total / n + u64::from(i < total % n))
            .collect();
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        let exact = total as f64 * w / sum;
        let whole = exact.floor() as u64;
        parts.push(whole);
        given += whole;
        remainders.push((exact - whole as f64, i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total.saturating_sub(given);
    for &(_, i) in remainders.iter().cycle() {
        if left == 0 {
            break;
        }
        if weights[i] > 0.0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
}

/// `x` rounded to the nearest integer, for `x >= 0` (halves round up), without the libm
/// call `f64::round` makes on baseline x86-64.
#[inline]
pub(crate) fn round_non_negative(x: f64) -> u32 {
    (x + 0.5) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let parts = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(parts.iter().sum::<u64>(), 10);
        assert_eq!(parts, vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 2.0, 0.0]), vec![0, 7, 0]);
        assert_eq!(apportion(5, &[0.0, 0.0]), vec![3, 2]);
    }

    #[test]
    fn streams_differ_by_id_and_domain() {
        let k = key(42, Domain::Patient);
        let a = Stream::new(&k, 0).u64();
        let b = Stream::new(&k, 1).u64();
        let c = Stream::new(&key(42, Domain::ScheduleDay), 0).u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, Stream::new(&k, 0).u64());
    }

    #[test]
    fn below_stays_in_range() {
        let mut s = Stream::new(&key(1, Domain::Patient), 9);
        for n in [1u32, 2, 3, 7, 1000] {
            for _ in 0..1000 {
                assert!(s.below(n) < n);
            }
        }
    }
}
