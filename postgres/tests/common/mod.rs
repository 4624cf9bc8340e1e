//! The shared test database helper lives in `milmed_postgres::testing`.
#![allow(unused_imports)]

pub use milmed_postgres::testing::{TestDb, admin};
