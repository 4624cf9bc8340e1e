//! [`ApiKeys`]: API keys stored as their SHA-256, and the per-key rate limits.
//!
//! A key is shown once, when it is created; the table holds only `SHA-256(key)` and a
//! short display prefix, so a copy of the database does not hand out working keys.
//! Each admitted request moves the key's GCRA state in three windows (minute, hour,
//! day; see [`gcra`](crate::gcra)) by [`ApiKeys::record_request`], which checks the
//! limits and moves them in one atomic statement, so that concurrent requests of one key
//! on any number of instances can neither overshoot a limit nor lose a request. The
//! requests and patients of each UTC day are kept as the key's usage history.

use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use crate::gcra::{self, Allowance, Decision};
use crate::{Database, Error};

/// What every generated key starts with, so that a leaked key is recognisable (secret
/// scanners, logs) as a milmed key.
const KEY_PREFIX: &str = "milmed_";

/// Random bytes in a generated key: 256 bits, far beyond guessing.
const KEY_BYTES: usize = 32;

/// Characters of a key kept in clear as its [`ApiKey::prefix`]. For a generated key that
/// is `milmed_` and 5 hex digits: 20 of its 256 random bits, enough to tell keys apart in
/// a list, too few to matter for guessing the rest.
const PREFIX_CHARS: usize = 12;

/// The columns of `api_keys` an [`ApiKey`] is read from, in the order
/// [`ApiKey::from_row`] expects them (a macro so that `concat!` can use it).
macro_rules! columns {
    () => {
        "id, prefix, name, tier, is_demo, max_patients_per_request, \
         max_requests_per_minute, max_requests_per_hour, max_requests_per_day, \
         active, expires_at, last_used_at, created_at"
    };
}

/// How much one key may ask for. `None` means no limit for that window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Most patients one request may generate (checked before anything is counted).
    pub max_patients_per_request: u64,
    /// Most requests per minute (a burst of this many, then one every `60 s / n`).
    pub per_minute: Option<u32>,
    /// Most requests per hour (likewise).
    pub per_hour: Option<u32>,
    /// Most requests per day (likewise).
    pub per_day: Option<u32>,
}

/// What to create a key with ([`ApiKeys::create`], [`ApiKeys::ensure_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    /// Who or what the key is for, for people reading a list of keys.
    pub name: String,
    /// The plan the key belongs to (`demo`, `standard`, …); milmed does not interpret it.
    pub tier: String,
    /// Whether this is the public demonstration key.
    pub is_demo: bool,
    /// Its limits.
    pub limits: Limits,
    /// When it stops working; `None` for never.
    pub expires_at: Option<OffsetDateTime>,
}

/// A stored key: everything but the key itself, which is not stored, and its hash, which
/// callers have no use for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiKey {
    /// Its identifier; usage and jobs refer to it.
    pub id: i64,
    /// The first characters of the key, to recognise it in a list.
    pub prefix: String,
    /// Who or what it is for.
    pub name: String,
    /// Its plan.
    pub tier: String,
    /// Whether it is the public demonstration key.
    pub is_demo: bool,
    /// Its limits.
    pub limits: Limits,
    /// False once [revoked](ApiKeys::revoke).
    pub active: bool,
    /// When it stops working; `None` for never.
    #[serde(serialize_with = "rfc3339_opt")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was last accepted by [`ApiKeys::verify`], to the minute (see there).
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The limit a request ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitKind {
    /// [`Limits::per_minute`].
    Minute,
    /// [`Limits::per_hour`].
    Hour,
    /// [`Limits::per_day`].
    Day,
    /// [`Limits::max_patients_per_request`]: the request itself is too large, and
    /// waiting does not help.
    Patients,
}

impl LimitKind {
    /// `minute`, `hour`, `day` or `patients`: the name used in responses and in the
    /// `window_kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Minute => "minute",
            LimitKind::Hour => "hour",
            LimitKind::Day => "day",
            LimitKind::Patients => "patients",
        }
    }
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a key stands once an admitted request has been counted, for rate-limit
/// headers: each window with a limit, how many requests it still allows at once and
/// when it is full again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// The minute window, if the key has a limit per minute.
    pub minute: Option<Allowance>,
    /// The hour window, if the key has a limit per hour.
    pub hour: Option<Allowance>,
    /// The day window, if the key has a limit per day.
    pub day: Option<Allowance>,
}

