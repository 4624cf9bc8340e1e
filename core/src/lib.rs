//! milmed-core: deterministic synthetic casualties for military medical exercises.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod model;
pub mod reference;
pub mod scenario;

pub use scenario::{Scenario, ScenarioError};
