//! The API-key store against a real PostgreSQL: hashed storage, verification,
//! revocation and expiry, and request counting that stays exact and within its limits
//! under concurrency.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use milmed_postgres::{Admission, ApiKeys, Database, Error, LimitKind, Limits, NewApiKey, Refusal};
use time::OffsetDateTime;

fn new_key(limits: Limits) -> NewApiKey {
    NewApiKey {
        name: "test client".to_owned(),
        tier: "standard".to_owned(),
        is_demo: false,
        limits,
        expires_at: None,
    }
}

fn generous() -> Limits {
    Limits {
        max_patients_per_request: 10_000,
        per_minute: Some(10_000),
        per_hour: Some(100_000),
        per_day: None,
    }
}

/// The database's current UTC day.
async fn today(db: &Database) -> time::Date {
    db.get()
        .await
        .unwrap()
        .query_one("SELECT (now() AT TIME ZONE 'UTC')::date", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_created_key_verifies_and_has_the_documented_form() {
    let test = TestDb::new().await;
    let keys = ApiKeys::new(test.database().await);
    let (created, key) = keys.create(new_key(generous())).await.unwrap();

    assert_eq!(key.len(), "milmed_".len() + 64, "{key}");
    let hex = key.strip_prefix("milmed_").unwrap();
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{key}"
    );
    assert_eq!(created.prefix, key[..12]);
    assert!(created.active && !created.is_demo && created.last_used_at.is_none());
    assert_eq!(created.limits, generous());

    let verified = keys.verify(&key).await.unwrap().expect("the key verifies");
    assert_eq!(verified.id, created.id);
    assert_eq!(verified.name, "test client");
    assert!(verified.last_used_at.is_some(), "verify records the use");
    assert_eq!(
        keys.get(created.id).await.unwrap().last_used_at,
        verified.last_used_at
    );

    let (_, other) = keys.create(new_key(generous())).await.unwrap();
    assert_ne!(key, other, "keys are random");
}

#[tokio::test]
async fn a_key_with_one_character_changed_does_not_verify() {
    let test = TestDb::new().await;
    let keys = ApiKeys::new(test.database().await);
    let (_, key) = keys.create(new_key(generous())).await.unwrap();
    let mut wrong = key.clone().into_bytes();
    let last = wrong.last_mut().unwrap();
    *last = if *last == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    assert_ne!(wrong, key);
    assert_eq!(keys.verify(&wrong).await.unwrap(), None);
    assert_eq!(keys.verify("").await.unwrap(), None);
    assert_eq!(keys.verify(&key[..key.len() - 1]).await.unwrap(), None);
    assert!(keys.verify(&key).await.unwrap().is_some());
}

#[tokio::test]
async fn only_the_hash_and_a_short_prefix_are_stored() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let (created, key) = keys.create(new_key(generous())).await.unwrap();
    keys.verify(&key).await.unwrap().unwrap();

    let conn = db.get().await.unwrap();
    let row = conn
        .query_one(
            "SELECT octet_length(key_hash), key_hash = sha256(convert_to($2, 'UTF8')), k::text \
             FROM api_keys k WHERE id = $1",
            &[&created.id, &key],
        )
        .await
        .unwrap();
    let (length, is_sha256, text): (i32, bool, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(length, 32);
    assert!(is_sha256, "key_hash is SHA-256 of the key");
    assert!(!text.contains(&key), "{text}");
    // Nothing of the key beyond its 12-character display prefix, in any column.
    assert!(!text.contains(&key[12..]), "{text}");
    assert!(!text.contains(&key[10..30]), "{text}");
    // The hash is not exposed through the API either.
    let json = serde_json::to_string(&keys.list().await.unwrap()).unwrap();
    assert!(
        !json.contains(&key[12..]) && !json.contains("hash"),
        "{json}"
    );
}

#[tokio::test]
async fn revoked_keys_do_not_verify() {
    let test = TestDb::new().await;
    let keys = ApiKeys::new(test.database().await);
    let (created, key) = keys.create(new_key(generous())).await.unwrap();
    let (kept, kept_key) = keys.create(new_key(generous())).await.unwrap();
    keys.revoke(created.id).await.unwrap();
    assert_eq!(keys.verify(&key).await.unwrap(), None);
    assert!(!keys.get(created.id).await.unwrap().active);
    // Revoking again is harmless; the other key is untouched.
    keys.revoke(created.id).await.unwrap();
    assert_eq!(keys.verify(&kept_key).await.unwrap().unwrap().id, kept.id);

    let err = keys.revoke(created.id + 1000).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = keys.get(created.id + 1000).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn expired_keys_do_not_verify() {
    let test = TestDb::new().await;
    let keys = ApiKeys::new(test.database().await);
    let now = OffsetDateTime::now_utc();
    let mut expired = new_key(generous());
    expired.expires_at = Some(now - time::Duration::minutes(1));
    let (_, expired_key) = keys.create(expired).await.unwrap();
    let mut later = new_key(generous());
    later.expires_at = Some(now + time::Duration::hours(1));
    let (created, later_key) = keys.create(later).await.unwrap();

    assert_eq!(keys.verify(&expired_key).await.unwrap(), None);
    let verified = keys.verify(&later_key).await.unwrap().unwrap();
    assert_eq!(verified.id, created.id);
    assert_eq!(
        verified.expires_at.unwrap().unix_timestamp(),
        (now + time::Duration::hours(1)).unix_timestamp()
    );
}

#[tokio::test]
async fn ensure_key_inserts_a_well_known_key_once() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let demo = NewApiKey {
        name: "demo".to_owned(),
        tier: "demo".to_owned(),
        is_demo: true,
        limits: Limits {
            max_patients_per_request: 500,
            per_minute: Some(10),
            per_hour: Some(100),
            per_day: Some(1000),
        },
        expires_at: None,
    };
    const DEMO: &str = "DEMO_MILMED_2025_500_PATIENTS";

    // Two instances starting together, then a restart with other limits.
    let (a, b) = tokio::join!(
        keys.ensure_key(DEMO, demo.clone()),
        keys.ensure_key(DEMO, demo.clone())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let mut changed = demo.clone();
    changed.limits.max_patients_per_request = 1;
    let again = keys.ensure_key(DEMO, changed).await.unwrap();
    assert_eq!(again.id, a.id);
    assert_eq!(again.limits, demo.limits, "an existing key is not modified");

    let rows: i64 = db
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM api_keys", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    assert_eq!(a.prefix, "DEMO_MILMED_");
    assert!(a.is_demo);
    assert_eq!(keys.verify(DEMO).await.unwrap().unwrap().id, a.id);

    let err = keys.create_with_key(DEMO, demo.clone()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    assert!(!err.to_string().contains(DEMO), "{err}");
    let err = keys.create_with_key("", demo).await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
}

#[tokio::test]
async fn list_and_get_return_every_key_without_its_secret() {
    let test = TestDb::new().await;
    let keys = ApiKeys::new(test.database().await);
    let (first, _) = keys.create(new_key(generous())).await.unwrap();
    let mut unlimited = new_key(Limits {
        max_patients_per_request: 0,
        per_minute: None,
        per_hour: None,
        per_day: None,
    });
    unlimited.name = "second".to_owned();
    let (second, _) = keys.create(unlimited).await.unwrap();
    keys.revoke(first.id).await.unwrap();

    let listed = keys.list().await.unwrap();
    assert_eq!(
        listed.iter().map(|k| (k.id, k.active)).collect::<Vec<_>>(),
        [(first.id, false), (second.id, true)]
    );
    assert_eq!(keys.get(second.id).await.unwrap(), second);
    assert_eq!(second.limits.per_minute, None);

    let err = keys
        .create(new_key(Limits {
            per_hour: Some(u32::MAX),
            ..generous()
        }))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_requests_are_counted_exactly() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = Arc::new(ApiKeys::new(db.clone()));
    // 1,000 a day: one request frees every 86.4 s, so none frees during the test.
    let limits = Limits {
        per_day: Some(1000),
        ..generous()
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    let day = today(&db).await;

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let keys = Arc::clone(&keys);
            tokio::spawn(async move { keys.record_request(key.id, 3, &limits).await })
        })
        .collect();
    let mut left = Vec::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Admission::Allowed(usage) => left.push(usage.day.unwrap().remaining),
            refused => panic!("{refused:?}"),
        }
    }
    // Each request saw the state its predecessors left: 999 down to 950 left, each once.
    left.sort_unstable();
    assert_eq!(left, (950..1000).collect::<Vec<u64>>());
    if today(&db).await == day {
        assert_eq!(keys.usage(key.id, day).await.unwrap(), (50, 150));
    }
    let yesterday = day.previous_day().unwrap();
    assert_eq!(keys.usage(key.id, yesterday).await.unwrap(), (0, 0));

    let err = keys
        .record_request(key.id + 1000, 1, &generous())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn the_per_minute_limit_admits_exactly_its_count_under_concurrency() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = Arc::new(ApiKeys::new(db.clone()));
    let limits = Limits {
        max_patients_per_request: 500,
        per_minute: Some(10),
        per_hour: Some(1000),
        per_day: None,
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    let day = today(&db).await;

    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let keys = Arc::clone(&keys);
            tokio::spawn(async move { keys.record_request(key.id, 2, &limits).await })
        })
        .collect();
    let (mut allowed, mut refused) = (Vec::new(), Vec::new());
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Admission::Allowed(usage) => allowed.push(usage.minute.unwrap().remaining),
            Admission::Refused(refusal) => refused.push(refusal),
        }
    }
    allowed.sort_unstable();
    assert_eq!(allowed, (0..10).collect::<Vec<u64>>());
    assert_eq!(refused.len(), 15);
    for refusal in &refused {
        assert_eq!(refusal.limit_kind, LimitKind::Minute, "{refusal:?}");
        assert_eq!(refusal.limit, 10);
        // One request frees every 6 s.
        assert!(
            refusal.retry_after > Duration::from_secs(5)
                && refusal.retry_after <= Duration::from_secs(6),
            "{refusal:?}"
        );
    }

    // The refused requests left no trace in the usage of the day.
    if today(&db).await == day {
        assert_eq!(keys.usage(key.id, day).await.unwrap(), (10, 20));
    }
    let json = serde_json::to_value(Admission::Refused(refused[0])).unwrap();
    assert_eq!(json["outcome"], "refused");
    assert_eq!(json["limit_kind"], "minute");
    assert!(json["retry_after"].as_f64().unwrap() <= 6.0);
}