impl Usage {
    /// The window closest to refusing (fewest requests left; the narrower of equals),
    /// the one `RateLimit-*` headers describe; `None` for a key without limits.
    pub fn tightest(&self) -> Option<Allowance> {
        [self.minute, self.hour, self.day]
            .into_iter()
            .flatten()
            .min_by_key(|a| a.remaining)
    }

    fn from_allowances([minute, hour, day]: [Option<Allowance>; 3]) -> Usage {
        Usage { minute, hour, day }
    }
}

/// Why a request was turned away, and when trying again can succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The limit it ran into. When several windows refuse, the one that refuses
    /// longest: after `retry_after` every window admits the request.
    pub limit_kind: LimitKind,
    /// That limit's value.
    pub limit: u64,
    /// Time until the request would be admitted (for a `Retry-After` header); zero for
    /// [`LimitKind::Patients`], which waiting does not fix.
    #[serde(serialize_with = "seconds")]
    pub retry_after: Duration,
}

/// The outcome of [`ApiKeys::record_request`]. Ignoring it would serve a request that
/// was refused, hence `must_use`.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Admission {
    /// Within every limit; the request has been counted.
    Allowed(Usage),
    /// Over a limit; nothing has been counted.
    Refused(Refusal),
}

impl Admission {
    /// Whether the request may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Admission::Allowed(_))
    }
}

/// The API-key store: creating, verifying, listing and revoking keys, and counting their
/// requests against their limits. Cheap to clone (it holds the pool).
#[derive(Clone, Debug)]
pub struct ApiKeys {
    db: Database,
}

impl ApiKeys {
    /// The store on `db`, whose migrations must have been applied.
    pub fn new(db: Database) -> ApiKeys {
        ApiKeys { db }
    }

    /// Creates a key with 32 random bytes from the operating system, returning it with
    /// the plaintext key (`milmed_` and 64 hex digits). The plaintext is not stored or
    /// logged anywhere: this is the only time it is available, so hand it to its owner
    /// now.
    ///
    /// Fails with [`Error::Random`] if the operating system's random number generator
    /// fails (on the supported platforms, only before it is seeded at boot): a key must
    /// not be made from anything weaker.
    pub async fn create(&self, new: NewApiKey) -> Result<(ApiKey, String), Error> {
        let key = generate_key()?;
        let created = self.create_with_key(&key, new).await?;
        Ok((created, key))
    }

