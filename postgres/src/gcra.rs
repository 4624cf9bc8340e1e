//! The rate-limit rule, as pure arithmetic: GCRA (the generic cell rate algorithm), one
//! state per key and window, shared by the PostgreSQL store ([`ApiKeys`]) and the
//! server's in-memory store so that both enforce exactly the same thing.
//!
//! A window allows `limit` requests per `period`. Its state is one instant, the
//! theoretical arrival time (TAT): when the key's allowance would be full again if it
//! sent nothing more. Each request moves it on by the emission interval `period / limit`
//! (from now, if it lies in the past); a request is refused when that would put it more
//! than `period` ahead of now. So a key may send `limit` requests at once, and then one
//! every `period / limit` as its allowance refills. Nothing resets at a calendar
//! boundary: with fixed UTC minutes a key of 10 a minute could send 10 at 12:00:59.9
//! and 10 more at 12:01:00.0; here the second 10 wait until the first have drained.
//! Over any span of `t`, at most `limit + t × limit / period` requests pass.
//!
//! Instants are microseconds since the Unix epoch (`i64`), the precision of PostgreSQL's
//! `timestamptz`, so that the database can do the same integer arithmetic in one
//! atomic statement.
//!
//! [`ApiKeys`]: crate::ApiKeys

use std::time::Duration;

use crate::{LimitKind, Limits};

/// One window of a key: at most `limit` requests per `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Which window.
    pub kind: LimitKind,
    /// Requests per period (at least 1; a limit of 0 is refused before any window is
    /// looked at).
    pub limit: u64,
    /// The emission interval, microseconds: `period / limit`, rounded up so that no
    /// period ever admits more than `limit`.
    pub interval: i64,
    /// How far ahead of now the TAT may be before a request is admitted, microseconds:
    /// `(limit − 1) × interval`, which lets `limit` requests through at once.
    pub tolerance: i64,
}

impl Window {
    /// The window `kind` (minute, hour or day) allowing `limit` requests (at least 1).
    pub fn new(kind: LimitKind, limit: u32) -> Window {
        let period = i64::try_from(kind_period(kind).as_micros()).unwrap_or(i64::MAX);
        let limit = i64::from(limit.max(1));
        let interval = (period + limit - 1) / limit;
        Window {
            kind,
            limit: limit as u64,
            interval,
            tolerance: (limit - 1) * interval,
        }
    }

    /// Whether a request at `now` is admitted with the window's TAT at `tat` (`None`:
    /// never used): `Ok` with the new TAT, or `Err` with the time until it would be.
    pub fn admit(&self, tat: Option<i64>, now: i64) -> Result<i64, Duration> {
        let from = tat.map_or(now, |t| t.max(now));
        if from - now <= self.tolerance {
            Ok(from + self.interval)
        } else {
            Err(micros(from - self.tolerance - now))
        }
    }

    /// Where the key stands in this window once its TAT is `tat`, at `now`.
    pub fn allowance(&self, tat: Option<i64>, now: i64) -> Allowance {
        let ahead = tat.map_or(0, |t| (t - now).max(0));
        let free = (self.limit as i64 * self.interval - ahead).max(0);
        Allowance {
            limit: self.limit,
            remaining: (free / self.interval) as u64,
            reset: micros(ahead),
        }
    }
}

/// Where a key stands in one window, for `RateLimit-*` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Allowance {
    /// The window's limit.
    pub limit: u64,
    /// Requests the key may still send at once.
    pub remaining: u64,
    /// Time until its allowance is full again.
    #[serde(serialize_with = "seconds")]
    pub reset: Duration,
}

/// The outcome of [`admit`] for the three windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Admitted: the new TATs of the minute, hour and day windows (unchanged for a
    /// window without a limit).
    Allowed([Option<i64>; 3]),
    /// Refused by `kind`, whose limit is `limit`; retry after `retry_after` (the longest
    /// wait of the windows that refuse, after which every window admits).
    Refused {
        /// The window that refuses longest.
        kind: LimitKind,
        /// Its limit.
        limit: u64,
        /// When a retry can succeed.
        retry_after: Duration,
    },
}

/// The windows of `limits` that have a limit, in the order minute, hour, day, each with
/// its index in the TAT triple.
pub fn windows(limits: &Limits) -> impl Iterator<Item = (usize, Window)> {
    [
        (LimitKind::Minute, limits.per_minute),
        (LimitKind::Hour, limits.per_hour),
        (LimitKind::Day, limits.per_day),
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(i, (kind, limit))| limit.map(|l| (i, Window::new(kind, l))))
}

/// The rule for one request of a key whose windows' TATs are `tats` (minute, hour,
/// day), at `now`: every window with a limit admits it, and then all move on, or it is
/// refused and none moves. A limit of 0 refuses everything, for its whole period.
pub fn admit(limits: &Limits, tats: [Option<i64>; 3], now: i64) -> Decision {
    for (kind, limit) in [
        (LimitKind::Day, limits.per_day),
        (LimitKind::Hour, limits.per_hour),
        (LimitKind::Minute, limits.per_minute),
    ] {
        if limit == Some(0) {
            return Decision::Refused {
                kind,
                limit: 0,
                retry_after: kind_period(kind),
            };
        }
    }
    let mut next = tats;
    let mut refusal: Option<(LimitKind, u64, Duration)> = None;
    for (i, window) in windows(limits) {
        match window.admit(tats[i], now) {
            Ok(tat) => next[i] = Some(tat),
            Err(wait) => {
                if refusal.is_none_or(|(_, _, longest)| wait >= longest) {
                    refusal = Some((window.kind, window.limit, wait));
                }
            }
        }
    }
    match refusal {
        Some((kind, limit, retry_after)) => Decision::Refused {
            kind,
            limit,
            retry_after,
        },
        None => Decision::Allowed(next),
    }
}