#[tokio::test]
async fn a_burst_across_a_minute_boundary_gets_the_limit_not_twice_it() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let limits = Limits {
        max_patients_per_request: 500,
        per_minute: Some(10),
        per_hour: Some(50),
        per_day: Some(100),
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    // 20 requests from 12:00:59.0 to 12:01:00.52: calendar minutes let all 20 through.
    let start = time::macros::datetime!(2026-12-03 12:00:59 UTC);
    let mut admitted = 0;
    for i in 0..20 {
        let now = start + Duration::from_millis(80 * i);
        if keys
            .record_request_at(key.id, 1, &limits, now)
            .await
            .unwrap()
            .is_allowed()
        {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 10);
    // The next one passes 6 s after the burst began, not at the next minute.
    let refused = keys
        .record_request_at(key.id, 1, &limits, start + Duration::from_millis(5_999))
        .await
        .unwrap();
    assert!(!refused.is_allowed(), "{refused:?}");
    let Admission::Allowed(usage) = keys
        .record_request_at(key.id, 1, &limits, start + Duration::from_secs(6))
        .await
        .unwrap()
    else {
        panic!("one request frees every 6 s")
    };
    assert_eq!(usage.minute.unwrap().remaining, 0);
    assert_eq!(usage.hour.unwrap().remaining, 50 - 11);
    assert_eq!(usage.tightest().unwrap().limit, 10);
}

#[tokio::test]
async fn the_database_applies_the_same_rule_as_the_pure_function() {
    use milmed_postgres::gcra::{self, Decision};
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let limits = Limits {
        max_patients_per_request: 500,
        per_minute: Some(7),
        per_hour: Some(20),
        per_day: None,
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    // Irregular arrivals over 20 minutes: bursts and pauses.
    let start = time::macros::datetime!(2026-12-03 23:50:00 UTC);
    let mut tats = [None; 3];
    let mut at = Duration::ZERO;
    let mut refusals = 0;
    for i in 0u64..120 {
        // Every tenth request comes in a burst of 9 (1 ms apart).
        at += Duration::from_millis(if i % 10 < 9 {
            1
        } else {
            (i * 7919) % 23_000 * 10
        });
        let now = start + at;
        let expected = gcra::admit(&limits, tats, gcra::unix_micros(now));
        let got = keys
            .record_request_at(key.id, 1, &limits, now)
            .await
            .unwrap();
        match (expected, got) {
            (Decision::Allowed(next), Admission::Allowed(usage)) => {
                let micros = gcra::unix_micros(now);
                let want = gcra::allowances(&limits, next, micros);
                assert_eq!([usage.minute, usage.hour, usage.day], want, "request {i}");
                tats = next;
            }
            (
                Decision::Refused {
                    kind,
                    limit,
                    retry_after,
                },
                Admission::Refused(refusal),
            ) => {
                assert_eq!(
                    (kind, limit, retry_after),
                    (refusal.limit_kind, refusal.limit, refusal.retry_after),
                    "request {i}"
                );
                refusals += 1;
            }
            (expected, got) => panic!("request {i}: {expected:?} but {got:?}"),
        }
    }
    assert!(
        (20..100).contains(&refusals),
        "{refusals} refusals: not a test of both"
    );
}

#[tokio::test]
async fn the_longest_refusing_window_is_reported() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let limits = Limits {
        max_patients_per_request: 500,
        per_minute: Some(2),
        per_hour: Some(2),
        per_day: Some(5),
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    let day = today(&db).await;
    for _ in 0..2 {
        assert!(
            keys.record_request(key.id, 1, &limits)
                .await
                .unwrap()
                .is_allowed()
        );
    }
    let Admission::Refused(refusal) = keys.record_request(key.id, 1, &limits).await.unwrap() else {
        panic!("the third request is over both limits");
    };
    // The minute and the hour refuse; a retry succeeds only once the hour admits it
    // (half an hour: 2 an hour is one every 30 minutes).
    assert_eq!((refusal.limit_kind, refusal.limit), (LimitKind::Hour, 2));
    assert!(
        refusal.retry_after > Duration::from_secs(1790)
            && refusal.retry_after <= Duration::from_secs(1800),
        "{refusal:?}"
    );
    if today(&db).await == day {
        assert_eq!(keys.usage(key.id, day).await.unwrap(), (2, 2));
    }
    // A limit of 0 refuses without asking anything.
    let closed = Limits {
        per_day: Some(0),
        ..limits
    };
    let Admission::Refused(refusal) = keys.record_request(key.id, 1, &closed).await.unwrap() else {
        panic!("a limit of 0 admits nothing");
    };
    assert_eq!((refusal.limit_kind, refusal.limit), (LimitKind::Day, 0));
}

#[tokio::test]
async fn a_request_for_too_many_patients_is_refused_and_counts_nothing() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let limits = Limits {
        max_patients_per_request: 500,
        per_minute: Some(10),
        per_hour: None,
        per_day: None,
    };
    let (key, _) = keys.create(new_key(limits)).await.unwrap();
    let day = today(&db).await;

    let refused = keys.record_request(key.id, 501, &limits).await.unwrap();
    assert_eq!(
        refused,
        Admission::Refused(Refusal {
            limit_kind: LimitKind::Patients,
            limit: 500,
            retry_after: Duration::ZERO,
        })
    );
    let rows: i64 = db
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT (SELECT count(*) FROM api_key_usage) + (SELECT count(*) FROM api_key_rate)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "nothing counted");

    // Exactly the limit is fine.
    let allowed = keys.record_request(key.id, 500, &limits).await.unwrap();
    assert!(allowed.is_allowed(), "{allowed:?}");
    if today(&db).await == day {
        assert_eq!(keys.usage(key.id, day).await.unwrap(), (1, 500));
    }
}

#[tokio::test]
async fn patients_of_jobs_and_streams_are_counted_per_key() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let keys = ApiKeys::new(db.clone());
    let (key, _) = keys.create(new_key(generous())).await.unwrap();
    let day = today(&db).await;
    assert!(
        keys.record_request(key.id, 0, &generous())
            .await
            .unwrap()
            .is_allowed()
    );
    keys.count_patients(key.id, 250).await.unwrap();
    keys.count_patients(key.id, 50).await.unwrap();
    if today(&db).await == day {
        assert_eq!(keys.usage(key.id, day).await.unwrap(), (1, 300));
    }
    let err = keys.count_patients(key.id + 1000, 1).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}