    /// Creates a key whose value the caller chose, such as a well-known demonstration
    /// key. Fails with [`Error::Conflict`] if that key exists already; use
    /// [`ensure_key`](Self::ensure_key) to create it only if missing.
    pub async fn create_with_key(&self, key: &str, new: NewApiKey) -> Result<ApiKey, Error> {
        let params = Params::new(key, &new)?;
        let conn = self.db.get().await?;
        let row = conn
            .query_one(
                concat!(
                    "INSERT INTO api_keys (key_hash, prefix, name, tier, is_demo, \
                     max_patients_per_request, max_requests_per_minute, \
                     max_requests_per_hour, max_requests_per_day, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
                    columns!()
                ),
                &params.as_sql(&new),
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    // Never include the key: it is a secret even when it is a duplicate.
                    Error::Conflict("an API key with this value exists already".to_owned())
                } else {
                    Error::Db(e)
                }
            })?;
        let created = ApiKey::from_row(&row)?;
        tracing::info!(id = created.id, prefix = %created.prefix, name = %created.name,
            tier = %created.tier, "API key created");
        Ok(created)
    }

    /// The key `key`, created from `new` if it does not exist yet: for a well-known key
    /// that a server installs at every start. Safe to call from several instances at
    /// once. An existing key is returned as it is stored — its limits are not updated
    /// from `new`, and a revoked key stays revoked.
    pub async fn ensure_key(&self, key: &str, new: NewApiKey) -> Result<ApiKey, Error> {
        let params = Params::new(key, &new)?;
        let conn = self.db.get().await?;
        let inserted = conn
            .query_opt(
                concat!(
                    "INSERT INTO api_keys (key_hash, prefix, name, tier, is_demo, \
                     max_patients_per_request, max_requests_per_minute, \
                     max_requests_per_hour, max_requests_per_day, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (key_hash) DO NOTHING RETURNING ",
                    columns!()
                ),
                &params.as_sql(&new),
            )
            .await?;
        if let Some(row) = inserted {
            let created = ApiKey::from_row(&row)?;
            tracing::info!(id = created.id, prefix = %created.prefix, name = %created.name,
                tier = %created.tier, "API key installed");
            return Ok(created);
        }
        // A separate statement, so that its snapshot sees a row another instance
        // inserted (and committed) while the INSERT above waited for it.
        let row = conn
            .query_one(
                concat!("SELECT ", columns!(), " FROM api_keys WHERE key_hash = $1"),
                &[&params.hash],
            )
            .await?;
        ApiKey::from_row(&row)
    }

    /// The key `key` if it exists, is active and has not expired; `None` otherwise, with
    /// no hint of which (so a caller cannot tell a revoked key from a made-up one).
    /// Records the time in `last_used_at`, at most once a minute per key, so that a busy
    /// key (the shared demonstration key) does not write its row on every request.
    ///
    /// The lookup does not leak the key through timing: what is looked up is the
    /// SHA-256 of the presented string, never the key itself. Comparisons in the index
    /// can at most reveal how many leading bytes of the guess's hash match a stored hash,
    /// and that says nothing useful about the stored key — producing a string whose hash
    /// starts with chosen bytes does not bring one closer to a string with the stored
    /// hash (preimage resistance), and a generated key has 256 random bits to search.
    pub async fn verify(&self, key: &str) -> Result<Option<ApiKey>, Error> {
        let hash = hash_key(key);
        let conn = self.db.get().await?;
        let row = conn
            .query_opt(
                concat!(
                    "WITH found AS (\
                         SELECT ",
                    columns!(),
                    " FROM api_keys \
                         WHERE key_hash = $1 AND active \
                           AND (expires_at IS NULL OR expires_at > now())\
                     ), touched AS (\
                         UPDATE api_keys SET last_used_at = now() FROM found \
                         WHERE api_keys.id = found.id \
                           AND (api_keys.last_used_at IS NULL \
                                OR api_keys.last_used_at < now() - interval '1 minute') \
                         RETURNING api_keys.id, api_keys.last_used_at\
                     ) \
                     SELECT found.id, prefix, name, tier, is_demo, max_patients_per_request, \
                         max_requests_per_minute, max_requests_per_hour, \
                         max_requests_per_day, active, expires_at, \
                         coalesce(touched.last_used_at, found.last_used_at), created_at \
                     FROM found LEFT JOIN touched ON touched.id = found.id"
                ),
                &[&hash.as_slice()],
            )
            .await?;
        row.as_ref().map(ApiKey::from_row).transpose()
    }

    /// Every key, active or not, oldest first.
    pub async fn list(&self) -> Result<Vec<ApiKey>, Error> {
        let conn = self.db.get().await?;
        let rows = conn
            .query(
                concat!("SELECT ", columns!(), " FROM api_keys ORDER BY id"),
                &[],
            )
            .await?;
        rows.iter().map(ApiKey::from_row).collect()
    }

    /// The key with identifier `id`, active or not; [`Error::NotFound`] if there is none.
    pub async fn get(&self, id: i64) -> Result<ApiKey, Error> {
        let conn = self.db.get().await?;
        let row = conn
            .query_opt(
                concat!("SELECT ", columns!(), " FROM api_keys WHERE id = $1"),
                &[&id],
            )
            .await?
            .ok_or_else(|| not_found(id))?;
        ApiKey::from_row(&row)
    }

    /// Revokes the key `id`: [`verify`](Self::verify) no longer accepts it from the next
    /// call on. The row stays, so that its usage and jobs keep their owner. Revoking a
    /// revoked key does nothing; [`Error::NotFound`] if there is no such key.
    pub async fn revoke(&self, id: i64) -> Result<(), Error> {
        let conn = self.db.get().await?;
        let updated = conn
            .execute("UPDATE api_keys SET active = false WHERE id = $1", &[&id])
            .await?;
        if updated == 0 {
            return Err(not_found(id));
        }
        tracing::info!(id, "API key revoked");
        Ok(())
    }

    /// Counts one request of key `key_id` for `patients` patients if `limits` allow it,
    /// or refuses it and counts nothing. The instant is the database's clock, shared by
    /// every instance.
    ///
    /// A request larger than `limits.max_patients_per_request` is refused without
    /// touching the database. Otherwise one statement (`INSERT … ON CONFLICT DO UPDATE
    /// … WHERE`) moves the key's GCRA state of the minute, hour and day windows if every
    /// window admits the request ([`gcra::admit`]'s rule, in SQL) and adds the request
    /// and its patients to the key's usage of the day. The statement locks the key's row
    /// only while it runs, so concurrent requests of one key take turns, each seeing
    /// the state its predecessors left: no window admits more than its rule allows.
    /// Requests of different keys do not wait for each other.
    ///
    /// Not retried: counting is not idempotent. [`Error::NotFound`] if there is no key
    /// `key_id`.
    pub async fn record_request(
        &self,
        key_id: i64,
        patients: u64,
        limits: &Limits,
    ) -> Result<Admission, Error> {
        self.record(key_id, patients, limits, None).await
    }

    /// [`record_request`](Self::record_request) at the instant `now` instead of the
    /// database's clock: for tests, and for replaying requests.
    pub async fn record_request_at(
        &self,
        key_id: i64,
        patients: u64,
        limits: &Limits,
        now: OffsetDateTime,
    ) -> Result<Admission, Error> {
        self.record(key_id, patients, limits, Some(gcra::unix_micros(now)))
            .await
    }

    async fn record(
        &self,
        key_id: i64,
        patients: u64,
        limits: &Limits,
        now: Option<i64>,
    ) -> Result<Admission, Error> {
        if patients > limits.max_patients_per_request {
            return Ok(Admission::Refused(Refusal {
                limit_kind: LimitKind::Patients,
                limit: limits.max_patients_per_request,
                retry_after: Duration::ZERO,
            }));
        }
        // A limit of 0 refuses everything: nothing to ask the database.
        if let Decision::Refused {
            kind,
            limit: 0,
            retry_after,
        } = gcra::admit(limits, [None; 3], 0)
        {
            return Ok(Admission::Refused(Refusal {
                limit_kind: kind,
                limit: 0,
                retry_after,
            }));
        }
        let patients = i64::try_from(patients)
            .map_err(|_| Error::Invalid(format!("{patients} patients is too many to count")))?;
        // Per window: its emission interval and tolerance, NULL without a limit.
        let mut params: [Option<i64>; 6] = [None; 6];
        for (i, window) in gcra::windows(limits) {
            params[2 * i] = Some(window.interval);
            params[2 * i + 1] = Some(window.tolerance);
        }
        let mut conn = self.db.get().await?;
        // Twice at most: a refusal is checked against the state read after it, and the
        // state may have moved (time passed) between the two.
        for _ in 0..2 {
            // Committed without waiting for the WAL to reach the disk (this transaction
            // only): a crash of PostgreSQL may forget the last few milliseconds of
            // counted requests, which costs nothing, while waiting for each flush (2 to
            // 20 ms on a virtual disk) made every keyed request wait for one. A
            // `Transaction`, so that a request dropped half-way rolls back.
            let tx = conn.transaction().await?;
            tx.batch_execute("SET LOCAL synchronous_commit TO off")
                .await?;
            let row = tx
                .query_opt(
                    RECORD,
                    &[
                        &key_id, &now, &params[0], &params[1], &params[2], &params[3], &params[4],
                        &params[5], &patients,
                    ],
                )
                .await
                .map_err(|e| unknown_key_or(key_id, e))?;
            tx.commit().await?;
            if let Some(row) = row {
                let tats = [row.try_get(0)?, row.try_get(1)?, row.try_get(2)?];
                let at: i64 = row.try_get(3)?;
                return Ok(Admission::Allowed(Usage::from_allowances(
                    gcra::allowances(limits, tats, at),
                )));
            }
            // Refused: read the state that refused it, to say until when.
            let row = conn
                .query_one(
                    "SELECT minute_tat, hour_tat, day_tat,                          coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)                      FROM api_key_rate WHERE key_id = $1",
                    &[&key_id, &now],
                )
                .await?;
            let tats = [row.try_get(0)?, row.try_get(1)?, row.try_get(2)?];
            let at: i64 = row.try_get(3)?;
            if let Decision::Refused {
                kind,
                limit,
                retry_after,
            } = gcra::admit(limits, tats, at)
            {
                tracing::debug!(key_id, window = %kind, limit, "request over the key's limit");
                return Ok(Admission::Refused(Refusal {
                    limit_kind: kind,
                    limit,
                    retry_after,
                }));
            }
        }
        Err(Error::Conflict(
            "the key's rate-limit state kept changing; retry".to_owned(),
        ))
    }

    /// Adds `patients` to the patients key `key_id` asked for today (UTC), as a job or a
    /// stream it started will generate them; the request itself was counted by
    /// [`record_request`](Self::record_request). [`Error::NotFound`] if there is no key
    /// `key_id`.
    pub async fn count_patients(&self, key_id: i64, patients: u64) -> Result<(), Error> {
        let patients = i64::try_from(patients)
            .map_err(|_| Error::Invalid(format!("{patients} patients is too many to count")))?;
        let conn = self.db.get().await?;
        conn.execute(
            "INSERT INTO api_key_usage AS u (key_id, window_kind, window_start, requests, patients) \
             VALUES ($1, 'day', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 0, $2) \
             ON CONFLICT (key_id, window_kind, window_start) DO UPDATE \
                 SET patients = u.patients + excluded.patients",
            &[&key_id, &patients],
        )
        .await
        .map_err(|e| unknown_key_or(key_id, e))?;
        Ok(())
    }

    /// Requests and patients counted for key `key_id` on the UTC day `day`; zeros for a
    /// day (or a key) with none.
    pub async fn usage(&self, key_id: i64, day: time::Date) -> Result<(u64, u64), Error> {
        let start = day.midnight().assume_utc();
        let conn = self.db.get().await?;
        let row = conn
            .query_opt(
                "SELECT requests, patients FROM api_key_usage \
                 WHERE key_id = $1 AND window_kind = 'day' AND window_start = $2",
                &[&key_id, &start],
            )
            .await?;
        match row {
            Some(row) => Ok((counter(row.try_get(0)?)?, counter(row.try_get(1)?)?)),
            None => Ok((0, 0)),
        }
    }
}

