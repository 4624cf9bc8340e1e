//! Named, versioned scenario configurations.

mod common;

use common::TestDb;
use milmed_core::Scenario;
use milmed_postgres::{Database, Error, Scenarios};

/// An API key row, to own configurations; returns its id.
async fn insert_key(db: &Database, n: u8) -> i64 {
    db.get()
        .await
        .unwrap()
        .query_one(
            "INSERT INTO api_keys (key_hash, prefix, name, tier, max_patients_per_request) \
             VALUES ($1, 'mk_test', 'test', 'free', 1000) RETURNING id",
            &[&vec![n; 32]],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn each_key_has_its_own_names_and_list() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let (a, b) = (insert_key(&db, 1).await, insert_key(&db, 2).await);
    let store = Scenarios::new(db);
    let base = Scenario::preset("peacekeeping").unwrap();
    let of_a = store.create(Some(a), "drill", &base).await.unwrap();
    let of_b = store.create(Some(b), "drill", &base).await.unwrap();
    assert_eq!((of_a.owner_key_id, of_b.owner_key_id), (Some(a), Some(b)));
    let err = store.create(Some(a), "drill", &base).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    let next = store.new_version(of_b.id, &base).await.unwrap();
    assert_eq!((next.owner_key_id, next.version), (Some(b), 2));
    let listed: Vec<i64> = store
        .list(Some(a), None, 10)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, [of_a.id]);
    assert_eq!(store.list(Some(b), None, 10).await.unwrap().len(), 2);
    assert!(store.list(None, None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn create_get_version_list_and_delete() {
    let test = TestDb::new().await;
    let store = Scenarios::new(test.database().await);
    let base = Scenario::preset("urban_assault").unwrap();
    let first = store.create(None, "exercise-north", &base).await.unwrap();
    assert_eq!((first.version, first.parent_id), (1, None));
    assert_eq!(store.get(first.id).await.unwrap().scenario().unwrap(), base);

    let err = store
        .create(None, "exercise-north", &base)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");

    let mut bigger = base.clone();
    bigger.patients = 9000;
    let second = store.new_version(first.id, &bigger).await.unwrap();
    assert_eq!(
        (second.name.as_str(), second.version, second.parent_id),
        ("exercise-north", 2, Some(first.id))
    );
    assert_eq!(second.scenario().unwrap().patients, 9000);
    let third = store.new_version(first.id, &base).await.unwrap();
    assert_eq!(
        third.version, 3,
        "versions count per name, whichever parent"
    );

    for i in 0..5 {
        store
            .create(None, &format!("other-{i}"), &base)
            .await
            .unwrap();
    }
    let page1 = store.list(None, None, 4).await.unwrap();
    let page2 = store
        .list(None, Some(page1.last().unwrap().id), 4)
        .await
        .unwrap();
    let page3 = store
        .list(None, Some(page2.last().unwrap().id), 4)
        .await
        .unwrap();
    assert_eq!((page1.len(), page2.len(), page3.len()), (4, 4, 0));
    let ids: Vec<i64> = page1.iter().chain(&page2).map(|s| s.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    store.delete(first.id).await.unwrap();
    assert!(matches!(
        store.get(first.id).await,
        Err(Error::NotFound {
            what: "scenario",
            ..
        })
    ));
    assert!(matches!(
        store.delete(first.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.get(second.id).await.unwrap().parent_id, None);
}

#[tokio::test]
async fn concurrent_new_versions_get_distinct_numbers() {
    let test = TestDb::new().await;
    let store = Scenarios::new(test.database().await);
    let base = Scenario::preset("peacekeeping").unwrap();
    let first = store.create(None, "shared", &base).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let base = base.clone();
            tokio::spawn(async move { store.new_version(first.id, &base).await.unwrap().version })
        })
        .collect();
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort();
    assert_eq!(versions, (2..=9).collect::<Vec<_>>());
}

#[tokio::test]
async fn invalid_scenarios_and_names_are_refused() {
    let test = TestDb::new().await;
    let store = Scenarios::new(test.database().await);
    let bad = Scenario {
        days: 0,
        ..Scenario::default()
    };
    let err = store.create(None, "bad", &bad).await.unwrap_err();
    assert!(err.to_string().contains("days"), "{err}");
    let err = store
        .create(None, "", &Scenario::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("give 1 to 255 bytes"), "{err}");
}
