//! Named, versioned scenario configurations, each owned by an API key.
//!
//! A configuration is never edited in place: [`Scenarios::new_version`] adds a row with
//! the same name, the next version and the previous row as parent, so a job that names
//! a configuration id keeps the exact scenario it ran with. Names are unique per owner.

use milmed_core::Scenario;
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::{Database, Error, Retry};

/// One stored configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredScenario {
    /// Its id.
    pub id: i64,
    /// The API key that stored it (`None` for rows stored without one).
    pub owner_key_id: Option<i64>,
    /// The configuration's name, shared by its versions.
    pub name: String,
    /// 1 for the first, then one more per [`Scenarios::new_version`].
    pub version: i32,
    /// The version it was made from.
    pub parent_id: Option<i64>,
    /// The scenario, as JSON.
    pub body: serde_json::Value,
    /// When it was stored.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl StoredScenario {
    fn from_row(row: &Row) -> StoredScenario {
        StoredScenario {
            id: row.get("id"),
            owner_key_id: row.get("owner_key_id"),
            name: row.get("name"),
            version: row.get("version"),
            parent_id: row.get("parent_id"),
            body: row.get("body"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }

    /// The body read back as a scenario (checked again: it may predate a rule).
    pub fn scenario(&self) -> Result<Scenario, Error> {
        let scenario = Scenario::from_value(self.body.clone())
            .map_err(|e| Error::Invalid(format!("stored scenario {}: {e}", self.id)))?;
        scenario
            .validate()
            .map_err(|e| Error::Invalid(format!("stored scenario {}: {e}", self.id)))?;
        Ok(scenario)
    }
}

const COLUMNS: &str = "id, owner_key_id, name, version, parent_id, body, created_at, updated_at";

/// The scenarios table.
#[derive(Clone, Debug)]
pub struct Scenarios {
    db: Database,
}

impl Scenarios {
    /// The store over `db`.
    pub fn new(db: Database) -> Scenarios {
        Scenarios { db }
    }

    /// Stores a scenario of `owner` under `name` as version 1 (a name the owner already
    /// uses, in any version, is a conflict).
    pub async fn create(
        &self,
        owner: Option<i64>,
        name: &str,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        check_name(name)?;
        let body = body(scenario)?;
        let mut conn = self.db.get().await?;
        let tx = conn.transaction().await?;
        lock_name(&tx, owner, name).await?;
        let row = tx
            .query_opt(
                &format!(
                    "INSERT INTO scenarios (owner_key_id, name, body) \
                     SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM scenarios \
                         WHERE owner_key_id IS NOT DISTINCT FROM $1 AND name = $2) \
                     ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
                ),
                &[&owner, &name, &body],
            )
            .await?
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "a scenario named {name:?} exists; add a version instead"
                ))
            })?;
        tx.commit().await?;
        Ok(StoredScenario::from_row(&row))
    }

    /// One configuration.
    pub async fn get(&self, id: i64) -> Result<StoredScenario, Error> {
        Retry::default()
            .run("get scenario", || async {
                let conn = self.db.get().await?;
                let row = conn
                    .query_opt(
                        &format!("SELECT {COLUMNS} FROM scenarios WHERE id = $1"),
                        &[&id],
                    )
                    .await?;
                Ok(row)
            })
            .await?
            .map(|row| StoredScenario::from_row(&row))
            .ok_or_else(|| Error::NotFound {
                what: "scenario",
                id: id.to_string(),
            })
    }

    /// Up to `limit` configurations of `owner` after id `after` (none: from the start),
    /// oldest first. Keyset pagination: pass the last id of a page to get the next.
    pub async fn list(
        &self,
        owner: Option<i64>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredScenario>, Error> {
        self.page(owner, after.unwrap_or(0), 0, limit).await
    }

    /// Up to `limit` configurations of `owner` after the first `skip`, oldest first
    /// (offset pagination, for clients that page so).
    pub async fn list_from(
        &self,
        owner: Option<i64>,
        skip: i64,
        limit: u32,
    ) -> Result<Vec<StoredScenario>, Error> {
        self.page(owner, 0, skip, limit).await
    }

    /// `owner`'s configurations with an id above `after`, oldest first, leaving out the
    /// first `skip`: the one query behind both ways of paging.
    async fn page(
        &self,
        owner: Option<i64>,
        after: i64,
        skip: i64,
        limit: u32,
    ) -> Result<Vec<StoredScenario>, Error> {
        let limit = i64::from(limit);
        let rows = Retry::default()
            .run("list scenarios", || async {
                let conn = self.db.get().await?;
                Ok(conn
                    .query(
                        &format!(
                            "SELECT {COLUMNS} FROM scenarios \
                             WHERE owner_key_id IS NOT DISTINCT FROM $1 AND id > $2 \
                             ORDER BY id OFFSET $3 LIMIT $4"
                        ),
                        &[&owner, &after, &skip, &limit],
                    )
                    .await?)
            })
            .await?;
        Ok(rows.iter().map(StoredScenario::from_row).collect())
    }

    /// Stores `scenario` as the next version of `id`'s configuration (same owner and
    /// name), with `id` as parent.
    pub async fn new_version(&self, id: i64, scenario: &Scenario) -> Result<StoredScenario, Error> {
        self.new_version_named(id, None, scenario).await
    }

    /// Stores `scenario` as the next version of `id`'s configuration, with `id` as
    /// parent, under `name` when given (the earlier versions keep theirs) or `id`'s name.
    /// The version number goes on from the versions of `id`'s name; a new name that
    /// another configuration of the owner has is a conflict.
    pub async fn new_version_named(
        &self,
        id: i64,
        name: Option<&str>,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        if let Some(name) = name {
            check_name(name)?;
        }
        let body = body(scenario)?;
        let mut conn = self.db.get().await?;
        let tx = conn.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT owner_key_id, name FROM scenarios WHERE id = $1",
                &[&id],
            )
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "scenario",
                id: id.to_string(),
            })?;
        let (owner, old_name): (Option<i64>, String) = (row.get(0), row.get(1));
        let name = name.unwrap_or(&old_name);
        // Lock the names' versions so that two new versions do not take the same number
        // nor two configurations the same name (in a fixed order: no deadlock).
        let mut names = [old_name.as_str(), name];
        names.sort_unstable();
        lock_name(&tx, owner, names[0]).await?;
        if names[1] != names[0] {
            lock_name(&tx, owner, names[1]).await?;
            let taken = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM scenarios \
                     WHERE owner_key_id IS NOT DISTINCT FROM $1 AND name = $2)",
                    &[&owner, &name],
                )
                .await?
                .get::<_, bool>(0);
            if taken {
                return Err(Error::Conflict(format!(
                    "another configuration is named {name:?}; give another name"
                )));
            }
        }
        let row = tx
            .query_one(
                &format!(
                    "INSERT INTO scenarios (owner_key_id, name, version, parent_id, body) \
                     SELECT $1, $5, max(version) + 1, $3, $4 FROM scenarios \
                     WHERE owner_key_id IS NOT DISTINCT FROM $1 AND name = $2 \
                     RETURNING {COLUMNS}"
                ),
                &[&owner, &old_name, &id, &body, &name],
            )
            .await?;
        tx.commit().await?;
        Ok(StoredScenario::from_row(&row))
    }

    /// Deletes one configuration (its later versions keep their content, their parent
    /// becomes none).
    pub async fn delete(&self, id: i64) -> Result<(), Error> {
        let conn = self.db.get().await?;
        match conn
            .execute("DELETE FROM scenarios WHERE id = $1", &[&id])
            .await?
        {
            0 => Err(Error::NotFound {
                what: "scenario",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }
}

/// Holds, until `tx` ends, the lock of `owner`'s configurations named `name`.
async fn lock_name(
    tx: &tokio_postgres::Transaction<'_>,
    owner: Option<i64>,
    name: &str,
) -> Result<(), Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('milmed.scenarios.' || \
         COALESCE($1::bigint, 0)::text || '.' || $2))",
        &[&owner, &name],
    )
    .await?;
    Ok(())
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > 255 {
        return Err(Error::Invalid(format!(
            "scenario name {name:?}: give 1 to 255 bytes"
        )));
    }
    Ok(())
}

fn body(scenario: &Scenario) -> Result<serde_json::Value, Error> {
    scenario
        .validate()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(scenario.to_value())
}