/// One request against a key's limits, in one statement (see
/// [`ApiKeys::record_request`]). `$1` key, `$2` the instant in µs since the epoch (NULL:
/// the database's clock at the statement's start), `$3`…`$8` the emission interval and
/// tolerance of the minute, hour and day windows (NULL without a limit), `$9` patients.
/// The `WHERE` of the update is [`gcra::Window::admit`]'s test for each window; the
/// first request of a key inserts its row, admitted by every window (limits of 0 are
/// refused before). The day's usage is added in the same statement, only when the
/// request was admitted.
const RECORD: &str = "\
WITH admitted AS (
    INSERT INTO api_key_rate AS r (key_id, minute_tat, hour_tat, day_tat)
    SELECT $1, t.now + $3, t.now + $5, t.now + $7
    FROM (SELECT coalesce($2::bigint,
              (extract(epoch FROM statement_timestamp()) * 1000000)::bigint) AS now) AS t
    ON CONFLICT (key_id) DO UPDATE SET
        minute_tat = CASE WHEN $3::bigint IS NULL THEN r.minute_tat
            ELSE greatest(r.minute_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)) + $3 END,
        hour_tat = CASE WHEN $5::bigint IS NULL THEN r.hour_tat
            ELSE greatest(r.hour_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)) + $5 END,
        day_tat = CASE WHEN $7::bigint IS NULL THEN r.day_tat
            ELSE greatest(r.day_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)) + $7 END
    WHERE ($3::bigint IS NULL OR greatest(r.minute_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint))
               - coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint) <= $4::bigint)
      AND ($5::bigint IS NULL OR greatest(r.hour_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint))
               - coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint) <= $6::bigint)
      AND ($7::bigint IS NULL OR greatest(r.day_tat, coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint))
               - coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint) <= $8::bigint)
    RETURNING r.minute_tat, r.hour_tat, r.day_tat,
        coalesce($2::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint) AS now
), counted AS (
    INSERT INTO api_key_usage AS u (key_id, window_kind, window_start, requests, patients)
    SELECT $1, 'day', date_trunc('day', to_timestamp(now / 1000000.0) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1, $9
    FROM admitted
    ON CONFLICT (key_id, window_kind, window_start) DO UPDATE
        SET requests = u.requests + 1, patients = u.patients + excluded.patients
)
SELECT minute_tat, hour_tat, day_tat, now FROM admitted";

impl ApiKey {
    /// Reads the [`columns!`] of a row.
    fn from_row(row: &Row) -> Result<ApiKey, Error> {
        Ok(ApiKey {
            id: row.try_get(0)?,
            prefix: row.try_get(1)?,
            name: row.try_get(2)?,
            tier: row.try_get(3)?,
            is_demo: row.try_get(4)?,
            limits: Limits {
                max_patients_per_request: counter(row.try_get(5)?)?,
                per_minute: limit(row.try_get(6)?)?,
                per_hour: limit(row.try_get(7)?)?,
                per_day: limit(row.try_get(8)?)?,
            },
            active: row.try_get(9)?,
            expires_at: row.try_get(10)?,
            last_used_at: row.try_get(11)?,
            created_at: row.try_get(12)?,
        })
    }
}

/// The values of a new key in the column types of `api_keys`, checked.
struct Params {
    hash: Vec<u8>,
    prefix: String,
    max_patients: i64,
    per_minute: Option<i32>,
    per_hour: Option<i32>,
    per_day: Option<i32>,
}

impl Params {
    fn new(key: &str, new: &NewApiKey) -> Result<Params, Error> {
        if key.is_empty() {
            return Err(Error::Invalid("an API key cannot be empty".to_owned()));
        }
        let limits = &new.limits;
        let max_patients = i64::try_from(limits.max_patients_per_request).map_err(|_| {
            Error::Invalid(format!(
                "max_patients_per_request {} is over {}",
                limits.max_patients_per_request,
                i64::MAX
            ))
        })?;
        let window = |name: &str, value: Option<u32>| {
            value
                .map(|v| {
                    i32::try_from(v)
                        .map_err(|_| Error::Invalid(format!("{name} {v} is over {}", i32::MAX)))
                })
                .transpose()
        };
        Ok(Params {
            hash: hash_key(key).to_vec(),
            prefix: key.chars().take(PREFIX_CHARS).collect(),
            max_patients,
            per_minute: window("per_minute", limits.per_minute)?,
            per_hour: window("per_hour", limits.per_hour)?,
            per_day: window("per_day", limits.per_day)?,
        })
    }

    /// The parameters `$1`…`$10` of the INSERT into `api_keys`.
    fn as_sql<'a>(
        &'a self,
        new: &'a NewApiKey,
    ) -> [&'a (dyn tokio_postgres::types::ToSql + Sync); 10] {
        [
            &self.hash,
            &self.prefix,
            &new.name,
            &new.tier,
            &new.is_demo,
            &self.max_patients,
            &self.per_minute,
            &self.per_hour,
            &self.per_day,
            &new.expires_at,
        ]
    }
}

