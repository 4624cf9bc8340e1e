//! Stored configurations: named, versioned scenarios that jobs and streams can name by id.
//!
//! With PostgreSQL they are `milmed_postgres::Scenarios`, seen by every instance; without
//! one, [`MemoryConfigurations`] keeps the same rules in this process. A configuration
//! belongs to the key that stored it, and is never edited in place: a new version is a
//! new row (next version number, the old one as parent), so a job keeps the exact
//! scenario it was made from.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use milmed_core::Scenario;
use milmed_postgres::{Error, Scenarios, StoredScenario};
use time::OffsetDateTime;

/// Where configurations are stored.
#[derive(Clone)]
pub enum Configurations {
    /// In this process.
    Memory(Arc<MemoryConfigurations>),
    /// In PostgreSQL.
    Postgres(Scenarios),
}

impl Configurations {
    /// Stores `scenario` for `owner` under `name`, version 1; a name the owner already
    /// uses is a conflict.
    pub async fn create(
        &self,
        owner: i64,
        name: &str,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        match self {
            Configurations::Memory(m) => m.create(owner, name, scenario),
            Configurations::Postgres(p) => p.create(Some(owner), name, scenario).await,
        }
    }

    /// Configuration `id` if `owner` stored it; `NotFound` otherwise (another key's
    /// configuration does not exist for this one).
    pub async fn get(&self, owner: i64, id: i64) -> Result<StoredScenario, Error> {
        let stored = match self {
            Configurations::Memory(m) => m.get(id),
            Configurations::Postgres(p) => p.get(id).await,
        }?;
        if stored.owner_key_id == Some(owner) {
            Ok(stored)
        } else {
            Err(not_found(id))
        }
    }

    /// Up to `limit` of `owner`'s configurations after id `after`, oldest first.
    pub async fn list(
        &self,
        owner: i64,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredScenario>, Error> {
        match self {
            Configurations::Memory(m) => Ok(m.list(owner, after, limit)),
            Configurations::Postgres(p) => p.list(Some(owner), after, limit).await,
        }
    }

    /// Stores `scenario` as the next version of `owner`'s configuration `id`.
    pub async fn new_version(
        &self,
        owner: i64,
        id: i64,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        self.get(owner, id).await?;
        match self {
            Configurations::Memory(m) => m.new_version(id, scenario),
            Configurations::Postgres(p) => p.new_version(id, scenario).await,
        }
    }

    /// Deletes `owner`'s configuration `id` (its later versions stay, without parent).
    pub async fn delete(&self, owner: i64, id: i64) -> Result<(), Error> {
        self.get(owner, id).await?;
        match self {
            Configurations::Memory(m) => m.delete(id),
            Configurations::Postgres(p) => p.delete(id).await,
        }
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "configuration",
        id: id.to_string(),
    }
}

/// Configurations kept in memory; they do not survive a restart.
#[derive(Default)]
pub struct MemoryConfigurations {
    rows: Mutex<BTreeMap<i64, StoredScenario>>,
}

impl MemoryConfigurations {
    fn body(scenario: &Scenario) -> Result<serde_json::Value, Error> {
        scenario
            .validate()
            .map_err(|e| Error::Invalid(e.to_string()))?;
        serde_json::from_str(&scenario.to_json_pretty()).map_err(|e| Error::Invalid(e.to_string()))
    }

    fn insert(
        rows: &mut BTreeMap<i64, StoredScenario>,
        owner: Option<i64>,
        name: &str,
        version: i32,
        parent_id: Option<i64>,
        body: serde_json::Value,
    ) -> StoredScenario {
        let id = rows.keys().next_back().map_or(1, |last| last + 1);
        let now = OffsetDateTime::now_utc();
        let row = StoredScenario {
            id,
            owner_key_id: owner,
            name: name.to_owned(),
            version,
            parent_id,
            body,
            created_at: now,
            updated_at: now,
        };
        rows.insert(id, row.clone());
        row
    }

    fn create(&self, owner: i64, name: &str, scenario: &Scenario) -> Result<StoredScenario, Error> {
        if name.is_empty() || name.len() > 255 {
            return Err(Error::Invalid(format!(
                "scenario name {name:?}: give 1 to 255 bytes"
            )));
        }
        let body = Self::body(scenario)?;
        let mut rows = self.rows.lock().expect("not poisoned");
        if rows
            .values()
            .any(|r| r.owner_key_id == Some(owner) && r.name == name)
        {
            return Err(Error::Conflict(format!(
                "a scenario named {name:?} exists; add a version instead"
            )));
        }
        Ok(Self::insert(&mut rows, Some(owner), name, 1, None, body))
    }

    fn get(&self, id: i64) -> Result<StoredScenario, Error> {
        let rows = self.rows.lock().expect("not poisoned");
        rows.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn list(&self, owner: i64, after: Option<i64>, limit: u32) -> Vec<StoredScenario> {
        let rows = self.rows.lock().expect("not poisoned");
        rows.range(after.unwrap_or(0).saturating_add(1)..)
            .map(|(_, r)| r)
            .filter(|r| r.owner_key_id == Some(owner))
            .take(limit as usize)
            .cloned()
            .collect()
    }

    fn new_version(&self, id: i64, scenario: &Scenario) -> Result<StoredScenario, Error> {
        let body = Self::body(scenario)?;
        let mut rows = self.rows.lock().expect("not poisoned");
        let (owner, name) = {
            let row = rows.get(&id).ok_or_else(|| not_found(id))?;
            (row.owner_key_id, row.name.clone())
        };
        let version = rows
            .values()
            .filter(|r| r.owner_key_id == owner && r.name == name)
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
            + 1;
        Ok(Self::insert(
            &mut rows,
            owner,
            &name,
            version,
            Some(id),
            body,
        ))
    }

    fn delete(&self, id: i64) -> Result<(), Error> {
        let mut rows = self.rows.lock().expect("not poisoned");
        rows.remove(&id).ok_or_else(|| not_found(id))?;
        for row in rows.values_mut() {
            if row.parent_id == Some(id) {
                row.parent_id = None;
            }
        }
        Ok(())
    }
}