/// The allowances of the windows of `limits` with TATs `tats`, at `now`: minute, hour,
/// day (`None` for a window without a limit).
pub fn allowances(limits: &Limits, tats: [Option<i64>; 3], now: i64) -> [Option<Allowance>; 3] {
    let mut out = [None; 3];
    for (i, window) in windows(limits) {
        out[i] = Some(window.allowance(tats[i], now));
    }
    out
}

/// The length of a window.
fn kind_period(kind: LimitKind) -> Duration {
    Duration::from_secs(match kind {
        LimitKind::Minute => 60,
        LimitKind::Hour => 3600,
        LimitKind::Day | LimitKind::Patients => 86_400,
    })
}

fn micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// Microseconds since the Unix epoch of `at`.
pub fn unix_micros(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    fn per_minute(n: u32) -> Limits {
        Limits {
            max_patients_per_request: 1,
            per_minute: Some(n),
            per_hour: None,
            per_day: None,
        }
    }

    /// Sends a request at each of `times` (µs); returns how many were admitted.
    fn run(limits: &Limits, times: impl IntoIterator<Item = i64>) -> usize {
        let mut tats = [None; 3];
        let mut admitted = 0;
        for now in times {
            if let Decision::Allowed(next) = admit(limits, tats, now) {
                tats = next;
                admitted += 1;
            }
        }
        admitted
    }

    #[test]
    fn a_burst_across_a_minute_boundary_gets_the_limit_not_twice_it() {
        let limits = per_minute(10);
        // 20 requests from 12:00:59.0 to 12:01:00.55, as fixed minutes let through.
        let start = 1_700_000_040 * SECOND + 59 * SECOND; // a minute boundary follows
        let times = (0..20).map(|i| start + i * 80_000);
        assert_eq!(run(&limits, times), 10);
    }

    #[test]
    fn the_allowance_refills_one_request_per_interval() {
        let limits = per_minute(10);
        let mut tats = [None; 3];
        for _ in 0..10 {
            let Decision::Allowed(next) = admit(&limits, tats, 0) else {
                panic!("the first 10 pass at once")
            };
            tats = next;
        }
        assert_eq!(
            admit(&limits, tats, 0),
            Decision::Refused {
                kind: LimitKind::Minute,
                limit: 10,
                retry_after: Duration::from_secs(6)
            }
        );
        assert!(matches!(
            admit(&limits, tats, 6 * SECOND - 1),
            Decision::Refused { .. }
        ));
        let Decision::Allowed(after) = admit(&limits, tats, 6 * SECOND) else {
            panic!("one more after 6 s")
        };
        assert!(matches!(
            admit(&limits, after, 6 * SECOND),
            Decision::Refused { .. }
        ));
        // Over any 60 s at most 10 + 10 pass, and over a long run 10 a minute.
        let times = (0..600).map(|i| i * SECOND / 2); // 5 minutes, 2 a second
        assert_eq!(run(&limits, times), 10 + 50 - 1);
    }

    #[test]
    fn headers_say_what_is_left_and_when_it_is_full() {
        let limits = per_minute(10);
        let w = Window::new(LimitKind::Minute, 10);
        assert_eq!(
            w.allowance(None, 0),
            Allowance {
                limit: 10,
                remaining: 10,
                reset: Duration::ZERO
            }
        );
        let Decision::Allowed(tats) = admit(&limits, [None; 3], 0) else {
            panic!()
        };
        assert_eq!(
            allowances(&limits, tats, 0)[0],
            Some(Allowance {
                limit: 10,
                remaining: 9,
                reset: Duration::from_secs(6)
            })
        );
        assert_eq!(allowances(&limits, tats, 0)[1], None);
    }

    #[test]
    fn the_window_that_refuses_longest_is_named() {
        let limits = Limits {
            max_patients_per_request: 1,
            per_minute: Some(2),
            per_hour: Some(2),
            per_day: Some(100),
        };
        let mut tats = [None; 3];
        for _ in 0..2 {
            let Decision::Allowed(next) = admit(&limits, tats, 0) else {
                panic!()
            };
            tats = next;
        }
        let Decision::Refused {
            kind,
            limit,
            retry_after,
        } = admit(&limits, tats, 0)
        else {
            panic!()
        };
        assert_eq!((kind, limit), (LimitKind::Hour, 2));
        assert_eq!(retry_after, Duration::from_secs(1800));
        // Refused: nothing moved (the day window was not charged).
        assert_eq!(run(&limits, [1800 * SECOND]), 1);
        // A limit of 0 refuses for its whole period.
        assert!(matches!(
            admit(&per_minute(0), [None; 3], 0),
            Decision::Refused { limit: 0, .. }
        ));
    }

    #[test]
    fn uneven_intervals_never_admit_more_than_the_limit_per_period() {
        // 7 a minute: 8.571… s, rounded up to the microsecond.
        let limits = per_minute(7);
        assert_eq!(Window::new(LimitKind::Minute, 7).interval, 8_571_429);
        let times = (0..60).map(|i| i * SECOND); // one a second for a minute
        assert_eq!(run(&limits, times), 7 + 6);
    }
}
