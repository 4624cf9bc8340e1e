//! Stored configurations: named, versioned scenarios that jobs and streams can name by id.
//!
//! With PostgreSQL they are `milmed_postgres::Scenarios`, seen by every instance; without
//! one, [`MemoryConfigurations`] keeps the same rules in this process. A configuration
//! belongs to the key that stored it, and is never edited in place: a new version is a
//! new row (next version number, the old one as parent, the old name or a new one), so a
//! job keeps the exact scenario it was made from.

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

    /// Up to `limit` of `owner`'s configurations from `page`, oldest first.
    pub async fn list(
        &self,
        owner: i64,
        page: Page,
        limit: u32,
    ) -> Result<Vec<StoredScenario>, Error> {
        match (self, page) {
            (Configurations::Memory(m), page) => Ok(m.list(owner, page, limit)),
            (Configurations::Postgres(p), Page::After(after)) => {
                p.list(Some(owner), after, limit).await
            }
            (Configurations::Postgres(p), Page::Skip(skip)) => {
                p.list_from(Some(owner), skip, limit).await
            }
        }
    }

    /// Stores `scenario` as the next version of `owner`'s configuration `id`, under
    /// `name` when given (else the name of `id`).
    pub async fn new_version(
        &self,
        owner: i64,
        id: i64,
        name: Option<&str>,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        self.get(owner, id).await?;
        match self {
            Configurations::Memory(m) => m.new_version(id, name, scenario),
            Configurations::Postgres(p) => p.new_version_named(id, name, scenario).await,
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

/// Where a page of the list starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// After this id (none: from the start); keyset paging.
    After(Option<i64>),
    /// After this many configurations; offset paging, as the ancestor's SDK pages.
    Skip(i64),
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
        Ok(scenario.to_value())
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

    fn check_name(name: &str) -> Result<(), Error> {
        if name.is_empty() || name.len() > 255 {
            return Err(Error::Invalid(format!(
                "scenario name {name:?}: give 1 to 255 bytes"
            )));
        }
        Ok(())
    }

    fn name_taken(rows: &BTreeMap<i64, StoredScenario>, owner: Option<i64>, name: &str) -> bool {
        rows.values()
            .any(|r| r.owner_key_id == owner && r.name == name)
    }

    fn create(&self, owner: i64, name: &str, scenario: &Scenario) -> Result<StoredScenario, Error> {
        Self::check_name(name)?;
        let body = Self::body(scenario)?;
        let mut rows = self.rows.lock().expect("not poisoned");
        if Self::name_taken(&rows, Some(owner), name) {
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

    fn list(&self, owner: i64, page: Page, limit: u32) -> Vec<StoredScenario> {
        let rows = self.rows.lock().expect("not poisoned");
        let (after, skip) = match page {
            Page::After(after) => (after.unwrap_or(0), 0),
            Page::Skip(skip) => (0, usize::try_from(skip).unwrap_or(usize::MAX)),
        };
        rows.range(after.saturating_add(1)..)
            .map(|(_, r)| r)
            .filter(|r| r.owner_key_id == Some(owner))
            .skip(skip)
            .take(limit as usize)
            .cloned()
            .collect()
    }

    fn new_version(
        &self,
        id: i64,
        new_name: Option<&str>,
        scenario: &Scenario,
    ) -> Result<StoredScenario, Error> {
        if let Some(name) = new_name {
            Self::check_name(name)?;
        }
        let body = Self::body(scenario)?;
        let mut rows = self.rows.lock().expect("not poisoned");
        let (owner, old_name) = {
            let row = rows.get(&id).ok_or_else(|| not_found(id))?;
            (row.owner_key_id, row.name.clone())
        };
        let name = new_name.unwrap_or(&old_name).to_owned();
        if name != old_name && Self::name_taken(&rows, owner, &name) {
            return Err(Error::Conflict(format!(
                "another configuration is named {name:?}; give another name"
            )));
        }
        // The count goes on from the versions of the name it was made from.
        let version = rows
            .values()
            .filter(|r| r.owner_key_id == owner && r.name == old_name)
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