/// `milmed_` and 32 random bytes as lowercase hex.
fn generate_key() -> Result<String, Error> {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    let mut key = String::with_capacity(KEY_PREFIX.len() + 2 * KEY_BYTES);
    key.push_str(KEY_PREFIX);
    for byte in bytes {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        key.push(char::from(HEX[usize::from(byte >> 4)]));
        key.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    Ok(key)
}

/// What is stored of a key: the SHA-256 of its UTF-8 bytes. A plain hash (no salt, no
/// slow KDF) suffices because generated keys carry 256 random bits — there is no
/// dictionary to try — and it lets [`ApiKeys::verify`] find a key by an index lookup.
fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A write that names key `id` failed: when the key is not there (the foreign key
/// refused it), that is [`not_found`]; anything else is the database's error.
fn unknown_key_or(id: i64, e: tokio_postgres::Error) -> Error {
    if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) {
        not_found(id)
    } else {
        Error::Db(e)
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "API key",
        id: id.to_string(),
    }
}

/// A count from a `bigint` column that the schema keeps non-negative.
fn counter(value: i64) -> Result<u64, Error> {
    u64::try_from(value).map_err(|_| Error::Invalid(format!("negative count {value} stored")))
}

/// A per-window limit from an `integer` column that the schema keeps non-negative.
fn limit(value: Option<i32>) -> Result<Option<u32>, Error> {
    value
        .map(|v| u32::try_from(v).map_err(|_| Error::Invalid(format!("negative limit {v} stored"))))
        .transpose()
}

fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

fn rfc3339_opt<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
